"""Independent reference checks for generated tasks, written without the generators' code.

Each helper re-derives an answer from the task's *input text* by a different method (brute
force, a stack, checksum definitions), so a generator bug cannot hide behind shared code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

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


# Everyday families. Each reader gets only the data part of a prompt (see data_part) and finds
# the answer its own way, without the generators' code.


def data_part(prompt: str) -> str:
    """What a prompt asks about: everything after the instruction line and a "Text:" label."""
    data = prompt.split("\n", 1)[1]
    return re.sub(r"^(?:---\n|(?:Text|Message|Invoice): ?\n?)", "", data)


_BRACKET_AT = re.compile(r"\s*[\[({]\s*at\s*[\])}]\s*", re.IGNORECASE)
_BRACKET_DOT = re.compile(r"\s*[\[({]\s*dot\s*[\])}]\s*", re.IGNORECASE)
_SPELLED_ADDRESS = re.compile(r"\b([\w+-]+(?: dot [\w+-]+)*) at ([\w-]+(?: dot [\w-]+)+)\b")
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def find_email(text: str) -> str:
    """The one e-mail address in ``text``, after undoing "[at]" and "at ... dot" spellings."""
    plain = _BRACKET_DOT.sub(".", _BRACKET_AT.sub("@", text))
    plain = _SPELLED_ADDRESS.sub(
        lambda m: f"{m.group(1).replace(' dot ', '.')}@{m.group(2).replace(' dot ', '.')}", plain
    )
    found = {address.lower() for address in _ADDRESS.findall(plain)}
    assert len(found) == 1, (found, text)
    return found.pop()


_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_NUMBER.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_WEEKDAY_NUMBER = {name.lower(): i for i, name in enumerate(calendar.day_abbr)}
_NAMED_DATES = (
    # (pattern, which groups hold year, month name, day)
    (re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})"), (3, 2, 1)),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?(?: of)? ([A-Za-z]+),? (\d{4})"), (3, 2, 1)),
    (re.compile(r"\b([A-Za-z]+) (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})"), (3, 1, 2)),
)
_YEAR_FIRST = re.compile(r"\b(\d{4})/(\d{2})/(\d{2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_ROLE_WORDS = {
    "due date": r"\bdue\b",
    "delivery date": r"\bdeliver",
    "start date": r"\bstart",
    "renewal date": r"\brenew",
    "appointment date": r"\bappointment\b",
}


def _dates_in(segment: str, day_first: bool | None) -> list[dt.date]:
    found: dict[int, dt.date] = {}
    for pattern, (year, month, day) in _NAMED_DATES:
        for match in pattern.finditer(segment):
            month_number = _MONTH_NUMBER.get(match.group(month).lower())
            if month_number and match.start() not in found:
                found[match.start()] = dt.date(
                    int(match.group(year)), month_number, int(match.group(day))
                )
                weekday = re.search(r"([A-Z][a-z]{2}), $", segment[: match.start()])
                if weekday:
                    assert (
                        _WEEKDAY_NUMBER[weekday.group(1).lower()] == found[match.start()].weekday()
                    ), segment
    for match in _YEAR_FIRST.finditer(segment):
        found[match.start()] = dt.date(*map(int, match.groups()))
    for match in _NUMERIC_DATE.finditer(segment):
        assert day_first is not None, f"numeric date without a stated format: {segment!r}"
        first, second, year = map(int, match.groups())
        day, month = (first, second) if day_first else (second, first)
        found[match.start()] = dt.date(year, month, day)
    return list(found.values())


def find_role_date(text: str, role: str) -> dt.date:
    """The one date in a sentence or line that names ``role`` (a date elsewhere is not it)."""
    day_first = (
        True
        if re.search(r"day/month/year|DD/MM/YYYY", text)
        else False
        if re.search(r"month/day/year|MM/DD/YYYY", text)
        else None
    )
    segments = [part for line in text.splitlines() for part in re.split(r"(?<=[.!?])\s+", line)]
    candidates = [
        day
        for segment in segments
        if re.search(_ROLE_WORDS[role], segment, re.IGNORECASE)
        for day in _dates_in(segment, day_first)
    ]
    assert len(candidates) == 1, (candidates, text)
    return candidates[0]


def count_dates(text: str) -> int:
    """How many dates ``text`` holds, in any written form."""
    day_first = bool(re.search(r"day/month/year|DD/MM/YYYY", text))
    return sum(len(_dates_in(line, day_first)) for line in text.splitlines())


_PHONE_LIKE = re.compile(r"(?:\+|\b00 ?)?\d[\d ().-]{7,}\d")


def find_phone(text: str) -> str:
    """The one phone number in ``text`` as E.164; numbers without a country code are US ones."""
    numbers = set()
    for match in _PHONE_LIKE.finditer(text):
        written = match.group().replace("(0)", "")
        digits = re.sub(r"\D", "", written)
        if written.startswith("+"):
            numbers.add("+" + digits)
        elif written.startswith("00"):
            numbers.add("+" + digits[2:])
        elif len(digits) == 11 and digits.startswith("1"):
            numbers.add("+" + digits)
        elif len(digits) == 10:
            numbers.add("+1" + digits)
    assert len(numbers) == 1, (numbers, text)
    number = numbers.pop()
    if number.startswith("+1"):
        assert len(number) == 12 and number[2] in "23456789" and number[5] in "23456789", number
    return number


_MONEY = re.compile(r"\d+(?:[ .,]\d{3})*[.,]\d{2}(?!\d)")
# a line item: "3 x Lamp @ ..." (receipt), "- 3 x Lamp at ..." (email), "| Lamp | 3 |" (table),
# '"Lamp",3,' (CSV)
_ITEM_LINE = re.compile(r'^(?:- )?(\d+) x |^\| [^|]+ \| (\d+) \||^"[^"]+"[,;](\d+)[,;]')


def cents(written: str) -> int:
    """An amount such as "1,234.50", "1.234,50" or "1 234,50" in cents."""
    digits = re.sub(r"\D", "", written)
    assert written[-3] in ".,", written
    return int(digits)


def read_invoice(text: str) -> dict[str, int]:
    """Summary amounts by label (total, subtotal, tax, shipping, discount) and the items' sum.

    ``tax_basis_points`` is the tax rate the tax line states (8.25% -> 825).
    ``items`` is recomputed as quantity times unit price for every line item the document
    lists, so it checks the document's own arithmetic.
    """
    found: dict[str, int] = {"items": 0}
    segments = [
        part for line in text.splitlines() for part in re.split(r"(?<=[^.]\.)\s+(?=[A-Z])", line)
    ]
    for segment in segments:
        amounts = [cents(a) for a in _MONEY.findall(segment)]
        item = _ITEM_LINE.search(segment)
        lower = segment.lower()
        if item and amounts:
            quantity = int(next(g for g in item.groups() if g))
            found["items"] += quantity * amounts[0]
            if len(amounts) > 1:
                assert amounts[1] == quantity * amounts[0], segment
            continue
        for label, pattern in (
            ("subtotal", r"\bsubtotal\b"),
            ("total", r"\btotal\b|amount due|balance due"),
            ("tax", r"\btax\b|\bvat\b"),
            ("shipping", r"\bshipping\b"),
            ("discount", r"\bdiscount\b"),
        ):
            if re.search(pattern, lower) and amounts:
                assert label not in found, (label, text)
                found[label] = amounts[-1]
                rate = re.search(r"(\d+(?:\.\d+)?)%", segment)
                if label == "tax" and rate:
                    found["tax_basis_points"] = round(float(rate.group(1)) * 100)
                break
    return found


_TITLES = {"dr", "mr", "mrs", "ms", "prof", "mx"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "phd", "md"}


def first_last(written: str) -> str:
    """ "Doe, Dr. Jane A." or "dr. jane ann doe, phd" -> "Jane Doe"."""
    parts = [part.strip() for part in written.split(",")]
    parts = [part for part in parts if part.lower().rstrip(".") not in _SUFFIXES]

    def words(part: str) -> list[str]:
        kept = []
        for word in part.split():
            bare = word.lower().rstrip(".")
            if bare in _TITLES or bare in _SUFFIXES or len(bare) == 1:
                continue
            kept.append(word.capitalize())
        return kept

    if len(parts) == 2:
        return f"{words(parts[1])[0]} {words(parts[0])[-1]}"
    assert len(parts) == 1, written
    given = words(parts[0])
    return f"{given[0]} {given[-1]}"


def find_customer_name(text: str) -> str:
    """The customer's name as written: the customer field or column, or the letter's signer."""
    for pattern in (
        r"^(?:Customer|Full name): (.+)$",
        r"[Cc]ustomer (.+?) (?:through|asked|this morning)",
    ):
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return match.group(1)
    table = re.search(r"^(customer_name,.*)\n(.*)$", text, re.MULTILINE)
    if table:
        header, row = table.groups()
        cells = re.findall(r'"[^"]*"|[^,]+', row)
        return cells[header.split(",").index("customer_name")].strip('"')
    lines = [line for line in text.splitlines() if line.strip() and line != "---"]
    assert re.match(r"^[A-Z][a-z ]+,$", lines[-2]), text
    return lines[-1]


_ORDER_ID = re.compile(
    r"\b[Oo]rder(?: (?:number|ID|no\.|reference))?(?: is)?:? #?([A-Z0-9]+(?:-[A-Z0-9]+)*)"
)


def find_order_id(text: str) -> str:
    """The one identifier written right after the word "order" (with its label), without "#"."""
    found = {m.group(1) for m in _ORDER_ID.finditer(text) if re.search(r"\d", m.group(1))}
    assert len(found) == 1, (found, text)
    return found.pop()


_TITLE_PLACES = (
    r"^Title: (.+)$",
    r"^# (.+)$",
    r"<h1>(.+)</h1>",
    r'"title": "(.+?)", "author"',
    r'"([^"\n]+)"',
)


def find_title(text: str) -> str:
    """The post title: a Title field, a Markdown or HTML heading, a JSON field, or quoted."""
    for pattern in _TITLE_PLACES:
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return match.group(1)
    raise AssertionError(f"no title in {text!r}")


def slug_by_unicode(title: str) -> str:
    """A slug through Unicode decomposition: accents are the combining marks NFKD splits off."""
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    ascii_only = re.sub(r"['\u2019]", "", ascii_only.replace("&", " and ")).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
