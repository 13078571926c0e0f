"""The agent's decisions as plain functions: the savings test, back-off, budget, drift."""

from __future__ import annotations

from self_distill.agent.config import AgentConfig
from self_distill.agent.policy import creation_case, creator_success_rate, drift_sampled, drifted

CONFIG = AgentConfig(horizon=1000, creation_tokens=5000, creation_budget=12000, min_examples=40)


def case(**changes: object) -> object:
    values = {
        "labelled": 60,
        "size": 100,
        "seen": 500,
        "tokens_per_task": 200.0,
        "tried": 0,
        "accepted": 0,
        "spent": 0,
        "failed_at_size": None,
        "config": CONFIG,
    }
    return creation_case(**{**values, **changes})  # type: ignore[arg-type]


def test_a_creation_is_tried_only_when_expected_savings_exceed_its_cost() -> None:
    # 0.5 (prior) * 0.2 (share) * 1000 (horizon) * 200 tokens = 20000 > 5000
    pays = case()
    assert pays.create and pays.reason == "pays" and pays.expected_savings == 20000
    cheap = case(tokens_per_task=40.0)  # 4000 < 5000
    assert not cheap.create and cheap.reason == "does_not_pay"


def test_few_labels_backoff_and_budget_each_stop_a_creation() -> None:
    assert case(labelled=39).reason == "too_few_labels"
    assert case(failed_at_size=60).reason == "backed_off"  # 100 < 2 * 60
    assert case(failed_at_size=50).create  # the cluster doubled
    assert case(spent=7001).reason == "budget_spent"


def test_a_creator_with_a_poor_record_stops_being_asked() -> None:
    assert creator_success_rate(0, 0) == 0.5
    assert creator_success_rate(8, 0) == 0.1
    assert not case(tried=8, accepted=0).create  # 0.1 * 0.2 * 1000 * 200 = 4000 < 5000


def test_drift_needs_enough_checks_and_a_clear_shortfall() -> None:
    assert not drifted(4, 0, 0.95, CONFIG)
    assert drifted(5, 0, 0.95, CONFIG)  # a skill wrong from the start: demoted at 5 checks
    assert not drifted(20, 19, 0.95, CONFIG)
    assert drifted(20, 12, 0.95, CONFIG)


def test_the_drift_sample_is_seeded_and_near_its_rate() -> None:
    picks = [drift_sampled(0, seq, 0.1) for seq in range(5000)]
    assert picks == [drift_sampled(0, seq, 0.1) for seq in range(5000)]
    assert 0.08 < sum(picks) / len(picks) < 0.12
    assert not any(drift_sampled(0, seq, 0.0) for seq in range(100))
