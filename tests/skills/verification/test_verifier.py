"""verify_skill end to end in the real sandbox: every reason code on small synthetic tasks.

The synthetic task is word reversal ("Reverse the words: a b c" -> "c b a"), whose answers are
unique per input; a yes/no task ("does the list contain apple?") stands in for class labels.
"""

from __future__ import annotations

import json
import random
import textwrap
import time
from collections.abc import Iterator, Sequence

import pytest

from self_distill.errors import UsageError
from self_distill.sandbox import Sandbox
from self_distill.skills.examples import LabelledExample
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.verdict import REASON_CODES, Verdict
from self_distill.skills.verification.verifier import verify_skill

VOCABULARY = [
    *("apple", "banana", "cherry", "delta", "echo", "falcon", "grape", "harbor", "island"),
    *("jungle", "kettle", "lemon", "mango", "nectar", "orbit", "pepper", "quartz", "river"),
    *("salmon", "tiger", "umbra", "violet", "walnut", "xenon", "yellow", "zephyr"),
]


def reversal_examples(count: int, seed: int) -> list[LabelledExample]:
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        words = rng.sample(VOCABULARY, rng.randint(2, 7))
        examples.append(
            LabelledExample("Reverse the words: " + " ".join(words), " ".join(reversed(words)))
        )
    return examples


def apple_examples(count: int, seed: int) -> list[LabelledExample]:
    """Yes/no labels, about a quarter "yes"."""
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        words = rng.sample(VOCABULARY[1:], 4)
        if rng.random() < 0.25:
            words[rng.randrange(4)] = "apple"
        answer = "yes" if "apple" in words else "no"
        examples.append(LabelledExample("Does the list contain apple? " + " ".join(words), answer))
    return examples


SHOWN = reversal_examples(10, seed=1)
HELDOUT = reversal_examples(60, seed=2)

REVERSE = '''
import re

def solve(text):
    """Reverse the words after the colon."""
    words = re.split(r"\\s+", text.split(":", 1)[1].strip())
    return " ".join(reversed(words))
'''


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(timeout_s=1.0) as sandbox:
        yield sandbox


def verify(
    code: str,
    box: Sandbox,
    *,
    shown: Sequence[LabelledExample] = SHOWN,
    heldout: Sequence[LabelledExample] = HELDOUT,
    config: VerifierConfig | None = None,
    other_cluster_inputs: Sequence[str] = (),
) -> Verdict:
    return verify_skill(
        code,
        shown,
        heldout,
        config=config,
        other_cluster_inputs=other_cluster_inputs,
        sandbox=box,
    )


def wrap(body: str) -> str:
    """REVERSE plus a new solve() whose ``body`` may call the right one as ``correct_solve``."""
    return REVERSE + "\ncorrect_solve = solve\n\n" + textwrap.dedent(body)


def test_correct_skill_is_accepted_with_every_check_run(box: Sandbox) -> None:
    verdict = verify(REVERSE, box)
    assert verdict.accepted, verdict.to_dict()
    assert verdict.heldout_accuracy == 1.0
    assert verdict.heldout_ci is not None and verdict.heldout_ci[0] > 0.9
    assert verdict.baseline_accuracy is not None and verdict.baseline_accuracy < 0.05
    statuses = {name: check.status for name, check in verdict.checks.items()}
    assert set(statuses) == set(REASON_CODES)
    assert statuses["trigger_leak"] == "skipped"
    assert all(status == "passed" for name, status in statuses.items() if name != "trigger_leak")
    assert verdict.failures == ()


def test_syntax_error_stops_everything_else(box: Sandbox) -> None:
    verdict = verify("def solve(text)\n    return text\n", box)
    assert verdict.reasons == ("syntax",)
    assert verdict.heldout_accuracy is None
    assert verdict.checks["low_accuracy"].status == "skipped"


def test_policy_violation_is_a_syntax_rejection_of_kind_policy(box: Sandbox) -> None:
    verdict = verify("def solve(text):\n    return text.__class__\n", box)
    assert verdict.reasons == ("syntax",)
    assert verdict.checks["syntax"].figures["kind"] == "policy"


def test_forbidden_import_fails_at_load_time_as_a_crash(box: Sandbox) -> None:
    verdict = verify("import os\ndef solve(text):\n    return text\n", box)
    assert verdict.reasons == ("crash",)
    assert "'os' is not available" in verdict.checks["crash"].figures["message"]


