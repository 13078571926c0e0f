"""meeting_rooms: the minimum number of rooms for a list of meetings.

Answer: an integer. Intervals are half-open (back-to-back meetings share a room); the room
counts are spread evenly over each difficulty's range, so no single count dominates.
"""

from __future__ import annotations

import random

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.schedule import (
    SHAPES,
    build_schedule,
    min_rooms,
    render_schedule,
)

# difficulty -> (room range, meeting-count range)
_RANGES = {"easy": ((1, 2), (2, 4)), "medium": ((1, 3), (4, 7)), "hard": ((2, 5), (7, 12))}

TEMPLATES: tuple[str, ...] = (
    "What is the minimum number of rooms needed to hold all of these meetings? A meeting that "
    "ends exactly when another starts can share its room.\n{schedule}",
    "Meetings today:\n{schedule}\nHow many meeting rooms do we need at least? Each meeting "
    "occupies its room from its start time up to, but not including, its end time.",
    "Given the schedule below, compute the smallest number of rooms such that no two "
    "overlapping meetings share a room (intervals are half-open).\n{schedule}",
    "How many rooms are required for these bookings? Back-to-back bookings may reuse a room.\n"
    "{schedule}",
    "Schedule:\n{schedule}\nMinimum rooms required? Meetings that merely touch do not overlap.",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A schedule built for a uniformly drawn room count; the target is recomputed by sweep."""
    (room_low, room_high), (count_low, count_high) = _RANGES[difficulty]
    grid, lengths, touch_prob, mixed = SHAPES[difficulty]
    rooms = rng.randint(room_low, room_high)
    count = max(rooms, rng.randint(count_low, count_high))
    intervals = build_schedule(rng, rooms, count, grid, lengths, touch_prob)
    schedule, styles = render_schedule(rng, intervals, mixed)
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(schedule=schedule),
        str(min_rooms(intervals)),
        {
            "template": template,
            "intervals": [list(iv) for iv in intervals],
            "clock_formats": styles,
        },
    )


FAMILY = Family(
    name="meeting_rooms",
    description="Minimum number of rooms for a day of meetings (half-open intervals).",
    answer_format="numeric",
    answer_doc="an integer, e.g. 3",
    knobs={
        "easy": "1-2 rooms, 2-4 meetings on the hour, one clock format",
        "medium": "1-3 rooms, 4-7 meetings on half hours, mixed clock formats",
        "hard": "2-5 rooms, 7-12 meetings on quarter hours, many back-to-back meetings",
    },
    make=make,
)
