"""The verifier's checks as plain functions over plain data.

Each check takes what the sandbox produced (outputs, scores, durations) or the code text, and
returns a :class:`~self_distill.skills.verification.verdict.CheckResult` named by its reason
code. Nothing here runs skill code, so every check is testable on its own with made-up numbers.
"""

from __future__ import annotations

import ast
import json
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from self_distill.skills.examples import Labelled
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.verdict import CheckResult
from self_distill.stats import wilson_interval
from self_distill.tasks import Scorer

MAX_BASELINE_CANDIDATES = 50
"""Constant answers tried for the baseline: the most common held-out targets. With more distinct
targets than this, every target is rare and a constant answer scores near 0 anyway."""

_PREVIEW_CHARS = 120


def normalise_answer(text: str) -> str:
    """Strip and collapse runs of whitespace, keeping case: the identity of an output or a
    literal for the triviality and lookup-table checks. Scoring is the scorers' job
    (:func:`~self_distill.tasks.scorer_for`), never this."""
    return " ".join(text.split())


def score_output(scorer: Scorer, output: Any, target: str) -> float:
    """The scorer's verdict on a skill output; anything but a string (or no output) scores 0."""
    return scorer(output, target) if isinstance(output, str) else 0.0


def preview(value: Any) -> str:
    """A short one-line rendering of any value for figures and reports."""
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 3] + "..."


def answer_key(output: Any) -> str:
    """A hashable identity for an output, so equal answers count as one value."""
    if isinstance(output, str):
        return normalise_answer(output)
    return json.dumps(output, sort_keys=True, default=repr)


def check_low_accuracy(scores: Sequence[float], config: VerifierConfig) -> CheckResult:
    """Fail when the Wilson lower bound of the mean held-out score is below the threshold."""
    accuracy = statistics.fmean(scores)
    low, high = wilson_interval(sum(scores), len(scores), config.confidence)
    return CheckResult.judged(
        "low_accuracy",
        low < config.min_accuracy_lower_bound,
        accuracy=accuracy,
        ci=[low, high],
        threshold=config.min_accuracy_lower_bound,
    )


def best_constant_answer(targets: Sequence[str], scorer: Scorer) -> tuple[str, float]:
    """The constant answer that scores best on ``targets`` and its mean score (majority class).

    Candidates are the :data:`MAX_BASELINE_CANDIDATES` most common targets.
    """
    candidates = [value for value, _ in Counter(targets).most_common(MAX_BASELINE_CANDIDATES)]
    scored = [
        (statistics.fmean(scorer(candidate, target) for target in targets), candidate)
        for candidate in candidates
    ]
    accuracy, answer = max(scored, key=lambda pair: pair[0])
    return answer, accuracy


def check_below_baseline(
    scores: Sequence[float], baseline_answer: str, baseline_accuracy: float, config: VerifierConfig
) -> CheckResult:
    """Fail unless the accuracy's lower bound exceeds the best constant answer plus the margin."""
    low, _ = wilson_interval(sum(scores), len(scores), config.confidence)
    required = baseline_accuracy + config.baseline_margin
    return CheckResult.judged(
        "below_baseline",
        low <= required,
        lower_bound=low,
        baseline_accuracy=baseline_accuracy,
        baseline_answer=preview(baseline_answer),
        margin=config.baseline_margin,
    )


def check_trivial_constant(
    outputs: Sequence[Any], targets: Sequence[str], config: VerifierConfig
) -> CheckResult:
    """Fail when (nearly) every output is one value while the targets vary.

    ``outputs`` are the answers the skill actually returned (failed calls left out), non-empty.
    """
    top_output, output_count = Counter(answer_key(output) for output in outputs).most_common(1)[0]
    _, target_count = Counter(normalise_answer(target) for target in targets).most_common(1)[0]
    output_share = output_count / len(outputs)
    target_share = target_count / len(targets)
    return CheckResult.judged(
        "trivial_constant",
        output_share >= config.constant_output_share and target_share < output_share,
        top_output=preview(top_output),
        top_output_share=output_share,
        top_target_share=target_share,
        distinct_outputs=len({answer_key(output) for output in outputs}),
    )


def shuffled_accuracy(
    outputs: Sequence[Any], targets: Sequence[str], scorer: Scorer, *, rounds: int, seed: int
) -> float:
    """Mean score when each target is paired with the output for a randomly permuted input.

    A deterministic skill's output on input ``j`` is ``outputs[j]``, so shuffling inputs against
    targets needs no new calls: only a re-pairing, averaged over ``rounds`` seeded permutations.
    """
    rng = random.Random(seed)
    order = list(range(len(outputs)))
    totals = []
    for _ in range(rounds):
        rng.shuffle(order)
        pairs = zip(order, targets, strict=True)
        totals.append(statistics.fmean(score_output(scorer, outputs[j], t) for j, t in pairs))
    return statistics.fmean(totals)


