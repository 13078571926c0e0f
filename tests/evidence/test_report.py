"""The pattern report: sizes, growth, representatives, purity, tokens and skill-worthiness."""

from __future__ import annotations

import numpy as np
import pytest

from self_distill.errors import DataError
from self_distill.evidence import build_pattern_report, estimate_tokens


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def make_inputs() -> tuple[list[str], list[str], list[int], np.ndarray, list[str]]:
    """20 tasks: cluster 0 throughout the stream, cluster 1 only in the second half."""
    texts, ids, labels, vectors, families = [], [], [], [], []
    for index in range(20):
        ids.append(f"t{index}")
        if index % 2 == 0:
            labels.append(0)
            texts.append("short task " + str(index))
            vectors.append(unit(1.0, 0.05 * (index % 3), 0.0))
            families.append("sort" if index != 18 else "other")
        elif index >= 10:
            labels.append(1)
            texts.append("a much longer task text " * 10 + str(index))
            vectors.append(unit(0.0, 1.0, 0.02 * index))
            families.append("rooms")
        else:
            labels.append(-1)
            texts.append("one-off " + str(index))
            vectors.append(unit(0.0, 0.0, 1.0))
            families.append("oneoff")
    return texts, ids, labels, np.vstack(vectors), families


def test_sizes_growth_and_stream_positions() -> None:
    texts, ids, labels, vectors, _ = make_inputs()
    report = build_pattern_report(texts, ids, labels, vectors, windows=4)
    by_id = {pattern.cluster_id: pattern for pattern in report.clusters}
    assert (report.n_tasks, report.n_noise, report.window_size) == (20, 5, 5)
    assert by_id[0].size == 10 and by_id[0].share == 0.5
    assert by_id[0].growth == [3, 2, 3, 2]
    assert by_id[1].growth == [0, 0, 2, 3]
    assert (by_id[1].first_seen, by_id[1].last_seen) == (11, 19)


def test_representatives_are_the_members_nearest_the_centroid() -> None:
    texts, ids, labels, vectors, _ = make_inputs()
    report = build_pattern_report(texts, ids, labels, vectors, representatives=2)
    cluster0 = next(pattern for pattern in report.clusters if pattern.cluster_id == 0)
    assert len(cluster0.representatives) == 2
    distances = [item.distance for item in cluster0.representatives]
    assert distances == sorted(distances)
    member_ids = {ids[index] for index in range(20) if labels[index] == 0}
    assert {item.id for item in cluster0.representatives} <= member_ids
    long_text = next(p for p in report.clusters if p.cluster_id == 1).representatives[0].text
    assert len(long_text) <= 160 and long_text.endswith("...")


def test_purity_only_when_families_are_given() -> None:
    texts, ids, labels, vectors, families = make_inputs()
    unlabelled = build_pattern_report(texts, ids, labels, vectors)
    assert all(pattern.purity is None for pattern in unlabelled.clusters)
    labelled = build_pattern_report(texts, ids, labels, vectors, families=families)
    by_id = {pattern.cluster_id: pattern for pattern in labelled.clusters}
    assert by_id[0].majority_family == "sort" and by_id[0].purity == pytest.approx(0.9)
    assert by_id[1].majority_family == "rooms" and by_id[1].purity == 1.0


def test_tokens_come_from_the_ledger_mapping_or_are_estimated() -> None:
    texts, ids, labels, vectors, _ = make_inputs()
    report = build_pattern_report(texts, ids, labels, vectors, tokens_by_cluster={0: 5000})
    by_id = {pattern.cluster_id: pattern for pattern in report.clusters}
    assert by_id[0].tokens_spent == 5000 and not by_id[0].tokens_estimated
    assert by_id[0].tokens_per_task == 500.0
    assert by_id[1].tokens_spent is None and by_id[1].tokens_estimated
    members = [texts[index] for index in range(20) if labels[index] == 1]
    expected = np.mean([estimate_tokens(text) for text in members])
    assert by_id[1].tokens_per_task == pytest.approx(expected)


def test_worthiness_is_recent_frequency_times_tokens_and_orders_the_report() -> None:
    texts, ids, labels, vectors, _ = make_inputs()
    report = build_pattern_report(texts, ids, labels, vectors, recent_share=0.25)
    assert report.recent_window == 5
    for pattern in report.clusters:
        assert pattern.worthiness == pytest.approx(pattern.frequency * pattern.tokens_per_task)
    assert [pattern.cluster_id for pattern in report.clusters] == [1, 0]
    cheap = build_pattern_report(texts, ids, labels, vectors, tokens_by_cluster={0: 100_000, 1: 10})
    assert [pattern.cluster_id for pattern in cheap.clusters] == [0, 1]


def test_estimate_tokens_is_about_four_characters_a_token() -> None:
    assert estimate_tokens("") == 1
    assert estimate_tokens("x" * 400) == 100


def test_misaligned_inputs_are_refused() -> None:
    texts, ids, labels, vectors, families = make_inputs()
    with pytest.raises(DataError, match="differ in length"):
        build_pattern_report(texts[:-1], ids, labels, vectors)
    with pytest.raises(DataError, match="family labels"):
        build_pattern_report(texts, ids, labels, vectors, families=families[:3])
    with pytest.raises(DataError, match="windows"):
        build_pattern_report(texts, ids, labels, vectors, windows=0)


def test_report_serialises_with_the_documented_fields() -> None:
    texts, ids, labels, vectors, families = make_inputs()
    data = build_pattern_report(texts, ids, labels, vectors, families=families).to_dict()
    assert set(data) == {"n_tasks", "n_noise", "window_size", "recent_window", "clusters"}
    assert {
        "cluster_id",
        "size",
        "growth",
        "representatives",
        "purity",
        "tokens_spent",
        "worthiness",
    } <= set(data["clusters"][0])
