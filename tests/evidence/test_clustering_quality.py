"""Cluster quality on real MiniLM embeddings of a real mixed stream (a small exp001).

600 tasks: the 8 generated puzzle families, 4 BIG-Bench-Hard tasks loaded from the shared data, and
10 % one-off requests. No embedding is faked here: these figures are the ones the agent gets.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from self_distill.evidence import (
    Embedder,
    TaskClusterer,
    cluster_tasks,
    score_clustering,
)
from self_distill.tasks import ONEOFF_FAMILY, Task, build_stream, family_names, load_bbh
from self_distill.tasks.reference_data import bbh_path

pytestmark = [pytest.mark.model, pytest.mark.slow]

BBH = ("navigate", "hyperbaton", "object_counting", "logical_deduction_five_objects")


@pytest.fixture(scope="module")
def stream() -> list[Task]:
    extra = {f"bbh:{name}": load_bbh(bbh_path(name)) for name in BBH}
    weights = {family: 1.0 for family in family_names("puzzle")} | {name: 1.0 for name in extra}
    return build_stream(weights, 600, noise=0.1, seed=0, extra=extra)


@pytest.fixture(scope="module")
def vectors(stream: list[Task], embedder: Embedder) -> np.ndarray:
    return embedder.embed([task.input for task in stream])


def test_clusters_recover_families_and_leave_one_offs_in_noise(
    stream: list[Task], vectors: np.ndarray
) -> None:
    families = [task.family for task in stream]
    scores = score_clustering(TaskClusterer().fit(vectors), families)
    assert scores.n_families == 12
    assert scores.ari >= 0.9
    assert scores.oneoff_in_noise >= 0.8
    assert scores.recurring_in_noise <= 0.03
    assert 10 <= scores.n_clusters <= 13


def test_online_assignment_routes_recurring_tasks_and_refuses_one_offs(
    stream: list[Task], vectors: np.ndarray
) -> None:
    families = np.array([task.family for task in stream], dtype=object)
    cut = 420
    clusterer = TaskClusterer()
    head = clusterer.fit(vectors[:cut])
    home = {
        cluster_id: Counter(families[:cut][head == cluster_id]).most_common(1)[0][0]
        for cluster_id in clusterer.cluster_ids
    }
    placed = clusterer.assign(vectors[cut:])
    tail = families[cut:]
    recurring = tail != ONEOFF_FAMILY
    accepted = np.array([item.cluster_id >= 0 and item.belongs for item in placed])
    assert accepted[recurring].mean() >= 0.9
    assert not accepted[~recurring].any()
    merged_meetings = {"meeting_rooms", "meeting_conflict"}
    right_home = [
        home[item.cluster_id] == family or {home[item.cluster_id], family} <= merged_meetings
        for item, family, ok in zip(placed, tail, accepted, strict=True)
        if ok
    ]
    assert np.mean(right_home) >= 0.98
    before = clusterer.labels.copy()
    after = clusterer.recluster()
    kept = before[:cut] >= 0
    assert (after[:cut][kept] == before[:cut][kept]).mean() >= 0.95


def test_pattern_report_names_pure_clusters_with_their_own_tasks(
    stream: list[Task], embedder: Embedder
) -> None:
    result = cluster_tasks(stream, embedder)
    assert result.scores is not None and result.scores.ari >= 0.9
    by_id = {task.id: task for task in stream}
    pure = [pattern for pattern in result.report.clusters if pattern.purity == 1.0]
    assert len(pure) >= 8
    for pattern in pure:
        for representative in pattern.representatives:
            assert by_id[representative.id].family == pattern.majority_family
        assert sum(pattern.growth) == pattern.size
    worthiness = [pattern.worthiness for pattern in result.report.clusters]
    assert worthiness == sorted(worthiness, reverse=True)
