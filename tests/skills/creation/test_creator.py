"""The creator's control flow: sampling, extraction failures, repair rounds, budgets, ledger.

The model is scripted and candidate code runs through ``PlainRunner``, a test double that
executes the scripted (trusted) code in-process, so each test isolates one decision of the
creator. The real sandbox and verifier are exercised in ``test_creator_pipeline.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from self_distill.errors import ModelResponseError, ModelUnavailableError
from self_distill.ledger import Ledger, RecordedModel
from self_distill.models.base import Completion, Message
from self_distill.skills.creation import prompts
from self_distill.skills.creation.creator import SkillCreator
from self_distill.skills.creation.records import CallOutcome, CreationBudget, ShownRun
from self_distill.skills.examples import LabelledExample
from self_distill.skills.verification.verdict import CheckResult, Verdict
from tests.support.scripted_model import ScriptedFakeModel

SHOWN = tuple(
    LabelledExample(f"Sort the words: {words}", " ".join(sorted(words.split())))
    for words in ("pear apple", "fig date cherry", "kiwi banana", "lime grape melon")
)

GOOD = "```python\ndef solve(text):\n    return ' '.join(sorted(text.split(':')[1].split()))\n```"
WRONG = "```python\ndef solve(text):\n    return text.split(':')[1].strip()\n```"
CRASH = "```python\ndef solve(text):\n    return text.split(';')[1]\n```"
PROSE = "You should sort the words alphabetically."


class PlainRunner:
    """Runs trusted, scripted code in-process (a stand-in for the sandbox in control-flow tests)."""

    def __init__(self) -> None:
        self.runs = 0

    def run(self, code: str, inputs: Sequence[str]) -> ShownRun:
        self.runs += 1
        namespace: dict[str, Any] = {}
        try:
            exec(compile(code, "<skill>", "exec"), namespace)
        except SyntaxError as error:
            return ShownRun(f"the code was rejected (syntax): {error}")
        if "solve" not in namespace:
            return ShownRun("it defines no top-level solve(text) function")
        calls = []
        for text in inputs:
            try:
                calls.append(CallOutcome(True, namespace["solve"](text)))
            except Exception as error:
                calls.append(CallOutcome(False, error=f"{type(error).__name__}: {error}"))
        return ShownRun(None, tuple(calls))


class Judge:
    """A verify callable: accepts code containing ``sorted`` and records every call."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.codes: list[str] = []

    def __call__(self, code: str) -> Verdict:
        self.codes.append(code)
        good = self.accept and "sorted" in code
        return Verdict(
            checks={"low_accuracy": CheckResult.judged("low_accuracy", not good, accuracy=0.5)},
            heldout_accuracy=1.0 if good else 0.5,
            heldout_ci=(0.9, 1.0) if good else (0.3, 0.7),
            baseline_accuracy=0.0,
            n_shown=len(SHOWN),
            n_heldout=50,
        )


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    with Ledger(tmp_path / "ledger.sqlite3") as book:
        yield book


def creator_for(
    model: ScriptedFakeModel, ledger: Ledger, compose: bool = True, **budget: Any
) -> tuple[SkillCreator, str, PlainRunner]:
    run_id = ledger.start_run("create", {})
    runner = PlainRunner()
    creator = SkillCreator(
        RecordedModel(model, ledger, run_id), runner, CreationBudget(**budget), compose=compose
    )
    return creator, run_id, runner


def purposes(ledger: Ledger, run_id: str) -> dict[str, int]:
    return {row.purpose: row.calls for row in ledger.usage(run_id)}


def test_first_good_candidate_is_verified_accepted_and_sampling_stops(ledger: Ledger) -> None:
    model = ScriptedFakeModel([f"Rule: sort.\n{GOOD}"])
    creator, run_id, _ = creator_for(model, ledger, candidates=4)
    judge = Judge()
    result = creator.create(SHOWN, judge)

    assert result.accepted and result.stop_reason == "accepted"
    assert len(model.calls) == 1 and result.calls == 1
    assert result.code is not None and "sorted" in result.code
    assert judge.codes == [result.code]
    assert purposes(ledger, run_id) == {"create": 1}
    usage = ledger.usage(run_id)[0]
    assert result.creation_tokens == usage.input_tokens + usage.output_tokens > 0
    attempt = result.candidates[0].attempts[0]
    assert attempt.outcome == "passed" and attempt.shown_correct == len(SHOWN)