def test_missing_solve_breaks_the_contract(box: Sandbox) -> None:
    verdict = verify("def answer(text):\n    return text\n", box)
    assert verdict.reasons == ("contract",)
    assert verdict.checks["contract"].figures["functions"] == ["answer"]


def test_non_string_answers_break_the_contract(box: Sandbox) -> None:
    verdict = verify("def solve(text):\n    return len(text)\n", box)
    assert "contract" in verdict.reasons
    assert verdict.checks["contract"].figures["non_string_outputs"] == len(SHOWN) + 2 * len(HELDOUT)
    assert verdict.heldout_accuracy == 0.0
    recorded = json.loads(json.dumps(verdict.to_dict()))
    assert recorded["failures"][0]["got"] == len(HELDOUT[0].input)


def test_huge_wrong_answers_are_recorded_cut_short(box: Sandbox) -> None:
    verdict = verify("def solve(text):\n    return text * 1000\n", box)
    got = verdict.failures[0].got
    assert got.startswith(HELDOUT[0].input) and got.endswith("characters in all)")
    assert len(got) < 2100


def test_unsendable_answers_break_the_contract(box: Sandbox) -> None:
    verdict = verify("def solve(text):\n    return {1, 2}\n", box)
    assert "contract" in verdict.reasons and "crash" not in verdict.reasons
    assert verdict.checks["contract"].figures["refused_outputs"] > 0


def test_module_level_failure_is_a_crash(box: Sandbox) -> None:
    verdict = verify("x = 1 / 0\ndef solve(text):\n    return text\n", box)
    assert verdict.reasons == ("crash",)
    assert verdict.checks["syntax"].status == "passed"


def test_crash_on_some_examples_is_recorded_and_scored_wrong(box: Sandbox) -> None:
    code = wrap(
        """
        def solve(text):
            if 'tiger' in text:
                raise ValueError('no tigers')
            return correct_solve(text)
        """
    )
    verdict = verify(code, box)
    with_tiger = sum("tiger" in example.input for example in HELDOUT)
    assert 0 < with_tiger < len(HELDOUT)
    assert "crash" in verdict.reasons
    assert verdict.heldout_accuracy == pytest.approx(1 - with_tiger / len(HELDOUT))
    crash = verdict.checks["crash"].figures
    assert crash["n_failed"] >= with_tiger and "no tigers" in crash["first_error"]
    heldout_failures = [f for f in verdict.failures if f.split == "heldout"]
    assert heldout_failures and all(f.error and "no tigers" in f.error for f in heldout_failures)


def test_hanging_skill_times_out_without_running_every_example() -> None:
    code = "def solve(text):\n    while True:\n        pass\n"
    config = VerifierConfig(call_timeout_s=0.3)
    started = time.monotonic()
    verdict = verify_skill(code, SHOWN, HELDOUT, config=config)
    elapsed = time.monotonic() - started
    assert "timeout" in verdict.reasons
    assert verdict.checks["timeout"].figures["n_calls"] == 1
    assert verdict.checks["nondeterministic"].status == "skipped"
    assert verdict.heldout_accuracy == 0.0
    assert verdict.checks["trivial_constant"].status == "skipped"
    assert elapsed < 20, f"a hanging skill took {elapsed:.1f} s to reject"


def test_hidden_state_makes_answers_nondeterministic(box: Sandbox) -> None:
    code = wrap(
        """
        calls = [0]

        def solve(text):
            calls[0] += 1
            if calls[0] > 70:
                return 'tired'
            return correct_solve(text)
        """
    )
    verdict = verify(code, box)
    assert "nondeterministic" in verdict.reasons
    assert verdict.checks["nondeterministic"].figures["n_differing"] == len(HELDOUT)
    assert verdict.heldout_accuracy == 1.0


def test_half_right_skill_has_low_accuracy(box: Sandbox) -> None:
    code = wrap(
        """
        def solve(text):
            words = text.split(':', 1)[1].split()
            return correct_solve(text) if len(words) % 2 == 0 else ' '.join(words)
        """
    )
    verdict = verify(code, box)
    assert "low_accuracy" in verdict.reasons
    assert 0.2 < (verdict.heldout_accuracy or 0.0) < 0.8
    for passing in ("insensitive", "trivial_constant", "crash", "nondeterministic"):
        assert verdict.checks[passing].status == "passed"


