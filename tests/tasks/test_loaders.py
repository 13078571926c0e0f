"""Loaders: the real reference files load; bad files fail naming file, line and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.errors import DataError, UsageError
from self_distill.tasks import (
    FAMILIES,
    generate,
    generate_oneoff,
    load_bbh,
    load_cola,
    load_jsonl,
    load_task_file,
    task_stats,
    write_jsonl,
)
from self_distill.tasks.reference_data import ENV_VAR, bbh_path, cola_path, datasets_dir


@pytest.mark.parametrize(
    ("name", "answer_format"),
    [
        ("word_sorting", "exact"),
        ("dyck_languages", "exact"),
        ("date_understanding", "choice"),
        ("navigate", "yesno"),
        ("object_counting", "numeric"),
    ],
)
def test_bbh_files_load_with_inferred_formats(name: str, answer_format: str) -> None:
    tasks = load_bbh(bbh_path(name))
    assert len(tasks) == 250
    assert {t.family for t in tasks} == {f"bbh:{name}"}
    assert {t.answer_format for t in tasks} == {answer_format}
    assert len({t.id for t in tasks}) == 250
    assert all("canary" not in json.dumps(t.to_dict()).lower() for t in tasks)


def test_cola_dev_loads_with_the_seventy_percent_majority() -> None:
    tasks = load_cola(cola_path("in_domain_dev"))
    assert len(tasks) == 527
    assert {t.target for t in tasks} == {"0", "1"}
    stats = task_stats(tasks)
    assert stats.majority_accuracy == pytest.approx(365 / 527)
    assert stats.families["cola"].majority_target == "1"
    assert tasks[0].meta["sentence"] in tasks[0].input


def test_jsonl_round_trip_keeps_every_field(tmp_path: Path) -> None:
    tasks = [task for family in FAMILIES for task in generate(family, 5, seed=1)]
    tasks += generate_oneoff(5, seed=1)
    path = tmp_path / "tasks.jsonl"
    assert write_jsonl(tasks, path) == len(tasks)
    assert [t.to_dict() for t in load_jsonl(path)] == [t.to_dict() for t in tasks]


def test_jsonl_defaults_for_optional_fields(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text('{"input": "2+2?", "target": "4"}\n\n{"input": "3+3?", "target": "6"}\n')
    tasks = load_jsonl(path)
    assert [(t.id, t.family, t.answer_format) for t in tasks] == [
        ("mine:1", "mine", "exact"),
        ("mine:3", "mine", "exact"),
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"input": "a", "target": "b"}', "{broken"], r"bad\.jsonl:2: invalid JSON"),
        (['{"input": "a"}'], r'jsonl:1: field "target" is missing'),
        (['["a", "b"]'], r"jsonl:1: expected a JSON object, found list"),
        (['{"input": "a", "target": "b", "answer_format": "fuzzy"}'], "unknown answer_format"),
        (
            [
                '{"id": "x", "input": "a", "target": "b"}',
                '{"id": "x", "input": "c", "target": "d"}',
            ],
            r"jsonl:2: duplicate id 'x' \(first used on line 1\)",
        ),
    ],
)
def test_bad_jsonl_names_file_line_and_problem(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=message):
        load_jsonl(path)


def test_bad_bbh_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "examples": [\n    {"input": "a", "target": }\n  ]\n}')
    with pytest.raises(DataError, match=r"broken\.json: line 3: invalid JSON"):
        load_bbh(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"examples": [{"input": "a", "target": "b"}, {"input": "c"}]}))
    with pytest.raises(DataError, match=r"wrong\.json: example 1: needs string fields"):
        load_bbh(wrong)
    shapeless = tmp_path / "shapeless.json"
    shapeless.write_text("[1, 2]")
    with pytest.raises(DataError, match='no "examples" list'):
        load_bbh(shapeless)


def test_bad_cola_files(tmp_path: Path) -> None:
    path = tmp_path / "cola.tsv"
    path.write_text("gj04\t1\t\tFine sentence.\ngj04\t2\t\tBad label.\n")
    with pytest.raises(DataError, match=r"cola\.tsv: line 2: label must be 0 or 1"):
        load_cola(path)
    path.write_text("gj04\t1\tFine sentence.\n")
    with pytest.raises(DataError, match="line 1: expected 4 tab-separated columns"):
        load_cola(path)


def test_load_task_file_dispatches_on_extension(tmp_path: Path) -> None:
    assert load_task_file(cola_path())[0].family == "cola"
    assert load_task_file(bbh_path("navigate"))[0].family == "bbh:navigate"
    with pytest.raises(UsageError, match="unsupported extension"):
        load_task_file(tmp_path / "tasks.csv")
    with pytest.raises(DataError, match="file not found"):
        load_task_file(tmp_path / "missing.jsonl")


def test_datasets_dir_override_and_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = datasets_dir()
    monkeypatch.setenv(ENV_VAR, str(real))
    assert datasets_dir() == real
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match=ENV_VAR):
        datasets_dir()
    monkeypatch.setenv(ENV_VAR, str(real))
    with pytest.raises(DataError, match=r"available: .*navigate"):
        bbh_path("no_such_task")
