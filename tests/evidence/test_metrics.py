"""Clustering scores against family labels: strict about noise, explicit about what is missing."""

from __future__ import annotations

import json

import pytest

from self_distill.errors import DataError
from self_distill.evidence import score_clustering


def test_a_perfect_clustering_scores_one_and_counts_one_offs_in_noise() -> None:
    families = ["a", "a", "b", "b", "oneoff", "oneoff"]
    scores = score_clustering([5, 5, 9, 9, -1, -1], families)
    assert scores.ari == pytest.approx(1.0)
    assert scores.nmi == pytest.approx(1.0)
    assert scores.oneoff_in_noise == 1.0
    assert scores.recurring_in_noise == 0.0
    assert scores.noise_fraction == pytest.approx(2 / 6)
    assert (scores.n_clusters, scores.n_tasks, scores.n_families) == (2, 6, 2)


def test_recurring_tasks_in_noise_count_against_the_ari() -> None:
    families = ["a"] * 4 + ["b"] * 4
    clean = score_clustering([0, 0, 0, 0, 1, 1, 1, 1], families)
    lossy = score_clustering([0, 0, -1, -1, 1, 1, -1, -1], families)
    assert lossy.ari < clean.ari
    assert lossy.recurring_in_noise == 0.5


def test_merged_families_lower_the_ari() -> None:
    families = ["a"] * 5 + ["b"] * 5 + ["c"] * 5
    assert score_clustering([0] * 10 + [1] * 5, families).ari < 0.7


def test_missing_parts_are_none_and_serialise_as_json() -> None:
    no_oneoffs = score_clustering([0, 0, 1], ["a", "a", "b"])
    assert no_oneoffs.oneoff_in_noise is None
    only_oneoffs = score_clustering([-1, 3], ["oneoff", "oneoff"])
    assert only_oneoffs.ari is None and only_oneoffs.oneoff_in_noise == 0.5
    assert json.loads(json.dumps(only_oneoffs.to_dict()))["ari"] is None


def test_a_custom_one_off_family_name() -> None:
    scores = score_clustering([0, 0, -1], ["a", "a", "misc"], oneoff_family="misc")
    assert scores.oneoff_in_noise == 1.0
    assert scores.n_families == 1


def test_misaligned_inputs_are_refused() -> None:
    with pytest.raises(DataError, match="2 cluster labels for 3 family labels"):
        score_clustering([0, 1], ["a", "b", "c"])
    with pytest.raises(DataError, match="no tasks"):
        score_clustering([], [])
