"""Whether a student may take a cluster's traffic: judged on held-out tasks like a skill.

A student is accepted for a cluster when, on the cluster's held-out tasks,

- its accuracy's 95% Wilson lower bound lies above the majority baseline (the best constant
  answer), so it is not winning by always saying the common thing; and
- it is not below the model on the same tasks: the paired difference student minus model is at
  least ``-tolerance`` and its 95% interval reaches 0 (a clearly worse student is refused even
  when it is cheap, since the agent promises accuracy not lower than the model's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from self_distill.stats import paired_difference, wilson_interval

DEFAULT_TOLERANCE = 0.02
MIN_HELDOUT = 10


@dataclass(frozen=True)
class StudentVerdict:
    accepted: bool
    reasons: tuple[str, ...]
    n: int
    accuracy: float
    ci95: tuple[float, float]
    majority_baseline: float
    model_accuracy: float
    difference: float
    difference_ci95: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_student(
    student_scores: Sequence[float],
    model_scores: Sequence[float],
    majority_baseline: float,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    min_heldout: int = MIN_HELDOUT,
) -> StudentVerdict:
    """The verdict for one cluster from paired per-task scores in [0, 1]."""
    n = len(student_scores)
    if n != len(model_scores):
        raise ValueError("student and model scores must be paired")
    if n == 0:
        return StudentVerdict(
            False, ("too_few_heldout",), 0, 0.0, (0.0, 1.0), majority_baseline, 0.0, 0.0, (0.0, 0.0)
        )
    correct = sum(student_scores)
    ci = wilson_interval(correct, n)
    difference, difference_ci = paired_difference(student_scores, model_scores)
    reasons = []
    if n < min_heldout:
        reasons.append("too_few_heldout")
    if ci[0] <= majority_baseline:
        reasons.append("not_above_majority")
    if difference < -tolerance or difference_ci[1] < 0.0:
        reasons.append("below_model")
    return StudentVerdict(
        accepted=not reasons,
        reasons=tuple(reasons),
        n=n,
        accuracy=correct / n,
        ci95=ci,
        majority_baseline=majority_baseline,
        model_accuracy=sum(model_scores) / n,
        difference=difference,
        difference_ci95=difference_ci,
    )
