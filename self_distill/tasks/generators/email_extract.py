"""email_extract: pull the one e-mail address out of a message, in its plain form.

Answer: the address in lower case, ``local@domain``. Each message holds exactly one address, in
one of eight layouts teams actually paste: a sentence, a ``From:`` header, a signature block, a
``Cc:`` line, ``Name <address>``, a ``mailto:`` link, or spelled out against spam harvesters
(``jane dot doe at acme dot com``, ``jane [at] acme [dot] com``). Harder messages add things that
look like addresses and are not: social handles, URLs with an ``@`` in the path, file names with
dots, and the word "at" in ordinary prose.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import (
    JOB_TITLES,
    company,
    filler,
    letter,
    person,
)

FREE_DOMAINS: tuple[str, ...] = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "gmx.de")
SUBDOMAINS: tuple[str, ...] = ("mail", "eu", "billing", "corp")
TEAMS: tuple[str, ...] = ("Accounts Payable", "Support Team", "Sales", "Front Desk", "Operations")
SUBJECTS: tuple[str, ...] = (
    "Quick question", "Follow-up from yesterday", "Updated contact details", "Next steps",
    "Introduction", "Re: your enquiry", "Change of address", "Partnership",
)  # fmt: skip
_BRACKETS: tuple[tuple[str, str], ...] = (("[", "]"), ("(", ")"), ("{", "}"))
_PLACES: tuple[str, ...] = ("office", "warehouse", "airport", "front desk", "conference")
_FILES: tuple[str, ...] = ("invoice.final.pdf", "notes.v2.docx", "budget.2024.xlsx", "scan.001.jpg")


def _address(rng: random.Random, difficulty: str) -> tuple[str, str, str]:
    """(address as written, first name, last name) of the person the message is about."""
    first, last = person(rng)
    own_domain = company(rng)[1]
    styles = [f"{first}.{last}", f"{first[0]}{last}", f"{first}"]
    if difficulty != "easy":
        styles += [f"{first}_{last}", f"{last}.{first[0]}", f"{first}{rng.randint(1, 99)}"]
    local = rng.choice(styles).lower()
    domain = rng.choice((own_domain, own_domain, rng.choice(FREE_DOMAINS)))
    if difficulty == "hard":
        if rng.random() < 0.3:
            local += "+" + rng.choice(("invoices", "news", "work"))
        if rng.random() < 0.3 and domain == own_domain:
            domain = f"{rng.choice(SUBDOMAINS)}.{domain}"
        if rng.random() < 0.3:
            local, domain = local.capitalize(), domain.capitalize()
    return f"{local}@{domain}", first, last


def _spelled_out(address: str) -> str:
    local, domain = address.split("@")
    return f"{local.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}"


def _bracketed(rng: random.Random, address: str) -> str:
    left, right = rng.choice(_BRACKETS)
    local, domain = address.split("@")
    if rng.random() < 0.5:
        domain = domain.replace(".", f" {left}dot{right} ")
    return f"{local} {left}at{right} {domain}"


def _inline(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    sentence = rng.choice(
        (
            "You can reach me at {a} any time.",
            "Please send the signed copy to {a}.",
            "My new address is {a}, the old one stops working soon.",
            "Drop a line to {a} and I will forward it.",
        )
    ).format(a=address)
    return letter(rng, person(rng)[0], _insert(rng, body, sentence), name[0])


def _from_header(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    header = f"From: {address}\nTo: {rng.choice(TEAMS)}\nSubject: {rng.choice(SUBJECTS)}"
    return f"{header}\n\n{letter(rng, 'team', body, name[0])}"


def _signature(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    block = f"{name[0]} {name[1]}\n{rng.choice(JOB_TITLES)}, {company(rng)[0]}\n{address}"
    return letter(rng, "all", body, block)


def _cc_line(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    header = f"To: {rng.choice(TEAMS)}\nCc: {address}\nSubject: {rng.choice(SUBJECTS)}"
    note = f"I have added {name[0]} in copy for this one."
    return f"{header}\n\n{letter(rng, 'all', _insert(rng, body, note), person(rng)[0])}"


def _angle(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    quoted = "\n".join(f"> {sentence}" for sentence in body) or "> Sounds good."
    return f"On Monday, {name[0]} {name[1]} <{address}> wrote:\n{quoted}"


def _mailto(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    link = rng.choice(
        (
            f'<a href="mailto:{address}">Email {name[0]}</a>',
            f"[Write to {name[0]}](mailto:{address})",
        )
    )
    return " ".join([*body, f"Questions about the project? {link}"])


def _words(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    sentence = rng.choice(
        ("My address is {a}.", "Email: {a}", "Contact {n} via {a} (no spaces).")
    ).format(a=_spelled_out(address), n=name[0])
    return letter(rng, "team", _insert(rng, body, sentence), name[0])


def _brackets(rng: random.Random, address: str, name: tuple[str, str], body: list[str]) -> str:
    sentence = rng.choice(("Contact: {a}", "Reach {n} on {a}.", "Mail {a} for a quote.")).format(
        a=_bracketed(rng, address), n=name[0]
    )
    return " ".join(_insert(rng, body, sentence))


def _insert(rng: random.Random, sentences: list[str], extra: str) -> list[str]:
    position = rng.randint(0, len(sentences))
    return [*sentences[:position], extra, *sentences[position:]]


Layout = Callable[[random.Random, str, tuple[str, str], list[str]], str]
LAYOUTS: dict[str, Layout] = {
    "inline": _inline,
    "from_header": _from_header,
    "signature": _signature,
    "cc_line": _cc_line,
    "angle_brackets": _angle,
    "mailto_link": _mailto,
    "spelled_out": _words,
    "bracketed": _brackets,
}

DISTRACTORS: dict[str, Callable[[random.Random, str, str], str]] = {
    "handle": lambda rng, first, last: f"Follow us on social media: @{first.lower()}{last.lower()}",
    "website": lambda rng, first, last: f"Our website is https://www.{company(rng)[1]}/contact.",
    "url_with_at": lambda rng, first, last: (
        f"My portfolio is at https://medium.com/@{first.lower()}.{last.lower()}."
    ),
    "at_in_prose": lambda rng, first, last: f"I will be at the {rng.choice(_PLACES)} until noon.",
    "file_name": lambda rng, first, last: f"I attached {rng.choice(_FILES)} as well.",
}

# difficulty -> (layouts, distractor kinds, distractor count range, filler count range)
_KNOBS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[int, int], tuple[int, int]]] = {
    "easy": (("inline", "from_header", "signature", "angle_brackets"), (), (0, 0), (0, 1)),
    "medium": (
        tuple(name for name in LAYOUTS if name != "spelled_out"),
        ("handle", "website"),
        (1, 1),
        (1, 2),
    ),
    "hard": (tuple(LAYOUTS), tuple(DISTRACTORS), (2, 3), (1, 2)),
}

TEMPLATES: tuple[str, ...] = (
    "Extract the email address from the message below. Reply with the address only, in lower "
    "case, written the normal way (name@domain) even if the message spells it out.\n\n{text}",
    'What is the email address in this text? If it is disguised (like "name at domain dot '
    'com" or "name [at] domain"), write it the normal way. Answer with just the address.\n'
    "---\n{text}\n---",
    "Pull out the contact email from the following so I can add it to our CRM. One address, "
    "standard lower-case form, nothing else.\n\n{text}",
    "Find the e-mail address mentioned in this message and return it as a plain address "
    "(lower case, with @ and dots, spelled-out forms converted).\nMessage:\n{text}",
    "Which email address does this message give? Reply with only that address, normalised: "
    'lower case, with "at"/"dot" written as @ and ".".\n\n{text}',
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """One address in a layout, with filler and (medium, hard) look-alike distractors."""
    layouts, distractor_kinds, (low, high), (fill_low, fill_high) = _KNOBS[difficulty]
    address, first, last = _address(rng, difficulty)
    layout = rng.choice(layouts)
    distractors = [rng.choice(distractor_kinds) for _ in range(rng.randint(low, high))]
    body = filler(rng, rng.randint(fill_low, fill_high))
    for kind in distractors:
        body = _insert(rng, body, DISTRACTORS[kind](rng, first, last))
    template = rng.randrange(len(TEMPLATES))
    text = LAYOUTS[layout](rng, address, (first, last), body)
    return Sample(
        TEMPLATES[template].format(text=text),
        address.lower(),
        {"template": template, "layout": layout, "distractors": distractors},
    )


FAMILY = Family(
    name="email_extract",
    description="Pull the one email address out of a message (headers, signatures, links, "
    "spelled-out 'at'/'dot'), in plain lower-case form.",
    answer_format="exact",
    answer_doc="the address in lower case, local@domain",
    knobs={
        "easy": "sentence, From: header, signature or Name <address>; plain addresses",
        "medium": "also Cc:, mailto: links and [at]/(at) forms; a handle or website nearby",
        "hard": "all 8 layouts incl. 'dot'/'at' spelled out, +tags, subdomains, capitals; "
        "2-3 look-alikes (URLs with @, file names, 'at' in prose)",
    },
    make=make,
    kind="everyday",
)
