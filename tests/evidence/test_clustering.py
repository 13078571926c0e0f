"""TaskClusterer mechanics: fit, online assignment, id-stable re-clustering, bad input.

Well-separated synthetic unit vectors stand in for embeddings here because these tests are about
bookkeeping (ids, remembered points, errors). Cluster quality on real embeddings is measured in
test_clustering_quality.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from self_distill.errors import ConfigError, DataError
from self_distill.evidence import ClusterConfig, TaskClusterer


def blobs(counts: list[int], dim: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    points, truth = [], []
    for index, count in enumerate(counts):
        center = np.eye(dim)[index]
        cloud = center + rng.normal(scale=0.04, size=(count, dim))
        points.append(cloud / np.linalg.norm(cloud, axis=1, keepdims=True))
        truth += [index] * count
    return np.vstack(points).astype(np.float32), np.array(truth)


def scattered(count: int, dim: int = 64, seed: int = 1) -> np.ndarray:
    points = np.random.default_rng(seed).normal(size=(count, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


CONFIG = ClusterConfig(min_cluster_size=15, min_samples=5, reduce_dims=16)


def test_fit_finds_the_blobs_and_membership_refuses_scattered_points() -> None:
    vectors, truth = blobs([60, 60, 60])
    outsiders = scattered(20)
    clusterer = TaskClusterer(CONFIG)
    labels = clusterer.fit(np.vstack([vectors, outsiders]))
    assert clusterer.cluster_ids == [0, 1, 2]
    for blob in range(3):
        assert len(set(labels[:180][truth == blob])) == 1
    assert clusterer.sizes == (15, 5)
    assert clusterer.membership.cluster_ids == (0, 1, 2)
    assert clusterer.membership.belongs(vectors, labels[:180]).mean() >= 0.9
    assert not clusterer.membership.belongs(outsiders, labels[180:]).any()


def test_assign_places_new_points_without_refitting() -> None:
    vectors, truth = blobs([60, 60, 60])
    clusterer = TaskClusterer(CONFIG)
    labels = clusterer.fit(vectors)
    id_of_blob = {blob: int(labels[truth == blob][0]) for blob in range(3)}
    new, new_truth = blobs([10, 10, 10], seed=5)
    placed = clusterer.assign(new)
    assert [item.cluster_id for item in placed] == [id_of_blob[blob] for blob in new_truth]
    assert all(item.belongs for item in placed)
    assert all(0.0 <= item.distance < 0.2 for item in placed)
    outsiders = clusterer.assign(scattered(10, seed=9), remember=False)
    assert all(item.cluster_id == -1 or not item.belongs for item in outsiders)
    assert len(clusterer.vectors) == 210, "remembered the 30 assigned points, not the outsiders"


def test_recluster_keeps_ids_and_adds_a_new_cluster_for_a_new_pattern() -> None:
    vectors, _ = blobs([60, 60, 60, 60])
    clusterer = TaskClusterer(CONFIG)
    first = clusterer.fit(vectors[:180])
    placed = clusterer.assign(vectors[180:])
    assert all(item.cluster_id == -1 or not item.belongs for item in placed)
    again = clusterer.recluster()
    np.testing.assert_array_equal(again[:180], first)
    assert set(again[180:]) == {3}
    assert clusterer.cluster_ids == [0, 1, 2, 3]
    assert clusterer.next_id == 4


def test_too_few_points_are_all_noise_and_assign_says_noise() -> None:
    vectors, _ = blobs([4])
    clusterer = TaskClusterer(CONFIG)
    assert (clusterer.fit(vectors) == -1).all()
    assert clusterer.cluster_ids == []
    assert [item.cluster_id for item in clusterer.assign(vectors[:2])] == [-1, -1]


def test_default_sizes_scale_with_the_number_of_tasks() -> None:
    config = ClusterConfig()
    assert config.sizes_for(1200) == (42, 10)
    assert config.sizes_for(100) == (5, 2)
    assert config.sizes_for(50_000) == (100, 25)
    assert ClusterConfig(min_cluster_size=30).sizes_for(1200) == (30, 8)


def test_bad_input_is_refused_with_a_reason() -> None:
    clusterer = TaskClusterer(CONFIG)
    with pytest.raises(DataError, match="call fit"):
        clusterer.assign(np.zeros((1, 64), np.float32))
    with pytest.raises(DataError, match="nothing to re-cluster"):
        clusterer.recluster()
    vectors, _ = blobs([30])
    clusterer.fit(vectors)
    with pytest.raises(DataError, match=r"shape \(1, 8\), expected \(n, 64\)"):
        clusterer.assign(np.zeros((1, 8), np.float32))
    broken = vectors.copy()
    broken[0, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        TaskClusterer(CONFIG).fit(broken)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"min_cluster_size": 1}, "min_cluster_size"),
        ({"selection_method": "best"}, "selection_method"),
        ({"membership_mads": 0.0}, "membership_mads"),
        ({"min_cluster_share": 1.5}, "min_cluster_share"),
        ({"match_min_share": 0.0}, "match_min_share"),
    ],
)
def test_bad_settings_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ClusterConfig(**settings)


def test_noise_to_nearest_places_a_noise_point_only_inside_a_cluster_threshold() -> None:
    vectors, truth = blobs([60, 60])
    data = np.vstack([vectors, scattered(20)])
    new, new_truth = blobs([3, 3], seed=7)
    outsider = scattered(1, seed=9)
    strict = TaskClusterer(CONFIG)
    labels = strict.fit(data)
    fallback = TaskClusterer(dataclasses.replace(CONFIG, noise_to_nearest=True))
    fallback.fit(data)
    for clusterer in (strict, fallback):
        clusterer._model = None  # as if HDBSCAN's prediction called every new point noise
    assert all(a.cluster_id == -1 for a in strict.assign(np.vstack([new, outsider])))
    placed = fallback.assign(np.vstack([new, outsider]))
    ids = {blob: int(labels[:120][truth == blob][0]) for blob in range(2)}
    assert [a.cluster_id for a in placed[:6]] == [ids[blob] for blob in new_truth]
    assert all(a.belongs for a in placed[:6])
    assert (placed[6].cluster_id, placed[6].belongs) == (-1, False)


def test_adopt_makes_remembered_noise_members_and_recalibrates() -> None:
    vectors, _ = blobs([60, 60])
    clusterer = TaskClusterer(CONFIG)
    labels = clusterer.fit(np.vstack([vectors, scattered(20)]))
    noise = [int(i) for i in np.flatnonzero(labels < 0)]
    cluster = clusterer.cluster_ids[0]
    row = clusterer.membership.cluster_ids.index(cluster)
    before = clusterer.membership.centroids[row].copy()
    clusterer.adopt({noise[0]: cluster})
    assert clusterer.labels[noise[0]] == cluster
    assert not np.allclose(clusterer.membership.centroids[row], before), "calibrated again"
    member = int(np.flatnonzero(clusterer.labels == cluster)[0])
    with pytest.raises(DataError, match="only a remembered noise point"):
        clusterer.adopt({member: cluster})
    with pytest.raises(DataError, match="only a remembered noise point"):
        clusterer.adopt({noise[1]: max(clusterer.cluster_ids) + 7})


def test_widen_raises_a_threshold_never_lowers_it_and_refuses_an_unknown_cluster() -> None:
    vectors, _ = blobs([60, 60])
    clusterer = TaskClusterer(CONFIG)
    clusterer.fit(vectors)
    first, second = clusterer.cluster_ids
    before = clusterer.membership.thresholds.copy()
    clusterer.widen({first: float(before[0]) + 0.2, second: 0.0})
    assert clusterer.membership.thresholds[0] == pytest.approx(before[0] + 0.2)
    assert clusterer.membership.thresholds[1] == before[1]
    with pytest.raises(DataError, match="not a current cluster"):
        clusterer.widen({second + 5: 0.5})


def test_a_cluster_of_repeated_texts_keeps_its_members_and_serves_a_repeat() -> None:
    """A stream often repeats tasks word for word; a cluster of two texts repeated must not
    lose its members to the fringe cut through rounding, and a later repeat must be served by
    it (the clusterer once raised instead: HDBSCAN predicted a cluster the cut had emptied)."""
    rng = np.random.default_rng(7)
    vectors, _ = blobs([60, 60], dim=384)
    for _ in range(10):
        texts = np.eye(384)[[5, 5]] + np.eye(384)[[6, 7]] * 0.3 + rng.normal(0, 0.01, (2, 384))
        texts = (texts / np.linalg.norm(texts, axis=1, keepdims=True)).astype(np.float32)
        repeats = np.vstack([np.repeat(texts[:1], 25, axis=0), np.repeat(texts[1:], 17, axis=0)])
        clusterer = TaskClusterer(CONFIG)
        labels = clusterer.fit(np.vstack([vectors, repeats]))
        assert (labels[120:] >= 0).all()
        placed = clusterer.assign(texts)
        assert [item.cluster_id for item in placed] == [labels[120], labels[-1]]
        assert all(item.belongs for item in placed)
