"""Seeded task generators with exact answers, one module per family.

``FAMILIES`` maps each family name to its :class:`Family` (description, answer format, knobs,
kind); :func:`generate` is the one entry point. The same family, count, seed and difficulty
always give the same tasks. The eight reasoning puzzles come first and keep their order; the
everyday extraction and normalisation families follow, and :func:`family_names` selects by kind.
"""

from __future__ import annotations

from self_distill.errors import UsageError
from self_distill.tasks.generators import (
    agreement,
    arith,
    date_arith,
    date_normalise,
    dyck_close,
    email_extract,
    invoice_total,
    meeting_conflict,
    meeting_rooms,
    name_normalise,
    order_id_extract,
    phone_normalise,
    pii_extract,
    title_slug,
    word_sort,
)
from self_distill.tasks.generators.base import (
    DIFFICULTIES,
    FAMILY_KINDS,
    MIXED,
    Family,
    generate_family,
)
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
        email_extract,
        date_normalise,
        phone_normalise,
        invoice_total,
        name_normalise,
        order_id_extract,
        title_slug,
    )
}


def family_names(kind: str) -> list[str]:
    """The names of the families of ``kind`` ("puzzle" or "everyday"), in ``FAMILIES`` order.

    Experiments that loop over "all" families use this to stay comparable with results made
    before the everyday families existed.
    """
    if kind not in FAMILY_KINDS:
        raise UsageError(f"unknown family kind {kind!r}; use one of {', '.join(FAMILY_KINDS)}")
    return [name for name, family in FAMILIES.items() if family.kind == kind]


def generate(family: str, n: int, seed: int = 0, difficulty: str = "medium") -> list[Task]:
    """``n`` tasks of ``family``; ``difficulty`` is easy, medium, hard or mixed."""
    try:
        spec = FAMILIES[family]
    except KeyError:
        raise UsageError(
            f"unknown task family {family!r}; known families: {', '.join(FAMILIES)}"
        ) from None
    return generate_family(spec, n, seed, difficulty)


__all__ = [
    "DIFFICULTIES",
    "FAMILIES",
    "FAMILY_KINDS",
    "MIXED",
    "Family",
    "family_names",
    "generate",
]
