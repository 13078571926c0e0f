"""Wilson score interval: known values, symmetry, and the properties the verifier relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from self_distill.stats import accuracy_summary, wilson_interval, z_for_confidence


def test_z_for_95_percent_is_the_familiar_1_96() -> None:
    assert z_for_confidence(0.95) == pytest.approx(1.959964, abs=1e-6)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (5, 10, 0.236593, 0.763407),
        (1, 1, 0.206549, 1.0),
    ],
)
def test_known_values(successes: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(successes, n)
    assert got_low == pytest.approx(low, abs=1e-5)
    assert got_high == pytest.approx(high, abs=1e-5)


def test_perfect_score_needs_many_examples_for_a_high_lower_bound() -> None:
    assert wilson_interval(10, 10)[0] < 0.8 < wilson_interval(16, 16)[0]


def test_no_trials_means_nothing_is_known() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_impossible_counts_are_refused(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


@given(
    st.integers(min_value=1, max_value=2000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_interval_holds_the_estimate_and_mirrors(pair: tuple[int, int]) -> None:
    successes, n = pair
    low, high = wilson_interval(successes, n)
    assert 0.0 <= low <= successes / n <= high <= 1.0
    mirror_low, mirror_high = wilson_interval(n - successes, n)
    assert low == pytest.approx(1.0 - mirror_high, abs=1e-12)
    assert high == pytest.approx(1.0 - mirror_low, abs=1e-12)


def test_higher_confidence_gives_a_wider_interval() -> None:
    narrow = wilson_interval(30, 50, confidence=0.8)
    wide = wilson_interval(30, 50, confidence=0.99)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


def test_paired_difference_of_two_arms_on_the_same_tasks() -> None:
    from self_distill.stats import paired_difference

    assert paired_difference([1.0, 0.0, 1.0], [1.0, 0.0, 1.0]) == (0.0, (0.0, 0.0))
    mean, (low, high) = paired_difference([1.0] * 50 + [0.0] * 50, [0.0] * 50 + [0.0] * 50)
    assert mean == 0.5 and low < 0.5 < high and high - low < 0.2
    with pytest.raises(ValueError, match="equal length"):
        paired_difference([1.0], [1.0, 0.0])


def test_accuracy_summary_holds_the_accuracy_and_its_wilson_interval() -> None:
    summary = accuracy_summary([1.0, 0.0, 1.0, 1.0])
    assert summary["n"] == 4 and summary["accuracy"] == 0.75
    assert summary["ci95"] == list(wilson_interval(3, 4))
    with pytest.raises(ValueError):
        accuracy_summary([])
