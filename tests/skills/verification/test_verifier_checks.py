"""Each verifier check on small synthetic data, without a sandbox: triggered and not triggered."""

from __future__ import annotations

import json

import pytest

from self_distill.errors import ConfigError
from self_distill.skills.examples import LabelledExample
from self_distill.skills.verification import checks
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.verdict import (
    REASON_CODES,
    CheckResult,
    FailedExample,
    Verdict,
)
from self_distill.tasks import scorer_for

CONFIG = VerifierConfig()


EXACT = scorer_for("exact")


def test_output_identity_normalises_whitespace_but_keeps_case() -> None:
    """Identity of outputs (triviality, lookup literals) is not scoring: case stays."""
    assert checks.answer_key("  costume   counterpart\noven ") == "costume counterpart oven"
    assert checks.answer_key("Costume") != checks.answer_key("costume")


def test_non_string_outputs_score_zero_without_reaching_the_scorer() -> None:
    def scorer(prediction: str, target: str) -> float:
        raise AssertionError("scorer must only see strings")

    assert checks.score_output(scorer, None, "1") == 0.0
    assert checks.score_output(scorer, 1, "1") == 0.0


def test_low_accuracy_uses_the_wilson_lower_bound_not_the_point_estimate() -> None:
    ten_of_ten = checks.check_low_accuracy([1.0] * 10, CONFIG)
    forty_of_forty = checks.check_low_accuracy([1.0] * 40, CONFIG)
    assert ten_of_ten.failed and ten_of_ten.figures["accuracy"] == 1.0
    assert ten_of_ten.figures["ci"][0] < CONFIG.min_accuracy_lower_bound
    assert not forty_of_forty.failed


def test_best_constant_answer_is_the_majority_class() -> None:
    targets = ["1"] * 7 + ["0"] * 3
    assert checks.best_constant_answer(targets, EXACT) == ("1", 0.7)


def test_below_baseline_needs_the_lower_bound_above_baseline_plus_margin() -> None:
    scores = [1.0] * 72 + [0.0] * 28  # 72% with a 70% majority class: not clearly better
    weak = checks.check_below_baseline(scores, "1", 0.7, CONFIG)
    strong = checks.check_below_baseline([1.0] * 95 + [0.0] * 5, "1", 0.7, CONFIG)
    assert weak.failed and weak.figures["baseline_answer"] == "1"
    assert not strong.failed


def test_trivial_constant_when_outputs_collapse_but_targets_vary() -> None:
    targets = ["1"] * 70 + ["0"] * 30
    constant = checks.check_trivial_constant(["1"] * 100, targets, CONFIG)
    varied = checks.check_trivial_constant(["1"] * 60 + ["0"] * 40, targets, CONFIG)
    assert constant.failed and constant.figures["top_output_share"] == 1.0
    assert not varied.failed


def test_constant_output_is_not_trivial_when_the_targets_are_constant_too() -> None:
    assert not checks.check_trivial_constant(["yes"] * 20, ["yes"] * 20, CONFIG).failed


def test_shuffled_accuracy_is_low_for_input_specific_answers_and_equal_for_constant_ones() -> None:
    targets = [f"answer {i}" for i in range(50)]
    specific = checks.shuffled_accuracy(targets, targets, EXACT, rounds=10, seed=0)
    labels = ["1"] * 35 + ["0"] * 15
    constant = checks.shuffled_accuracy(["1"] * 50, labels, EXACT, rounds=3, seed=0)
    assert specific < 0.1
    assert constant == pytest.approx(0.7)


def test_insensitive_passes_a_skill_that_uses_its_input() -> None:
    targets = [f"answer {i}" for i in range(50)]
    result = checks.check_insensitive([1.0] * 50, targets, targets, EXACT, CONFIG)
    assert not result.failed
    assert result.figures["drop"] > 0.9


def test_insensitive_fails_an_answer_that_ignores_its_input() -> None:
    labels = ["1", "0"] * 25
    outputs = ["1"] * 50
    scores = [EXACT(o, t) for o, t in zip(outputs, labels, strict=True)]
    result = checks.check_insensitive(scores, outputs, labels, EXACT, CONFIG)
    assert result.failed
    assert result.figures["shuffled_accuracy"] == pytest.approx(0.5)


def test_string_literals_skip_docstrings_and_include_fstring_text() -> None:
    code = '''"""Module doc."""
def solve(text):
    """Function doc."""
    table = {"alpha beta": "beta alpha"}
    return f"prefix {text}"
'''
    literals = checks.string_literals(code)
    assert "alpha beta" in literals and "beta alpha" in literals and "prefix " in literals
    assert "Module doc." not in literals and "Function doc." not in literals


SHOWN = [
    LabelledExample("Sort: oven costume counterpart", "costume counterpart oven"),
    LabelledExample("Sort: syndrome therefrom", "syndrome therefrom"),
    LabelledExample("Sort: zebra apple mango", "apple mango zebra"),
]


