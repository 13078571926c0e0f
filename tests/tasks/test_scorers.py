"""Scorers: lenient about surface form, strict about the answer itself."""

from __future__ import annotations

import json

import pytest

from self_distill.errors import DataError, UsageError
from self_distill.tasks import Task, normalise_text
from self_distill.tasks.scorers import (
    canonical_entity_value,
    parse_number,
    score_choice,
    score_exact,
    score_numeric,
    score_set_f1,
    score_yes_no,
    scorer_for,
)


def test_normalise_text_ignores_case_spacing_and_edge_punctuation() -> None:
    assert normalise_text("  The   CAT.\n") == normalise_text('"the cat"') == "the cat"
    assert normalise_text("] ) }") == "] ) }"


@pytest.mark.parametrize(
    ("prediction", "expected"),
    [("2024-02-29", 1.0), (" 2024-02-29. ", 1.0), ("2024-02-28", 0.0), ("", 0.0)],
)
def test_exact(prediction: str, expected: float) -> None:
    assert score_exact(prediction, "2024-02-29") == expected


@pytest.mark.parametrize(
    ("prediction", "expected"),
    [
        ("42", 1.0),
        ("The answer is 42.", 1.0),
        ("42.0", 1.0),
        ("-42", 0.0),
        ("42 or 43", 0.0),
        ("forty-two", 0.0),
    ],
)
def test_numeric(prediction: str, expected: float) -> None:
    assert score_numeric(prediction, "42") == expected


def test_numeric_reads_thousands_separators_and_rejects_bad_targets() -> None:
    assert parse_number("$1,249.50") == 1249.5
    assert score_numeric("1,000", "1000") == 1.0
    with pytest.raises(UsageError, match="not a number"):
        score_numeric("1", "many")


@pytest.mark.parametrize(
    ("prediction", "target", "expected"),
    [
        ("Yes", "yes", 1.0),
        ("yes, because the subject is plural", "Yes", 1.0),
        ("No.", "no", 1.0),
        ("no", "yes", 0.0),
        ("maybe", "no", 0.0),
    ],
)
def test_yes_no(prediction: str, target: str, expected: float) -> None:
    assert score_yes_no(prediction, target) == expected


@pytest.mark.parametrize(
    ("prediction", "expected"),
    [("(B)", 1.0), ("B", 1.0), ("b)", 1.0), ("The answer is (B).", 1.0), ("(A) or (B)", 0.0)],
)
def test_choice(prediction: str, expected: float) -> None:
    assert score_choice(prediction, "(B)") == expected


def _entities(*pairs: tuple[str, str]) -> str:
    return json.dumps([{"type": kind, "value": value} for kind, value in pairs])


def test_set_f1_scores_partial_overlap_and_canonical_values() -> None:
    target = _entities(("phone", "4155550134"), ("email", "a@b.com"))
    assert score_set_f1(_entities(("email", "A@B.com"), ("phone", "(415) 555-0134")), target) == 1
    assert score_set_f1(_entities(("email", "a@b.com")), target) == pytest.approx(2 / 3)
    assert score_set_f1(_entities(("ip", "1.2.3.4")), target) == 0.0
    assert score_set_f1("[]", "[]") == 1.0
    assert score_set_f1("not json", target) == 0.0
    assert score_set_f1('[{"type": "email"}]', target) == 0.0


def test_canonical_entity_values() -> None:
    assert canonical_entity_value("credit_card", "4111-1111 1111 1111") == "4111111111111111"
    assert canonical_entity_value("iban", "de89 3704 0044") == "DE8937040044"
    assert canonical_entity_value("phone", "+44 20 7946 0958") == "+442079460958"


def test_scorer_for_known_unknown_and_free_formats() -> None:
    assert scorer_for("label")("1", "1") == 1.0
    with pytest.raises(UsageError, match="known"):
        scorer_for("fuzzy")
    with pytest.raises(UsageError, match="no reference answer"):
        scorer_for("free")("anything", "")


def test_task_rejects_unknown_answer_format_and_reports_scorability() -> None:
    with pytest.raises(DataError, match="unknown answer_format"):
        Task(id="t", family="f", input="x", target="y", answer_format="fuzzy")
    task = Task(id="t", family="f", input="x", target="", answer_format="free")
    assert not task.scorable and not task.is_class_task
