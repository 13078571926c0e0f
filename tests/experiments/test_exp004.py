"""exp004's first half: the prior work's always-True CoLA "skill" is rejected, with reasons."""

from __future__ import annotations

import pytest

from self_distill.cli.experiment_commands import load_experiment

exp004 = load_experiment("exp004")


def test_always_true_and_always_false_are_rejected_beside_the_majority_class() -> None:
    trivial = exp004.judge_trivial_skills(seed=0)
    majority = trivial["cola_majority_class_share"]
    assert 0.68 < majority < 0.71
    always_true = trivial["skills"]["always_true"]
    assert not always_true["accepted"]
    assert {"below_baseline", "trivial_constant", "insensitive"} <= set(always_true["reasons"])
    assert always_true["heldout_accuracy"] == pytest.approx(majority, abs=0.03)
    assert not trivial["skills"]["always_false"]["accepted"]


def test_the_naive_policy_has_no_savings_test_no_back_off_and_no_budget() -> None:
    config = exp004.naive_config(seed=0)
    assert config.backoff_growth == 1.0 and config.creation_budget >= 10**9
    assert config.horizon >= 10**9
