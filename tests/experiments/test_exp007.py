"""exp007 end to end with a scripted model: plain and RLM rows, lifting, verification, targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.cli.experiment_commands import load_experiment
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.models.base import Message
from tests.support.scripted_model import ScriptedFakeModel

COUNT_ERRORS = (
    "```python\n"
    "lines = [l for l in context.splitlines() if ' ERROR ' in l]\n"
    "print(len(lines))\n"
    "FINAL(len(lines))\n"
    "```"
)


def reply(messages: list[Message]) -> str:
    if messages[0]["content"] == DIRECT_ANSWER_SYSTEM:
        return "7"
    return COUNT_ERRORS


@pytest.mark.slow
def test_exp007_runs_lifts_and_verifies_with_a_scripted_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_data_home: Path
) -> None:
    exp007 = load_experiment("exp007")
    monkeypatch.setattr(exp007, "load_model", lambda spec, settings: ScriptedFakeModel(reply))
    out = tmp_path / "out"
    args = [
        "--sizes",
        "2,0.5",
        "--n-large",
        "2",
        "--n-small",
        "1",
        "--bbh=",
        "--context-tokens",
        "1024",
        "--out",
    ]
    status = exp007.main([*args, str(out)])
    document = json.loads((out / "results.json").read_text())
    assert document["ran"] == document["planned"] == 15
    counting = document["groups"]["logs x2 count_level"]
    assert counting["rlm"]["accuracy"] == 1.0 and counting["plain"]["n"] == 2
    skills = document["skills"]
    assert skills["verified"] >= 1
    accepted = [c for c in skills["candidates"] if c.get("accepted")]
    assert {c["kind"] for c in accepted} == {"count_level"}
    assert status == (0 if document["targets"]["met"] else 1)
    assert (out / "accuracy.png").read_bytes()[:4] == b"\x89PNG"
