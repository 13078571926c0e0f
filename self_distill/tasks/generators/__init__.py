"""Seeded task generators with exact answers, one module per family.

``FAMILIES`` maps each family name to its :class:`Family` (description, answer format, knobs);
:func:`generate` is the one entry point. The same family, count, seed and difficulty always give
the same tasks.
"""

from __future__ import annotations

from self_distill.errors import UsageError
from self_distill.tasks.generators import (
    agreement,
    arith,
    date_arith,
    dyck_close,
    meeting_conflict,
    meeting_rooms,
    pii_extract,
    word_sort,
)
from self_distill.tasks.generators.base import DIFFICULTIES, MIXED, Family, generate_family
from self_distill.tasks.task import Task

FAMILIES: dict[str, Family] = {
    module.FAMILY.name: module.FAMILY
    for module in (
        word_sort,
        dyck_close,
        meeting_rooms,
        meeting_conflict,
        date_arith,
        pii_extract,
        agreement,
        arith,
    )
}


def generate(family: str, n: int, seed: int = 0, difficulty: str = "medium") -> list[Task]:
    """``n`` tasks of ``family``; ``difficulty`` is easy, medium, hard or mixed."""
    try:
        spec = FAMILIES[family]
    except KeyError:
        raise UsageError(
            f"unknown task family {family!r}; known families: {', '.join(FAMILIES)}"
        ) from None
    return generate_family(spec, n, seed, difficulty)


__all__ = ["DIFFICULTIES", "FAMILIES", "MIXED", "Family", "generate"]
