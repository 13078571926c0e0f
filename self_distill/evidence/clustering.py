"""HDBSCAN clustering of task embeddings, online assignment and id-stable re-clustering.

The flow the agent needs: :meth:`TaskClusterer.fit` clusters what has been seen so far; each new
task is placed with :meth:`TaskClusterer.assign` (HDBSCAN's ``approximate_predict``, no
re-cluster) and remembered; now and then :meth:`TaskClusterer.recluster` clusters everything
remembered again and keeps cluster ids stable by member overlap (see
:mod:`self_distill.evidence.matching`). Noise is labelled ``-1`` throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import hdbscan
import numpy as np
from sklearn.decomposition import PCA

from self_distill.errors import DataError
from self_distill.evidence.config import ClusterConfig
from self_distill.evidence.matching import match_cluster_ids
from self_distill.evidence.membership import MembershipIndex, unit_rows
from self_distill.evidence.merging import merge_map

NOISE = -1


@dataclass(frozen=True)
class Assignment:
    """Where one new task landed.

    ``cluster_id`` is the stable id HDBSCAN's approximate prediction chose (``-1``: noise),
    ``strength`` its membership probability, ``distance`` the cosine distance to that cluster's
    centroid (NaN for noise) and ``belongs`` whether that distance is within the cluster's
    calibrated threshold: the router's test before a skill may answer.
    """

    cluster_id: int
    strength: float
    distance: float
    belongs: bool


def _check_vectors(vectors: np.ndarray, dim: int | None) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or (dim is not None and array.shape[1] != dim):
        expected = f"(n, {dim})" if dim is not None else "(n, dim)"
        raise DataError(
            f"embeddings have shape {array.shape}, expected {expected}; embed the tasks with the "
            "same model the clusters were built from"
        )
    if not np.isfinite(array).all():
        raise DataError("embeddings contain NaN or infinite values; re-embed the tasks")
    return array


class TaskClusterer:
    """Clusters unit embeddings and serves new points; keeps every point it has seen.

    ``vectors`` and ``labels`` hold all remembered points (fitted and assigned) with their stable
    cluster ids; ``membership`` holds the per-cluster thresholds calibrated on them; ``sizes``
    the ``(min_cluster_size, min_samples)`` the last clustering used.
    """

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        self.vectors = np.zeros((0, 0), np.float32)
        self.labels = np.zeros(0, np.int64)
        self.membership = MembershipIndex((), np.zeros((0, 0), np.float32), np.zeros(0))
        self.next_id = 0
        self._pca: PCA | None = None
        self._model: hdbscan.HDBSCAN | None = None
        self._stable_of: np.ndarray = np.zeros(0, np.int64)
        self.sizes: tuple[int, int] = (0, 0)

    @property
    def cluster_ids(self) -> list[int]:
        """The stable ids of the current clusters, ascending."""
        return [int(label) for label in np.unique(self.labels) if label >= 0]

    def _reduce(self, vectors: np.ndarray) -> np.ndarray:
        if self._pca is None:
            return vectors
        return unit_rows(self._pca.transform(vectors).astype(np.float32))

    def _cluster(self, vectors: np.ndarray) -> np.ndarray:
        """Fit PCA and HDBSCAN on ``vectors``; return HDBSCAN's raw labels."""
        config = self.config
        self._pca = None
        self._model = None
        size, samples = config.sizes_for(len(vectors))
        self.sizes = (size, samples)
        if len(vectors) < size:
            return np.full(len(vectors), NOISE, np.int64)
        dims = config.reduce_dims
        if dims and dims < min(vectors.shape):
            self._pca = PCA(n_components=dims, random_state=config.seed).fit(vectors)
        model = hdbscan.HDBSCAN(
            min_cluster_size=size,
            min_samples=samples,
            cluster_selection_method=config.selection_method,
            cluster_selection_epsilon=config.selection_epsilon,
            prediction_data=True,
        )
        raw = model.fit_predict(self._reduce(vectors)).astype(np.int64)
        if raw.max(initial=NOISE) >= 0:
            self._model = model
        return raw

    def _adopt(self, vectors: np.ndarray, raw: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """Map raw labels to stable ids, drop far fringe members to noise, calibrate membership."""
        mapping, self.next_id = match_cluster_ids(
            previous, raw, next_id=self.next_id, min_share=self.config.match_min_share
        )
        top = int(raw.max(initial=NOISE))
        self._stable_of = np.array([mapping.get(label, NOISE) for label in range(top + 1)])
        labels = np.array([mapping[int(label)] for label in raw], dtype=np.int64)
        if self.config.fringe_mads is not None:
            fringe = MembershipIndex.calibrate(vectors, labels, mads=self.config.fringe_mads)
            labels = np.where(fringe.belongs(vectors, labels), labels, NOISE)
        self.vectors = vectors
        self.labels = labels
        self.membership = MembershipIndex.calibrate(
            vectors, labels, mads=self.config.membership_mads
        )
        return labels.copy()

    def fit(self, vectors: np.ndarray) -> np.ndarray:
        """Cluster ``vectors`` from scratch (ids start at 0); return their stable labels."""
        array = _check_vectors(vectors, None)
        self.next_id = 0
        raw = self._cluster(array)
        return self._adopt(array, raw, np.full(len(array), NOISE, np.int64))

    def merge_phrasings(self, targets: Sequence[str | None]) -> dict[int, int]:
        """Merge clusters that are one kind of task phrased several ways, judged by the answers
        (``targets``, one per remembered point; see :mod:`self_distill.evidence.merging`).

        Returns ``{merged id: id it joined}``; online assignment and membership follow the
        merge. Does nothing when ``merge_max_distance`` is ``None``.
        """
        config = self.config
        if config.merge_max_distance is None:
            return {}
        if len(targets) != len(self.labels):
            raise DataError(
                f"{len(targets)} targets for {len(self.labels)} clustered tasks; give one "
                "target (or None) per task"
            )
        mapping = merge_map(
            self.labels,
            self.membership.cluster_ids,
            self.membership.centroids,
            targets,
            max_distance=config.merge_max_distance,
            min_overlap=config.merge_min_shape_overlap,
            min_labelled=config.merge_min_labelled,
        )
        if not mapping:
            return mapping
        self.labels = np.array([mapping.get(int(x), int(x)) for x in self.labels], np.int64)
        self._stable_of = np.array([mapping.get(int(x), int(x)) for x in self._stable_of], np.int64)
        self.membership = MembershipIndex.calibrate(
            self.vectors, self.labels, mads=config.membership_mads
        )
        return mapping

    def assign(self, vectors: np.ndarray, *, remember: bool = True) -> list[Assignment]:
        """Place new points in existing clusters or noise, without re-clustering.

        With ``remember`` the points and their labels join the kept state (the next
        :meth:`recluster` sees them); thresholds are not recalibrated until then.
        """
        if self.vectors.shape[0] == 0:
            raise DataError("the clusterer has not been fitted; call fit() before assign()")
        array = _check_vectors(vectors, self.vectors.shape[1])
        if self._model is None:
            labels = np.full(len(array), NOISE, np.int64)
            strengths = np.zeros(len(array))
        else:
            raw, strengths = hdbscan.approximate_predict(self._model, self._reduce(array))
            labels = np.array(
                [self._stable_of[label] if label >= 0 else NOISE for label in raw], np.int64
            )
        if self.config.noise_to_nearest:
            labels = self._nearest_inside(array, labels)
        inside = self.membership.belongs(array, labels)
        distances = self.membership.distances_to_own(array, labels)
        if remember:
            self.vectors = np.concatenate([self.vectors, array])
            self.labels = np.concatenate([self.labels, labels])
        return [
            Assignment(int(label), float(strength), float(distance), bool(flag))
            for label, strength, distance, flag in zip(
                labels, strengths, distances, inside, strict=True
            )
        ]

    def _nearest_inside(self, vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Noise labels replaced by the nearest cluster whose threshold contains the point."""
        noise = np.flatnonzero(labels < 0)
        if not len(noise) or not self.membership.cluster_ids:
            return labels
        distances = self.membership.distances(vectors[noise])
        nearest = np.argmin(distances, axis=1)
        inside = distances[np.arange(len(noise)), nearest] <= self.membership.thresholds[nearest]
        labels = labels.copy()
        ids = np.asarray(self.membership.cluster_ids, np.int64)
        labels[noise[inside]] = ids[nearest[inside]]
        return labels

    def adopt(self, members: dict[int, int]) -> None:
        """Make remembered noise points members: ``{point index: cluster id}`` (the agent's
        labelled noise that a cluster's verified skill answers right); the membership index is
        calibrated again. A point that is not noise, or an unknown cluster, raises
        :class:`DataError`."""
        if not members:
            return
        labels = self.labels.copy()
        known = set(self.cluster_ids)
        for index, cluster in members.items():
            if not 0 <= index < len(labels) or labels[index] >= 0 or cluster not in known:
                raise DataError(
                    f"cannot adopt point {index} into cluster {cluster}: only a remembered "
                    "noise point can join, and only an existing cluster"
                )
            labels[index] = cluster
        self.labels = labels
        self.membership = MembershipIndex.calibrate(
            self.vectors, labels, mads=self.config.membership_mads
        )

    def widen(self, thresholds: dict[int, float]) -> None:
        """Raise the membership thresholds of the given clusters (until the next calibration;
        the agent widens a served cluster to the evidence of its skill). A threshold is never
        lowered here; an unknown cluster raises :class:`DataError`."""
        if not thresholds:
            return
        membership = self.membership
        values = membership.thresholds.copy()
        for cluster, threshold in thresholds.items():
            if cluster not in membership.cluster_ids:
                raise DataError(f"cannot widen cluster {cluster}: it is not a current cluster")
            row = membership.cluster_ids.index(cluster)
            values[row] = max(float(values[row]), threshold)
        self.membership = MembershipIndex(membership.cluster_ids, membership.centroids, values)

    def recluster(self) -> np.ndarray:
        """Cluster every remembered point again, keeping ids by overlap; return the labels."""
        if self.vectors.shape[0] == 0:
            raise DataError("nothing to re-cluster; call fit() first")
        previous = self.labels
        raw = self._cluster(self.vectors)
        return self._adopt(self.vectors, raw, previous)
