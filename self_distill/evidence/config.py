"""Every knob of the clustering, in one documented dataclass saved next to its results."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from self_distill.errors import ConfigError

SELECTION_METHODS = ("eom", "leaf")


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of :class:`~self_distill.evidence.clustering.TaskClusterer`.

    The defaults were tuned on mixed streams of 480 to 2,000 tasks (8 generated families, 4
    BIG-Bench-Hard tasks, 10 % one-off noise); see ``experiments/exp001_clustering.py``.

    Attributes:
        min_cluster_size: smallest group of tasks HDBSCAN reports as a cluster; smaller groups
            are noise. ``None`` derives it from the data: ``min_cluster_share`` of the tasks
            clustered, at least 5 and at most ``max_auto_cluster_size``. A pattern must recur
            this often before it counts as evidence.
        min_cluster_share: share of the clustered tasks used when ``min_cluster_size`` is
            ``None``.
        max_auto_cluster_size: cap on the derived minimum cluster size, so that in a long
            stream a pattern that recurs this often always counts, however small its share.
        min_samples: neighbours a point needs to be a core point; ``None`` means
            ``min_samples_ratio`` times the minimum cluster size, at least 2. Larger values push
            sparse points (one-off tasks) into noise, and with them the edges of real clusters.
        min_samples_ratio: see ``min_samples``.
        reduce_dims: PCA components the unit embeddings are projected onto before HDBSCAN; the
            projections are scaled back to unit length so distances stay cosine-like. ``None``
            or 0 clusters the raw dimensions. Fewer dimensions make the density estimate
            steadier and the tree search much faster.
        selection_method: HDBSCAN ``cluster_selection_method``: ``"eom"`` (excess of mass) or
            ``"leaf"`` (the finest stable clusters).
        selection_epsilon: HDBSCAN ``cluster_selection_epsilon``: clusters closer than this are
            merged.
        fringe_mads: after HDBSCAN, members farther from their cluster's centroid than the
            median member distance plus this many (scaled) median absolute deviations become
            noise: HDBSCAN's ``eom`` selection tends to absorb a few unrelated tasks at a
            cluster's edge. ``None`` keeps HDBSCAN's labels as they are.
        noise_to_nearest: a new task HDBSCAN's online prediction calls noise joins the nearest
            cluster whose membership threshold contains it. Off by default: noise then always
            goes to the model, as issue 12 asks; the agent's ``adopt_solved_noise`` turns it
            on (see :class:`~self_distill.agent.config.AgentConfig`).
        membership_mads: a cluster's membership threshold is the median cosine distance of its
            members to the centroid plus this many (scaled) median absolute deviations; see
            :mod:`self_distill.evidence.membership`.
        match_min_share: at a re-cluster a new cluster keeps an old id when their overlap is at
            least this share of either cluster's size.
        seed: seed of the randomised PCA solver, so the same data gives the same clusters.
        merge_max_distance: clusters whose centroids lie within this cosine distance are
            candidates for one kind of task phrased several ways; they merge when their
            answers agree in shape (see :mod:`self_distill.evidence.merging`). ``None`` turns
            merging off.
        merge_min_shape_overlap: how much two clusters' answer-shape distributions must share
            (0 to 1) for them to merge.
        merge_min_labelled: labelled members each cluster needs before its answers count as
            evidence; unlabelled clusters never merge.
    """

    min_cluster_size: int | None = None
    min_cluster_share: float = 0.035
    max_auto_cluster_size: int = 100
    min_samples: int | None = None
    min_samples_ratio: float = 0.25
    reduce_dims: int | None = 48
    selection_method: str = "eom"
    selection_epsilon: float = 0.0
    fringe_mads: float | None = 5.0
    noise_to_nearest: bool = False
    membership_mads: float = 3.0
    match_min_share: float = 0.5
    seed: int = 0
    merge_max_distance: float | None = 0.45
    merge_min_shape_overlap: float = 0.6
    merge_min_labelled: int = 5

    def __post_init__(self) -> None:
        if self.min_cluster_size is not None and self.min_cluster_size < 2:
            raise ConfigError(f"min_cluster_size must be at least 2, got {self.min_cluster_size}")
        if not 0.0 < self.min_cluster_share < 1.0:
            raise ConfigError(f"min_cluster_share must be in (0, 1), got {self.min_cluster_share}")
        if self.max_auto_cluster_size < 5:
            raise ConfigError(
                f"max_auto_cluster_size must be at least 5, got {self.max_auto_cluster_size}"
            )
        if not 0.0 < self.min_samples_ratio <= 1.0:
            raise ConfigError(f"min_samples_ratio must be in (0, 1], got {self.min_samples_ratio}")
        if self.min_samples is not None and self.min_samples < 1:
            raise ConfigError(f"min_samples must be at least 1 or None, got {self.min_samples}")
        if self.reduce_dims is not None and self.reduce_dims < 0:
            raise ConfigError(f"reduce_dims must be positive, 0 or None, got {self.reduce_dims}")
        if self.selection_method not in SELECTION_METHODS:
            raise ConfigError(
                f"selection_method must be one of {', '.join(SELECTION_METHODS)}, "
                f"got {self.selection_method!r}"
            )
        if self.fringe_mads is not None and self.fringe_mads <= 0.0:
            raise ConfigError(f"fringe_mads must be > 0 or None, got {self.fringe_mads}")
        if self.membership_mads <= 0.0:
            raise ConfigError(f"membership_mads must be > 0, got {self.membership_mads}")
        if self.merge_max_distance is not None and not 0.0 < self.merge_max_distance <= 2.0:
            raise ConfigError(
                f"merge_max_distance must be in (0, 2] or None, got {self.merge_max_distance}"
            )
        if not 0.0 < self.merge_min_shape_overlap <= 1.0:
            raise ConfigError(
                f"merge_min_shape_overlap must be in (0, 1], got {self.merge_min_shape_overlap}"
            )
        if self.merge_min_labelled < 1:
            raise ConfigError(
                f"merge_min_labelled must be at least 1, got {self.merge_min_labelled}"
            )
        if not 0.0 < self.match_min_share <= 1.0:
            raise ConfigError(f"match_min_share must be in (0, 1], got {self.match_min_share}")

    def sizes_for(self, n: int) -> tuple[int, int]:
        """The ``(min_cluster_size, min_samples)`` HDBSCAN gets for ``n`` tasks."""
        derived = min(self.max_auto_cluster_size, round(self.min_cluster_share * n))
        size = self.min_cluster_size or max(5, derived)
        samples = self.min_samples or max(2, round(self.min_samples_ratio * size))
        return size, samples

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict (written into every result manifest)."""
        return asdict(self)
