"""Scorers: plain functions ``(prediction, target) -> float`` in [0, 1], one per answer format.

Scorers are deliberately strict about *what* the answer is and lenient only about harmless
surface form (case, surrounding whitespace and punctuation, "(A)" versus "A"). A prediction that
names several candidate answers scores 0: an answer must commit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

from self_distill.errors import UsageError
from self_distill.tasks.task import normalise_text

Scorer = Callable[[str, str], float]

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_LETTER_ALONE = re.compile(r"^\(?([a-z])\)?$")
_LETTER_IN_PARENS = re.compile(r"\(([A-Za-z])\)")
_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})
_NON_DIGITS = re.compile(r"\D")
_SPACES = re.compile(r"\s+")


def score_exact(prediction: str, target: str) -> float:
    """1.0 when both texts are equal after :func:`normalise_text`."""
    return float(normalise_text(prediction) == normalise_text(target))


def parse_number(text: str) -> float | None:
    """The number ``text`` states: the whole text, or its only number; ``None`` otherwise."""
    candidates = _NUMBER.findall(text.strip())
    if len(candidates) != 1:
        return None
    value = float(candidates[0].replace(",", ""))
    return value if math.isfinite(value) else None


def score_numeric(prediction: str, target: str) -> float:
    """1.0 when the prediction states exactly one number and it equals the target number."""
    expected = parse_number(target)
    if expected is None:
        raise UsageError(f"numeric target {target!r} is not a number; fix the task's target")
    got = parse_number(prediction)
    if got is None:
        return 0.0
    return float(math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9))


def parse_yes_no(text: str) -> str | None:
    """``"yes"``/``"no"`` from an answer whose first word says so ("Yes.", "no, because")."""
    words = normalise_text(text).replace(",", " ").split()
    if not words:
        return None
    first = words[0].strip(".!:;")
    if first in _YES:
        return "yes"
    if first in _NO:
        return "no"
    return None


def score_yes_no(prediction: str, target: str) -> float:
    """1.0 when prediction and target both say yes or both say no."""
    expected = parse_yes_no(target)
    if expected is None:
        raise UsageError(f"yes/no target {target!r} is neither yes nor no; fix the task's target")
    return float(parse_yes_no(prediction) == expected)


def parse_choice(text: str) -> str | None:
    """The option letter an answer picks: "(B)", "B", "b)" or one "(B)" inside a sentence."""
    alone = _LETTER_ALONE.match(normalise_text(text))
    if alone:
        return alone.group(1).upper()
    letters = {letter.upper() for letter in _LETTER_IN_PARENS.findall(text)}
    return letters.pop() if len(letters) == 1 else None


def score_choice(prediction: str, target: str) -> float:
    """1.0 when the prediction picks the target's option letter."""
    expected = parse_choice(target)
    if expected is None:
        raise UsageError(f"choice target {target!r} names no option letter; fix the task's target")
    return float(parse_choice(prediction) == expected)


def canonical_entity_value(kind: str, value: str) -> str:
    """The canonical spelling of an extracted entity, so "(415) 555-0134" equals "4155550134".

    name: single spaces; email: lower case; phone: digits with a leading "+" kept;
    credit_card: digits only; iban: upper case without spaces; other kinds: trimmed.
    """
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        return ("+" if value.startswith("+") else "") + _NON_DIGITS.sub("", value)
    if kind == "credit_card":
        return _NON_DIGITS.sub("", value)
    if kind == "iban":
        return _SPACES.sub("", value).upper()
    return _SPACES.sub(" ", value)


def parse_entities(text: str) -> set[tuple[str, str]] | None:
    """A JSON list of ``{"type", "value"}`` objects as canonical pairs; None when malformed."""
    try:
        items = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(items, list):
        return None
    pairs: set[tuple[str, str]] = set()
    for item in items:
        if not isinstance(item, dict):
            return None
        kind, value = item.get("type"), item.get("value")
        if not isinstance(kind, str) or not isinstance(value, str):
            return None
        kind = kind.strip().lower()
        pairs.add((kind, canonical_entity_value(kind, value)))
    return pairs


def score_set_f1(prediction: str, target: str) -> float:
    """F1 between predicted and target entity sets; 1.0 when both are empty, 0 if malformed."""
    expected = parse_entities(target)
    if expected is None:
        raise UsageError(f"set_f1 target is not a JSON list of {{type, value}}: {target[:80]!r}")
    got = parse_entities(prediction)
    if got is None:
        return 0.0
    if not expected and not got:
        return 1.0
    hits = len(expected & got)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(got), hits / len(expected)
    return 2 * precision * recall / (precision + recall)


def _no_reference(prediction: str, target: str) -> float:
    raise UsageError(
        "tasks with answer_format 'free' have no reference answer; "
        "skip them when scoring (Task.scorable is False)"
    )


SCORERS: dict[str, Scorer] = {
    "exact": score_exact,
    "numeric": score_numeric,
    "yesno": score_yes_no,
    "choice": score_choice,
    "label": score_exact,
    "set_f1": score_set_f1,
    "free": _no_reference,
}


def scorer_for(answer_format: str) -> Scorer:
    """The scorer for ``answer_format``; a :class:`UsageError` names the known formats."""
    try:
        return SCORERS[answer_format]
    except KeyError:
        raise UsageError(
            f"no scorer for answer format {answer_format!r}; known: {', '.join(SCORERS)}"
        ) from None


def is_valid_target(answer_format: str, text: str) -> bool:
    """Whether ``text`` can be a reference answer of ``answer_format``: its scorer can compare
    an answer with it (a numeric target states one number, a set_f1 target is a JSON list of
    entities, ...). A model's answer used as a label must pass this, or judging on it fails."""
    try:
        scorer_for(answer_format)(text, text)
    except UsageError:
        return False
    return True
