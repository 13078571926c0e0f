"""Per-cluster membership thresholds: does a new task truly belong to a cluster?

HDBSCAN's ``approximate_predict`` says which cluster a new point is nearest in density terms, but
the router needs a stricter, explainable test before it lets a skill answer: the task's cosine
distance to the cluster centroid must not exceed a threshold calibrated on the cluster's own
members. The threshold is robust, the median member distance plus ``mads`` scaled median absolute
deviations, because HDBSCAN sometimes absorbs a few unrelated tasks at a cluster's fringe and a
plain quantile would stretch to include them. The index holds only centroids and thresholds in
the original embedding space, so it serialises to JSON and needs no HDBSCAN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from self_distill.errors import DataError

MAD_TO_SIGMA = 1.4826
ROUNDING_SLACK = 1e-5
"""Added to every threshold. A float32 dot product of two 384-dimensional unit vectors differs
in its last bits with the summation order (BLAS blocks rows differently), about 1e-7; a cluster of
tasks repeated word for word has a zero spread, so without this slack its members can all fall
just outside their own threshold (a cluster of two pii_extract phrasings once lost every member).
Real distances between different tasks are 1e-2 or more, so the slack admits no new task."""


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0.0, 1.0, norms)


@dataclass(frozen=True)
class MembershipIndex:
    """Centroids (unit vectors) and distance thresholds, one per cluster id."""

    cluster_ids: tuple[int, ...]
    centroids: np.ndarray
    thresholds: np.ndarray

    @classmethod
    def calibrate(
        cls,
        vectors: np.ndarray,
        labels: np.ndarray,
        *,
        mads: float,
    ) -> MembershipIndex:
        """Fit one centroid and threshold per non-noise label from that cluster's members.

        threshold = median(d) + mads * 1.4826 * median(|d - median(d)|) + ``ROUNDING_SLACK``
        over the members' cosine distances d to the centroid (1.4826 makes the MAD a
        standard-deviation estimate).
        """
        ids = tuple(int(label) for label in np.unique(labels) if label >= 0)
        dim = vectors.shape[1]
        centroids = np.zeros((len(ids), dim), np.float32)
        thresholds = np.zeros(len(ids), np.float32)
        for row, cluster_id in enumerate(ids):
            members = unit_rows(vectors[labels == cluster_id].astype(np.float32))
            centroid = unit_rows(members.mean(axis=0, keepdims=True))[0]
            distances = 1.0 - members @ centroid
            centroids[row] = centroid
            median = float(np.median(distances))
            spread = MAD_TO_SIGMA * float(np.median(np.abs(distances - median)))
            thresholds[row] = median + mads * spread + ROUNDING_SLACK
        return cls(ids, centroids, thresholds)

    def _rows(self, cluster_ids: np.ndarray) -> np.ndarray:
        """Index rows of non-negative ``cluster_ids``; an unknown id raises :class:`DataError`."""
        lookup = {cluster_id: row for row, cluster_id in enumerate(self.cluster_ids)}
        rows = np.array([lookup.get(int(value), -1) for value in cluster_ids], dtype=np.int64)
        if (rows < 0).any():
            unknown = int(cluster_ids[np.argmax(rows < 0)])
            raise DataError(
                f"cluster {unknown} is not in the membership index (known: "
                f"{list(self.cluster_ids)}); re-cluster or pick an existing cluster"
            )
        return rows

    def distances(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine distances of each vector (rows) to each centroid (columns)."""
        return 1.0 - unit_rows(np.atleast_2d(vectors).astype(np.float32)) @ self.centroids.T

    def distance_to(self, vectors: np.ndarray, cluster_id: int) -> np.ndarray:
        """Cosine distance of each vector to one cluster's centroid."""
        row = self._rows(np.array([cluster_id]))[0]
        return self.distances(vectors)[:, row]

    def distances_to_own(
        self, vectors: np.ndarray, cluster_ids: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Cosine distance of each vector to the centroid of its given cluster (NaN for noise)."""
        ids = np.asarray(cluster_ids, dtype=np.int64)
        result = np.full(len(ids), np.nan)
        clustered = ids >= 0
        if clustered.any():
            rows = self._rows(ids[clustered])
            points = unit_rows(np.atleast_2d(vectors)[clustered].astype(np.float32))
            result[clustered] = 1.0 - np.sum(points * self.centroids[rows], axis=1)
        return result

    def belongs(self, vectors: np.ndarray, cluster_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """For each vector, whether it lies within the threshold of its given cluster.

        A noise id (negative) never belongs.
        """
        ids = np.asarray(cluster_ids, dtype=np.int64)
        distances = self.distances_to_own(vectors, ids)
        result = np.zeros(len(ids), dtype=bool)
        clustered = ids >= 0
        if clustered.any():
            limits = self.thresholds[self._rows(ids[clustered])]
            result[clustered] = distances[clustered] <= limits
        return result

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the router stores it next to the skills it guards)."""
        return {
            "cluster_ids": list(self.cluster_ids),
            "centroids": self.centroids.tolist(),
            "thresholds": self.thresholds.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MembershipIndex:
        """Inverse of :meth:`to_dict`; a malformed dict raises :class:`DataError`."""
        try:
            ids = tuple(int(value) for value in data["cluster_ids"])
            centroids = np.asarray(data["centroids"], dtype=np.float32).reshape(len(ids), -1)
            thresholds = np.asarray(data["thresholds"], dtype=np.float32).reshape(len(ids))
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(
                f"malformed membership index ({error}); it needs cluster_ids, centroids and "
                "thresholds of matching lengths: re-cluster to rebuild it"
            ) from error
        return cls(ids, centroids, thresholds)