def test_constant_majority_answer_is_trivial_and_below_baseline(box: Sandbox) -> None:
    examples = apple_examples(120, seed=3)
    verdict = verify(
        "def solve(text):\n    return 'no'\n", box, shown=examples[:20], heldout=examples[20:]
    )
    assert {"trivial_constant", "below_baseline", "insensitive"} <= set(verdict.reasons)
    assert verdict.heldout_accuracy == verdict.baseline_accuracy
    assert verdict.checks["below_baseline"].figures["baseline_answer"] == "no"


def test_answer_unrelated_to_the_input_is_insensitive(box: Sandbox) -> None:
    examples = apple_examples(200, seed=4)
    code = "def solve(text):\n    return 'yes' if len(text) % 4 == 0 else 'no'\n"
    verdict = verify(code, box, shown=examples[:50], heldout=examples[50:])
    assert "insensitive" in verdict.reasons
    assert "trivial_constant" not in verdict.reasons
    insensitive = verdict.checks["insensitive"].figures
    assert insensitive["drop"] < 0.1


def test_real_apple_detector_is_accepted_on_labels(box: Sandbox) -> None:
    examples = apple_examples(200, seed=4)
    code = "def solve(text):\n    return 'yes' if 'apple' in text.split('?')[1].split() else 'no'\n"
    verdict = verify(code, box, shown=examples[:50], heldout=examples[50:])
    assert verdict.accepted, verdict.to_dict()


def test_table_of_shown_answers_is_a_lookup_table_even_when_correct(box: Sandbox) -> None:
    table = ", ".join(f"{ex.input!r}: {ex.target!r}" for ex in SHOWN[:4])
    code = wrap(f"TABLE = {{{table}}}\n")
    code += "\ndef solve(text):\n    return TABLE.get(text) or correct_solve(text)\n"
    verdict = verify(code, box)
    assert verdict.reasons == ("lookup_table",)
    assert verdict.checks["lookup_table"].figures["revealed_examples"] == 4


def test_slow_skill_is_rejected_against_its_budget(box: Sandbox) -> None:
    code = wrap(
        """
        def solve(text):
            total = 0
            for i in range(20000):
                total += i
            return correct_solve(text)
        """
    )
    verdict = verify(code, box, config=VerifierConfig(max_median_call_s=0.0001))
    assert verdict.reasons == ("slow",)
    assert verdict.checks["slow"].figures["median_call_s"] > 0.0001


def test_trigger_that_fires_on_other_clusters_leaks(box: Sandbox) -> None:
    others = [example.input for example in apple_examples(30, seed=5)]
    always = REVERSE + "\ndef applies(text):\n    return True\n"
    narrow = REVERSE + "\ndef applies(text):\n    return text.startswith('Reverse the words:')\n"
    leaky = verify(always, box, other_cluster_inputs=others)
    tight = verify(narrow, box, other_cluster_inputs=others)
    assert leaky.reasons == ("trigger_leak",)
    assert leaky.checks["trigger_leak"].figures["fire_rate"] == 1.0
    assert tight.accepted and tight.checks["trigger_leak"].figures["fire_rate"] == 0.0


def test_trigger_returning_non_bool_breaks_the_contract(box: Sandbox) -> None:
    code = REVERSE + "\ndef applies(text):\n    return 'maybe'\n"
    verdict = verify(code, box, other_cluster_inputs=["What is 2 + 2?"])
    assert "contract" in verdict.reasons
    assert verdict.checks["contract"].figures["non_bool_applies"] == 1


def test_failures_are_capped_per_split_and_serialise(box: Sandbox) -> None:
    verdict = verify("def solve(text):\n    return text\n", box)
    splits = [failure.split for failure in verdict.failures]
    assert splits.count("heldout") == 5 and splits.count("shown") == 5
    shown_failure = verdict.shown_failures()[0]
    assert shown_failure.got == shown_failure.input != shown_failure.expected
    as_dict = verdict.to_dict()
    assert as_dict["n_shown"] == len(SHOWN) and as_dict["n_heldout"] == len(HELDOUT)
    assert {"low_accuracy", "below_baseline"} <= set(as_dict["reasons"])


def test_no_heldout_examples_is_a_usage_error(box: Sandbox) -> None:
    with pytest.raises(UsageError, match="held-out"):
        verify_skill(REVERSE, SHOWN, [], sandbox=box)