def test_lookup_table_of_shown_targets_is_rejected() -> None:
    code = (
        "ANSWERS = {'x': 'costume counterpart oven', 'y': 'apple mango zebra'}\n"
        "def solve(text):\n    return ANSWERS.get(text, '')\n"
    )
    result = checks.check_lookup_table(code, SHOWN, CONFIG)
    assert result.failed and result.figures["revealed_examples"] == 2


def test_lookup_table_of_shown_inputs_is_rejected_whitespace_normalised() -> None:
    code = (
        "KNOWN = ['Sort:  oven costume counterpart', ' Sort: zebra apple mango']\n"
        "def solve(text):\n    return 'x'\n"
    )
    assert checks.check_lookup_table(code, SHOWN, CONFIG).failed


def test_one_worked_example_in_code_is_not_a_table() -> None:
    code = "EXAMPLE = 'costume counterpart oven'\ndef solve(text):\n    return text\n"
    result = checks.check_lookup_table(code, SHOWN, CONFIG)
    assert not result.failed and result.figures["revealed_examples"] == 1


def test_class_labels_and_common_prefixes_never_count_as_lookup() -> None:
    shown = [LabelledExample(f"Is sentence {i} acceptable?", "acceptable") for i in range(6)]
    code = (
        "def solve(text):\n"
        "    if text.startswith('Is sentence'):\n"
        "        return 'acceptable'\n"
        "    return 'unacceptable'\n"
    )
    result = checks.check_lookup_table(code, shown, CONFIG)
    assert not result.failed and result.figures["revealed_examples"] == 0


def test_slow_compares_the_median_with_the_budget() -> None:
    assert checks.check_slow([0.5, 0.6, 0.001], CONFIG).failed
    fast = checks.check_slow([0.001, 0.002, 5.0], CONFIG)
    assert not fast.failed and fast.figures["max_call_s"] == 5.0
    assert checks.check_slow([], CONFIG).status == "skipped"


def test_nondeterministic_when_two_runs_differ() -> None:
    inputs = ["a", "b"]
    same = checks.check_nondeterministic(
        inputs, [(True, "x"), (True, "y")], [(True, "x"), (True, "y")]
    )
    differ = checks.check_nondeterministic(
        inputs, [(True, "x"), (True, "y")], [(True, "x"), (False, None)]
    )
    assert not same.failed
    assert differ.failed and differ.figures["example"]["input"] == "b"


def test_trigger_leak_when_applies_fires_on_other_clusters() -> None:
    assert checks.check_trigger_leak([True] * 3 + [False] * 7, CONFIG).failed
    assert not checks.check_trigger_leak([True] + [False] * 19, CONFIG).failed


def test_config_rejects_nonsense_and_round_trips() -> None:
    with pytest.raises(ConfigError, match="min_accuracy_lower_bound"):
        VerifierConfig(min_accuracy_lower_bound=1.5)
    with pytest.raises(ConfigError, match="Unknown verifier setting"):
        VerifierConfig.from_dict({"threshold": 0.9})
    config = VerifierConfig(baseline_margin=0.1, seed=7)
    assert VerifierConfig.from_dict(config.to_dict()) == config


def test_verdict_accepts_only_when_no_check_failed_and_serialises() -> None:
    passed = {name: CheckResult(name, "passed") for name in REASON_CODES}
    failed = {
        **passed,
        "slow": CheckResult.judged("slow", True, median_call_s=0.5),
        "crash": CheckResult.judged("crash", True),
        "trigger_leak": CheckResult.skipped("trigger_leak", "no applies"),
    }
    failure = FailedExample("shown", "in", "out", "got")
    good = Verdict(passed, 1.0, (0.9, 1.0), 0.1, n_shown=3, n_heldout=40)
    bad = Verdict(failed, 0.5, (0.3, 0.7), 0.1, n_shown=3, n_heldout=40, failures=(failure,))
    assert good.accepted and good.reasons == ()
    assert not bad.accepted and bad.reasons == ("crash", "slow")
    as_dict = bad.to_dict()
    assert as_dict["reasons"] == ["crash", "slow"]
    assert as_dict["checks"]["trigger_leak"]["status"] == "skipped"
    assert as_dict["checks"]["slow"] == {"status": "failed", "median_call_s": 0.5}
    assert as_dict["heldout_ci"] == [0.3, 0.7]
    assert bad.shown_failures() == (failure,)
    assert Verdict.from_dict(json.loads(json.dumps(as_dict))) == bad
    assert Verdict.from_dict(good.to_dict()) == good


def test_fewest_heldout_is_where_a_perfect_score_first_clears_the_bound() -> None:
    for bound in (0.0, 0.5, 0.8, 0.9, 0.99):
        config = VerifierConfig(min_accuracy_lower_bound=bound)
        n = config.fewest_heldout()
        assert not checks.check_low_accuracy([1.0] * n, config).failed
        if n > 1:
            assert checks.check_low_accuracy([1.0] * (n - 1), config).failed
    assert VerifierConfig().fewest_heldout() == 16
