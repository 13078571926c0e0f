"""Labelled JSONL data for verify and create: one reader, file:line errors, kept or made splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.errors import DataError, UsageError
from self_distill.skills.examples import LabelledExample, load_skill_data


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_rows_with_a_split_keep_it(tmp_path: Path) -> None:
    rows = [
        {"input": "a", "target": "A", "split": "shown"},
        {"input": "b", "target": "B", "split": "heldout"},
    ]
    data = load_skill_data(write_lines(tmp_path / "d.jsonl", [json.dumps(r) for r in rows] + [""]))
    assert data.shown == (LabelledExample("a", "A"),)
    assert data.heldout == (LabelledExample("b", "B"),)
    assert data.split_by == "file"


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('{"input": "a", "target": ', "invalid JSON"),
        ('["a", "b"]', "expected a JSON object"),
        ('{"input": "a", "target": 1}', '"target" is missing or not a string'),
        ('{"target": "a"}', '"input" is missing or not a string'),
        ('{"input": "a", "target": "b", "split": "test"}', "'split' must be one of"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, complaint: str) -> None:
    good = json.dumps({"input": "x", "target": "y"})
    path = write_lines(tmp_path / "bad.jsonl", [good, "", line])
    with pytest.raises(DataError, match=complaint) as caught:
        load_skill_data(path)
    assert f"{path}:3:" in str(caught.value)


def test_partial_split_column_is_refused(tmp_path: Path) -> None:
    lines = [
        json.dumps({"input": "a", "target": "A", "split": "shown"}),
        json.dumps({"input": "b", "target": "B"}),
    ]
    with pytest.raises(DataError, match="has no 'split' while others do"):
        load_skill_data(write_lines(tmp_path / "d.jsonl", lines))


def test_empty_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no tasks"):
        load_skill_data(write_lines(tmp_path / "empty.jsonl", [""]))
    with pytest.raises(DataError, match="file not found"):
        load_skill_data(tmp_path / "absent.jsonl")


def test_a_fraction_split_is_reproducible_disjoint_and_complete(tmp_path: Path) -> None:
    rows = [json.dumps({"input": f"item {i}", "target": str(i)}) for i in range(101)]
    path = write_lines(tmp_path / "d.jsonl", rows)
    data = load_skill_data(path, shown_fraction=0.5, max_heldout=None, seed=3)
    assert load_skill_data(path, shown_fraction=0.5, max_heldout=None, seed=3) == data
    assert load_skill_data(path, shown_fraction=0.5, max_heldout=None, seed=4) != data
    assert len(data.shown) == 50 and len(data.heldout) == 51
    every = sorted(int(e.target) for e in data.shown + data.heldout)
    assert every == list(range(101))


def test_split_keeps_both_sides_non_empty(tmp_path: Path) -> None:
    two = [json.dumps({"input": t, "target": t.upper()}) for t in ("a", "b")]
    data = load_skill_data(write_lines(tmp_path / "d.jsonl", two), shown_fraction=0.99)
    assert len(data.shown) == 1 and len(data.heldout) == 1
    with pytest.raises(UsageError, match="cannot give 1 shown examples and a held-out split"):
        load_skill_data(write_lines(tmp_path / "one.jsonl", two[:1]), shown_fraction=0.5)


def test_duplicate_inputs_never_cross_the_split(tmp_path: Path) -> None:
    """The design's rule: no held-out input is also a shown one, even when the file repeats it."""
    rows = [json.dumps({"input": f"Item {i % 10}", "target": str(i % 10)}) for i in range(40)]
    rows += [json.dumps({"input": f"item {i % 10}.", "target": str(i % 10)}) for i in range(5)]
    data = load_skill_data(write_lines(tmp_path / "d.jsonl", rows), shown_fraction=0.5)
    shown = {e.input.lower().rstrip(".") for e in data.shown}
    assert not shown & {e.input.lower().rstrip(".") for e in data.heldout}
    assert data.dropped_duplicates == 35 and len(data.shown) + len(data.heldout) == 10
