"""Stable cluster ids across re-clusters: matched by overlap, fresh ids never reused."""

from __future__ import annotations

import numpy as np
import pytest

from self_distill.evidence import match_cluster_ids


def labels(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_a_relabelled_identical_clustering_keeps_every_id() -> None:
    previous = labels(7, 7, 7, 3, 3, 3, -1)
    fresh = labels(0, 0, 0, 1, 1, 1, -1)
    mapping, next_id = match_cluster_ids(previous, fresh, next_id=8)
    assert mapping == {-1: -1, 0: 7, 1: 3}
    assert next_id == 8


def test_a_new_cluster_out_of_noise_gets_a_fresh_id() -> None:
    previous = labels(0, 0, 0, -1, -1, -1)
    fresh = labels(0, 0, 0, 1, 1, 1)
    mapping, next_id = match_cluster_ids(previous, fresh, next_id=5)
    assert mapping[0] == 0
    assert mapping[1] == 5
    assert next_id == 6


def test_on_a_split_the_larger_part_keeps_the_id() -> None:
    previous = labels(4, 4, 4, 4, 4, 4, 4, 4)
    fresh = labels(0, 0, 0, 0, 0, 1, 1, 1)
    mapping, next_id = match_cluster_ids(previous, fresh, next_id=9)
    assert mapping[0] == 4
    assert mapping[1] == 9
    assert next_id == 10


def test_on_a_merge_one_id_survives_and_the_other_retires() -> None:
    previous = labels(1, 1, 1, 1, 2, 2, 2)
    fresh = labels(0, 0, 0, 0, 0, 0, 0)
    mapping, next_id = match_cluster_ids(previous, fresh, next_id=3)
    assert mapping[0] == 1
    assert 2 not in mapping.values()
    assert next_id == 3


def test_a_weak_overlap_does_not_inherit_an_id() -> None:
    previous = labels(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)
    fresh = labels(-1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    mapping, _ = match_cluster_ids(previous, fresh, next_id=1, min_share=0.5)
    assert mapping[0] == 1


def test_shapes_must_agree() -> None:
    with pytest.raises(ValueError, match="shape"):
        match_cluster_ids(labels(0, 0), labels(0), next_id=1)
