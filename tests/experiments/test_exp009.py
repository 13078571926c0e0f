"""exp009's replay of the agent's clustering schedule under each membership rule (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from self_distill.cli.experiment_commands import load_experiment
from self_distill.evidence import ClusterConfig

exp009 = load_experiment("exp009")


def _stream(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Two tight kinds of task in 16 dimensions and scattered one-offs, interleaved."""
    rng = np.random.default_rng(seed)
    centres = np.eye(16)[:2] * 4.0
    vectors, kinds = [], []
    for i in range(240):
        if i % 10 == 9:
            vectors.append(rng.normal(size=16) * 3.0)
            kinds.append("oneoff")
        else:
            kind = i % 2
            vectors.append(centres[kind] + rng.normal(scale=0.3, size=16))
            kinds.append(("sort", "math")[kind])
    return np.asarray(vectors, np.float32), kinds


@pytest.mark.parametrize("rule", exp009.RULES)
def test_every_rule_places_tight_kinds_inside_their_clusters(rule: str) -> None:
    vectors, kinds = _stream()
    landed = exp009.replay(
        vectors,
        kinds,
        rule,
        warmup=40,
        recluster_every=50,
        start=100,
        served="sort",
        config=ClusterConfig(reduce_dims=None, merge_max_distance=None),
    )
    assert len(landed) == 140
    result = exp009.figures(landed, "sort")
    assert result["kinds"]["sort"]["tasks"] == 70
    assert result["studied_inside_share"] > 0.9
    assert result["studied_missed"] == 70 - result["kinds"]["sort"]["own"]
    assert result["other_kinds_inside_wrong_cluster"] == 0


def test_figures_count_own_other_and_oneoffs() -> None:
    landed = [("sort", "sort"), ("sort", None), ("sort", "math"), ("oneoff", "sort")]
    landed += [("math", "math"), ("oneoff", None)]
    result = exp009.figures(landed, "sort")
    assert result["kinds"]["sort"] == {"tasks": 3, "own": 1, "other": 1}
    assert result["studied_inside_share"] == pytest.approx(1 / 3)
    assert result["studied_missed"] == 2
    assert result["oneoffs_inside"] == 1 and result["oneoffs_inside_studied"] == 1
    assert result["other_kinds_inside_wrong_cluster"] == 1


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="rule must be one of"):
        exp009.replay(
            np.zeros((3, 4), np.float32),
            ["a"] * 3,
            "closest",
            warmup=2,
            recluster_every=2,
            start=0,
            served="a",
            config=ClusterConfig(),
        )


def test_adopt_solved_moves_only_noise_of_the_served_kind_into_its_cluster() -> None:
    from self_distill.evidence import TaskClusterer

    vectors, kinds = _stream(seed=1)
    clusterer = TaskClusterer(ClusterConfig(reduce_dims=None, merge_max_distance=None))
    clusterer.fit(vectors)
    labels = clusterer.labels.copy()
    sort_cluster = int(np.bincount(labels[[k == "sort" for k in kinds]] + 1).argmax()) - 1
    # pretend HDBSCAN had dropped three sort tasks and left every one-off in noise
    dropped = [i for i, k in enumerate(kinds) if k == "sort"][:3]
    labels[dropped] = -1
    clusterer.labels = labels
    oneoffs = [i for i, k in enumerate(kinds) if k == "oneoff" and labels[i] < 0]
    exp009._grow(clusterer, kinds, "sort", widen=False)
    assert all(clusterer.labels[i] == sort_cluster for i in dropped)
    assert oneoffs and all(clusterer.labels[i] < 0 for i in oneoffs)
