"""Keep cluster ids stable across re-clusters by matching member overlap.

Skills, ledger rows and reports refer to clusters by id, so a periodic re-cluster must not
renumber them. New clusters are matched one-to-one to old ones so that the total number of shared
members is as large as possible (Hungarian assignment); a matched pair keeps the old id only if
the shared members make up at least ``min_share`` of either cluster (the new cluster is mostly
the old one, or the old one mostly moved into it). Every other new cluster gets a fresh id that
was never used before; old ids that find no partner are retired, not reused.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def match_cluster_ids(
    previous: np.ndarray,
    fresh: np.ndarray,
    *,
    next_id: int,
    min_share: float = 0.5,
) -> tuple[dict[int, int], int]:
    """Map each fresh HDBSCAN label to a stable id.

    ``previous`` holds the stable ids the same points had before (``-1`` for noise or for points
    not seen before), ``fresh`` the labels of the new clustering. Returns the mapping (noise maps
    to ``-1``) and the next unused id.
    """
    if previous.shape != fresh.shape:
        raise ValueError(f"label arrays differ in shape: {previous.shape} vs {fresh.shape}")
    old_ids = [int(label) for label in np.unique(previous) if label >= 0]
    new_labels = [int(label) for label in np.unique(fresh) if label >= 0]
    mapping: dict[int, int] = {-1: -1}
    if old_ids and new_labels:
        overlap = np.zeros((len(new_labels), len(old_ids)), dtype=np.int64)
        old_index = {label: column for column, label in enumerate(old_ids)}
        new_index = {label: row for row, label in enumerate(new_labels)}
        both = (previous >= 0) & (fresh >= 0)
        np.add.at(
            overlap,
            (
                np.array([new_index[int(label)] for label in fresh[both]], dtype=np.int64),
                np.array([old_index[int(label)] for label in previous[both]], dtype=np.int64),
            ),
            1,
        )
        new_sizes = np.array([np.count_nonzero(fresh == label) for label in new_labels])
        old_sizes = np.array([np.count_nonzero(previous == label) for label in old_ids])
        rows, columns = linear_sum_assignment(overlap, maximize=True)
        for row, column in zip(rows, columns, strict=True):
            shared = overlap[row, column]
            if shared > 0 and (
                shared >= min_share * new_sizes[row] or shared >= min_share * old_sizes[column]
            ):
                mapping[new_labels[row]] = old_ids[column]
    for label in new_labels:
        if label not in mapping:
            mapping[label] = next_id
            next_id += 1
    return mapping, next_id
