"""Meeting schedules with a known number of rooms, shared by meeting_rooms and meeting_conflict.

Times are minutes after midnight; a meeting is the half-open interval ``[start, end)``, so a
meeting ending at 10:00 and one starting at 10:00 can share a room. A schedule for ``k`` rooms is
built as ``k`` tracks of non-overlapping meetings whose first meetings all contain one common
instant: at most ``k`` meetings ever overlap and at that instant exactly ``k`` do, so the minimum
is ``k``. :func:`min_rooms` recomputes it independently with a sweep, and that is the target.
"""

from __future__ import annotations

import random

DAY_START, DAY_END = 7 * 60, 21 * 60
CLOCK_FORMATS: tuple[str, ...] = ("24h", "ampm", "french", "ampm_to")

MEETING_NAMES: tuple[str, ...] = (
    "Standup", "Design review", "Budget sync", "Hiring panel", "Customer call", "Retro",
    "Sprint planning", "Lunch and learn", "Board prep", "Vendor demo", "Security briefing",
    "One-on-one", "Roadmap session", "Incident review", "Onboarding", "Sales pipeline",
    "Legal check-in", "Offsite planning", "Research readout", "Support triage", "Marketing sync",
    "Architecture forum", "Quarterly review", "Team lunch", "Training", "Interview",
)  # fmt: skip

_LINE_STYLES: tuple[str, ...] = ("- {name}: {slot}", "* {name}, {slot}", "{name} | {slot}")


def _clock(minutes: int, style: str) -> str:
    hour, minute = divmod(minutes, 60)
    if style == "24h":
        return f"{hour:02d}:{minute:02d}"
    if style == "french":
        return f"{hour}h{minute:02d}" if minute else f"{hour}h"
    suffix = "am" if hour < 12 else "pm"
    twelve = hour % 12 or 12
    if style == "ampm":
        return f"{twelve}:{minute:02d}{suffix}" if minute else f"{twelve}{suffix}"
    return f"{twelve}:{minute:02d} {suffix.upper()}"


def format_slot(start: int, end: int, style: str) -> str:
    """One interval in a clock style: "09:00-10:30", "9am-10:30am", "9h-10h30", "9:00 AM to ..."."""
    separator = " to " if style == "ampm_to" else "-"
    return f"{_clock(start, style)}{separator}{_clock(end, style)}"


def build_schedule(
    rng: random.Random,
    rooms: int,
    meetings: int,
    grid: int,
    lengths: tuple[int, ...],
    touch_prob: float,
) -> list[tuple[int, int]]:
    """About ``meetings`` intervals (fewer if the day is full) that need exactly ``rooms`` rooms."""
    pivot = rng.randrange(10 * 60, 17 * 60 + 1, grid)
    extra = [0] * rooms
    for _ in range(max(0, meetings - rooms)):
        extra[rng.randrange(rooms)] += 1
    intervals: list[tuple[int, int]] = []
    for track_extra in extra:
        length = rng.choice(lengths)
        start = pivot - rng.randrange(0, length, grid)
        end = start + length
        intervals.append((start, end))
        before = rng.randint(0, track_extra)
        cursor = start
        for _ in range(before):
            gap = 0 if rng.random() < touch_prob else rng.choice((grid, 2 * grid, 60))
            new_start = cursor - gap - rng.choice(lengths)
            if new_start < DAY_START:
                break
            intervals.append((new_start, cursor - gap))
            cursor = new_start
        cursor = end
        for _ in range(track_extra - before):
            gap = 0 if rng.random() < touch_prob else rng.choice((grid, 2 * grid, 60))
            new_end = cursor + gap + rng.choice(lengths)
            if new_end > DAY_END:
                break
            intervals.append((cursor + gap, new_end))
            cursor = new_end
    rng.shuffle(intervals)
    return intervals


def min_rooms(intervals: list[tuple[int, int]]) -> int:
    """The most half-open intervals that overlap at any instant (ends before starts on ties)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    busy = best = 0
    for _, change in events:
        busy += change
        best = max(best, busy)
    return best


def render_schedule(
    rng: random.Random, intervals: list[tuple[int, int]], mixed_formats: bool
) -> tuple[str, list[str]]:
    """The schedule as text lines (one meeting each) and the clock style of each line."""
    line_style = rng.choice(_LINE_STYLES)
    task_style = rng.choice(CLOCK_FORMATS)
    names = rng.sample(MEETING_NAMES, len(intervals))
    lines, styles = [], []
    for name, (start, end) in zip(names, intervals, strict=True):
        style = rng.choice(CLOCK_FORMATS) if mixed_formats else task_style
        lines.append(line_style.format(name=name, slot=format_slot(start, end, style)))
        styles.append(style)
    return "\n".join(lines), styles


# difficulty -> (grid minutes, meeting lengths, touch probability, mixed clock formats)
SHAPES: dict[str, tuple[int, tuple[int, ...], float, bool]] = {
    "easy": (60, (60, 120), 0.2, False),
    "medium": (30, (30, 60, 90, 120), 0.4, True),
    "hard": (15, (15, 30, 45, 60, 90), 0.6, True),
}
