"""Membership thresholds: calibrated on a cluster's own members, used to refuse outsiders.

Synthetic unit vectors are fine here: this tests the threshold arithmetic, not cluster quality
(that is measured on real embeddings in test_clustering_quality.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from self_distill.errors import DataError
from self_distill.evidence import MembershipIndex
from self_distill.evidence.membership import ROUNDING_SLACK


def blob(center: np.ndarray, count: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    points = center + rng.normal(scale=spread, size=(count, center.size))
    return points / np.linalg.norm(points, axis=1, keepdims=True)


@pytest.fixture
def two_blobs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a, b = np.eye(32)[0], np.eye(32)[1]
    train = np.vstack([blob(a, 200, 0.05, rng), blob(b, 200, 0.05, rng)])
    labels = np.repeat([0, 1], 200)
    held_out = np.vstack([blob(a, 100, 0.05, rng), blob(b, 100, 0.05, rng)])
    held_labels = np.repeat([0, 1], 100)
    return train, labels, held_out, held_labels


def test_held_out_members_belong_and_the_other_cluster_does_not(two_blobs) -> None:
    train, labels, held_out, held_labels = two_blobs
    index = MembershipIndex.calibrate(train, labels, mads=3.0)
    assert index.cluster_ids == (0, 1)
    assert index.belongs(held_out, held_labels).mean() >= 0.95
    assert not index.belongs(held_out, 1 - held_labels).any()


def test_threshold_is_median_plus_scaled_mads_of_member_distances(two_blobs) -> None:
    train, labels, _, _ = two_blobs
    index = MembershipIndex.calibrate(train, labels, mads=2.0)
    distances = index.distance_to(train[labels == 0], 0)
    median = np.median(distances)
    expected = median + 2.0 * 1.4826 * np.median(np.abs(distances - median)) + ROUNDING_SLACK
    assert index.thresholds[0] == pytest.approx(expected, rel=1e-4)
    wider = MembershipIndex.calibrate(train, labels, mads=4.0)
    assert wider.thresholds[0] > index.thresholds[0]


def test_a_few_absorbed_outsiders_do_not_stretch_the_threshold(two_blobs) -> None:
    train, labels, held_out, held_labels = two_blobs
    rng = np.random.default_rng(3)
    outsiders = rng.normal(size=(30, train.shape[1]))
    outsiders /= np.linalg.norm(outsiders, axis=1, keepdims=True)
    polluted = np.vstack([train, outsiders])
    polluted_labels = np.concatenate([labels, np.zeros(30, np.int64)])
    index = MembershipIndex.calibrate(polluted, polluted_labels, mads=3.0)
    assert not index.belongs(outsiders, [0] * 30).any()
    assert index.belongs(held_out, held_labels).mean() >= 0.95


def test_noise_never_belongs_and_unknown_clusters_are_errors(two_blobs) -> None:
    train, labels, _, _ = two_blobs
    index = MembershipIndex.calibrate(train, labels, mads=3.0)
    assert not index.belongs(train[:3], [-1, -1, -1]).any()
    with pytest.raises(DataError, match="cluster 9 is not in the membership index"):
        index.belongs(train[:1], [9])


def test_json_round_trip_gives_the_same_decisions(two_blobs) -> None:
    train, labels, held_out, held_labels = two_blobs
    index = MembershipIndex.calibrate(train, labels, mads=3.0)
    again = MembershipIndex.from_dict(index.to_dict())
    np.testing.assert_array_equal(
        index.belongs(held_out, held_labels), again.belongs(held_out, held_labels)
    )


def test_malformed_dicts_are_refused() -> None:
    with pytest.raises(DataError, match="malformed membership index"):
        MembershipIndex.from_dict(
            {"cluster_ids": [0, 1], "centroids": [[1.0]], "thresholds": [0.1]}
        )
    with pytest.raises(DataError, match="malformed membership index"):
        MembershipIndex.from_dict({"centroids": []})


def test_members_of_a_cluster_of_repeated_texts_all_belong_to_it() -> None:
    """Tasks repeated word for word give identical vectors: a cluster of two texts repeated has
    a zero spread and a threshold equal to the commoner text's distance. Rounding (one row's
    dot product differs in its last bits with the summation order) must not push that text's
    copies outside: a cluster of two pii_extract phrasings once lost every member that way."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        texts = rng.normal(size=(2, 384)).astype(np.float32)
        texts /= np.linalg.norm(texts, axis=1, keepdims=True)
        vectors = np.vstack([np.repeat(texts[:1], 25, axis=0), np.repeat(texts[1:], 17, axis=0)])
        labels = np.zeros(len(vectors), np.int64)
        index = MembershipIndex.calibrate(vectors, labels, mads=3.0)
        assert index.belongs(vectors[:25], labels[:25]).all()
        others = rng.normal(size=(10, 384)).astype(np.float32)
        assert not index.belongs(others, np.zeros(10, np.int64)).any()
