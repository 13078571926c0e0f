"""Streams: proportions, one-off noise that is genuinely diverse, and reproducibility."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from self_distill.errors import UsageError
from self_distill.tasks import (
    FAMILIES,
    ONEOFF_FAMILY,
    build_stream,
    family_names,
    generate,
    generate_oneoff,
    load_bbh,
    normalise_text,
    scorer_for,
)
from self_distill.tasks.oneoff import KINDS, number_words, roman
from self_distill.tasks.reference_data import bbh_path
from self_distill.tasks.stream import allocate

BBH_TASKS = ("word_sorting", "dyck_languages", "date_understanding", "navigate")


@pytest.fixture(scope="module")
def bbh_extra():
    return {f"bbh:{name}": load_bbh(bbh_path(name)) for name in BBH_TASKS}


@pytest.fixture(scope="module")
def evidence_stream(bbh_extra):
    weights = dict.fromkeys([*family_names("puzzle"), *bbh_extra], 1.0)
    return build_stream(weights, 1000, noise=0.1, seed=11, extra=bbh_extra)


def test_evidence_stream_has_all_twelve_families_and_ten_percent_noise(evidence_stream) -> None:
    counts = Counter(task.family for task in evidence_stream)
    assert len(evidence_stream) == 1000
    assert counts.pop(ONEOFF_FAMILY) == 100
    assert set(counts) == {*family_names("puzzle"), *(f"bbh:{name}" for name in BBH_TASKS)}
    assert set(counts.values()) == {75}
    assert len({task.id for task in evidence_stream}) == 1000
    assert len({normalise_text(task.input) for task in evidence_stream}) == 1000


def test_stream_mixes_everyday_and_puzzle_families_without_duplicates() -> None:
    built = build_stream(dict.fromkeys(FAMILIES, 1.0), 600, noise=0.1, seed=2)
    counts = Counter(task.family for task in built)
    assert set(counts) == {*FAMILIES, ONEOFF_FAMILY}
    assert set(family_names("everyday")) <= set(counts)
    assert len({normalise_text(task.input) for task in built}) == 600


def test_stream_is_shuffled_not_grouped(evidence_stream) -> None:
    first_hundred = Counter(task.family for task in evidence_stream[:100])
    assert len(first_hundred) >= 10
    assert max(first_hundred.values()) <= 20


def test_same_seed_same_stream_different_seed_different_stream(bbh_extra) -> None:
    weights = {"arith": 2.0, "agreement": 1.0, "bbh:navigate": 1.0}
    first = build_stream(weights, 120, noise=0.2, seed=3, extra=bbh_extra)
    again = build_stream(weights, 120, noise=0.2, seed=3, extra=bbh_extra)
    other = build_stream(weights, 120, noise=0.2, seed=4, extra=bbh_extra)
    assert [t.to_dict() for t in first] == [t.to_dict() for t in again]
    assert [t.id for t in first] != [t.id for t in other]
    counts = Counter(t.family for t in first)
    assert counts == {"arith": 48, "agreement": 24, "bbh:navigate": 24, ONEOFF_FAMILY: 24}


def test_oneoffs_are_diverse_and_not_near_duplicates() -> None:
    tasks = generate_oneoff(100, seed=5)
    kinds = Counter(task.meta["kind"] for task in tasks)
    assert len(kinds) >= 30
    assert max(kinds.values()) <= 4
    words = [(t.meta["kind"], set(re.findall(r"[a-z]+", t.input.lower()))) for t in tasks]
    similarity = {
        (kind_a == kind_b, len(a & b) / len(a | b))
        for (kind_a, a), (kind_b, b) in itertools.combinations(words, 2)
    }
    assert max(score for _, score in similarity) < 0.7
    assert max(score for same_kind, score in similarity if same_kind) < 0.5
    assert len(KINDS) >= 30 and all(len(kind.templates) >= 3 for kind in KINDS)


def test_oneoff_exact_answers_score_against_themselves() -> None:
    tasks = generate_oneoff(300, seed=2)
    scorable = [task for task in tasks if task.scorable]
    assert len(scorable) > 60
    assert all(scorer_for(t.answer_format)(t.target, t.target) == 1.0 for t in scorable)
    assert all(t.target == "" for t in tasks if not t.scorable)


def test_oneoff_reference_answers() -> None:
    assert roman(1994) == "MCMXCIV"
    assert number_words(342) == "three hundred forty-two"
    assert number_words(18) == "eighteen"
    assert number_words(700) == "seven hundred"


def test_allocate_is_proportional_and_exact() -> None:
    assert allocate({"a": 1.0, "b": 1.0, "c": 1.0}, 10) in (
        {"a": 4, "b": 3, "c": 3},
        {"a": 3, "b": 4, "c": 3},
        {"a": 3, "b": 3, "c": 4},
    )
    assert sum(allocate({"a": 0.7, "b": 0.2, "c": 0.1}, 999).values()) == 999


def test_extra_tasks_are_relabelled_with_their_stream_name() -> None:
    extra = {"mine": generate("arith", 20, seed=1)}
    built = build_stream({"mine": 1.0}, 10, noise=0.0, seed=0, extra=extra)
    assert {t.family for t in built} == {"mine"}


@pytest.mark.parametrize(
    ("families", "n", "noise", "message"),
    [
        ({"nope": 1.0}, 10, 0.1, "unknown family 'nope'"),
        ({"arith": 0.0}, 10, 0.1, "weights must be > 0"),
        ({"arith": 1.0}, 10, 1.5, "noise must be"),
        ({"arith": 1.0}, -1, 0.1, ">= 0"),
        ({"oneoff": 1.0}, 10, 0.1, "unknown family"),
        ({"small": 1.0}, 10, 0.0, "only 3 were loaded"),
    ],
)
def test_bad_stream_requests_are_usage_errors(families, n, noise, message) -> None:
    with pytest.raises(UsageError, match=message):
        build_stream(families, n, noise=noise, extra={"small": generate("arith", 3)})