def test_prose_only_reply_is_recorded_and_the_next_candidate_tried(ledger: Ledger) -> None:
    model = ScriptedFakeModel([PROSE, GOOD])
    creator, _, _ = creator_for(model, ledger, candidates=3)
    result = creator.create(SHOWN, Judge())

    first, second = result.candidates
    assert first.attempts[0].outcome == "no_code" and first.attempts[0].code is None
    assert "def solve" in first.attempts[0].detail
    assert first.verdict is None
    assert second.verdict is not None and result.accepted and result.chosen == 1


def test_repair_prompt_carries_up_to_three_failing_shown_examples(ledger: Ledger) -> None:
    model = ScriptedFakeModel([WRONG, GOOD])
    creator, run_id, _ = creator_for(model, ledger, candidates=1, repair_rounds=2)
    result = creator.create(SHOWN, Judge())

    assert result.accepted and result.repairs == 1
    assert purposes(ledger, run_id) == {"create": 1, "repair": 1}
    repair_prompt = model.calls[1]
    assert repair_prompt[:-2] == model.calls[0]
    assert [m["role"] for m in repair_prompt[-2:]] == ["assistant", "user"]
    assert repair_prompt[-2]["content"].startswith("```python\ndef solve")
    feedback = repair_prompt[-1]["content"]
    assert "wrong answers on 4 of 4 examples" in feedback
    assert feedback.count("EXPECTED:") == prompts.MAX_REPAIR_FAILURES
    assert "EXPECTED: 'apple pear'" in feedback and "GOT: 'pear apple'" in feedback
    outcomes = [a.outcome for a in result.candidates[0].attempts]
    assert outcomes == ["wrong", "passed"]


def test_repair_prompt_for_a_crash_names_the_error_and_input(ledger: Ledger) -> None:
    model = ScriptedFakeModel([CRASH, GOOD])
    creator, _, _ = creator_for(model, ledger, candidates=1, repair_rounds=1)
    result = creator.create(SHOWN, Judge())

    feedback = model.calls[1][-1]["content"]
    assert "IndexError" in feedback and "Sort the words: pear apple" in feedback
    assert result.candidates[0].attempts[0].outcome == "error" and result.accepted


def test_repair_after_prose_asks_for_code_and_keeps_the_prose_reply(ledger: Ledger) -> None:
    model = ScriptedFakeModel([PROSE, GOOD])
    creator, _, _ = creator_for(model, ledger, candidates=1, repair_rounds=1)
    result = creator.create(SHOWN, Judge())
    assert model.calls[1][-2]["content"] == PROSE
    assert "no usable code" in model.calls[1][-1]["content"]
    assert result.accepted


def test_rounds_and_candidates_bound_the_calls_and_the_best_failure_is_verified(
    ledger: Ledger,
) -> None:
    model = ScriptedFakeModel([WRONG, CRASH, WRONG])
    creator, run_id, _ = creator_for(model, ledger, candidates=3, repair_rounds=2)
    judge = Judge(accept=False)
    result = creator.create(SHOWN, judge)

    assert len(model.calls) == 9 and result.calls == 9 and result.repairs == 6
    assert purposes(ledger, run_id) == {"create": 3, "repair": 6}
    assert not result.accepted and result.stop_reason == "candidates_exhausted"
    assert len(judge.codes) == 1
    assert result.verdict is not None and result.verdict.reasons == ("low_accuracy",)


