"""The verify JSONL format and the seeded shown/held-out split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.errors import DataError, UsageError
from self_distill.skills.labelled_examples import (
    LabelledExample,
    apply_split,
    read_labelled_jsonl,
    split_examples,
)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_rows_with_and_without_split(tmp_path: Path) -> None:
    rows = [
        {"input": "a", "target": "A", "split": "shown"},
        {"input": "b", "target": "B", "split": "heldout"},
    ]
    data = read_labelled_jsonl(
        write_lines(tmp_path / "d.jsonl", [json.dumps(r) for r in rows] + [""])
    )
    assert data.examples == (LabelledExample("a", "A"), LabelledExample("b", "B"))
    assert apply_split(data, seed=0) == ((LabelledExample("a", "A"),), (LabelledExample("b", "B"),))
    unsplit = read_labelled_jsonl(
        write_lines(tmp_path / "u.jsonl", [json.dumps({"input": "a", "target": "A"})])
    )
    assert unsplit.split is None


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('{"input": "a", "target": ', "not valid JSON"),
        ('["a", "b"]', "expected a JSON object"),
        ('{"input": "a", "target": 1}', "'target' must be a string"),
        ('{"target": "a"}', "'input' must be a string"),
        ('{"input": "a", "target": "b", "split": "test"}', "'split' must be one of"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, complaint: str) -> None:
    good = json.dumps({"input": "x", "target": "y"})
    path = write_lines(tmp_path / "bad.jsonl", [good, "", line])
    with pytest.raises(DataError, match=complaint) as caught:
        read_labelled_jsonl(path)
    assert f"{path}:3:" in str(caught.value)


def test_partial_split_column_is_refused(tmp_path: Path) -> None:
    lines = [
        json.dumps({"input": "a", "target": "A", "split": "shown"}),
        json.dumps({"input": "b", "target": "B"}),
    ]
    with pytest.raises(DataError, match="example 2 has no 'split'"):
        read_labelled_jsonl(write_lines(tmp_path / "d.jsonl", lines))


def test_empty_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no examples"):
        read_labelled_jsonl(write_lines(tmp_path / "empty.jsonl", [""]))
    with pytest.raises(DataError, match="cannot read"):
        read_labelled_jsonl(tmp_path / "absent.jsonl")


def test_seeded_split_is_reproducible_disjoint_and_complete() -> None:
    examples = [LabelledExample(str(i), str(i)) for i in range(101)]
    shown, heldout = split_examples(examples, seed=3)
    assert split_examples(examples, seed=3) == (shown, heldout)
    assert split_examples(examples, seed=4) != (shown, heldout)
    assert len(shown) == 50 and len(heldout) == 51
    assert sorted(shown + heldout, key=lambda e: int(e.input)) == examples


def test_split_keeps_both_sides_non_empty() -> None:
    two = [LabelledExample("a", "A"), LabelledExample("b", "B")]
    shown, heldout = split_examples(two, seed=0, shown_fraction=0.99)
    assert len(shown) == 1 and len(heldout) == 1
    with pytest.raises(UsageError, match="at least two"):
        split_examples(two[:1], seed=0)
