"""The verifier on real data: trivial CoLA skills are rejected, word sorting is judged exactly.

CoLA (in_domain_dev, about 70% acceptable) is where a lazy skill looks good: answering "1" scores
about 0.7. BIG-Bench-Hard word_sorting has one right answer per input. Both are read from the
shared reference data, never copied into the repository.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from self_distill.sandbox import Sandbox
from self_distill.skills.examples import LabelledExample, load_skill_data
from self_distill.skills.verification.verifier import verify_skill
from self_distill.tasks.reference_data import bbh_path, cola_path


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(timeout_s=2.0) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def cola() -> tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]:
    data = load_skill_data(cola_path("in_domain_dev"), shown_fraction=0.5, max_heldout=None)
    return data.shown, data.heldout


@pytest.fixture(scope="module")
def word_sorting() -> tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]:
    data = load_skill_data(bbh_path("word_sorting"), shown_fraction=0.5, max_heldout=None)
    return data.shown, data.heldout


SENTENCE = "    sentence = text.split('Sentence:', 1)[1]\n"
COLA_SKILLS = {
    "always_1": ("def solve(text):\n    return '1'\n"),
    "always_0": ("def solve(text):\n    return '0'\n"),
    # "random" without a random module: a hash of the text (an LCG over its characters) is
    # deterministic, so it is rejected as uninformative rather than as nondeterministic.
    "hash_random": (
        "def solve(text):\n"
        "    h = 7\n"
        "    for ch in text:\n"
        "        h = (h * 1103515245 + ord(ch) + 12345) % 2147483648\n"
        "    return str((h >> 16) % 2)\n"
    ),
    "echo": "def solve(text):\n    return text\n",
    "length_threshold": (
        "def solve(text):\n" + SENTENCE + "    return '1' if len(sentence.split()) <= 10 else '0'\n"
    ),
}
EXPECTED_COLA_REASONS = {
    "always_1": {"low_accuracy", "below_baseline", "trivial_constant", "insensitive"},
    "always_0": {"low_accuracy", "below_baseline", "trivial_constant", "insensitive"},
    "hash_random": {"low_accuracy", "below_baseline", "insensitive"},
    "echo": {"low_accuracy", "below_baseline", "insensitive"},
    "length_threshold": {"low_accuracy", "below_baseline", "insensitive"},
}


@pytest.mark.parametrize("name", sorted(COLA_SKILLS))
def test_trivial_cola_skills_are_rejected_for_the_right_reasons(
    name: str, box: Sandbox, cola: tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]
) -> None:
    shown, heldout = cola
    verdict = verify_skill(COLA_SKILLS[name], shown, heldout, sandbox=box)
    assert not verdict.accepted
    assert set(verdict.reasons) == EXPECTED_COLA_REASONS[name], verdict.to_dict()["checks"]
    assert verdict.baseline_accuracy == pytest.approx(0.7, abs=0.05)
    if name == "always_1":
        assert verdict.heldout_accuracy == verdict.baseline_accuracy


def test_clock_random_cola_skill_is_nondeterministic(
    box: Sandbox, cola: tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]
) -> None:
    code = (
        "import datetime\n"
        "def solve(text):\n"
        "    return str(datetime.datetime.now().microsecond % 2)\n"
    )
    verdict = verify_skill(code, *cola, sandbox=box)
    assert {"nondeterministic", "low_accuracy", "below_baseline"} <= set(verdict.reasons)
    assert verdict.checks["nondeterministic"].figures["n_differing"] > 0


WORD_SORT = (
    "def solve(text):\n"
    "    words = text.split('List:', 1)[1].split()\n"
    "    return ' '.join(sorted(words))\n"
)
# The subtle bug: comparing only the first two letters (a stable sort keeps ties in input
# order). Case-sensitive sorting or dropping duplicates would be invisible on this data.
WORD_SORT_TWO_LETTERS = (
    "def solve(text):\n"
    "    words = text.split('List:', 1)[1].split()\n"
    "    return ' '.join(sorted(words, key=lambda word: word[:2]))\n"
)


def test_case_and_duplicate_bugs_would_be_invisible_on_word_sorting(
    word_sorting: tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]],
) -> None:
    for example in word_sorting[0] + word_sorting[1]:
        words = example.input.split("List:", 1)[1].split()
        assert all(word == word.lower() for word in words)
        assert len(set(words)) == len(words)


def test_correct_word_sort_is_accepted(
    box: Sandbox, word_sorting: tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]
) -> None:
    shown, heldout = word_sorting
    verdict = verify_skill(WORD_SORT, shown, heldout, sandbox=box)
    assert verdict.accepted, verdict.to_dict()["checks"]
    assert verdict.heldout_accuracy == 1.0
    assert verdict.heldout_ci is not None and verdict.heldout_ci[0] > 0.95
    assert verdict.n_heldout == 125


def test_subtly_wrong_word_sort_has_low_accuracy(
    box: Sandbox, word_sorting: tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]
) -> None:
    shown, heldout = word_sorting
    verdict = verify_skill(WORD_SORT_TWO_LETTERS, shown, heldout, sandbox=box)
    assert "low_accuracy" in verdict.reasons
    assert verdict.heldout_ci is not None and verdict.heldout_ci[1] < 0.9
    assert verdict.checks["insensitive"].status == "passed"
    wrong = verdict.failures[0]
    assert wrong.got != wrong.expected and sorted(wrong.got.split()) == wrong.expected.split()