def test_seeds_are_distinct_per_call_and_each_prompts_first_candidate_is_cooler(
    ledger: Ledger,
) -> None:
    seen: list[tuple[int | None, float]] = []

    class Recording(ScriptedFakeModel):
        def complete(self, messages: list[Message], **options: Any) -> Completion:
            seen.append((options["seed"], options["temperature"]))
            return super().complete(messages, **options)

    creator, _, _ = creator_for(
        Recording([WRONG]), ledger, candidates=5, repair_rounds=1, seed=7, temperature=0.9
    )
    result = creator.create(SHOWN, Judge(accept=False))
    assert [seed for seed, _ in seen] == [
        s + r for s in (7, 1007, 2007, 3007, 4007) for r in (0, 1)
    ]
    prompts_used = [c.prompt for c in result.candidates]
    assert len(set(prompts_used[:4])) == 4 and prompts_used[4] == prompts_used[0]
    assert [t for _, t in seen] == [0.2] * 8 + [0.9, 0.9]


def test_token_budget_stops_sampling(ledger: Ledger) -> None:
    model = ScriptedFakeModel([WRONG])
    creator, _, _ = creator_for(model, ledger, candidates=10, token_budget=1)
    result = creator.create(SHOWN, Judge(accept=False))
    assert len(model.calls) == 1 and result.stop_reason == "token_budget"


def test_token_budget_is_a_cap_though_the_portfolios_prompts_differ(ledger: Ledger) -> None:
    probe, _, _ = creator_for(ScriptedFakeModel([WRONG]), ledger, candidates=4)
    costs = [c.tokens for c in probe.create(SHOWN, Judge(accept=False)).candidates]
    assert len(set(costs)) > 1, "the portfolio's prompts differ in length"
    limit = 50
    for budget in range(costs[0], sum(costs) + 4 * limit + 1, 7):
        model = ScriptedFakeModel([WRONG])
        creator, _, _ = creator_for(
            model, ledger, candidates=4, token_budget=budget, max_tokens_per_call=limit
        )
        result = creator.create(SHOWN, Judge(accept=False))
        assert result.creation_tokens <= budget
    assert len(model.calls) == 4, "a budget with room for every call's limit runs them all"


def test_identical_code_is_verified_once(ledger: Ledger) -> None:
    model = ScriptedFakeModel([GOOD])
    creator, _, _ = creator_for(model, ledger, candidates=3)
    judge = Judge(accept=False)
    result = creator.create(SHOWN, judge)
    assert len(model.calls) == 3 and len(judge.codes) == 1
    assert all(c.verdict is not None for c in result.candidates)


def test_prompt_limits_examples_but_all_shown_are_tested(ledger: Ledger) -> None:
    model = ScriptedFakeModel([WRONG])
    creator, _, _ = creator_for(model, ledger, candidates=1, prompt_examples=2)
    result = creator.create(SHOWN, Judge(accept=False))
    user = model.calls[0][-1]["content"]
    assert user.count("assert solve(") == 2
    assert SHOWN[1].input in user and SHOWN[2].input not in user
    assert result.candidates[0].attempts[0].shown_total == len(SHOWN)


def test_fatal_model_error_propagates_and_is_in_the_ledger(ledger: Ledger) -> None:
    def unreachable(messages: list[Message]) -> str:
        raise ModelUnavailableError("cannot reach 127.0.0.1:9")

    creator, run_id, _ = creator_for(ScriptedFakeModel(unreachable), ledger, candidates=3)
    with pytest.raises(ModelUnavailableError):
        creator.create(SHOWN, Judge())
    assert ledger.usage(run_id)[0].errors == 1


def test_a_bad_response_is_recorded_and_the_next_candidate_tried(ledger: Ledger) -> None:
    replies = iter([ModelResponseError("empty body"), GOOD])

    def flaky(messages: list[Message]) -> str:
        reply = next(replies)
        if isinstance(reply, Exception):
            raise reply
        return reply

    creator, _, _ = creator_for(ScriptedFakeModel(flaky), ledger, candidates=2)
    result = creator.create(SHOWN, Judge())
    assert result.candidates[0].attempts[0].outcome == "model_error"
    assert "empty body" in result.candidates[0].attempts[0].detail
    assert result.accepted and result.chosen == 1


