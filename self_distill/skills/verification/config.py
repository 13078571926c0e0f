"""Every threshold the skill verifier uses, in one documented dataclass.

A verdict is only meaningful next to the settings that produced it, so
:meth:`VerifierConfig.to_dict` is stored with each verification (like a peft adapter's config
next to its weights).
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, fields
from typing import Any

from self_distill.errors import ConfigError
from self_distill.stats import wilson_interval, z_for_confidence


@dataclass(frozen=True)
class VerifierConfig:
    """Thresholds of the verifier's checks; the defaults suit exact-answer tasks like BBH.

    Accuracy
        ``min_accuracy_lower_bound``: the Wilson lower bound of held-out accuracy must reach this
        (``low_accuracy``). 0.8 needs at least 16 held-out examples even at 100% accuracy.
        ``confidence``: confidence level of every interval (0.95 -> Wilson 95%).
        ``baseline_margin``: the lower bound must exceed the best constant answer's held-out
        accuracy by more than this (``below_baseline``).
    Triviality
        ``constant_output_share``: outputs are "nearly constant" when the most common output
        makes up at least this share of held-out outputs; rejected as ``trivial_constant`` only
        when the targets' most common value has a smaller share (the targets vary).
    Input sensitivity (``insensitive``)
        Held-out outputs are re-scored against targets paired with a seeded permutation of the
        inputs, ``shuffle_rounds`` times, and the shuffled accuracies averaged. The skill passes
        when the accuracy drops by at least ``min_shuffle_drop`` and the shuffled accuracy's
        Wilson upper bound lies below the true accuracy's Wilson lower bound.
    Lookup tables (``lookup_table``)
        A string literal in the code (docstrings excepted), after whitespace normalisation, at
        least ``lookup_min_literal_chars`` long, "reveals" a shown example when it equals its
        input, or equals its target while that target value belongs to at most
        ``lookup_max_target_repeats`` shown examples (so class labels like "1" or "(A)" never
        count). Rejected when ``lookup_min_revealed`` or more shown examples are revealed: one
        verbatim example can be a worked example left in the code, two or more are a table.
    Cost and triggers
        ``call_timeout_s``: per-call limit in the sandbox (``timeout``).
        ``max_median_call_s``: the median ``solve`` call time must not exceed this (``slow``).
        ``max_trigger_rate``: ``applies`` may return True on at most this share of inputs from
        other clusters (``trigger_leak``).
    Reporting
        ``max_failures_per_split``: failed examples kept per split for repair prompts.
        ``seed``: seeds the shuffles of the sensitivity check.
    """

    min_accuracy_lower_bound: float = 0.8
    confidence: float = 0.95
    baseline_margin: float = 0.05
    constant_output_share: float = 0.95
    shuffle_rounds: int = 10
    min_shuffle_drop: float = 0.1
    lookup_min_literal_chars: int = 8
    lookup_max_target_repeats: int = 1
    lookup_min_revealed: int = 2
    call_timeout_s: float = 2.0
    max_median_call_s: float = 0.1
    max_trigger_rate: float = 0.1
    max_failures_per_split: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        shares = (
            "min_accuracy_lower_bound",
            "baseline_margin",
            "constant_output_share",
            "min_shuffle_drop",
            "max_trigger_rate",
        )
        for name in shares:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"VerifierConfig.{name} must lie in [0, 1], got {value}.")
        if not 0.0 < self.confidence < 1.0:
            raise ConfigError(
                f"VerifierConfig.confidence must lie strictly in (0, 1), got {self.confidence}."
            )
        positive = ("shuffle_rounds", "lookup_min_literal_chars", "lookup_min_revealed")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"VerifierConfig.{name} must be at least 1.")
        if self.lookup_max_target_repeats < 0 or self.max_failures_per_split < 0:
            raise ConfigError(
                "VerifierConfig.lookup_max_target_repeats and max_failures_per_split must be >= 0."
            )
        if self.call_timeout_s <= 0 or self.max_median_call_s <= 0:
            raise ConfigError(
                "VerifierConfig.call_timeout_s and max_median_call_s must be positive seconds."
            )

    def fewest_heldout(self) -> int:
        """The fewest held-out examples on which a skill right on every one passes
        ``low_accuracy`` (16 for the default 0.8 at 95%): fewer are never enough evidence,
        whatever the skill, so judging on fewer is wasted work. With a lower bound of 1.0 no
        count is enough and the answer is ``sys.maxsize``."""
        bound = self.min_accuracy_lower_bound
        if bound >= 1.0:
            return sys.maxsize
        z2 = z_for_confidence(self.confidence) ** 2
        n = max(1, math.floor(bound * z2 / (1.0 - bound)))  # n / (n + z^2) >= bound, rounded down
        while wilson_interval(n, n, self.confidence)[0] < bound:
            n += 1
        return n

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict, stored next to each verdict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> VerifierConfig:
        """Rebuild a config from :meth:`to_dict` output; unknown keys raise :class:`ConfigError`."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"Unknown verifier setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}."
            )
        return cls(**values)
