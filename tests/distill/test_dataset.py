"""The curated set: only verified answers, every filter counted, each input once."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from self_distill.api import run_agent
from self_distill.distill.dataset import curate_runs, curate_tasks, read_curated
from self_distill.errors import DataError
from self_distill.ledger import Ledger
from self_distill.tasks import Task, build_stream
from tests.support.agent_stream import SMALL, scripted_agent_model


def test_an_agent_run_gives_skill_answers_and_label_confirmed_model_answers_only(
    tmp_path: Path,
) -> None:
    tasks = build_stream({"word_sort": 1.0, "arith": 1.0}, 120, noise=0.0, seed=0)
    result = run_agent(
        tasks,
        model=scripted_agent_model(),
        config=SMALL,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    run_id = result.summary["run_id"]
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        everything = curate_runs(ledger, [run_id])
        held_out = [example.input for example in everything.examples[:5]]
        curated = curate_runs(ledger, [run_id], exclude=held_out)
    assert len(curated.examples) == len(everything.examples) - 5
    by_input = {task.input: task for task in tasks}
    sources = {example.source for example in curated.examples}
    assert sources == {"skill", "label"}
    for example in curated.examples:
        task = by_input[example.input]
        assert example.answer == task.target, "only verified answers may be kept"
        assert example.input not in held_out
    wrong_model_answers = sum(
        1
        for task, answer in zip(result.tasks, result.answers, strict=True)
        if answer.route == "model" and answer.correct == 0.0
    )
    assert curated.dropped["unconfirmed"] == wrong_model_answers > 0
    assert curated.dropped["excluded"] == 5


def test_teacher_labels_confirm_nothing(tmp_path: Path) -> None:
    tasks = build_stream({"word_sort": 1.0, "arith": 1.0}, 60, noise=0.0, seed=1)
    config = dataclasses.replace(SMALL, labels="teacher")
    result = run_agent(
        tasks,
        model=scripted_agent_model(),
        config=config,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        curated = curate_runs(ledger, [result.summary["run_id"]])
    assert all(example.source == "skill" for example in curated.examples)


def test_big_bench_data_duplicates_and_empty_answers_are_dropped_and_counted(
    tmp_path: Path,
) -> None:
    tasks = [
        Task("1", "word_sort", "Sort: b a", "a b", "exact"),
        Task("2", "word_sort", "  sort: B A ", "a b", "exact"),
        Task("3", "bbh:word_sorting", "Sort: d c", "c d", "exact"),
        Task("4", "word_sort", "Sort: f e", " ", "exact"),
        Task("5", "mine", "canary GUID 123 leaked", "x", "exact"),
        Task("6", "word_sort", "Sort: z y", "y z", "exact"),
    ]
    curated = curate_tasks(tasks, "test", exclude=["SORT: Z Y"])
    assert [example.id for example in curated.examples] == ["1"]
    assert curated.dropped == {"duplicate": 1, "big_bench": 2, "empty_answer": 1, "excluded": 1}
    manifest_path = curated.write(tmp_path / "set.jsonl", chat_template="{{ x }}")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["counts_by_family"] == {"word_sort": 1}
    assert manifest["chat_template"] == "{{ x }}"
    assert [e.input for e in read_curated(tmp_path / "set.jsonl")] == ["Sort: b a"]


def test_an_empty_set_is_refused_with_the_reason(tmp_path: Path) -> None:
    curated = curate_tasks([Task("1", "bbh:x", "q", "a", "exact")], "test")
    with pytest.raises(DataError, match="empty: dropped 1 big_bench"):
        curated.write(tmp_path / "set.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"input": "q"}\n')
    with pytest.raises(DataError, match=r"bad\.jsonl:1: needs string fields"):
        read_curated(tmp_path / "bad.jsonl")
