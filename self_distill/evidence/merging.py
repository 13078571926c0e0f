"""Merging clusters that are one kind of task phrased several ways.

HDBSCAN sometimes splits one kind of task by its phrasing (a small stream of everyday requests put
the ``name_normalise`` tasks into two clusters, their centroids 0.32 apart in cosine distance).
Embeddings alone cannot tell that apart from two different tasks that share words: in the same
stream ``phone_normalise`` and ``order_id_extract`` were only 0.36 apart. The answers can. Two
phrasings of one task answer in the same shape (``Jane Doe``); two tasks do not (``+1 555 0100``
against ``ORD-1234``).

Only answers that vary with the input and have some form are evidence: class labels (``yes``,
``(A)``) and bare numbers share one shape across unrelated tasks (exp001 merged two BIG-Bench-Hard
multiple-choice tasks until they were excluded). A cluster's answers count when at least
``merge_min_labelled`` of them have a shape of three or more symbols and at least half of them
are distinct.

The rule: two clusters merge when (1) their centroids lie within ``merge_max_distance`` (cosine)
and (2) both clusters' answers count as evidence and the distributions of their shapes
(:func:`answer_shape`) overlap by at least ``merge_min_shape_overlap``. Clusters without such
answers (unlabelled ones among them) never merge: nothing but the wording would support it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

MIN_SHAPE_SYMBOLS = 3
"""Shortest answer shape that says anything about a task (``9``, ``-9``, ``a`` do not)."""
MIN_DISTINCT_SHARE = 0.5
"""Share of distinct answers below which a cluster's answers are class labels, not evidence."""

_CLASSES = (
    (str.isupper, "A"),
    (str.islower, "a"),
    (str.isdigit, "9"),
    (str.isspace, " "),
)


def answer_shape(target: str) -> str:
    """The answer's character classes with runs collapsed: ``"Jane Doe"`` -> ``"Aa Aa"``,
    ``"ORD-1234"`` -> ``"A-9"``, ``"-8"`` -> ``"-9"``; punctuation is kept as it is."""
    shape: list[str] = []
    for char in target.strip():
        symbol = next((mark for test, mark in _CLASSES if test(char)), char)
        if not shape or shape[-1] != symbol:
            shape.append(symbol)
    return "".join(shape)


def shape_overlap(first: Counter[str], second: Counter[str]) -> float:
    """Shared share of two shape distributions: 1 when equal, 0 when disjoint."""
    total_first, total_second = sum(first.values()), sum(second.values())
    if not total_first or not total_second:
        return 0.0
    return sum(
        min(first[shape] / total_first, second[shape] / total_second)
        for shape in first.keys() & second.keys()
    )


def merge_map(
    labels: np.ndarray,
    cluster_ids: Sequence[int],
    centroids: np.ndarray,
    targets: Sequence[str | None],
    *,
    max_distance: float,
    min_overlap: float,
    min_labelled: int,
) -> dict[int, int]:
    """Cluster id -> the id it merges into (the smallest of its group), for merged ids only.

    ``centroids`` are unit rows in ``cluster_ids`` order; ``targets[i]`` is task ``i``'s answer,
    ``None`` or ``""`` when unlabelled. Merges are transitive (union-find).
    """
    shapes: dict[int, Counter[str]] = {}
    for cluster_id in cluster_ids:
        answers = [a for a in (targets[i] for i in np.flatnonzero(labels == cluster_id)) if a]
        formed = [s for s in map(answer_shape, answers) if len(s) >= MIN_SHAPE_SYMBOLS]
        varied = len(set(answers)) >= MIN_DISTINCT_SHARE * len(answers)
        if len(formed) >= min_labelled and varied:
            shapes[cluster_id] = Counter(formed)
    parent = {cluster_id: cluster_id for cluster_id in cluster_ids}

    def root(cluster_id: int) -> int:
        while parent[cluster_id] != cluster_id:
            cluster_id = parent[cluster_id]
        return cluster_id

    distances = 1.0 - centroids @ centroids.T
    for i, first in enumerate(cluster_ids):
        for j in range(i + 1, len(cluster_ids)):
            second = cluster_ids[j]
            if distances[i, j] > max_distance or first not in shapes or second not in shapes:
                continue
            if shape_overlap(shapes[first], shapes[second]) >= min_overlap:
                low, high = sorted((root(first), root(second)))
                parent[high] = low
    return {
        cluster_id: root(cluster_id) for cluster_id in cluster_ids if root(cluster_id) != cluster_id
    }
