"""A student's verdict per cluster: above the majority baseline, and not below the model."""

from __future__ import annotations

from self_distill.distill.verify import verify_student


def test_a_student_as_good_as_the_model_and_above_majority_is_accepted() -> None:
    verdict = verify_student([1.0] * 18 + [0.0] * 2, [1.0] * 17 + [0.0] * 3, 0.3)
    assert verdict.accepted and verdict.reasons == ()
    assert verdict.accuracy == 0.9 and verdict.model_accuracy == 0.85


def test_a_student_that_wins_by_the_common_answer_is_refused() -> None:
    verdict = verify_student([1.0] * 14 + [0.0] * 6, [1.0] * 14 + [0.0] * 6, 0.7)
    assert not verdict.accepted and verdict.reasons == ("not_above_majority",)


def test_a_student_clearly_below_the_model_is_refused_however_cheap() -> None:
    verdict = verify_student([1.0] * 12 + [0.0] * 8, [1.0] * 20, 0.1)
    assert "below_model" in verdict.reasons
    assert verdict.difference == -0.4 and verdict.difference_ci95[1] < 0


def test_a_small_held_out_set_is_not_enough() -> None:
    assert verify_student([1.0] * 5, [1.0] * 5, 0.0).reasons == ("too_few_heldout",)
    assert verify_student([], [], 0.0).reasons == ("too_few_heldout",)