def test_result_dict_is_json_ready_and_names_prompt_version_and_hash(ledger: Ledger) -> None:
    import json

    creator, _, _ = creator_for(ScriptedFakeModel([WRONG, GOOD]), ledger, candidates=2)
    payload = creator.create(SHOWN, Judge()).to_dict()
    assert json.loads(json.dumps(payload))["accepted"] is True
    assert payload["prompt_version"] == prompts.PROMPT_VERSION
    assert payload["prompt_hash"] == prompts.template_hash()
    assert [c["passed_shown"] for c in payload["candidates"]] == [False, True]
    assert "reply" not in payload["candidates"][0]["attempts"][0]


def test_template_hash_changes_with_the_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    before = prompts.template_hash()
    monkeypatch.setattr(prompts, "CREATE_TEMPLATE", prompts.CREATE_TEMPLATE + " Be brief.")
    assert prompts.template_hash() != before


def test_a_forgotten_import_of_an_allowed_module_is_added_and_recorded(ledger: Ledger) -> None:
    forgot = (
        "```python\ndef solve(text):\n"
        "    return ' '.join(sorted(re.split(':', text)[1].split()))\n```"
    )
    model = ScriptedFakeModel([forgot])
    creator, _, _ = creator_for(model, ledger, candidates=1)
    result = creator.create(SHOWN, Judge())

    attempt = result.candidates[0].attempts[0]
    assert attempt.outcome == "passed" and attempt.added_imports == ("import re",)
    assert result.accepted and result.code is not None
    assert result.code.startswith("import re\ndef solve")


TWO_WORDS = (
    "```python\ndef solve(text):\n    words = text.split(':')[1].split()\n"
    "    return ' '.join(sorted(words)) if len(words) == 2 else ''\n```"
)
THREE_WORDS = TWO_WORDS.replace("== 2", "== 3")


def test_a_candidate_that_answers_nothing_is_repaired_with_the_phrasings_it_did_not_read(
    ledger: Ledger,
) -> None:
    model = ScriptedFakeModel([TWO_WORDS, GOOD])
    creator, _, _ = creator_for(model, ledger, candidates=1, repair_rounds=1)
    result = creator.create(SHOWN, Judge())
    first = result.candidates[0].attempts[0]
    assert first.failure_kind == "no_answer" and first.shown_answered == 2
    feedback = model.calls[1][-1]["content"]
    assert 'no answer ("") on 2 of 4 examples' in feedback
    assert "fig date cherry" in feedback and "pear apple" not in feedback
    assert result.accepted and result.candidates[0].attempts[1].purpose == "repair"


def test_wrong_answers_and_crashes_are_separate_failure_kinds(ledger: Ledger) -> None:
    model = ScriptedFakeModel([WRONG, CRASH])
    creator, _, _ = creator_for(model, ledger, candidates=2, compose=False)
    result = creator.create(SHOWN, Judge(accept=False))
    kinds = [c.attempts[0].failure_kind for c in result.candidates]
    assert kinds == ["wrong", "crash"]


def test_abstaining_candidates_are_chained_and_the_chain_is_verified_like_any_other(
    ledger: Ledger,
) -> None:
    model = ScriptedFakeModel([TWO_WORDS, THREE_WORDS])
    creator, _, runner = creator_for(model, ledger, candidates=2)
    judge = Judge()
    result = creator.create(SHOWN, judge)

    assert [c.passed_shown for c in result.candidates] == [False, False, True]
    chain = result.chosen_candidate
    assert chain is not None and result.accepted
    assert chain.prompt == "composition" and chain.components == (0, 1) and chain.tokens == 0
    assert judge.codes == [chain.best_code], "only the chain passed every shown example"
    assert len(model.calls) == 2 and runner.runs == 3


def test_no_chain_without_two_useful_candidates_or_when_turned_off(ledger: Ledger) -> None:
    cases = (([TWO_WORDS, CRASH], True), ([TWO_WORDS, THREE_WORDS], False))
    for replies, compose in cases:
        model = ScriptedFakeModel(replies)
        creator, _, _ = creator_for(model, ledger, compose=compose, candidates=2)
        result = creator.create(SHOWN, Judge(accept=False))
        assert [c.prompt for c in result.candidates] == ["demo:vowels", "none"]
