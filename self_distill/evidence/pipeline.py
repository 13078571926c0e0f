"""From tasks to evidence in one call: embed, cluster, report, and score against families."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from self_distill.errors import DataError
from self_distill.evidence.clustering import TaskClusterer
from self_distill.evidence.config import ClusterConfig
from self_distill.evidence.embedder import Embedder, EmbedderInfo, ProgressCallback
from self_distill.evidence.metrics import ClusteringScores, score_clustering
from self_distill.evidence.report import PatternReport, build_pattern_report
from self_distill.tasks import ONEOFF_FAMILY, Task


@dataclass(frozen=True)
class EvidenceResult:
    """Everything one clustering of a task list produced.

    ``scores`` is ``None`` unless the tasks carry real family labels; ``embedding`` names the
    embedding model and its dimension; ``merged`` maps each cluster merged as another phrasing
    of one task to the id it joined.
    """

    labels: np.ndarray
    vectors: np.ndarray
    merged: dict[int, int]
    clusterer: TaskClusterer
    report: PatternReport
    scores: ClusteringScores | None
    embedding: EmbedderInfo


def cluster_tasks(
    tasks: Sequence[Task],
    embedder: Embedder,
    config: ClusterConfig | None = None,
    *,
    score_families: bool = True,
    oneoff_family: str = ONEOFF_FAMILY,
    tokens_by_cluster: Mapping[int, int] | None = None,
    progress: ProgressCallback | None = None,
) -> EvidenceResult:
    """Embed ``tasks`` (in stream order), cluster them, and build the pattern report.

    With ``score_families`` the tasks' ``family`` fields are treated as ground truth: the report
    gets purities and the result gets :class:`ClusteringScores`.
    """
    if not tasks:
        raise DataError("no tasks to cluster; give at least one task")
    texts = [task.input for task in tasks]
    vectors = embedder.embed(texts, progress=progress)
    clusterer = TaskClusterer(config)
    clusterer.fit(vectors)
    merged = clusterer.merge_phrasings([task.target for task in tasks])
    labels = clusterer.labels.copy()
    families = [task.family for task in tasks] if score_families else None
    report = build_pattern_report(
        texts,
        [task.id for task in tasks],
        labels,
        vectors,
        families=families,
        tokens_by_cluster=tokens_by_cluster,
    )
    scores = score_clustering(labels, families, oneoff_family=oneoff_family) if families else None
    return EvidenceResult(labels, vectors, merged, clusterer, report, scores, embedder.info)
