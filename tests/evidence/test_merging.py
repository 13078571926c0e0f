"""The merge rule: one kind of task phrased several ways merges only where the answers agree."""

from __future__ import annotations

from collections import Counter

import numpy as np

from self_distill.evidence.membership import unit_rows
from self_distill.evidence.merging import answer_shape, merge_map, shape_overlap


def test_answer_shapes_keep_punctuation_and_collapse_runs() -> None:
    assert answer_shape("Jane Doe") == "Aa Aa"
    assert answer_shape("ORD-1234") == "A-9"
    assert answer_shape("+44 20 7946 0958") == "+9 9 9 9"
    assert answer_shape("(B)") == "(A)"


def _clusters(targets_by_cluster: list[list[str]], angles: list[float]) -> tuple:
    labels = np.repeat(np.arange(len(targets_by_cluster)), [len(t) for t in targets_by_cluster])
    centroids = unit_rows(np.array([[np.cos(a), np.sin(a), 0.0] for a in angles], np.float32))
    targets = [target for group in targets_by_cluster for target in group]
    return labels, list(range(len(angles))), centroids, targets


def _merge(targets_by_cluster: list[list[str]], angles: list[float]) -> dict[int, int]:
    labels, ids, centroids, targets = _clusters(targets_by_cluster, angles)
    return merge_map(
        labels, ids, centroids, targets, max_distance=0.45, min_overlap=0.6, min_labelled=5
    )


def test_near_clusters_with_the_same_answer_shape_merge_transitively() -> None:
    names = [[f"Ann{'a' * i} Lee" for i in range(8)] for _ in range(3)]
    assert _merge(names, [0.0, 0.5, 1.0]) == {1: 0, 2: 0}


def test_different_shapes_far_centroids_labels_and_numbers_never_merge() -> None:
    names = [f"Ann{'a' * i} Lee" for i in range(8)]
    orders = [f"ORD-{1000 + i}" for i in range(8)]
    assert _merge([names, orders], [0.0, 0.4]) == {}
    assert _merge([names, list(names)], [0.0, 1.5]) == {}
    choices = ["(A)", "(B)", "(C)"] * 3
    assert _merge([choices, list(choices)], [0.0, 0.3]) == {}
    numbers = [str(n) for n in range(8)]
    assert _merge([numbers, [str(n + 10) for n in range(8)]], [0.0, 0.3]) == {}
    assert _merge([[""] * 8, [""] * 8], [0.0, 0.1]) == {}


def test_shape_overlap_is_the_shared_share() -> None:
    assert shape_overlap(Counter({"a": 2, "b": 2}), Counter({"a": 1})) == 0.5
    assert shape_overlap(Counter(), Counter({"a": 1})) == 0.0
