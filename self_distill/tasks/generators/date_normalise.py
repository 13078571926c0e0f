"""date_normalise: find the date a message gives for something and write it as ISO.

Answer: ``YYYY-MM-DD``. The question names what the date is for (the due date, the delivery date,
...) and the message says it in one of many ways: "March 5, 2024", "5th March 2024", "Tue,
5 Mar 2024", "05-Mar-2024", "2024/03/05", or all-numeric "05/03/2024" when the message states
whether it writes day or month first. Harder messages carry other dates (when the invoice was
issued, when the note was sent), clock times and reference numbers that are not the answer.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import filler, letter, person

_FIRST, _LAST = dt.date(2015, 1, 1), dt.date(2030, 12, 31)

# role asked about -> (sentences saying it, form field label)
ROLES: dict[str, tuple[tuple[str, ...], str]] = {
    "due date": (("Payment is due on {d}.", "The balance falls due on {d}."), "Due date"),
    "delivery date": (
        ("Your parcel will be delivered on {d}.", "Expected delivery: {d}."),
        "Delivery date",
    ),
    "start date": (("The new contract starts on {d}.", "Your start date is {d}."), "Start date"),
    "renewal date": (
        ("Your subscription renews on {d}.", "Renewal is booked for {d}."),
        "Renewal date",
    ),
    "appointment date": (
        ("Your appointment is booked for {d}.", "We have moved the appointment to {d}."),
        "Appointment",
    ),
}
# dates that are never asked about
OTHER_DATES: tuple[tuple[str, str], ...] = (
    ("This note was written on {d}.", "Sent"),
    ("The invoice was issued on {d}.", "Issued"),
    ("We received your request on {d}.", "Received"),
    ("This page was last updated on {d}.", "Last updated"),
)
CONVENTION_NOTES: dict[str, tuple[str, ...]] = {
    "dmy": ("(All dates below are day/month/year.)", "Date format: DD/MM/YYYY"),
    "mdy": ("(All dates below are month/day/year.)", "Date format: MM/DD/YYYY"),
}


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


DATE_STYLES: dict[str, Callable[[dt.date], str]] = {
    "month_day_year": lambda d: f"{calendar.month_name[d.month]} {d.day}, {d.year}",
    "day_month_year": lambda d: f"{d.day} {calendar.month_name[d.month]} {d.year}",
    "abbreviated": lambda d: f"{calendar.month_abbr[d.month]} {d.day}, {d.year}",
    "ordinal": lambda d: f"{_ordinal(d.day)} {calendar.month_name[d.month]} {d.year}",
    "month_ordinal": lambda d: f"{calendar.month_name[d.month]} {_ordinal(d.day)}, {d.year}",
    "weekday": lambda d: (
        f"{calendar.day_abbr[d.weekday()]}, {d.day} {calendar.month_abbr[d.month]} {d.year}"
    ),
    "day_abbr_year": lambda d: f"{d.day:02d}-{calendar.month_abbr[d.month]}-{d.year}",
    "year_slash": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "the_of": lambda d: f"the {_ordinal(d.day)} of {calendar.month_name[d.month]}, {d.year}",
    "no_comma": lambda d: f"{calendar.month_name[d.month]} {d.day} {d.year}",
    "dmy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "dmy_dots": lambda d: f"{d.day}.{d.month}.{d.year}",
    "mdy": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
}
_NUMERIC_CONVENTION = {"dmy": "dmy", "dmy_dots": "dmy", "mdy": "mdy"}

NOISE: tuple[Callable[[random.Random], str], ...] = (
    lambda rng: f"The call is at {rng.randint(8, 17)}:{rng.choice(('00', '15', '30', '45'))}.",
    lambda rng: f"Reference: {rng.randint(2015, 2030)}-{rng.randint(1000, 9999)}.",
    lambda rng: f"The amount is ${rng.randint(20, 4000)}.{rng.randint(0, 99):02d}.",
    lambda rng: f"Room {rng.randint(100, 450)}, building {rng.randint(2, 9)}.",
)


def _layout_email(rng: random.Random, sentences: list[str], fields: list[str]) -> str:
    return letter(rng, person(rng)[0], sentences, person(rng)[0])


def _layout_form(rng: random.Random, sentences: list[str], fields: list[str]) -> str:
    first, last = person(rng)
    return "\n".join([f"Customer: {first} {last}", *fields, "Status: confirmed"])


def _layout_chat(rng: random.Random, sentences: list[str], fields: list[str]) -> str:
    speaker = person(rng)[0].lower()
    stamp = f"{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    lines = [f"[{stamp}] {speaker}: {sentence}" for sentence in sentences]
    return "\n".join([*lines, f"[{stamp}] {person(rng)[0].lower()}: ok, thanks"])


def _layout_notice(rng: random.Random, sentences: list[str], fields: list[str]) -> str:
    heading = rng.choice(("NOTICE", "Reminder", "Account update", "Booking confirmation"))
    return f"{heading}\n\n{' '.join(sentences)}"


LAYOUTS: dict[str, Callable[[random.Random, list[str], list[str]], str]] = {
    "email": _layout_email,
    "form": _layout_form,
    "chat": _layout_chat,
    "notice": _layout_notice,
}

# difficulty -> (date styles, other dates count range, noise count range)
_KNOBS: dict[str, tuple[tuple[str, ...], tuple[int, int], tuple[int, int]]] = {
    "easy": (("month_day_year", "day_month_year", "abbreviated"), (0, 0), (0, 0)),
    "medium": (
        (
            "month_day_year",
            "day_month_year",
            "abbreviated",
            "ordinal",
            "month_ordinal",
            "weekday",
            "day_abbr_year",
            "year_slash",
        ),
        (0, 1),
        (0, 1),
    ),
    "hard": (tuple(DATE_STYLES), (1, 2), (1, 2)),
}

TEMPLATES: tuple[str, ...] = (
    "What is the {role} in the text below? Give it as an ISO date (YYYY-MM-DD).\n\n{text}",
    "Normalise the {role} mentioned here to YYYY-MM-DD format. Reply with the date only.\n"
    "---\n{text}\n---",
    "Extract the {role} from this message and convert it to ISO 8601 (YYYY-MM-DD).\n{text}",
    "I need the {role} from the following in a spreadsheet-friendly format: YYYY-MM-DD, "
    "nothing else.\n\n{text}",
    "Read the message and return the {role} as year-month-day with dashes and zero-padded "
    "numbers.\nMessage: {text}",
)


def _random_date(rng: random.Random) -> dt.date:
    return _FIRST + dt.timedelta(days=rng.randrange((_LAST - _FIRST).days + 1))


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """The asked date, other dates and noise, rendered in one layout and date style per date."""
    styles, (other_low, other_high), (noise_low, noise_high) = _KNOBS[difficulty]
    role = rng.choice(sorted(ROLES))
    role_sentences, role_field = ROLES[role]
    target = _random_date(rng)
    convention = rng.choice(sorted(CONVENTION_NOTES))
    usable = [s for s in styles if _NUMERIC_CONVENTION.get(s, convention) == convention]
    dated = [(target, rng.choice(role_sentences), role_field)]
    for sentence, field in rng.sample(OTHER_DATES, rng.randint(other_low, other_high)):
        dated.append((_random_date(rng), sentence, field))
    chosen_styles = [rng.choice(usable) for _ in dated]
    sentences = [
        sentence.format(d=DATE_STYLES[s](day))
        for (day, sentence, _), s in zip(dated, chosen_styles, strict=True)
    ]
    fields = [
        f"{field}: {DATE_STYLES[s](day)}"
        for (day, _, field), s in zip(dated, chosen_styles, strict=True)
    ]
    extras = [noise(rng) for noise in rng.sample(NOISE, rng.randint(noise_low, noise_high))]
    sentences = [*sentences, *extras, *filler(rng, rng.randint(0, 1))]
    rng.shuffle(sentences)
    rng.shuffle(fields)
    layout = rng.choice(sorted(LAYOUTS))
    text = LAYOUTS[layout](rng, sentences, fields)
    if any(s in _NUMERIC_CONVENTION for s in chosen_styles):
        text = f"{rng.choice(CONVENTION_NOTES[convention])}\n{text}"
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(role=role, text=text),
        target.isoformat(),
        {"template": template, "layout": layout, "role": role, "styles": chosen_styles},
    )


FAMILY = Family(
    name="date_normalise",
    description="Find the date a message gives for a named purpose (due, delivery, start, ...) "
    "and rewrite it as an ISO date.",
    answer_format="exact",
    answer_doc="an ISO date, YYYY-MM-DD",
    knobs={
        "easy": "one date, written 'March 5, 2024', '5 March 2024' or 'Mar 5, 2024'",
        "medium": "ordinals, weekdays, 05-Mar-2024, 2024/03/05; maybe one other date",
        "hard": "also day- or month-first numeric dates (format stated), 'the 5th of March'; "
        "1-2 other dates, clock times and reference numbers",
    },
    make=make,
    kind="everyday",
)
