"""Lifting trajectories into skill candidates, and the creator taking them as seeded candidates."""

from __future__ import annotations

from self_distill.api import verify_skill
from self_distill.ledger import RecordedModel
from self_distill.rlm import RlmLimits, Trajectory
from self_distill.rlm.hybrid import judge_hybrid
from self_distill.rlm.lifting import lift_trajectory
from self_distill.rlm.window import ModelWindow, estimate_tokens
from self_distill.sandbox import Sandbox
from self_distill.skills.creation.creator import SkillCreator
from self_distill.skills.creation.run import SandboxShownRunner
from self_distill.skills.examples import LabelledExample, split_examples
from self_distill.skills.verification.verifier import verify_skill as verify_code
from self_distill.tasks.long_inputs import long_input_tasks
from tests.rlm.conftest import Harness, cell
from tests.support.scripted_model import ScriptedFakeModel

EXPLORE = cell("print(context[:200])\nlines = context.splitlines()")
BROKEN = cell("print(undefined_name)")
COUNT = cell("errors = [l for l in lines if ' ERROR ' in l]\nn = len(errors)\nFINAL_VAR('n')")


def counting_trajectory(harness: Harness, context: str) -> Trajectory:
    return harness.run([EXPLORE, BROKEN, COUNT], context=context).trajectory


def test_a_correct_code_only_trajectory_lifts_into_a_verified_skill(harness: Harness) -> None:
    tasks = long_input_tasks("count_level", 24, 3000, seed=5)
    trajectory = counting_trajectory(harness, tasks[0].input)
    assert trajectory.answer == tasks[0].target
    candidate = lift_trajectory(trajectory)
    assert candidate is not None and not candidate.hybrid and candidate.cells == 2
    assert "undefined_name" not in candidate.code and "FINAL(n)" in candidate.code
    verdict = verify_skill(candidate.code, tasks, n_shown=4)
    assert verdict.accepted, verdict.reasons
    assert verdict.heldout_accuracy == 1.0


def test_a_trajectory_with_sub_calls_lifts_into_a_hybrid_candidate(harness: Harness) -> None:
    trajectory = harness.run([cell("FINAL(llm_query('label: ' + context[:50]))")]).trajectory
    candidate = lift_trajectory(trajectory)
    assert candidate is not None and candidate.hybrid


def test_an_extracted_answer_is_not_lifted(harness: Harness) -> None:
    trajectory = harness.run(["no code", "12"], limits=RlmLimits(max_iterations=1)).trajectory
    assert trajectory.answer_source == "extraction" and lift_trajectory(trajectory) is None


def test_a_hardcoded_answer_is_rejected_by_the_verifier(harness: Harness) -> None:
    tasks = long_input_tasks("count_level", 24, 3000, seed=6)
    trajectory = harness.run([cell(f"FINAL({tasks[0].target})")], context=tasks[0].input)
    candidate = lift_trajectory(trajectory.trajectory)
    assert candidate is not None
    assert not verify_skill(candidate.code, tasks, n_shown=4).accepted


def test_the_creator_accepts_a_seeded_candidate_before_any_model_call(
    harness: Harness,
) -> None:
    tasks = long_input_tasks("count_level", 24, 3000, seed=7)
    candidate = lift_trajectory(counting_trajectory(harness, tasks[0].input))
    assert candidate is not None
    split = split_examples(tasks, n_shown=4, max_heldout=None, seed=0, source="test")
    writer = ScriptedFakeModel(["no code here"])
    recorded = RecordedModel(writer, harness.ledger, harness.run_id)
    with Sandbox() as box:
        creator = SkillCreator(recorded, SandboxShownRunner(box), answer_format="numeric")
        result = creator.create(
            split.shown,
            lambda code: verify_code(code, split.shown, split.heldout, answer_format="numeric"),
            seeded=[candidate.code],
        )
    assert result.accepted
    assert writer.calls == [] and result.creation_tokens == 0


def test_a_hybrid_candidate_is_judged_with_its_sub_calls_counted(harness: Harness) -> None:
    code = (
        "def solve(text):\n    label = llm_query('Is this positive? ' + text)\n"
        "    return 'yes' if 'yes' in label.lower() else 'no'\n"
    )
    examples = [LabelledExample(f"great day {n}", "yes") for n in range(20)]
    sub = RecordedModel(ScriptedFakeModel(["Yes."]), harness.ledger, harness.run_id)
    verdict = judge_hybrid(code, examples, sub, ModelWindow(None, estimate_tokens))
    assert verdict.accepted and verdict.accuracy == 1.0
    assert verdict.sub_calls == 20 and verdict.tokens_per_answer > 0
    calls = harness.ledger.call_tree(harness.run_id)
    assert sum(c["input_tokens"] + c["output_tokens"] for c in calls) == verdict.tokens
