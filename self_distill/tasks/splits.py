"""Deterministic, stratified, duplicate-free splits.

Tasks whose inputs are equal after :func:`~self_distill.tasks.task.normalise_text` are collapsed
to their first occurrence before splitting, so no input can appear in two splits. Strata are the
family plus, for class answer formats, the class; every stratum is spread over the splits in
proportion to the requested fractions.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping

from self_distill.errors import UsageError
from self_distill.tasks.stats import TaskStats, task_stats
from self_distill.tasks.task import Task, normalise_text

DEFAULT_FRACTIONS: dict[str, float] = {"shown": 0.5, "heldout": 0.5}


class TaskSplits(dict[str, list[Task]]):
    """Split name -> tasks, plus how many duplicate inputs were dropped and per-split stats."""

    def __init__(self, splits: dict[str, list[Task]], dropped_duplicates: int) -> None:
        super().__init__(splits)
        self.dropped_duplicates = dropped_duplicates

    @property
    def stats(self) -> dict[str, TaskStats]:
        """Size, class balance and majority-class accuracy of each split."""
        return {name: task_stats(tasks) for name, tasks in self.items()}


def _check_fractions(fractions: Mapping[str, float]) -> None:
    if not fractions:
        raise UsageError("split fractions are empty; give e.g. {'shown': 0.5, 'heldout': 0.5}")
    if any(not (0 < share <= 1) for share in fractions.values()):
        raise UsageError(f"split fractions must lie in (0, 1], got {dict(fractions)}")
    if not math.isclose(sum(fractions.values()), 1.0, abs_tol=1e-6):
        raise UsageError(f"split fractions must sum to 1, got {sum(fractions.values()):.6f}")


def _stratum(task: Task) -> tuple[str, str]:
    return (task.family, normalise_text(task.target) if task.is_class_task else "")


def split_tasks(
    tasks: list[Task],
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
) -> TaskSplits:
    """Split ``tasks`` by ``fractions`` (default shown/heldout 50/50); same seed, same split.

    Within every stratum the tasks are shuffled and dealt out so that each split's running share
    tracks its fraction; each split's list is then shuffled, so its order carries no class.
    """
    shares = dict(DEFAULT_FRACTIONS if fractions is None else fractions)
    _check_fractions(shares)
    rng = random.Random(f"split|{seed}")
    seen: set[str] = set()
    strata: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for task in tasks:
        key = normalise_text(task.input)
        if key not in seen:
            seen.add(key)
            strata[_stratum(task)].append(task)
    names = list(shares)
    splits: dict[str, list[Task]] = {name: [] for name in names}
    dealt = 0
    for stratum in sorted(strata):
        members = strata[stratum]
        rng.shuffle(members)
        for task in members:
            dealt += 1
            name = max(names, key=lambda n: shares[n] * dealt - len(splits[n]))
            splits[name].append(task)
    for members in splits.values():
        rng.shuffle(members)
    return TaskSplits(splits, dropped_duplicates=len(tasks) - len(seen))


def seeded_train_test(
    families: list[str], n_train: int, n_test: int, seed: int, test_seed_offset: int = 1000
) -> tuple[list[Task], list[Task]]:
    """Generated training tasks from ``seed`` and held-out tasks from another seed, with every
    held-out task whose input also occurs in training removed: a student's test set that no
    training set (or creation prompt) can contain."""
    from self_distill.tasks.sources import load_tasks

    train = [task for family in families for task in load_tasks(family, n=n_train, seed=seed)]
    seen = {normalise_text(task.input) for task in train}
    test = [
        task
        for family in families
        for task in load_tasks(family, n=n_test, seed=seed + test_seed_offset)
        if normalise_text(task.input) not in seen
    ]
    return train, test
