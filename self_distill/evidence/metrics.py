"""How well clusters recover known task families, and how much of the one-off noise stays noise.

The scores are strict on purpose: the adjusted Rand index is computed over every recurring task
with HDBSCAN noise kept as a label of its own, so a recurring task left in noise counts against
the clustering instead of being quietly dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from self_distill.errors import DataError


@dataclass(frozen=True)
class ClusteringScores:
    """Agreement of cluster labels with family labels.

    ``ari`` and ``nmi`` are over recurring tasks (family other than the one-off family), noise
    counted as one more label; ``noise_fraction`` is over all tasks; ``oneoff_in_noise`` is the
    share of one-off tasks labelled noise; ``recurring_in_noise`` the share of recurring tasks
    labelled noise. A score that has no tasks to be computed on is ``None``.
    """

    ari: float | None
    nmi: float | None
    noise_fraction: float
    n_clusters: int
    n_tasks: int
    n_families: int
    oneoff_in_noise: float | None
    recurring_in_noise: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the field names."""
        return asdict(self)


def score_clustering(
    labels: Sequence[int] | np.ndarray,
    families: Sequence[str],
    *,
    oneoff_family: str = "oneoff",
) -> ClusteringScores:
    """Score ``labels`` (``-1`` is noise) against ``families`` of the same tasks."""
    predicted = np.asarray(labels)
    truth = np.asarray(families, dtype=object)
    if predicted.shape != truth.shape:
        raise DataError(
            f"{len(predicted)} cluster labels for {len(truth)} family labels; score the labels "
            "of exactly the tasks that were clustered"
        )
    if len(truth) == 0:
        raise DataError("no tasks to score; cluster at least one task first")
    recurring = truth != oneoff_family
    oneoff = ~recurring
    noise = predicted < 0
    ari = nmi = recurring_in_noise = None
    if recurring.any():
        ari = float(adjusted_rand_score(truth[recurring], predicted[recurring]))
        nmi = float(normalized_mutual_info_score(truth[recurring], predicted[recurring]))
        recurring_in_noise = float(noise[recurring].mean())
    return ClusteringScores(
        ari=ari,
        nmi=nmi,
        noise_fraction=float(noise.mean()),
        n_clusters=len({int(label) for label in predicted if label >= 0}),
        n_tasks=len(truth),
        n_families=len(set(truth[recurring])),
        oneoff_in_noise=float(noise[oneoff].mean()) if oneoff.any() else None,
        recurring_in_noise=recurring_in_noise,
    )
