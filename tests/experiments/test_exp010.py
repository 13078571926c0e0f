"""exp010 end to end with a test-only scripted coder: each contract's prompt, the sandbox
scoring of its candidates and the paired comparison with the shipped contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.cli.experiment_commands import load_experiment
from self_distill.models.base import Message
from self_distill.skills.creation import prompts
from self_distill.skills.examples import LabelledExample
from tests.support.scripted_model import ScriptedFakeModel

exp010 = load_experiment("exp010")

# a correct slug skill for the 'steps' contract, a wrong one for 'plan', a crashing one for 'none'
STEPS_REPLY = """```python
import re


def find(text: str) -> str:
    match = re.search(r"Title: (.+)", text)
    return match.group(1) if match else ""


def convert(part: str) -> str:
    part = part.lower().replace("&", " and ").replace("'", "").replace("\\u2019", "")
    return re.sub(r"[^a-z0-9]+", "-", part).strip("-")


def solve(text: str) -> str:
    part = find(text)
    return convert(part) if part else ""
```"""
PLAN_REPLY = "```python\ndef solve(text: str) -> str:\n    return 'post'\n```"
NONE_REPLY = "```python\ndef solve(text: str) -> str:\n    return text[10**9]\n```"


def reply_for(messages: list[Message]) -> str:
    contract = messages[-1]["content"]
    if "Write three functions" in contract:
        return STEPS_REPLY
    if exp010.PLAN_SENTENCE in contract:
        return PLAN_REPLY
    return NONE_REPLY


def test_contracts_change_only_the_contract_text() -> None:
    examples = [LabelledExample("Slug this. Title: A & B", "a-and-b")]
    none = exp010.contract_messages("none", examples)
    assert none == prompts.create_messages(examples, None)
    for contract in ("steps", "plan"):
        messages = exp010.contract_messages(contract, examples)
        assert messages[0] == none[0]
        assert "assert solve('Slug this. Title: A & B') == 'a-and-b'" in messages[-1]["content"]
        assert messages[-1]["content"] != none[-1]["content"]


def test_each_contract_is_scored_on_shown_and_heldout_and_paired_with_none(
    tmp_path: Path,
) -> None:
    options = ["--families", "title_slug", "--heldout", "40", "--prompt-examples", "3"]
    args = exp010.parse_args([*options, "--out", str(tmp_path)])
    model = ScriptedFakeModel(reply_for)
    summary = exp010.run(args, model)
    assert len(model.calls) == 6
    assert model.temperatures == [0.2, 0.8] * 3, "the creator's first and later temperatures"
    contracts = summary["contracts"]
    assert contracts["none"]["code_loads"] == 2 and contracts["none"]["passed_every_shown"] == 0
    steps = contracts["steps"]
    slug = steps["families"]["title_slug"]
    assert slug["best_heldout_accuracy"] > 0.1, "right where the title is a labelled line"
    assert slug["best_heldout_ci95"][0] < slug["best_heldout_accuracy"]
    gap = steps["heldout_difference_from_none"]
    assert gap["pairs"] == 2
    assert gap["mean"] == pytest.approx(slug["best_heldout_accuracy"])
    assert contracts["plan"]["heldout_difference_from_none"]["mean"] == pytest.approx(0.0)
    rows = [json.loads(line) for line in (tmp_path / "candidates.jsonl").read_text().splitlines()]
    assert {row["contract"] for row in rows} == {"none", "steps", "plan"}
    assert all(row["heldout_total"] == 40 for row in rows)
    for name in ("summary.json", "report.md", "report.html", "heldout.png", "manifest.json"):
        assert (tmp_path / name).is_file()
