"""name_normalise: the customer's name from a record, rewritten as "First Last".

Answer: given name, a space, family name, capitalised (``Jane Doe``); titles, middle names,
initials and suffixes go. The record writes the name the way CRM exports, tickets and
signatures do: "Doe, Jane", "DOE, Jane A.", "Dr. Jane Ann Doe, PhD", "jane doe jr.". Harder
records also name someone who is not the customer (the agent, an account manager, whoever the
customer greets), so the answer is the customer's name, not the first name in sight.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import FIRST_NAMES, filler, letter, person

TITLES: tuple[str, ...] = ("Dr.", "Dr", "Mr.", "Mr", "Mrs.", "Ms.", "Ms", "Prof.", "Mx.")
SUFFIXES: tuple[str, ...] = ("Jr.", "Sr.", "II", "III", "PhD", "MD")
_CITIES: tuple[str, ...] = ("Springfield", "Riverside", "Fairview", "Madison", "Georgetown")


def _styles(first: str, middle: str, last: str, title: str, suffix: str) -> dict[str, str]:
    """Every way the generator writes one name."""
    initial = f"{middle[0]}."
    return {
        "first_last": f"{first} {last}",
        "last_comma_first": f"{last}, {first}",
        "upper": f"{first} {last}".upper(),
        "upper_last_comma": f"{last.upper()}, {first}",
        "middle": f"{first} {middle} {last}",
        "middle_initial": f"{first} {initial} {last}",
        "title": f"{title} {first} {last}",
        "last_comma_first_initial": f"{last}, {first} {initial}",
        "suffix": f"{first} {last} {suffix}"
        if suffix in ("II", "III")
        else f"{first} {last}, {suffix}",
        "title_middle_suffix": f"{title} {first} {middle} {last}, {suffix}",
        "lower_suffix": f"{first} {initial} {last} {suffix}".lower(),
        "upper_last_comma_middle": f"{last.upper()}, {first} {middle}",
    }


_LEVEL_STYLES: dict[str, tuple[str, ...]] = {
    "easy": ("first_last", "last_comma_first", "upper", "upper_last_comma"),
    "medium": (
        "last_comma_first",
        "upper_last_comma",
        "middle",
        "middle_initial",
        "title",
        "last_comma_first_initial",
    ),
    "hard": (
        "suffix",
        "title_middle_suffix",
        "lower_suffix",
        "upper_last_comma_middle",
        "last_comma_first_initial",
        "title",
    ),
}


def _ticket(rng: random.Random, name: str, other: str | None) -> str:
    lines = [f"Ticket #{rng.randint(10_000, 99_999)}", f"Customer: {name}"]
    if other:
        lines.append(f"Assigned agent: {other}")
    lines.append(f"Subject: {rng.choice(('Refund request', 'Login problem', 'Address change'))}")
    return "\n".join([*lines, "", *filler(rng, 1)])


def _csv(rng: random.Random, name: str, other: str | None) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if "," in value else value

    header, row = (
        ["customer_name", "city", "plan"],
        [
            cell(name),
            rng.choice(_CITIES),
            rng.choice(("basic", "pro", "team")),
        ],
    )
    if other:
        header.append("account_manager")
        row.append(cell(other))
    return f"{','.join(header)}\n{','.join(row)}"


def _signature(rng: random.Random, name: str, other: str | None) -> str:
    greeted = other.split()[0] if other else "team"
    message = letter(rng, greeted, filler(rng, 2), name)
    return f"New message from a customer:\n\n{message}"


def _sentence(rng: random.Random, name: str, other: str | None) -> str:
    sentence = rng.choice(
        (
            "The booking was made by the customer {n} through the website.",
            "Customer {n} asked us to update the billing address.",
            "A refund was approved for our customer {n} this morning.",
        )
    ).format(n=name)
    if other:
        sentence += f" The case is handled by {other}."
    return " ".join([sentence, *filler(rng, 1)])


def _form(rng: random.Random, name: str, other: str | None) -> str:
    lines = ["CUSTOMER REGISTRATION", f"Full name: {name}", f"City: {rng.choice(_CITIES)}"]
    if other:
        lines.append(f"Referred by: {other}")
    return "\n".join(lines)


LAYOUTS: dict[str, Callable[[random.Random, str, str | None], str]] = {
    "ticket": _ticket,
    "csv": _csv,
    "signature": _signature,
    "sentence": _sentence,
    "form": _form,
}

TEMPLATES: tuple[str, ...] = (
    'Give the customer\'s name as "First Last": given name, then family name, without titles, '
    "middle names, initials or suffixes.\n\n{text}",
    "Normalise the customer name in this record to First Last (drop Dr./Mr./Ms., middle names, "
    "initials, Jr./PhD and the like; capitalise normally).\n---\n{text}\n---",
    "Our mailing tool wants the customer's first and last name only, in that order. What "
    "should it be for this record?\n{text}",
    "Who is the customer here? Answer with their given name and surname only, in normal "
    "capitalisation.\n\n{text}",
    "Rewrite the customer's name from the text below in the form First Last, without titles, "
    "middle names, initials or suffixes.\nText: {text}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A customer name in one written style and layout; hard records name a second person."""
    first, last = person(rng)
    style = rng.choice(_LEVEL_STYLES[difficulty])
    written = _styles(
        first, rng.choice(FIRST_NAMES), last, rng.choice(TITLES), rng.choice(SUFFIXES)
    )
    other = (
        " ".join(person(rng))
        if difficulty == "hard" or (difficulty == "medium" and rng.random() < 0.3)
        else None
    )
    layout = rng.choice(sorted(LAYOUTS))
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(text=LAYOUTS[layout](rng, written[style], other)),
        f"{first} {last}",
        {"template": template, "layout": layout, "style": style, "other_person": other},
    )


FAMILY = Family(
    name="name_normalise",
    description="Rewrite the customer's name from a ticket, CSV row, form or signature as "
    "'First Last' (no titles, middle names or suffixes).",
    answer_format="exact",
    answer_doc="given name and family name, capitalised: First Last",
    knobs={
        "easy": "'Jane Doe', 'Doe, Jane', 'JANE DOE' or 'DOE, Jane'; nobody else named",
        "medium": "middle names and initials, titles; sometimes a second person (agent)",
        "hard": "titles with suffixes (PhD, Jr., III), lower case, 'DOE, Jane Ann'; always a "
        "second person",
    },
    make=make,
    kind="everyday",
)
