"""Creation end to end with the real sandbox, verifier, ledger and store (scripted model)."""

from __future__ import annotations

import json
from pathlib import Path

from self_distill.ledger import Ledger
from self_distill.models.base import Message
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import CreationRequest, run_creation
from self_distill.skills.store.skill_store import SkillStore
from self_distill.skills.verification.config import VerifierConfig
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY, word_sort_request

CONSTANT_SKILL = "```python\ndef solve(text: str) -> str:\n    return 'a b c'\n```"
CRASHING_SKILL = "```python\ndef solve(text: str) -> str:\n    return text.split('@')[1]\n```"
LOOPING_SKILL = "```python\ndef solve(text: str) -> str:\n    while True:\n        pass\n```"
FORBIDDEN_SKILL = (
    "```python\nimport os\n\ndef solve(text: str) -> str:\n    return os.getcwd()\n```"
)


def pipeline_request(**budget: object) -> CreationRequest:
    """The word_sort request of these tests, with a short call timeout for the looping skill."""
    return word_sort_request(
        CreationBudget(**budget),  # type: ignore[arg-type]
        count=70,
        seed=5,
        n_shown=10,
        max_heldout=50,
        verifier=VerifierConfig(call_timeout_s=0.5),
    )


def prompt_text(calls: list[list[Message]]) -> str:
    return "\n".join(message["content"] for call in calls for message in call)


def test_a_correct_skill_is_accepted_stored_active_and_every_call_is_in_the_ledger(
    tmp_path: Path,
) -> None:
    request = pipeline_request(candidates=3, repair_rounds=1)
    model = ScriptedFakeModel([CONSTANT_SKILL, "Sorry, no code today.", SORT_SKILL_REPLY])
    store = SkillStore(tmp_path / "store")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        outcome = run_creation(request, model, ledger, store)
        usage = ledger.usage(outcome.run_id)
        run = next(r for r in ledger.runs() if r["id"] == outcome.run_id)

    assert outcome.result.accepted
    assert outcome.skill is not None and outcome.skill.manifest.status == "active"
    assert {row.purpose: row.calls for row in usage} == {"create": 2, "repair": 1}
    total = sum(row.input_tokens + row.output_tokens for row in usage)
    assert outcome.result.creation_tokens == total
    chosen = outcome.result.chosen_candidate
    assert chosen is not None and 0 < chosen.tokens < total
    assert outcome.skill.manifest.creation_tokens == chosen.tokens
    assert outcome.skill.manifest.creation["run_tokens"] == total
    assert outcome.skill.manifest.creation["prompt"] == chosen.prompt != "seeded"
    assert outcome.skill.manifest.parent is None
    assert run["status"] == "completed" and run["kind"] == "create"

    manifest = json.loads((outcome.skill.path / "manifest.json").read_text())
    assert manifest["creator_model"] == "scripted:fake" and manifest["family"] == "word_sort"
    assert manifest["prompt_hash"] == outcome.result.prompt_hash
    verification = json.loads((outcome.skill.path / "verification.json").read_text())
    assert verification["verdict"]["accepted"] is True
    assert verification["verdict"]["n_heldout"] == len(request.heldout)
    splits = [
        json.loads(line)["split"]
        for line in outcome.skill.path.joinpath("examples.jsonl").read_text().splitlines()
    ]
    assert splits.count("heldout") == len(request.heldout)

    payload = outcome.to_dict()
    assert payload["accepted"] is True and payload["skill_id"] == "word-sort@2"
    assert payload["stored"] == ["word-sort@1", "word-sort@2"]
    unverified = store.get("word-sort@1")
    assert unverified.manifest.status == "rejected" and unverified.verification() is None
    assert unverified.manifest.status_reason.startswith("not verified: failed the shown examples")
    assert unverified.manifest.creation_tokens == outcome.result.candidates[0].tokens
    assert unverified.manifest.parent is None, "an independent sample has no parent"
    assert payload["creation_tokens"] == total
    assert [c["outcomes"] for c in payload["candidates"]] == [
        ["wrong", "no_code"],
        ["passed"],
    ]


