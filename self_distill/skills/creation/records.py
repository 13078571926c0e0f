"""What a skill creation may spend and what it did: budgets, attempts, candidates, results.

These records are plain, JSON-ready data: the creator fills them, the store keeps a summary in
each manifest, the CLI prints them and experiments aggregate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from self_distill.errors import ConfigError
from self_distill.skills.creation import prompts
from self_distill.skills.verification.verdict import Verdict

Outcome = Literal["passed", "wrong", "error", "no_code", "model_error"]
FailureKind = Literal["crash", "no_answer", "wrong"]
"""Why code that ran failed the shown examples, for repair: it raised or did not load
(``crash``), it answered nothing ("") on some phrasing (``no_answer``), or it answered wrongly."""


@dataclass(frozen=True)
class CreationBudget:
    """How much the creator may spend on one skill.

    candidates: independent samples of the first prompt, each with its own seed.
    repair_rounds: repair prompts per candidate while it still fails a shown example.
    max_tokens_per_call: generation limit of each model call.
    token_budget: start no call that could overrun this many tokens (input + output): its
        input priced at the most tokens per character seen (with a margin), its output at
        ``max_tokens_per_call``; the first call always runs. None means no limit beyond
        candidates and rounds.
    first_temperature / temperature: sampling temperature of a prompt's first candidate / of
        its later ones; a low first temperature gets the model's most likely program for each
        prompt of the portfolio, the rest add variety.
    prompt_examples: shown examples written into the prompt (all shown examples are tested).
    seed: base seed; call ``(candidate k, round r)`` uses ``seed + 1000 k + r``, so calls never
        share a response-cache entry and two strategies with the same seed share their first
        samples (a paired comparison).
    """

    candidates: int = 6
    repair_rounds: int = 0
    max_tokens_per_call: int = 400
    token_budget: int | None = None
    first_temperature: float = 0.2
    temperature: float = 0.8
    prompt_examples: int = 12
    seed: int = 0

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise ConfigError(
                f"CreationBudget.candidates must be at least 1, got {self.candidates}"
            )
        if not 0 <= self.repair_rounds < 1000:
            raise ConfigError(
                f"CreationBudget.repair_rounds must lie in [0, 999], got {self.repair_rounds}"
            )
        if self.max_tokens_per_call < 16 or self.prompt_examples < 1:
            raise ConfigError(
                "CreationBudget.max_tokens_per_call must be >= 16 and prompt_examples >= 1"
            )
        if self.token_budget is not None and self.token_budget < 1:
            raise ConfigError(
                f"CreationBudget.token_budget must be positive, got {self.token_budget}"
            )
        if not (0.0 <= self.first_temperature <= 2.0 and 0.0 <= self.temperature <= 2.0):
            raise ConfigError("CreationBudget temperatures must lie in [0, 2]")

    def seed_for(self, candidate: int, round_: int) -> int:
        return self.seed + 1000 * candidate + round_

    def temperature_for(self, repeat: int) -> float:
        """The temperature of a prompt's ``repeat``-th candidate (0 for its first)."""
        return self.first_temperature if repeat == 0 else self.temperature

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CallOutcome:
    """One ``solve`` call in the sandbox: ``ok`` with an ``output``, or an ``error`` message."""

    ok: bool
    output: Any = None
    error: str | None = None


@dataclass(frozen=True)
class ShownRun:
    """What running a candidate on the shown inputs gave: a load error, or one outcome each."""

    load_error: str | None
    calls: tuple[CallOutcome, ...] = ()


class ShownRunner(Protocol):
    """Runs candidate code on shown inputs (in the sandbox: see :mod:`creation_run`)."""

    def run(self, code: str, inputs: Sequence[str]) -> ShownRun: ...


@dataclass(frozen=True)
class Attempt:
    """One model call and what its code did on the shown examples.

    outcome: ``passed`` (every shown example right), ``wrong`` (ran, some answers wrong),
    ``error`` (did not load, or raised on some example), ``no_code`` (the reply held no code),
    ``model_error`` (the model call itself failed). ``detail`` says what went wrong in words;
    ``shown_answered`` counts the shown examples it answered with non-empty text;
    ``failures`` holds up to three wrong shown examples for the repair prompt, ``unanswered`` up
    to three the code answered with nothing; ``added_imports`` the import lines the creator put
    in front of the model's code.
    """

    purpose: Literal["create", "repair"]
    round: int
    seed: int
    temperature: float
    outcome: Outcome
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    cached: bool = False
    extraction: str = "none"
    added_imports: tuple[str, ...] = ()
    shown_correct: int = 0
    shown_answered: int = 0
    shown_total: int = 0
    detail: str = ""
    code: str | None = None
    failures: tuple[prompts.ShownFailure, ...] = ()
    unanswered: tuple[prompts.ShownFailure, ...] = ()
    reply: str = ""

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def failure_kind(self) -> FailureKind | None:
        """The repair this attempt needs; None when it passed or has no code to repair."""
        if self.outcome == "error" and self.code is not None:
            return "crash"
        if self.outcome != "wrong":
            return None
        return "no_answer" if self.unanswered else "wrong"

    def to_dict(self) -> dict[str, Any]:
        """Everything but the raw reply (the extracted code and the failures stay)."""
        values = asdict(self)
        del values["reply"]
        return values


