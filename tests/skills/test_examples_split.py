"""Shown/held-out data for a creation: seeded stratified splits, file splits, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.errors import DataError, UsageError
from self_distill.skills.examples import load_skill_data, split_examples
from self_distill.tasks import generate, normalise_text, write_jsonl
from self_distill.tasks.reference_data import cola_path


def test_split_sizes_are_exact_and_the_splits_disjoint() -> None:
    tasks = generate("word_sort", 80, seed=1)
    data = split_examples(tasks, n_shown=12, max_heldout=50, seed=3, source="t")
    assert len(data.shown) == 12 and len(data.heldout) == 50
    shown = {normalise_text(e.input) for e in data.shown}
    assert not shown & {normalise_text(e.input) for e in data.heldout}
    again = split_examples(tasks, n_shown=12, max_heldout=50, seed=3, source="t")
    assert again == data
    other = split_examples(tasks, n_shown=12, max_heldout=50, seed=4, source="t")
    assert other.shown != data.shown


def test_class_tasks_keep_both_classes_in_each_split() -> None:
    data = load_skill_data(cola_path("in_domain_dev"), n_shown=16, max_heldout=100, seed=0)
    assert data.family == "cola" and data.answer_format == "label"
    assert {e.target for e in data.shown} == {"0", "1"}
    assert {e.target for e in data.heldout} == {"0", "1"}
    assert len(data.heldout) == 100


def test_a_jsonl_split_is_kept_and_leaked_held_out_rows_dropped(tmp_path: Path) -> None:
    rows = [t.to_dict() for t in generate("arith", 10, seed=2)]
    for number, row in enumerate(rows):
        row["split"] = "shown" if number < 3 else "heldout"
    leaked = dict(rows[0], id="leak", split="heldout", input=rows[0]["input"].upper())
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*rows, leaked]))
    data = load_skill_data(path, n_shown=1, max_heldout=2)
    assert data.split_by == "file" and data.answer_format == "numeric"
    assert len(data.shown) == 3 and len(data.heldout) == 7
    assert data.dropped_duplicates == 1


def test_several_families_need_a_choice_and_mixed_formats_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    write_jsonl(generate("word_sort", 20, seed=1) + generate("arith", 20, seed=1), path)
    with pytest.raises(UsageError, match="several families"):
        load_skill_data(path)
    assert load_skill_data(path, family="arith", n_shown=5).family == "arith"
    with pytest.raises(UsageError, match="no tasks of family 'dates'"):
        load_skill_data(path, family="dates")
    rows = [t.to_dict() for t in generate("arith", 6, seed=1)]
    rows[0]["answer_format"] = "exact"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match="mixes answer formats"):
        load_skill_data(path, n_shown=2)


def test_too_little_data_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="show fewer examples"):
        split_examples(
            generate("arith", 5, seed=0), n_shown=5, max_heldout=9, seed=0, source="tiny"
        )
