"""Honest statistics for a task set: size, families, class balance, majority baseline, duplicates.

The majority baseline is what always giving each family's most common answer would score; any
accuracy figure means little until it is compared with this number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from self_distill.tasks.task import Task, normalise_text


@dataclass(frozen=True)
class FamilyStats:
    """One family. Targets are compared after normalisation; ``class_balance`` (share per class,
    keyed by the first spelling seen) is filled only for class answer formats. The majority
    figures cover the ``scorable`` tasks only and are ``None`` when there are none.
    """

    family: str
    size: int
    scorable: int
    answer_formats: tuple[str, ...]
    distinct_targets: int
    class_balance: dict[str, float]
    majority_target: str | None
    majority_accuracy: float | None


@dataclass(frozen=True)
class TaskStats:
    """A whole task set. ``majority_accuracy`` pools each family's best constant answer over
    all scorable tasks (``None`` when there are none): the score to beat.

    ``duplicates`` counts tasks whose normalised input already occurred earlier in the set;
    ``conflicting_duplicates`` those among them whose target differs from the first occurrence.
    """

    size: int
    families: dict[str, FamilyStats]
    majority_accuracy: float | None
    duplicates: int
    conflicting_duplicates: int

    def to_dict(self) -> dict[str, Any]:
        """The statistics as a JSON-ready dict."""
        return asdict(self)


def _family_stats(family: str, tasks: list[Task]) -> FamilyStats:
    scorable = [task for task in tasks if task.scorable]
    spelling: dict[str, str] = {}
    for task in scorable:
        spelling.setdefault(normalise_text(task.target), task.target.strip())
    targets = Counter(normalise_text(task.target) for task in scorable)
    majority = targets.most_common(1)[0] if targets else None
    balance = (
        {spelling[key]: count / len(scorable) for key, count in sorted(targets.items())}
        if scorable and all(task.is_class_task for task in scorable)
        else {}
    )
    return FamilyStats(
        family=family,
        size=len(tasks),
        scorable=len(scorable),
        answer_formats=tuple(sorted({task.answer_format for task in tasks})),
        distinct_targets=len(targets),
        class_balance=balance,
        majority_target=spelling[majority[0]] if majority else None,
        majority_accuracy=majority[1] / len(scorable) if majority else None,
    )


def task_stats(tasks: list[Task]) -> TaskStats:
    """Statistics of ``tasks``; an empty list gives size 0 and no baseline."""
    by_family: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        by_family[task.family].append(task)
    families = {name: _family_stats(name, by_family[name]) for name in sorted(by_family)}
    first_target: dict[str, str] = {}
    duplicates = conflicting = 0
    for task in tasks:
        key = normalise_text(task.input)
        if key in first_target:
            duplicates += 1
            conflicting += first_target[key] != normalise_text(task.target)
        else:
            first_target[key] = normalise_text(task.target)
    scorable = sum(stats.scorable for stats in families.values())
    majority_hits = sum(
        (stats.majority_accuracy or 0.0) * stats.scorable for stats in families.values()
    )
    return TaskStats(
        size=len(tasks),
        families=families,
        majority_accuracy=majority_hits / scorable if scorable else None,
        duplicates=duplicates,
        conflicting_duplicates=conflicting,
    )
