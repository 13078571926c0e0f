"""phone_normalise: find the phone number in a message and write it in E.164 form.

Answer: ``+`` then country code then the national number, digits only (``+14155550134``). Every
prompt says that a number without a country code is a US number. US numbers come as
"(415) 555-0134", "415.555.0134", "1-415-555-0134", "4155550134" and so on; harder messages
add international numbers written with ``+44`` or ``0044`` and the national trunk zero in
brackets ("+44 (0)20 7946 0958", where the 0 must go), extensions to drop, and other numbers
that are not phone numbers (order numbers, ZIP codes, amounts, dates, times).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import JOB_TITLES, company, filler, person

# country code -> national number groups (first group without the trunk zero)
FOREIGN: dict[str, tuple[tuple[int, ...], ...]] = {
    "44": ((2, 4, 4), (4, 6)),  # London landline, UK mobile
    "49": ((2, 8), (3, 7)),
    "33": ((1, 2, 2, 2, 2),),
    "61": ((1, 4, 4),),
}


def _digits(rng: random.Random, count: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(count - 1))


def _us_number(rng: random.Random) -> str:
    return _digits(rng, 3, "23456789") + _digits(rng, 3, "23456789") + _digits(rng, 4, "0123456789")


US_STYLES: dict[str, Callable[[str], str]] = {
    "parentheses": lambda n: f"({n[:3]}) {n[3:6]}-{n[6:]}",
    "dashes": lambda n: f"{n[:3]}-{n[3:6]}-{n[6:]}",
    "dots": lambda n: f"{n[:3]}.{n[3:6]}.{n[6:]}",
    "spaces": lambda n: f"{n[:3]} {n[3:6]} {n[6:]}",
    "plus_one": lambda n: f"+1 {n[:3]} {n[3:6]} {n[6:]}",
    "one_dash": lambda n: f"1-{n[:3]}-{n[3:6]}-{n[6:]}",
    "bare": lambda n: n,
    "plus_one_parentheses": lambda n: f"+1 ({n[:3]}) {n[3:6]}-{n[6:]}",
}
_EASY_US = ("parentheses", "dashes", "dots", "spaces")


def _foreign(rng: random.Random) -> tuple[str, str]:
    """(number as written, E.164) for a non-US number."""
    code = rng.choice(sorted(FOREIGN))
    sizes = rng.choice(FOREIGN[code])
    groups = [_digits(rng, size) for size in sizes]
    national = " ".join(groups)
    written = rng.choice(
        (
            f"+{code} {national}",
            f"+{code} (0){national}",
            f"00{code} {national}",
            f"00 {code} {national}",
            f"+{code}-{'-'.join(groups)}",
        )
    )
    return written, f"+{code}{''.join(groups)}"


SENTENCES: tuple[str, ...] = (
    "You can call me on {p}.",
    "Best number to reach me: {p}",
    "Please ring {p} after 5 pm.",
    "My mobile is {p} if the line drops.",
)
NOISE: tuple[Callable[[random.Random], str], ...] = (
    lambda rng: f"Your order number is {_digits(rng, 7)}.",
    lambda rng: f"Ship to ZIP code {_digits(rng, 5)}.",
    lambda rng: f"The invoice total is ${rng.randint(100, 9999):,}.{rng.randint(0, 99):02d}.",
    lambda rng: (
        f"Delivery is planned for {rng.randint(2024, 2027)}-0{rng.randint(1, 9)}-1"
        f"{rng.randint(0, 9)}."
    ),
    lambda rng: f"The meeting starts at {rng.randint(8, 11)}:{rng.choice(('15', '30', '45'))} am.",
    lambda rng: f"Case reference {_digits(rng, 4)}-{_digits(rng, 4)}.",
)


def _signature(rng: random.Random, phone: str, body: list[str]) -> str:
    first, last = person(rng)
    block = f"{first} {last}\n{rng.choice(JOB_TITLES)}, {company(rng)[0]}"
    label = rng.choice(("Tel", "Phone", "Mobile", "Direct"))
    return f"{' '.join(body)}\n\n--\n{block}\n{label}: {phone}"


def _inline(rng: random.Random, phone: str, body: list[str]) -> str:
    position = rng.randint(0, len(body))
    sentence = rng.choice(SENTENCES).format(p=phone)
    return " ".join([*body[:position], sentence, *body[position:]])


def _contact_card(rng: random.Random, phone: str, body: list[str]) -> str:
    first, last = person(rng)
    name, domain = company(rng)
    label = rng.choice(("Phone", "Tel.", "Telephone", "Contact number"))
    lines = [f"Name: {first} {last}", f"Company: {name}", f"{label}: {phone}"]
    lines.insert(rng.randint(1, 3), f"Web: www.{domain}")
    return "\n".join([*lines, "", *body])


def _csv_row(rng: random.Random, phone: str, body: list[str]) -> str:
    first, last = person(rng)
    columns = ("name", "company", "phone", "notes")
    note = " ".join(body) or "none"
    row = (f"{first} {last}", company(rng)[0], phone, f'"{note}"')
    return f"{','.join(columns)}\n{','.join(row)}"


def _voicemail(rng: random.Random, phone: str, body: list[str]) -> str:
    first, _ = person(rng)
    transcript = " ".join([f"Hi, it's {first}.", *body, f"Call me back on {phone}. Bye."])
    return f"Voicemail transcript ({rng.randint(0, 2)}:{rng.randint(10, 59)}):\n{transcript}"


LAYOUTS: dict[str, Callable[[random.Random, str, list[str]], str]] = {
    "signature": _signature,
    "inline": _inline,
    "contact_card": _contact_card,
    "csv_row": _csv_row,
    "voicemail": _voicemail,
}

# difficulty -> (US styles, share of foreign numbers, extension share, noise count range)
_KNOBS: dict[str, tuple[tuple[str, ...], float, float, tuple[int, int]]] = {
    "easy": (_EASY_US, 0.0, 0.0, (0, 0)),
    "medium": (tuple(US_STYLES), 0.0, 0.0, (1, 2)),
    "hard": (tuple(US_STYLES), 0.5, 0.3, (2, 3)),
}

TEMPLATES: tuple[str, ...] = (
    "Extract the phone number from the text below and write it in E.164 format (+ country code "
    "and digits, no spaces). Numbers without a country code are US numbers (+1). Drop any "
    "extension.\n\n{text}",
    "Normalise the phone number in this message to E.164, e.g. +14155550134. Assume US (+1) "
    "when no country code is given; leave out extensions and a bracketed trunk 0.\n---\n{text}"
    "\n---",
    "What is the phone number here, in international E.164 form? US unless a country code is "
    "written; no extension. Reply with the number only.\n{text}",
    "For our dialler I need the contact's number as +<country code><number>, digits only (US "
    "numbers get +1; ignore extensions).\n\n{text}",
    "Find the telephone number in the following and give it as E.164 (plus sign, country code, "
    "national number without the leading 0). Default country: United States.\nText: {text}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """One phone number, maybe foreign or with an extension, among noise numbers."""
    styles, foreign_share, extension_share, (low, high) = _KNOBS[difficulty]
    if rng.random() < foreign_share:
        phone, e164 = _foreign(rng)
        style = "foreign"
    else:
        national = _us_number(rng)
        style = rng.choice(styles)
        phone, e164 = US_STYLES[style](national), f"+1{national}"
    if rng.random() < extension_share:
        phone += rng.choice((" ext. ", " x", " extension ")) + str(rng.randint(10, 999))
    body = [noise(rng) for noise in rng.sample(NOISE, rng.randint(low, high))]
    body += filler(rng, rng.randint(0, 2))
    rng.shuffle(body)
    layout = rng.choice(sorted(LAYOUTS))
    template = rng.randrange(len(TEMPLATES))
    text = LAYOUTS[layout](rng, phone, body)
    return Sample(
        TEMPLATES[template].format(text=text),
        e164,
        {"template": template, "layout": layout, "style": style, "written": phone},
    )


FAMILY = Family(
    name="phone_normalise",
    description="Find the phone number in a message (signature, card, CSV row, voicemail) and "
    "write it in E.164 form.",
    answer_format="exact",
    answer_doc="E.164: '+', country code, national number, digits only (+14155550134)",
    knobs={
        "easy": "a US number as (415) 555-0134, 415-555-0134, 415.555.0134 or 415 555 0134",
        "medium": "also +1, 1-, unformatted; 1-2 other numbers (order, ZIP, amount, date, time)",
        "hard": "half foreign (+44 (0)20 ..., 0049 ...), extensions to drop, 2-3 other numbers",
    },
    make=make,
    kind="everyday",
)
