"""date_arith: add or subtract days, weeks or months from a date.

Answer: the resulting date in ISO form ``YYYY-MM-DD``. Month steps keep the day of the month and
clamp it to the last day of the resulting month (January 31 plus one month is February 28 or 29);
every prompt that moves by months states this rule. Hard tasks chain two steps, applied in the
order given, and start near month ends and leap days where clamping matters.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

from self_distill.tasks.generators.base import Family, Sample

_DATE_STYLES: tuple[str, ...] = ("iso", "month_day_year", "day_month_year", "abbrev")
_FIRST, _LAST = dt.date(1990, 1, 1), dt.date(2035, 12, 31)


def format_date(day: dt.date, style: str) -> str:
    """A date as "2024-03-31", "March 31, 2024", "31 March 2024" or "Mar 31, 2024"."""
    if style == "iso":
        return day.isoformat()
    month = calendar.month_name[day.month]
    if style == "month_day_year":
        return f"{month} {day.day}, {day.year}"
    if style == "day_month_year":
        return f"{day.day} {month} {day.year}"
    return f"{calendar.month_abbr[day.month]} {day.day}, {day.year}"


def shift(day: dt.date, amount: int, unit: str) -> dt.date:
    """``day`` moved by ``amount`` (negative: back) days, weeks or clamped months."""
    if unit == "days":
        return day + dt.timedelta(days=amount)
    if unit == "weeks":
        return day + dt.timedelta(weeks=amount)
    months = day.year * 12 + (day.month - 1) + amount
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _phrase(amount: int, unit: str) -> str:
    return f"{amount} {unit[:-1] if amount == 1 else unit}"


def _step_text(amount: int, unit: str) -> str:
    verb = "add" if amount > 0 else "subtract"
    return f"{verb} {_phrase(abs(amount), unit)}"


def _random_start(rng: random.Random, difficulty: str) -> dt.date:
    if difficulty != "hard" or rng.random() < 0.3:
        return _FIRST + dt.timedelta(days=rng.randrange((_LAST - _FIRST).days))
    if rng.random() < 0.3:
        return dt.date(rng.randrange(1992, 2033, 4), 2, 29)
    year = rng.randint(1991, 2034)
    month = rng.randint(1, 12)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, rng.randint(max(28, last - 2), last))


def _random_step(rng: random.Random, difficulty: str) -> tuple[int, str]:
    if difficulty == "easy":
        return rng.choice((1, -1)) * rng.randint(1, 30), "days"
    unit = rng.choice(("days", "weeks", "months"))
    limit = {"days": 400, "weeks": 30, "months": 24}[unit]
    return rng.choice((1, -1)) * rng.randint(1, limit), unit


SINGLE_TEMPLATES: tuple[str, ...] = (
    "What date is {span} {direction} {date}? Answer in YYYY-MM-DD format.",
    "If today is {date}, what is the date {span} {later}? Give it as YYYY-MM-DD.",
    "Starting from {date}, {step}. What is the resulting date (ISO format)?",
    "{date} {sign} {span} = ? Reply with an ISO date.",
)
CHAIN_TEMPLATES: tuple[str, ...] = (
    "Starting from {date}, {steps}. What is the resulting date (YYYY-MM-DD)?",
    "Take the date {date}; first {steps}. Which date do you end up on? Use ISO format.",
    "Begin at {date} and {steps}, in that order. Give the final date as YYYY-MM-DD.",
)
CLAMP_NOTES: tuple[str, ...] = (
    " Moving by months keeps the day of the month, or uses the month's last day if that day "
    "does not exist.",
    " When a month step lands on a day the month lacks, use the last day of that month.",
    " (Month arithmetic clamps to the end of the month.)",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A start date and one step (two for hard), with the clamping rule stated when it applies."""
    start = _random_start(rng, difficulty)
    steps = [_random_step(rng, difficulty) for _ in range(2 if difficulty == "hard" else 1)]
    result = start
    for amount, unit in steps:
        result = shift(result, amount, unit)
    date_text = format_date(start, rng.choice(_DATE_STYLES))
    if len(steps) == 1:
        template = rng.randrange(len(SINGLE_TEMPLATES))
        amount, unit = steps[0]
        text = SINGLE_TEMPLATES[template].format(
            date=date_text,
            span=_phrase(abs(amount), unit),
            direction="after" if amount > 0 else "before",
            later="later" if amount > 0 else "earlier",
            step=_step_text(amount, unit),
            sign="plus" if amount > 0 else "minus",
        )
    else:
        template = rng.randrange(len(CHAIN_TEMPLATES))
        text = CHAIN_TEMPLATES[template].format(
            date=date_text, steps=", then ".join(_step_text(a, u) for a, u in steps)
        )
    if any(unit == "months" for _, unit in steps):
        text += rng.choice(CLAMP_NOTES)
    return Sample(
        text,
        result.isoformat(),
        {
            "template": template,
            "start": start.isoformat(),
            "steps": [[amount, unit] for amount, unit in steps],
        },
    )


FAMILY = Family(
    name="date_arith",
    description="Add or subtract days, weeks or months (month-end clamping); answer ISO date.",
    answer_format="exact",
    answer_doc="an ISO date, YYYY-MM-DD",
    knobs={
        "easy": "one step of 1-30 days",
        "medium": "one step of up to 400 days, 30 weeks or 24 months",
        "hard": "two chained steps from month ends and leap days",
    },
    make=make,
)
