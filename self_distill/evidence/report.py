"""The pattern report: what recurs in a task stream, and which patterns deserve a skill.

For each cluster: its size and share of the stream, how it grew (members per stream window),
the tasks that represent it best (nearest its centroid), its purity against family labels where
the data has them, the model tokens spent on it so far, and a skill-worthiness score.

Skill-worthiness is frequency times expected savings: ``frequency`` is the cluster's share of the
most recent part of the stream (what it will probably keep asking for), and the expected saving
per task is the model tokens a task of this cluster has cost so far (from the ledger, passed in
as ``tokens_by_cluster``), or, while nothing has been spent, an estimate from the input length
(about 4 characters per token, marked ``tokens_estimated``). The score therefore reads "tokens a
skill would save per incoming task".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from self_distill.errors import DataError
from self_distill.evidence.membership import unit_rows

CHARS_PER_TOKEN = 4.0
REPRESENTATIVE_CHARS = 160


def estimate_tokens(text: str) -> int:
    """A rough model-token count for ``text`` (4 characters a token, at least 1)."""
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


@dataclass(frozen=True)
class Representative:
    """A member task close to its cluster's centroid; ``text`` is cut to a readable length."""

    id: str
    text: str
    distance: float


@dataclass(frozen=True)
class ClusterPattern:
    """One cluster's entry in the pattern report (see the module docstring for the score)."""

    cluster_id: int
    size: int
    share: float
    first_seen: int
    last_seen: int
    growth: list[int]
    frequency: float
    representatives: list[Representative]
    majority_family: str | None
    purity: float | None
    tokens_spent: int | None
    tokens_per_task: float
    tokens_estimated: bool
    worthiness: float


@dataclass(frozen=True)
class PatternReport:
    """Clusters ordered by skill-worthiness (highest first), plus the stream-level counts."""

    n_tasks: int
    n_noise: int
    window_size: int
    recent_window: int
    clusters: list[ClusterPattern] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the field names."""
        return asdict(self)


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= REPRESENTATIVE_CHARS:
        return flat
    return flat[: REPRESENTATIVE_CHARS - 3] + "..."


def build_pattern_report(
    texts: Sequence[str],
    ids: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    vectors: np.ndarray,
    *,
    families: Sequence[str] | None = None,
    tokens_by_cluster: Mapping[int, int] | None = None,
    windows: int = 10,
    recent_share: float = 0.25,
    representatives: int = 3,
) -> PatternReport:
    """Summarise clustered tasks, given in stream order, into a :class:`PatternReport`.

    ``labels`` and ``vectors`` are row-aligned with ``texts`` and ``ids`` (``-1`` is noise).
    ``tokens_by_cluster`` maps a cluster id to the model tokens spent on its tasks so far;
    clusters it does not name fall back to the length estimate.
    """
    label_array = np.asarray(labels)
    count = len(texts)
    if not (len(ids) == len(label_array) == len(vectors) == count):
        raise DataError(
            f"pattern report inputs differ in length: {count} texts, {len(ids)} ids, "
            f"{len(label_array)} labels, {len(vectors)} vectors; pass row-aligned inputs"
        )
    if families is not None and len(families) != count:
        raise DataError(f"{len(families)} family labels for {count} tasks; pass one per task")
    if windows < 1 or not 0.0 < recent_share <= 1.0:
        raise DataError(
            f"windows must be >= 1 and recent_share in (0, 1], got {windows} and {recent_share}"
        )
    window_size = max(1, math.ceil(count / windows))
    recent_window = max(1, math.ceil(count * recent_share))
    recent = np.arange(count) >= count - recent_window
    tokens_by_cluster = tokens_by_cluster or {}
    units = unit_rows(np.asarray(vectors, dtype=np.float32)) if count else vectors
    patterns: list[ClusterPattern] = []
    for cluster_id in sorted({int(label) for label in label_array if label >= 0}):
        members = np.flatnonzero(label_array == cluster_id)
        centroid = unit_rows(units[members].mean(axis=0, keepdims=True))[0]
        distances = 1.0 - units[members] @ centroid
        nearest = members[np.argsort(distances, kind="stable")[:representatives]]
        growth = np.bincount(members // window_size, minlength=math.ceil(count / window_size))
        majority_family = purity = None
        if families is not None:
            majority_family, top = Counter(families[index] for index in members).most_common(1)[0]
            purity = top / len(members)
        spent = tokens_by_cluster.get(cluster_id)
        if spent is not None:
            per_task = spent / len(members)
        else:
            per_task = float(np.mean([estimate_tokens(texts[index]) for index in members]))
        frequency = float(np.count_nonzero(label_array[recent] == cluster_id) / recent_window)
        patterns.append(
            ClusterPattern(
                cluster_id=cluster_id,
                size=len(members),
                share=len(members) / count,
                first_seen=int(members[0]),
                last_seen=int(members[-1]),
                growth=[int(value) for value in growth],
                frequency=frequency,
                representatives=[
                    Representative(
                        id=ids[index],
                        text=_clip(texts[index]),
                        distance=float(1.0 - units[index] @ centroid),
                    )
                    for index in nearest
                ],
                majority_family=majority_family,
                purity=purity,
                tokens_spent=spent,
                tokens_per_task=per_task,
                tokens_estimated=spent is None,
                worthiness=frequency * per_task,
            )
        )
    patterns.sort(key=lambda pattern: (-pattern.worthiness, pattern.cluster_id))
    return PatternReport(
        n_tasks=count,
        n_noise=int(np.count_nonzero(label_array < 0)),
        window_size=window_size,
        recent_window=recent_window,
        clusters=patterns,
    )
