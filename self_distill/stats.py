"""Small statistics shared by the verifier, experiments and reports.

Accuracy is always reported with an interval, because the held-out sets we can afford are small:
100% on 10 examples is weak evidence, 100% on 200 is strong. The Wilson score interval keeps its
coverage near the nominal level even at 0% or 100% observed accuracy, where the normal
approximation collapses to a zero-width interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any


def z_for_confidence(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (0.95 -> about 1.96)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``successes`` out of ``n`` trials.

    ``successes`` may be fractional (a sum of partial-credit scores in [0, 1]); the interval is
    then that of the mean score. With ``n == 0`` nothing is known and the interval is (0, 1).
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    if not 0.0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, n={n}], got {successes}")
    if n == 0:
        return (0.0, 1.0)
    z = z_for_confidence(confidence)
    p = successes / n
    z2_n = z * z / n
    centre = (p + z2_n / 2.0) / (1.0 + z2_n)
    half_width = z * math.sqrt(p * (1.0 - p) / n + z2_n / (4.0 * n)) / (1.0 + z2_n)
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == n else min(1.0, centre + half_width)
    return (low, high)


def accuracy_summary(scores: Sequence[float], confidence: float = 0.95) -> dict[str, Any]:
    """``n``, ``accuracy`` and its Wilson interval ``ci95`` as experiments write them to JSON:
    the one place an arm's accuracy is summarised, so no result omits its interval."""
    if not scores:
        raise ValueError("accuracy_summary needs at least one score")
    total = sum(scores)
    low, high = wilson_interval(total, len(scores), confidence)
    return {"n": len(scores), "accuracy": total / len(scores), "ci95": [low, high]}


def paired_difference(
    first: Sequence[float], second: Sequence[float], confidence: float = 0.95
) -> tuple[float, tuple[float, float]]:
    """Mean of ``first[i] - second[i]`` and its normal-approximation interval.

    For comparing two arms on the same tasks (agent and baseline scores per task): pairing
    removes the tasks' own difficulty from the spread, so the interval is far tighter than one
    built from two separate accuracies. Identical arms give (0, (0, 0)). Scores lie in [0, 1],
    so the interval is cut to [-1, 1] where the normal approximation would overshoot.
    """
    if len(first) != len(second) or not first:
        raise ValueError("paired_difference needs two non-empty sequences of equal length")
    differences = [a - b for a, b in zip(first, second, strict=True)]
    n = len(differences)
    mean = sum(differences) / n
    variance = sum((d - mean) ** 2 for d in differences) / (n - 1) if n > 1 else 0.0
    half_width = z_for_confidence(confidence) * math.sqrt(variance / n)
    return mean, (max(-1.0, mean - half_width), min(1.0, mean + half_width))
