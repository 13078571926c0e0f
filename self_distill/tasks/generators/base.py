"""What every generated family provides, and the seeded loop that turns it into tasks.

A family is a function ``make(rng, difficulty, label) -> Sample`` plus a description. The loop in
:func:`generate_family` owns everything families must not get wrong on their own: seeding,
balanced class labels, distinct inputs, ids and metadata.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from self_distill.errors import DataError, UsageError
from self_distill.tasks.task import Task, normalise_text

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
MIXED = "mixed"
_ATTEMPTS_PER_TASK = 200


@dataclass(frozen=True)
class Sample:
    """One generated item: the prompt, its exact answer and the parameters that produced it."""

    input: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)


Maker = Callable[[random.Random, str, str | None], Sample]


@dataclass(frozen=True)
class Family:
    """A task family: how to make one sample, what its answers look like, what its knobs do.

    ``classes`` is set when the answer is a class; the loop then hands ``make`` a label drawn
    from an exactly balanced, shuffled sequence, and ``make`` must produce a sample with it.
    ``answer_doc`` is the canonical answer format in words.
    """

    name: str
    description: str
    answer_format: str
    answer_doc: str
    knobs: dict[str, str]
    make: Maker
    classes: tuple[str, ...] | None = None


def balanced_labels(classes: tuple[str, ...], n: int, rng: random.Random) -> list[str]:
    """``n`` labels, each class within one of n/len(classes), in shuffled order."""
    labels = [classes[i % len(classes)] for i in range(n)]
    rng.shuffle(labels)
    return labels


def generate_family(family: Family, n: int, seed: int, difficulty: str) -> list[Task]:
    """``n`` tasks with distinct normalised inputs; same arguments, same tasks.

    ``difficulty`` is one of :data:`DIFFICULTIES` or ``"mixed"`` (each task draws one).
    """
    if difficulty not in (*DIFFICULTIES, MIXED):
        raise UsageError(
            f"unknown difficulty {difficulty!r}; use one of {', '.join((*DIFFICULTIES, MIXED))}"
        )
    if n < 0:
        raise UsageError(f"cannot generate a negative number of tasks ({n})")
    rng = random.Random(f"{family.name}|{difficulty}|{seed}")
    labels: list[str | None] = (
        [*balanced_labels(family.classes, n, rng)] if family.classes else [None] * n
    )
    seen: set[str] = set()
    tasks: list[Task] = []
    for index, label in enumerate(labels):
        level = rng.choice(DIFFICULTIES) if difficulty == MIXED else difficulty
        for _ in range(_ATTEMPTS_PER_TASK):
            sample = family.make(rng, level, label)
            key = normalise_text(sample.input)
            if key not in seen:
                break
        else:
            raise DataError(
                f"{family.name}: could not make {n} distinct tasks at difficulty {difficulty!r} "
                f"(stuck at task {index}); ask for fewer tasks or a harder difficulty"
            )
        seen.add(key)
        tasks.append(
            Task(
                id=f"{family.name}:{difficulty}:{seed}:{index}",
                family=family.name,
                input=sample.input,
                target=sample.target,
                answer_format=family.answer_format,
                meta={"difficulty": level, "seed": seed, **sample.params},
            )
        )
    return tasks
