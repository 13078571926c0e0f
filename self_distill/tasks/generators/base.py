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
# What a family stands for: "puzzle" families are reasoning exercises (sorting, brackets, room
# counts); "everyday" families are the extraction, normalisation and conversion requests teams
# send to LLMs every day. Experiments select on it, e.g. to keep earlier results comparable.
FAMILY_KINDS: tuple[str, ...] = ("puzzle", "everyday")
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
    ``answer_doc`` is the canonical answer format in words; ``kind`` is one of
    :data:`FAMILY_KINDS`.
    """

    name: str
    description: str
    answer_format: str
    answer_doc: str
    knobs: dict[str, str]
    make: Maker
    classes: tuple[str, ...] | None = None
    kind: str = "puzzle"

    def __post_init__(self) -> None:
        if self.kind not in FAMILY_KINDS:
            raise UsageError(
                f"family {self.name!r}: unknown kind {self.kind!r}; use one of "
                f"{', '.join(FAMILY_KINDS)}"
            )


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
