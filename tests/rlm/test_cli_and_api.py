"""`self-distill rlm` and `sd.rlm_answer` with a scripted model: trajectory, JSON, ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import self_distill as sd
from self_distill import api
from self_distill.ledger import Ledger
from tests.rlm.conftest import cell
from tests.support.cli import invoke_cli
from tests.support.scripted_model import ScriptedFakeModel

REPLIES = [
    cell("lines = context.splitlines()\nprint(len(lines))"),
    cell("note = llm_query('say ok')\nFINAL(str(len(lines)) + ' ' + note)"),
]


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch, isolated_data_home: Path) -> None:
    monkeypatch.setattr(
        api, "_load_generator", lambda spec, settings: ScriptedFakeModel(REPLIES, spec=spec)
    )


def test_rlm_answer_is_exported_and_records_one_run(
    scripted: None, isolated_data_home: Path
) -> None:
    answer = sd.rlm_answer("a\nb\nc", model="scripted:root", sub_model="scripted:sub")
    assert answer.text is not None and answer.text.startswith("3 ")
    assert {c.model for c in answer.calls} == {"scripted:root", "scripted:sub"}
    with Ledger(isolated_data_home / "ledger.sqlite3") as ledger:
        [run] = [r for r in ledger.runs() if r["kind"] == "rlm"]
        assert run["id"] == answer.run_id and run["status"] == "completed"


def test_cli_shows_the_trajectory_and_prints_the_answer(
    scripted: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "input.txt"
    source.write_text("one\ntwo\n", encoding="utf-8")
    code, out, err = invoke_cli(["rlm", "--model", "m:x", "--input", str(source)], capsys)
    assert code == 0, err
    assert out.strip().startswith("2 ")
    assert "turn 1" in err and "cell" in err and "sub-call" in err and "tokens" in err


def test_cli_json_holds_the_answer_calls_and_trajectory(
    scripted: None, capsys: pytest.CaptureFixture[str], isolated_data_home: Path
) -> None:
    code, out, _ = invoke_cli(
        ["rlm", "--model", "m:x", "--max-depth", "0", "--max-iterations", "3", "--json", "x\ny"],
        capsys,
    )
    assert code == 0
    document = json.loads(out)
    assert document["text"].startswith("2 ")
    assert [c["purpose"] for c in document["calls"]] == ["rlm_root", "rlm_root", "rlm_sub"]
    assert document["tokens"] == sum(
        c["input_tokens"] + c["output_tokens"] for c in document["calls"]
    )
    with Ledger(isolated_data_home / "ledger.sqlite3") as ledger:
        [run] = [r for r in ledger.runs() if r["kind"] == "rlm"]
        assert [c["id"] for c in ledger.call_tree(run["id"])] == [
            c["id"] for c in document["calls"]
        ]


def test_cli_needs_exactly_one_input(scripted: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke_cli(["rlm", "--model", "m:x"], capsys)
    assert code != 0 and "exactly one" in err
