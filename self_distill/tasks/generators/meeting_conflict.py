"""meeting_conflict: can all meetings fit in ``k`` rooms? Balanced yes/no.

Answer: ``yes`` or ``no``. ``k`` is drawn first from the same range for both answers, so the
number of rooms offered says nothing about the answer; hard tasks sit exactly on the boundary
(the schedule needs ``k`` rooms for yes, ``k + 1`` for no).
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

# difficulty -> (offered room range, meeting-count range, slack for "yes", excess for "no")
_RANGES = {
    "easy": ((1, 2), (2, 4), (0, 1), (1, 2)),
    "medium": ((1, 3), (4, 7), (0, 1), (1, 2)),
    "hard": ((2, 4), (7, 12), (0, 0), (1, 1)),
}

TEMPLATES: tuple[str, ...] = (
    "We have {k} meeting {rooms}. Can all of the following meetings take place without a clash? "
    "Back-to-back meetings may share a room. Answer yes or no.\n{schedule}",
    "Schedule:\n{schedule}\nAre {k} {rooms} enough to hold every meeting? A meeting frees its "
    "room at its end time. Answer yes or no.",
    "Only {k} {rooms} can be booked. Is it possible to run all of these meetings, treating each "
    "as a half-open interval? Reply yes or no.\n{schedule}",
    "Given these bookings:\n{schedule}\ncan they all fit into {k} {rooms}? Meetings that merely "
    "touch do not overlap. Yes or no?",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A schedule needing at most ``k`` rooms (yes) or more than ``k`` rooms (no)."""
    (k_low, k_high), (count_low, count_high), slack, excess = _RANGES[difficulty]
    grid, lengths, touch_prob, mixed = SHAPES[difficulty]
    offered = rng.randint(k_low, k_high)
    if label == "yes":
        needed = max(1, offered - rng.randint(*slack))
    else:
        needed = offered + rng.randint(*excess)
    count = max(needed, rng.randint(count_low, count_high))
    intervals = build_schedule(rng, needed, count, grid, lengths, touch_prob)
    schedule, styles = render_schedule(rng, intervals, mixed)
    template = rng.randrange(len(TEMPLATES))
    text = TEMPLATES[template].format(
        k=offered, rooms="room" if offered == 1 else "rooms", schedule=schedule
    )
    answer = "yes" if min_rooms(intervals) <= offered else "no"
    return Sample(
        text,
        answer,
        {
            "template": template,
            "rooms": offered,
            "intervals": [list(iv) for iv in intervals],
            "clock_formats": styles,
        },
    )


FAMILY = Family(
    name="meeting_conflict",
    description="Can all meetings fit in k rooms? (yes/no, balanced 50/50)",
    answer_format="yesno",
    answer_doc="yes or no",
    knobs={
        "easy": "1-2 rooms offered, 2-4 meetings on the hour",
        "medium": "1-3 rooms offered, 4-7 meetings, mixed clock formats",
        "hard": "2-4 rooms offered, 7-12 meetings, needed rooms exactly k or k+1",
    },
    make=make,
    classes=("yes", "no"),
)
