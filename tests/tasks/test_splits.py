"""Splits: deterministic, stratified, and no normalised input in two splits."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from self_distill.errors import UsageError
from self_distill.tasks import generate, load_cola, normalise_text, split_tasks
from self_distill.tasks.reference_data import cola_path


def _mixed_tasks():
    return (
        generate("agreement", 200, seed=1)
        + generate("word_sort", 100, seed=1)
        + generate("meeting_conflict", 60, seed=1)
    )


def test_same_seed_same_split_different_seed_different_split() -> None:
    tasks = _mixed_tasks()
    first = split_tasks(tasks, {"shown": 0.3, "heldout": 0.7}, seed=4)
    again = split_tasks(tasks, {"shown": 0.3, "heldout": 0.7}, seed=4)
    other = split_tasks(tasks, {"shown": 0.3, "heldout": 0.7}, seed=5)
    assert {k: [t.id for t in v] for k, v in first.items()} == {
        k: [t.id for t in v] for k, v in again.items()
    }
    assert {t.id for t in first["shown"]} != {t.id for t in other["shown"]}


def test_sizes_follow_fractions_and_every_task_lands_once() -> None:
    tasks = _mixed_tasks()
    splits = split_tasks(tasks, {"train": 0.6, "dev": 0.2, "test": 0.2}, seed=0)
    assert [len(splits[name]) for name in ("train", "dev", "test")] == [216, 72, 72]
    assert sorted(t.id for part in splits.values() for t in part) == sorted(t.id for t in tasks)


def test_classes_are_stratified_in_every_split() -> None:
    tasks = _mixed_tasks()
    splits = split_tasks(tasks, {"shown": 0.25, "heldout": 0.75}, seed=2)
    for name, stats in splits.stats.items():
        for family in ("agreement", "meeting_conflict"):
            balance = stats.families[family].class_balance
            assert balance["yes"] == pytest.approx(0.5, abs=0.05), (name, family)
        assert stats.families["agreement"].majority_accuracy == pytest.approx(0.5, abs=0.05)


def test_duplicate_inputs_never_cross_splits_and_are_counted() -> None:
    tasks = generate("arith", 100, seed=3)
    noisy_copies = [
        dataclasses.replace(task, id=f"copy-{i}", input=f"  {task.input.upper()} ")
        for i, task in enumerate(tasks[:30])
    ]
    splits = split_tasks(tasks + noisy_copies, seed=1)
    keys = {name: {normalise_text(t.input) for t in part} for name, part in splits.items()}
    assert not keys["shown"] & keys["heldout"]
    assert splits.dropped_duplicates == 30
    assert sum(len(part) for part in splits.values()) == 100


def test_split_order_carries_no_class() -> None:
    splits = split_tasks(generate("agreement", 400, seed=6), seed=0)
    first_half = Counter(t.target for t in splits["heldout"][:100])
    assert 30 <= first_half["yes"] <= 70


def test_cola_split_reports_majority_baseline_per_split() -> None:
    splits = split_tasks(load_cola(cola_path()), seed=0)
    for stats in splits.stats.values():
        assert stats.majority_accuracy == pytest.approx(0.693, abs=0.01)


@pytest.mark.parametrize(
    ("fractions", "message"),
    [
        ({}, "empty"),
        ({"a": 0.5, "b": 0.4}, "sum to 1"),
        ({"a": 1.5, "b": -0.5}, r"\(0, 1\]"),
    ],
)
def test_bad_fractions_are_usage_errors(fractions: dict[str, float], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        split_tasks(generate("arith", 4), fractions)