def check_insensitive(
    scores: Sequence[float],
    outputs: Sequence[Any],
    targets: Sequence[str],
    scorer: Scorer,
    config: VerifierConfig,
) -> CheckResult:
    """Fail unless shuffling inputs against targets lowers accuracy clearly.

    "Clearly" means both: a drop of at least ``min_shuffle_drop``, and the shuffled accuracy's
    Wilson upper bound below the true accuracy's Wilson lower bound (same n).
    """
    n = len(scores)
    accuracy = statistics.fmean(scores)
    shuffled = shuffled_accuracy(
        outputs, targets, scorer, rounds=config.shuffle_rounds, seed=config.seed
    )
    low, _ = wilson_interval(sum(scores), n, config.confidence)
    _, shuffled_high = wilson_interval(shuffled * n, n, config.confidence)
    drop = accuracy - shuffled
    return CheckResult.judged(
        "insensitive",
        drop < config.min_shuffle_drop or shuffled_high >= low,
        accuracy=accuracy,
        shuffled_accuracy=shuffled,
        drop=drop,
        lower_bound=low,
        shuffled_upper_bound=shuffled_high,
        min_drop=config.min_shuffle_drop,
    )


def string_literals(code: str) -> list[str]:
    """Every string constant in ``code`` except docstrings (f-string text parts included).

    Raises SyntaxError when ``code`` does not parse.
    """
    tree = ast.parse(code)
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def check_lookup_table(code: str, shown: Sequence[Labelled], config: VerifierConfig) -> CheckResult:
    """Fail when the code's literals reveal ``lookup_min_revealed`` or more shown examples.

    See :class:`VerifierConfig` for what "reveals" means; class labels never count.
    """
    try:
        literals = {normalise_answer(text) for text in string_literals(code)}
    except SyntaxError:
        return CheckResult.skipped("lookup_table", "the code does not parse as Python")
    literals = {text for text in literals if len(text) >= config.lookup_min_literal_chars}
    target_counts = Counter(normalise_answer(example.target) for example in shown)
    revealed: list[str] = []
    for example in shown:
        target = normalise_answer(example.target)
        distinctive_target = target_counts[target] <= config.lookup_max_target_repeats
        if normalise_answer(example.input) in literals:
            revealed.append(normalise_answer(example.input))
        elif distinctive_target and target in literals:
            revealed.append(target)
    return CheckResult.judged(
        "lookup_table",
        len(revealed) >= config.lookup_min_revealed,
        revealed_examples=len(revealed),
        n_shown=len(shown),
        revealing_literals=[preview(text) for text in revealed[:3]],
        min_revealed=config.lookup_min_revealed,
    )


def check_slow(durations_s: Sequence[float], config: VerifierConfig) -> CheckResult:
    """Fail when the median ``solve`` call takes longer than the budget."""
    if not durations_s:
        return CheckResult.skipped("slow", "no call completed")
    median = statistics.median(durations_s)
    return CheckResult.judged(
        "slow",
        median > config.max_median_call_s,
        median_call_s=median,
        max_call_s=max(durations_s),
        budget_s=config.max_median_call_s,
    )


def check_nondeterministic(
    inputs: Sequence[str],
    first: Sequence[tuple[bool, Any]],
    second: Sequence[tuple[bool, Any]],
) -> CheckResult:
    """Fail when two runs over the same inputs differ in success or output on any input."""
    differing = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
    figures: dict[str, Any] = {"n_differing": len(differing), "n_compared": len(inputs)}
    if differing:
        i = differing[0]
        figures["example"] = {
            "input": preview(inputs[i]),
            "first": preview(first[i][1]),
            "second": preview(second[i][1]),
        }
    return CheckResult.judged("nondeterministic", bool(differing), **figures)


def check_trigger_leak(fired: Sequence[bool], config: VerifierConfig) -> CheckResult:
    """Fail when ``applies`` fires on more than ``max_trigger_rate`` of other clusters' inputs."""
    rate = statistics.fmean(1.0 if flag else 0.0 for flag in fired)
    return CheckResult.judged(
        "trigger_leak",
        rate > config.max_trigger_rate,
        fire_rate=rate,
        n_other_inputs=len(fired),
        max_rate=config.max_trigger_rate,
    )
