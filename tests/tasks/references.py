"""Independent reference checks for generated tasks, written without the generators' code.

Each helper re-derives an answer from the task's *input text* by a different method (brute
force, a stack, checksum definitions), so a generator bug cannot hide behind shared code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

BRACKETS = {"(": ")", "[": "]", "{": "}", "<": ">"}
CLOSERS = set(BRACKETS.values())

_CLOCK = (
    r"(?P<{p}h>\d{{1,2}})(?:(?::(?P<{p}m>\d{{2}}))?\s?(?P<{p}ap>am|pm|AM|PM)"
    r"|:(?P<{p}m24>\d{{2}})|h(?P<{p}fm>\d{{2}})?)"
)
SLOT = re.compile(_CLOCK.format(p="a") + r"(?:-| to )" + _CLOCK.format(p="b"))


def _minutes(match: re.Match[str], prefix: str) -> int:
    hour = int(match.group(f"{prefix}h"))
    minute = next(
        (
            int(match.group(f"{prefix}{key}"))
            for key in ("m", "m24", "fm")
            if match.group(f"{prefix}{key}")
        ),
        0,
    )
    marker = match.group(f"{prefix}ap")
    if marker:
        hour = hour % 12 + (12 if marker.lower() == "pm" else 0)
    return hour * 60 + minute


def parse_slots(text: str) -> list[tuple[int, int]]:
    """Every time interval written in ``text`` in any of the supported clock formats."""
    return [(_minutes(m, "a"), _minutes(m, "b")) for m in SLOT.finditer(text)]


def fits_in_rooms(intervals: list[tuple[int, int]], rooms: int) -> bool:
    """Brute force: try every assignment of meetings to rooms (with symmetry pruning)."""
    assignment: list[list[tuple[int, int]]] = [[] for _ in range(rooms)]

    def place(index: int) -> bool:
        if index == len(intervals):
            return True
        start, end = intervals[index]
        tried_empty = False
        for room in assignment:
            if not room:
                if tried_empty:
                    continue
                tried_empty = True
            if all(end <= s or e <= start for s, e in room):
                room.append((start, end))
                if place(index + 1):
                    return True
                room.pop()
        return False

    return place(0)


def brute_force_min_rooms(intervals: list[tuple[int, int]]) -> int:
    """The smallest room count for which a valid assignment exists."""
    return next(k for k in range(1, len(intervals) + 1) if fits_in_rooms(intervals, k))


def closes_properly(prefix: list[str], closing: list[str]) -> bool:
    """True when ``prefix + closing`` is balanced and ``closing`` closes only what was open."""
    stack: list[str] = []
    for symbol in prefix:
        if symbol in BRACKETS:
            stack.append(symbol)
        elif not stack or BRACKETS[stack.pop()] != symbol:
            return False
    if not stack or not closing:
        return False
    for position, symbol in enumerate(closing):
        if symbol not in CLOSERS or not stack or BRACKETS[stack.pop()] != symbol:
            return False
        if not stack and position != len(closing) - 1:
            return False
    return not stack


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum, as on Wikipedia: double every second digit from the right."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2
            value = value // 10 + value % 10
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    compact = iban.replace(" ", "").upper()
    rotated = compact[4:] + compact[:4]
    number = "".join(str(ord(c) - 55) if c.isalpha() else c for c in rotated)
    return int(number) % 97 == 1


def step_months(day: dt.date, months: int) -> dt.date:
    """Walk one month at a time, then clamp the day to the month's length."""
    year, month = day.year, day.month
    for _ in range(abs(months)):
        month += 1 if months > 0 else -1
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_MONTHS = {name: index for index, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name: index for index, name in enumerate(calendar.month_abbr) if name})
_DATE_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), lambda g: (int(g[0]), int(g[1]), int(g[2]))),
    (
        re.compile(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})"),
        lambda g: (int(g[2]), _MONTHS[g[0]], int(g[1])),
    ),
    (
        re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})"),
        lambda g: (int(g[2]), _MONTHS[g[1]], int(g[0])),
    ),
)
_DIRECTION = re.compile(r"\b(add|subtract|after|before|later|earlier|plus|minus)\b")
_AMOUNT = re.compile(r"\b(\d+) (day|week|month)s?\b")


def solve_date_question(text: str) -> dt.date:
    """Read the start date and the steps from the question and apply them in order."""
    for pattern, build in _DATE_PATTERNS:
        found = pattern.search(text)
        if found:
            day = dt.date(*build(found.groups()))
            break
    else:
        raise AssertionError(f"no start date in {text!r}")
    directions = _DIRECTION.findall(text)
    amounts = _AMOUNT.findall(text)
    assert len(directions) == len(amounts) > 0, text
    for word, (amount, unit) in zip(directions, amounts, strict=True):
        signed = int(amount) * (1 if word in ("add", "after", "later", "plus") else -1)
        if unit == "month":
            day = step_months(day, signed)
        else:
            day += dt.timedelta(days=signed * (7 if unit == "week" else 1))
    return day