def test_held_out_inputs_never_reach_the_model(tmp_path: Path) -> None:
    request = pipeline_request(candidates=2, repair_rounds=2)
    model = ScriptedFakeModel([CONSTANT_SKILL])
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        run_creation(request, model, ledger)
    text = prompt_text(model.calls)
    assert len(model.calls) == 6
    assert not [e.input for e in request.heldout if repr(e.input)[1:-1] in text]
    assert any(repr(e.input)[1:-1] in text for e in request.shown)


def test_a_trivial_skill_is_rejected_and_kept_with_its_reasons(tmp_path: Path) -> None:
    request = pipeline_request(candidates=1)
    store = SkillStore(tmp_path / "store")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        outcome = run_creation(request, ScriptedFakeModel([CONSTANT_SKILL]), ledger, store)

    assert not outcome.result.accepted
    assert outcome.skill is not None and outcome.skill.manifest.status == "rejected"
    reasons = outcome.result.verdict.reasons if outcome.result.verdict else ()
    assert "low_accuracy" in reasons and "trivial_constant" in reasons
    assert outcome.skill.manifest.status_reason.startswith("rejected: ")
    assert store.active() == []


def test_crashing_looping_and_forbidden_code_is_recorded_not_fatal(tmp_path: Path) -> None:
    request = pipeline_request(candidates=4)
    model = ScriptedFakeModel([CRASHING_SKILL, LOOPING_SKILL, FORBIDDEN_SKILL, SORT_SKILL_REPLY])
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        outcome = run_creation(request, model, ledger, SkillStore(tmp_path / "store"))

    first, second, third, fourth = outcome.result.candidates
    assert first.attempts[0].outcome == "error" and "IndexError" in first.attempts[0].detail
    assert second.attempts[0].outcome == "error" and "timeout" in second.attempts[0].detail
    assert third.attempts[0].outcome == "error" and "rejected" in third.attempts[0].detail
    assert fourth.attempts[0].outcome == "passed" and outcome.result.accepted


def test_a_model_that_never_writes_code_leaves_nothing_stored(tmp_path: Path) -> None:
    request = pipeline_request(candidates=2)
    store = SkillStore(tmp_path / "store")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        outcome = run_creation(request, ScriptedFakeModel(["Just sort them."]), ledger, store)
    assert not outcome.result.accepted and outcome.result.chosen is None
    assert outcome.skill is None and outcome.stored == ()
    assert outcome.to_dict()["verdict"] is None
    assert store.scan().skills == ()


def test_a_verified_skill_of_another_family_is_a_demonstration_and_its_own_family_is_not(
    tmp_path: Path,
) -> None:
    """The store slot of the portfolio: an active skill's code answers its own shown examples
    in the prompt; a skill of the family being created is left out (its examples may be this
    creation's held-out ones)."""
    store = SkillStore(tmp_path / "store")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        first = run_creation(
            pipeline_request(candidates=1), ScriptedFakeModel([SORT_SKILL_REPLY]), ledger, store
        )
        assert first.result.accepted
        again = ScriptedFakeModel([CONSTANT_SKILL])
        same = run_creation(pipeline_request(candidates=3), again, ledger, store)
        assert "store:" not in " ".join(c.prompt for c in same.result.candidates)

        other = pipeline_request(candidates=3)
        other = CreationRequest(**{**other.__dict__, "skill_id": "sorter", "family": "sorter"})
        model = ScriptedFakeModel([CONSTANT_SKILL])
        outcome = run_creation(other, model, ledger, store)
    prompts_used = [c.prompt for c in outcome.result.candidates]
    assert prompts_used[2] == f"store:{first.skill.ref}"  # type: ignore[union-attr]
    demo_reply = model.calls[2][2]["content"]
    assert first.result.code is not None and first.result.code.strip() in demo_reply
    assert outcome.skill is not None and outcome.skill.manifest.creation["prompt"] in prompts_used
