"""Generators: every target equals an independent reference answer derived from the input."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from self_distill.errors import UsageError
from self_distill.tasks import (
    DIFFICULTIES,
    FAMILIES,
    FAMILY_KINDS,
    Task,
    family_names,
    generate,
    normalise_text,
)
from self_distill.tasks.generators.agreement import ATTRACTORS, SUBJECTS, VERBS
from self_distill.tasks.generators.date_arith import CLAMP_NOTES
from self_distill.tasks.generators.pii_extract import ENTITY_TYPES
from self_distill.tasks.scorers import canonical_entity_value, scorer_for
from tests.tasks.references import (
    brute_force_min_rooms,
    closes_properly,
    count_dates,
    data_part,
    find_customer_name,
    find_email,
    find_order_id,
    find_phone,
    find_role_date,
    find_title,
    first_last,
    fits_in_rooms,
    iban_valid,
    luhn_valid,
    parse_slots,
    read_invoice,
    slug_by_unicode,
    solve_date_question,
)

SEEDS = st.integers(min_value=0, max_value=10**6)
LEVELS = st.sampled_from(DIFFICULTIES)
PROPERTY = settings(max_examples=25, deadline=None)


def _tasks(family: str, seed: int, difficulty: str, n: int = 4):
    return generate(family, n, seed=seed, difficulty=difficulty)


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_word_sort_target_is_sorted_input_words(seed: int, difficulty: str) -> None:
    for task in _tasks("word_sort", seed, difficulty):
        words = task.meta["words"]
        assert " ".join(words) in task.input or ", ".join(words) in task.input
        assert task.target == " ".join(sorted(words))
        assert Counter(task.target.split()) == Counter(words)


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_dyck_close_target_closes_the_prefix_exactly(seed: int, difficulty: str) -> None:
    for task in _tasks("dyck_close", seed, difficulty):
        prefix = [char for char in task.input if char in "()[]{}<>"]
        assert closes_properly(prefix, task.target.split(" "))


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_meeting_rooms_target_equals_brute_force_assignment(seed: int, difficulty: str) -> None:
    for task in _tasks("meeting_rooms", seed, difficulty):
        intervals = parse_slots(task.input)
        assert sorted(intervals) == sorted(map(tuple, task.meta["intervals"]))
        assert int(task.target) == brute_force_min_rooms(intervals)


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_meeting_conflict_target_equals_brute_force_feasibility(seed: int, difficulty: str) -> None:
    for task in _tasks("meeting_conflict", seed, difficulty):
        rooms = int(re.search(r"(\d+) (?:meeting )?rooms?\b", task.input).group(1))
        expected = "yes" if fits_in_rooms(parse_slots(task.input), rooms) else "no"
        assert task.target == expected


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_date_arith_target_equals_month_walk(seed: int, difficulty: str) -> None:
    for task in _tasks("date_arith", seed, difficulty):
        assert task.target == solve_date_question(task.input).isoformat()
        if any(unit == "months" for _, unit in task.meta["steps"]):
            assert any(note.strip() in task.input for note in CLAMP_NOTES)


_CARD_LIKE = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w])")
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
_IPV4_LIKE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]\d)")
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+\w")


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_pii_targets_pass_checksums_and_cover_every_valid_entity(
    seed: int, difficulty: str
) -> None:
    for task in _tasks("pii_extract", seed, difficulty):
        text = task.input.split("\n", 1)[1]
        found = {(item["type"], item["value"]) for item in json.loads(task.target)}
        assert all(kind in ENTITY_TYPES for kind, _ in found)
        for kind, value in found:
            if kind == "credit_card":
                assert luhn_valid(value) and 13 <= len(value) <= 19
            if kind == "iban":
                assert iban_valid(value)
            if kind == "ip":
                assert all(0 <= int(octet) <= 255 for octet in value.split("."))
        for match in _IBAN_LIKE.finditer(text):
            assert (("iban", match.group().replace(" ", "")) in found) == iban_valid(match.group())
        masked = _IBAN_LIKE.sub("IBAN", text)
        for match in _CARD_LIKE.finditer(masked):
            digits = re.sub(r"\D", "", match.group())
            if 13 <= len(digits) <= 19:
                assert (("credit_card", digits) in found) == luhn_valid(digits), match.group()
        for match in _IPV4_LIKE.finditer(text):
            is_valid = all(int(octet) <= 255 for octet in match.group().split("."))
            assert (("ip", match.group()) in found) == is_valid
        emails = {("email", m.group().lower()) for m in _EMAIL_LIKE.finditer(text)}
        assert emails == {pair for pair in found if pair[0] == "email"}
        for kind, value in task.meta["negatives"]:
            assert (kind, canonical_entity_value(kind, value)) not in found


_NUMBER_OF = {word: 0 for word, _ in SUBJECTS} | {word: 1 for _, word in SUBJECTS}
_VERB_NUMBER = {singular: 0 for singular, _, _ in VERBS} | {plural: 1 for _, plural, _ in VERBS}


def _agreement_reference(sentence: str) -> str:
    words = sentence.rstrip(".").split()
    head = words[1]
    main_verb = [word for word in words if word in _VERB_NUMBER][-1]
    return "yes" if _NUMBER_OF[head] == _VERB_NUMBER[main_verb] else "no"


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_agreement_target_matches_head_noun_and_main_verb(seed: int, difficulty: str) -> None:
    for task in _tasks("agreement", seed, difficulty):
        sentence = re.search(r"The [a-z ]+\.", task.input).group()
        assert task.target == _agreement_reference(sentence)


_EXPRESSION = re.compile(r"^[\d\s()+\-*]+$")


@PROPERTY
@given(seed=SEEDS, difficulty=LEVELS)
def test_arith_target_equals_python_evaluation(seed: int, difficulty: str) -> None:
    for task in _tasks("arith", seed, difficulty):
        expression = task.meta["expression"]
        assert expression in task.input and _EXPRESSION.match(expression)
        assert int(task.target) == eval(expression, {"__builtins__": {}})


def _check_email_extract(task: Task) -> None:
    assert task.target == find_email(data_part(task.input))
    assert task.target == task.target.lower() and task.target.count("@") == 1


def _check_date_normalise(task: Task) -> None:
    role = task.meta["role"]
    assert role in task.input.split("\n", 1)[0]
    assert task.target == find_role_date(data_part(task.input), role).isoformat()


def _check_phone_normalise(task: Task) -> None:
    assert task.target == find_phone(data_part(task.input))
    assert re.fullmatch(r"\+[1-9]\d{9,12}", task.target)


def _check_invoice_total(task: Task) -> None:
    amounts = read_invoice(data_part(task.input))
    total = amounts["total"]
    assert task.target == f"{total // 100}.{total % 100:02d}"
    adjusted = amounts.get("subtotal", amounts["items"])
    adjusted += amounts.get("tax", 0) + amounts.get("shipping", 0) - amounts.get("discount", 0)
    if "subtotal" in amounts or amounts["items"]:
        assert total == adjusted
    if "subtotal" in amounts and amounts["items"]:
        assert amounts["subtotal"] == amounts["items"]
    if "tax" in amounts:
        exact = amounts["subtotal"] * amounts["tax_basis_points"]
        assert -5_000 < amounts["tax"] * 10_000 - exact <= 5_000


def _check_name_normalise(task: Task) -> None:
    assert task.target == first_last(find_customer_name(data_part(task.input)))
    other = task.meta["other_person"]
    assert other is None or (other.split()[0] in task.input and other != task.target)


def _check_order_id_extract(task: Task) -> None:
    assert task.target == find_order_id(data_part(task.input))
    assert not task.target.startswith("#")


def _check_title_slug(task: Task) -> None:
    assert task.target == slug_by_unicode(find_title(data_part(task.input)))
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", task.target)


# everyday family -> its check against the independent reader in tests/tasks/references.py
EVERYDAY_CHECKS: dict[str, Callable[[Task], None]] = {
    "email_extract": _check_email_extract,
    "date_normalise": _check_date_normalise,
    "phone_normalise": _check_phone_normalise,
    "invoice_total": _check_invoice_total,
    "name_normalise": _check_name_normalise,
    "order_id_extract": _check_order_id_extract,
    "title_slug": _check_title_slug,
}


@PROPERTY
@given(family=st.sampled_from(sorted(EVERYDAY_CHECKS)), seed=SEEDS, difficulty=LEVELS)
def test_everyday_targets_equal_the_independent_readers_answer(
    family: str, seed: int, difficulty: str
) -> None:
    for task in _tasks(family, seed, difficulty):
        EVERYDAY_CHECKS[family](task)


@pytest.mark.parametrize("family", sorted(EVERYDAY_CHECKS))
def test_everyday_targets_equal_the_readers_answer_on_many_hard_tasks(family: str) -> None:
    for task in generate(family, 300, seed=13, difficulty="hard"):
        EVERYDAY_CHECKS[family](task)


def test_every_everyday_family_has_a_reference_check() -> None:
    assert sorted(EVERYDAY_CHECKS) == sorted(family_names("everyday"))


def test_first_last_reads_every_way_a_name_is_written() -> None:
    for written in ("Doe, Jane", "DOE, Jane A.", "Dr. Jane Ann Doe, PhD", "jane a. doe jr."):
        assert first_last(written) == "Jane Doe"
    assert first_last("Mx. Jane Doe III") == "Jane Doe"


@pytest.mark.parametrize("family", family_names("everyday"))
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_everyday_families_make_300_distinct_tasks_per_difficulty(
    family: str, difficulty: str
) -> None:
    tasks = generate(family, 300, seed=11, difficulty=difficulty)
    assert len({normalise_text(t.input) for t in tasks}) == 300
    assert len({t.target for t in tasks}) >= 150
    assert len({t.meta["layout"] for t in tasks}) >= 4


@pytest.mark.parametrize("family", family_names("everyday"))
def test_everyday_hard_tasks_carry_their_look_alikes(family: str) -> None:
    tasks = generate(family, 200, seed=12, difficulty="hard")
    texts = [data_part(t.input) for t in tasks]
    if family == "email_extract":
        kinds = Counter(kind for t in tasks for kind in t.meta["distractors"])
        assert set(kinds) == {"handle", "website", "url_with_at", "at_in_prose", "file_name"}
        assert sum(t.meta["layout"] in ("spelled_out", "bracketed") for t in tasks) > 30
    elif family == "date_normalise":
        assert all(count_dates(text) >= 2 for text in texts)
    elif family == "phone_normalise":
        assert 0.3 < sum(not t.target.startswith("+1") for t in tasks) / 200 < 0.7
        assert sum("(0)" in text for text in texts) > 5
    elif family == "invoice_total":
        assert {t.meta["money"] for t in tasks} >= {"euro_comma", "eur_code_comma", "euro_space"}
        assert sum("Discount" in text or "DISCOUNT" in text for text in texts) > 50
    elif family == "name_normalise":
        assert all(t.meta["other_person"] for t in tasks)
    elif family == "order_id_extract":
        kinds = Counter(kind for t in tasks for kind in t.meta["distractors"])
        assert kinds["ticket"] > 20 and kinds["other_order"] > 20
    else:
        assert sum(any(not c.isascii() for c in t.meta["title"]) for t in tasks) > 100


def test_families_are_puzzles_or_everyday_requests() -> None:
    assert family_names("puzzle") == list(FAMILIES)[:8]
    assert len(family_names("everyday")) >= 6
    assert set(family_names("puzzle")) | set(family_names("everyday")) == set(FAMILIES)
    assert all(FAMILIES[name].kind in FAMILY_KINDS for name in FAMILIES)
    with pytest.raises(UsageError, match="unknown family kind"):
        family_names("chores")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_same_seed_same_tasks_different_seed_different_tasks(family: str) -> None:
    first = generate(family, 30, seed=7, difficulty="mixed")
    again = generate(family, 30, seed=7, difficulty="mixed")
    other = generate(family, 30, seed=8, difficulty="mixed")
    assert [t.to_dict() for t in first] == [t.to_dict() for t in again]
    shared = {t.input for t in first} & {t.input for t in other}
    assert len(shared) <= 3


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_tasks_are_distinct_scorable_and_use_several_phrasings(family: str) -> None:
    tasks = generate(family, 120, seed=1, difficulty="mixed")
    assert len({normalise_text(t.input) for t in tasks}) == 120
    assert len({t.id for t in tasks}) == 120
    assert len({t.meta["template"] for t in tasks}) >= 4
    assert {t.meta["difficulty"] for t in tasks} == set(DIFFICULTIES)
    scorer = scorer_for(FAMILIES[family].answer_format)
    assert all(scorer(t.target, t.target) == 1.0 for t in tasks)


@pytest.mark.parametrize("family", ["meeting_conflict", "agreement"])
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_class_families_are_exactly_balanced(family: str, difficulty: str) -> None:
    counts = Counter(t.target for t in generate(family, 101, seed=3, difficulty=difficulty))
    assert set(counts) == {"yes", "no"}
    assert abs(counts["yes"] - counts["no"]) <= 1


def test_meeting_conflict_rooms_offered_do_not_reveal_the_answer() -> None:
    tasks = generate("meeting_conflict", 400, seed=5, difficulty="medium")
    by_rooms: dict[int, Counter[str]] = {}
    for task in tasks:
        by_rooms.setdefault(task.meta["rooms"], Counter())[task.target] += 1
    for counts in by_rooms.values():
        assert 0.3 <= counts["yes"] / sum(counts.values()) <= 0.7


def test_agreement_nearest_noun_shortcut_scores_near_chance() -> None:
    nouns = _NUMBER_OF | {w: 0 for w, _ in ATTRACTORS} | {w: 1 for _, w in ATTRACTORS}
    hits = 0
    tasks = generate("agreement", 400, seed=2, difficulty="medium")
    for task in tasks:
        words = task.meta["sentence"].rstrip(".").split()
        verb_at = max(i for i, w in enumerate(words) if w in _VERB_NUMBER)
        nearest = next(w for w in reversed(words[:verb_at]) if w in nouns)
        guess = "yes" if nouns[nearest] == _VERB_NUMBER[words[verb_at]] else "no"
        hits += guess == task.target
    assert 0.4 <= hits / len(tasks) <= 0.6


def test_meeting_rooms_counts_spread_over_the_difficulty_range() -> None:
    counts = Counter(t.target for t in generate("meeting_rooms", 300, seed=4, difficulty="hard"))
    assert set(counts) == {"2", "3", "4", "5"}
    assert max(counts.values()) / 300 < 0.4


def test_pii_includes_hard_negatives_and_some_empty_answers() -> None:
    tasks = generate("pii_extract", 200, seed=9, difficulty="hard")
    negative_kinds = Counter(kind for t in tasks for kind, _ in t.meta["negatives"])
    assert {"bad_card", "bad_iban", "bad_ip", "order_id"} <= set(negative_kinds)
    assert any(t.target == "[]" for t in tasks)
    assert sum(t.target != "[]" for t in tasks) > 150


def test_unknown_family_and_difficulty_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="known families"):
        generate("nope", 3)
    with pytest.raises(UsageError, match="difficulty"):
        generate("arith", 3, difficulty="brutal")
