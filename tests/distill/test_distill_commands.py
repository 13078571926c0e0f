"""``self-distill distill dataset|train|eval``: a labelled file to a curated set, an adapter,
and a base-against-student table, with the one-line errors a user meets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.distill.base import StudentBase
from self_distill.tasks import write_jsonl
from self_distill.tasks.sources import load_tasks
from tests.support.cli import invoke_cli

pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_dataset_train_and_eval_from_a_labelled_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], student_base: StudentBase
) -> None:
    train_tasks = load_tasks("order_id_extract", n=12, seed=2)
    test_tasks = load_tasks("order_id_extract", n=6, seed=3)
    write_jsonl([*train_tasks, test_tasks[0]], tmp_path / "labelled.jsonl")
    write_jsonl(test_tasks, tmp_path / "test.jsonl")

    code, out, err = invoke_cli(
        [
            "distill",
            "dataset",
            "--data",
            str(tmp_path / "labelled.jsonl"),
            "--exclude",
            str(tmp_path / "test.jsonl"),
            "--out",
            str(tmp_path / "set.jsonl"),
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    manifest = json.loads(out)
    assert manifest["counts_by_family"] == {"order_id_extract": 12}
    assert manifest["dropped"] == {"excluded": 1}

    code, out, err = invoke_cli(
        [
            "distill",
            "train",
            "--data",
            str(tmp_path / "set.jsonl"),
            "--out",
            str(tmp_path / "adapter"),
            "--rank",
            "2",
            "--alpha",
            "4",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--threads",
            "1",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    trained = json.loads(out)
    assert trained["steps"] == 3 and trained["examples"] == 12
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()

    code, out, err = invoke_cli(
        [
            "distill",
            "eval",
            "--adapter",
            str(tmp_path / "adapter"),
            "--data",
            str(tmp_path / "test.jsonl"),
            "--out",
            str(tmp_path / "rows.jsonl"),
            "--threads",
            "1",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    [family] = json.loads(out)["families"]
    assert family["family"] == "order_id_extract" and family["n"] == 6
    assert family["majority_baseline"] is not None
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [row["target"] for row in rows] == [task.target for task in test_tasks]
    assert rows[0]["messages"][-1] == {"role": "user", "content": test_tasks[0].input}


def test_bad_input_gets_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.jsonl").write_text('{"input": "q", "answer": 1}\n')
    code, _, err = invoke_cli(
        ["distill", "train", "--data", str(tmp_path / "broken.jsonl"), "--out", str(tmp_path)],
        capsys,
    )
    assert code != 0 and "broken.jsonl:1: needs string fields" in err
    code, _, err = invoke_cli(
        ["distill", "eval", "--adapter", str(tmp_path), "--data", "order_id_extract"], capsys
    )
    assert code != 0 and "not a student adapter" in err
    code, _, err = invoke_cli(["distill", "dataset", "--out", str(tmp_path / "x.jsonl")], capsys)
    assert code != 0 and "give agent runs or a labelled data source" in err
