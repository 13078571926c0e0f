"""Evidence: embed the task stream, cluster it, and report what recurs.

- :class:`Embedder` (all-MiniLM-L6-v2, offline, batched) over an :class:`EmbeddingCache`
  (SQLite, keyed by text hash and model);
- :class:`TaskClusterer` (HDBSCAN): ``fit``, ``assign`` new tasks without re-clustering,
  ``recluster`` with stable ids; settings in :class:`ClusterConfig`;
- :class:`MembershipIndex`: per-cluster distance thresholds the router uses;
- :func:`build_pattern_report` and :func:`score_clustering`; :func:`cluster_tasks` runs it all.
"""

from self_distill.evidence.cache import EmbeddingCache, default_embedding_cache_path, text_key
from self_distill.evidence.clustering import NOISE, Assignment, TaskClusterer
from self_distill.evidence.config import ClusterConfig
from self_distill.evidence.embedder import MINILM_DIM, MINILM_NAME, Embedder, minilm_model_dir
from self_distill.evidence.matching import match_cluster_ids
from self_distill.evidence.membership import MembershipIndex
from self_distill.evidence.metrics import ClusteringScores, score_clustering
from self_distill.evidence.pipeline import EvidenceResult, cluster_tasks
from self_distill.evidence.report import (
    ClusterPattern,
    PatternReport,
    Representative,
    build_pattern_report,
    estimate_tokens,
)

__all__ = [
    "MINILM_DIM",
    "MINILM_NAME",
    "NOISE",
    "Assignment",
    "ClusterConfig",
    "ClusterPattern",
    "ClusteringScores",
    "Embedder",
    "EmbeddingCache",
    "EvidenceResult",
    "MembershipIndex",
    "PatternReport",
    "Representative",
    "TaskClusterer",
    "build_pattern_report",
    "cluster_tasks",
    "default_embedding_cache_path",
    "estimate_tokens",
    "match_cluster_ids",
    "minilm_model_dir",
    "score_clustering",
    "text_key",
]
