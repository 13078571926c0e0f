"""The one JSONL reader: lines end at \\n only, every error names file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.errors import DataError
from self_distill.tasks import Task, load_jsonl, read_jsonl, write_jsonl


def test_unicode_line_separators_inside_strings_do_not_split_a_line(tmp_path: Path) -> None:
    """str.splitlines() would cut these rows apart; they are valid JSON Lines."""
    texts = ["a\u2028b", "c\u2029d", "e\x85f", "g\x1ch\x1di\x1ej\x0bk\x0cl"]
    tasks = [Task(f"t{i}", "f", text, text, "exact") for i, text in enumerate(texts)]
    path = tmp_path / "tasks.jsonl"
    write_jsonl(tasks, path)
    assert [task.input for task in load_jsonl(path)] == texts
    assert [row.line for row in read_jsonl(path)] == [1, 2, 3, 4]


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n" + json.dumps({"a": 1}) + "\n\n  \n" + json.dumps({"b": 2}) + "\n")
    rows = list(read_jsonl(path))
    assert [(row.line, row.record) for row in rows] == [(2, {"a": 1}), (5, {"b": 2})]
    assert rows[1].where == f"{path}:5"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"a": 1}\n{"a": \n', r":2: invalid JSON"),
        ('{"a": 1}\n[1]\n', r":2: expected a JSON object, found list"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_bad_files_name_the_file_and_line(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(DataError, match=message) as caught:
        list(read_jsonl(path))
    assert str(path) in str(caught.value)
