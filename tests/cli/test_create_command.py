"""``self-distill create`` end to end: a real subprocess, the real ollama client against a
loopback stand-in, the real sandbox, verifier, ledger and store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from self_distill.tasks import generate, write_jsonl
from tests.support.cli import run_cli
from tests.support.ollama_standin import OllamaStandIn
from tests.support.word_sort_creation import SORT_SKILL_REPLY

CONSTANT_SKILL = "```python\ndef solve(text: str) -> str:\n    return 'a'\n```"


def word_sort_file(tmp_path: Path, n: int = 60) -> Path:
    path = tmp_path / "words.jsonl"
    write_jsonl(generate("word_sort", n, seed=2), path)
    return path


def create(tmp_path: Path, url: str, *args: str) -> Any:
    return run_cli(
        "create",
        "--model",
        "ollama:coder",
        "--store",
        str(tmp_path / "store"),
        "--ledger",
        str(tmp_path / "ledger.sqlite3"),
        *args,
        env={"OLLAMA_HOST": url},
    )


def test_create_json_accepts_stores_and_records_the_calls(tmp_path: Path) -> None:
    data = word_sort_file(tmp_path)
    with OllamaStandIn(lambda messages: SORT_SKILL_REPLY) as server:
        result = create(tmp_path, server.url, "--data", str(data), "--shown", "12", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["accepted"] is True and payload["skill_id"] == "word_sort@1"
    assert Path(payload["skill_path"], "skill.py").read_text().startswith("import re")
    assert payload["verdict"]["accepted"] is True and payload["verdict"]["n_shown"] == 12
    assert payload["verdict"]["n_heldout"] == 48
    assert payload["creation_tokens"] > 0 and len(payload["candidates"]) == 1
    assert payload["data"]["family"] == "word_sort"

    summary = run_cli("ledger", "summary", "--json", "--ledger", str(tmp_path / "ledger.sqlite3"))
    rows = json.loads(summary.stdout)["rows"]
    assert [(r["model"], r["purpose"], r["calls"]) for r in rows] == [("ollama:coder", "create", 1)]
    assert rows[0]["input_tokens"] + rows[0]["output_tokens"] == payload["creation_tokens"]


def test_create_keeps_the_files_own_split_and_reports_rejections(tmp_path: Path) -> None:
    rows = [task.to_dict() for task in generate("word_sort", 30, seed=4)]
    for number, row in enumerate(rows):
        row["split"] = "shown" if number < 5 else "heldout"
    data = tmp_path / "split.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with OllamaStandIn(lambda messages: CONSTANT_SKILL) as server:
        result = create(
            tmp_path,
            server.url,
            "--data",
            str(data),
            "--candidates",
            "2",
            "--rounds",
            "1",
            "--name",
            "sorter",
            "--json",
        )
    assert result.returncode == 1, "no skill accepted"
    assert "more candidates: --candidates 12" in result.stderr
    assert "skills add fixed.py" in result.stderr and "--parent sorter@" in result.stderr
    payload = json.loads(result.stdout)
    assert payload["accepted"] is False and payload["skill_id"] == "sorter@1"
    assert payload["verdict"]["n_shown"] == 5 and payload["verdict"]["n_heldout"] == 25
    assert "low_accuracy" in payload["verdict"]["reasons"]
    assert [c["outcomes"] for c in payload["candidates"]] == [["wrong", "wrong"]] * 2
    manifest = json.loads(Path(payload["skill_path"], "manifest.json").read_text())
    assert manifest["status"] == "rejected"


def test_create_human_output_names_the_stored_skill(tmp_path: Path) -> None:
    data = word_sort_file(tmp_path)
    with OllamaStandIn(lambda messages: SORT_SKILL_REPLY) as server:
        result = create(tmp_path, server.url, "--data", str(data))
    assert result.returncode == 0, result.stderr
    assert "ACCEPTED" in result.stdout and "stored word_sort@1 (active)" in result.stdout
    assert "candidate 0 create r0: passed" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"input": "a"}\n', 'bad.jsonl:1: field "target"'),
        ('{"input": "a", "target": "b", "split": "test"}\n', "split"),
    ],
)
def test_malformed_data_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text(content)
    result = create(tmp_path, "http://127.0.0.1:9", "--data", str(data))
    assert result.returncode != 0
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_with_several_families_needs_family(tmp_path: Path) -> None:
    data = tmp_path / "mixed.jsonl"
    write_jsonl(generate("word_sort", 20, seed=1) + generate("arith", 20, seed=1), data)
    result = create(tmp_path, "http://127.0.0.1:9", "--data", str(data))
    assert result.returncode == 2 and "pick it with --family" in result.stderr


def test_an_unreachable_model_server_is_a_clear_error(tmp_path: Path) -> None:
    data = word_sort_file(tmp_path)
    result = create(tmp_path, "http://127.0.0.1:9", "--data", str(data), "--json")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: Ollama is not reachable")
    assert not (tmp_path / "store").exists() or not list((tmp_path / "store").glob("*/v*"))


@pytest.mark.slow
def test_create_from_big_bench_hard_json(tmp_path: Path) -> None:
    from self_distill.tasks.reference_data import bbh_path

    bbh_skill = (
        "```python\ndef solve(text: str) -> str:\n"
        "    return ' '.join(sorted(text.split('List:')[-1].split()))\n```"
    )
    with OllamaStandIn(lambda messages: bbh_skill) as server:
        result = create(
            tmp_path,
            server.url,
            "--data",
            str(bbh_path("word_sorting")),
            "--shown",
            "8",
            "--heldout",
            "60",
            "--json",
        )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["skill_id"] == "bbh-word_sorting@1" and payload["accepted"] is True
    assert payload["verdict"]["n_heldout"] == 60


def test_verify_and_create_give_one_skill_on_one_split_the_same_accuracy(tmp_path: Path) -> None:
    """The same scorer and the same split in both commands: targets in upper case, answers in
    lower case (the exact scorer folds case), and `verify --shown/--heldout` as `create` had."""
    rows = [task.to_dict() for task in generate("word_sort", 60, seed=2)]
    data = tmp_path / "shouting.jsonl"
    data.write_text("".join(json.dumps({**r, "target": r["target"].upper()}) + "\n" for r in rows))
    with OllamaStandIn(lambda messages: SORT_SKILL_REPLY) as server:
        created = create(
            tmp_path, server.url, "--data", str(data), "--shown", "12", "--heldout", "40", "--json"
        )
    assert created.returncode == 0, created.stderr
    made = json.loads(created.stdout)
    skill = Path(made["skill_path"], "skill.py")
    verified = run_cli(
        "verify", str(skill), "--data", str(data), "--shown", "12", "--heldout", "40", "--json"
    )
    assert verified.returncode == 0, verified.stderr
    judged = json.loads(verified.stdout)
    assert made["verdict"]["heldout_accuracy"] == judged["heldout_accuracy"] == 1.0
    assert made["verdict"]["n_heldout"] == judged["n_heldout"] == 40
    assert judged["accepted"] is made["accepted"] is True