@dataclass(frozen=True)
class CandidateRecord:
    """A candidate's attempts (the first sample, then repairs) and its verdict, if verified.

    ``prompt`` names the prompt that produced it (``demo:<name>``, ``store:<ref>``, ``none``,
    ``seeded`` for code from another source, ``composition`` for a chain of other candidates,
    whose indices are ``components``).
    """

    index: int
    attempts: tuple[Attempt, ...]
    verdict: Verdict | None = None
    prompt: str = "seeded"
    components: tuple[int, ...] = ()

    @property
    def best(self) -> Attempt | None:
        """The attempt with code that got the most shown examples right (the latest on ties)."""
        with_code = [a for a in self.attempts if a.code is not None]
        if not with_code:
            return None
        return max(reversed(with_code), key=lambda a: a.shown_correct)

    @property
    def best_code(self) -> str | None:
        best = self.best
        return best.code if best else None

    @property
    def best_shown_correct(self) -> int:
        best = self.best
        return best.shown_correct if best else 0

    @property
    def passed_shown(self) -> bool:
        return any(a.outcome == "passed" for a in self.attempts)

    @property
    def repairs(self) -> int:
        return sum(a.purpose == "repair" for a in self.attempts)

    @property
    def tokens(self) -> int:
        return sum(a.tokens for a in self.attempts)

    def summary(self) -> CandidateSummary:
        """The one per-candidate summary (store manifests, ``create --json``, experiments)."""
        verdict = self.verdict
        return CandidateSummary(
            index=self.index,
            prompt=self.prompt,
            components=self.components,
            outcomes=tuple(a.outcome for a in self.attempts),
            passed_shown=self.passed_shown,
            shown_correct=self.best_shown_correct,
            shown_total=self.attempts[0].shown_total if self.attempts else 0,
            repairs=self.repairs,
            tokens=self.tokens,
            verified=verdict is not None,
            accepted=verdict.accepted if verdict else None,
            reasons=tuple(verdict.reasons) if verdict else (),
            heldout_accuracy=verdict.heldout_accuracy if verdict else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary plus every attempt (extracted code and failures, no raw reply)."""
        return {**self.summary().to_dict(), "attempts": [a.to_dict() for a in self.attempts]}


@dataclass(frozen=True)
class CandidateSummary:
    """What one candidate did, in a few figures: its attempts' outcomes, how many shown examples
    its best code got right, its own tokens (not the run's), and its verdict if it was verified.
    """

    index: int
    prompt: str
    components: tuple[int, ...]
    outcomes: tuple[str, ...]
    passed_shown: bool
    shown_correct: int
    shown_total: int
    repairs: int
    tokens: int
    verified: bool
    accepted: bool | None
    reasons: tuple[str, ...]
    heldout_accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        return {
            **values,
            "components": list(self.components),
            "outcomes": list(self.outcomes),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class CreationResult:
    """Everything one creation did. ``chosen`` indexes the candidate whose verdict decides."""

    candidates: tuple[CandidateRecord, ...]
    chosen: int | None
    stop_reason: str
    budget: CreationBudget
    prompt_version: str = prompts.PROMPT_VERSION
    prompt_hash: str = field(default_factory=prompts.template_hash)

    @property
    def chosen_candidate(self) -> CandidateRecord | None:
        return None if self.chosen is None else self.candidates[self.chosen]

    @property
    def verdict(self) -> Verdict | None:
        chosen = self.chosen_candidate
        return chosen.verdict if chosen else None

    @property
    def accepted(self) -> bool:
        return self.verdict is not None and self.verdict.accepted

    @property
    def code(self) -> str | None:
        chosen = self.chosen_candidate
        return chosen.best_code if chosen else None

    @property
    def input_tokens(self) -> int:
        return sum(a.input_tokens for c in self.candidates for a in c.attempts)

    @property
    def output_tokens(self) -> int:
        return sum(a.output_tokens for c in self.candidates for a in c.attempts)

    @property
    def creation_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def calls(self) -> int:
        return sum(len(c.attempts) for c in self.candidates)

    @property
    def repairs(self) -> int:
        return sum(c.repairs for c in self.candidates)

    def verified(self) -> list[CandidateRecord]:
        """Candidates that went to the verifier, in order."""
        return [c for c in self.candidates if c.verdict is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "chosen": self.chosen,
            "stop_reason": self.stop_reason,
            "creation_tokens": self.creation_tokens,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "calls": self.calls,
            "repairs": self.repairs,
            "prompt_version": self.prompt_version,
            "prompt_hash": self.prompt_hash,
            "budget": self.budget.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
        }
