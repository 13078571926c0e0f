"""What a verification decided and why, in a JSON-ready shape.

Rejected skills are data: their reason codes and per-check figures feed repair prompts and
reports, so everything here serialises with :meth:`Verdict.to_dict` and nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

REASON_CODES: tuple[str, ...] = (
    "syntax",
    "contract",
    "crash",
    "timeout",
    "nondeterministic",
    "low_accuracy",
    "below_baseline",
    "trivial_constant",
    "insensitive",
    "lookup_table",
    "slow",
    "trigger_leak",
)
"""Every check, named by the reason code it records on failure, in reporting order."""

CheckStatus = Literal["passed", "failed", "skipped"]
Split = Literal["shown", "heldout"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``name`` is its reason code; ``figures`` are JSON-ready numbers.

    ``skipped`` means the check could not run (the code did not load, or it had nothing to judge,
    like ``trigger_leak`` without an ``applies`` function); skipped checks do not block acceptance.
    """

    name: str
    status: CheckStatus
    figures: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in REASON_CODES:
            raise ValueError(f"unknown check {self.name!r}; known: {', '.join(REASON_CODES)}")

    @classmethod
    def judged(cls, name: str, failed: bool, **figures: Any) -> CheckResult:
        """A check that ran: failed when ``failed`` is true."""
        return cls(name, "failed" if failed else "passed", figures)

    @classmethod
    def skipped(cls, name: str, why: str) -> CheckResult:
        """A check that could not run, with the reason in ``figures["skipped_because"]``."""
        return cls(name, "skipped", {"skipped_because": why})

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.figures}

    @classmethod
    def from_dict(cls, name: str, values: Mapping[str, Any]) -> CheckResult:
        """Rebuild from :meth:`to_dict` output (``name`` is the key it was stored under)."""
        figures = {key: value for key, value in values.items() if key != "status"}
        return cls(name, values["status"], figures)


@dataclass(frozen=True)
class FailedExample:
    """An example the skill got wrong: for repair prompts and reports.

    ``got`` is the skill's answer (None when the call failed, with ``error`` saying how). Repair
    prompts must use only ``split == "shown"`` failures, or the held-out set stops being held out.
    """

    split: Split
    input: str
    expected: str
    got: Any
    error: str | None = None

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> FailedExample:
        return cls(
            values["split"], values["input"], values["expected"], values["got"], values["error"]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "input": self.input,
            "expected": self.expected,
            "got": self.got,
            "error": self.error,
        }


@dataclass(frozen=True)
class Verdict:
    """The verifier's decision: ``accepted`` only when no check failed.

    ``reasons`` lists the failed checks' reason codes in :data:`REASON_CODES` order. Accuracy
    figures are None when the code never ran (it failed to load).
    """

    checks: Mapping[str, CheckResult]
    heldout_accuracy: float | None
    heldout_ci: tuple[float, float] | None
    baseline_accuracy: float | None
    n_shown: int
    n_heldout: int
    failures: tuple[FailedExample, ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reasons(self) -> tuple[str, ...]:
        failed = {name for name, check in self.checks.items() if check.failed}
        return tuple(name for name in REASON_CODES if name in failed)

    @property
    def accepted(self) -> bool:
        return not self.reasons

    def shown_failures(self) -> tuple[FailedExample, ...]:
        """Failures on shown examples only: the ones safe to put in a repair prompt."""
        return tuple(failure for failure in self.failures if failure.split == "shown")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the keys the ``verify`` CLI prints come first."""
        return {
            "accepted": self.accepted,
            "reasons": list(self.reasons),
            "checks": {
                name: self.checks[name].to_dict() for name in REASON_CODES if name in self.checks
            },
            "heldout_accuracy": self.heldout_accuracy,
            "heldout_ci": list(self.heldout_ci) if self.heldout_ci is not None else None,
            "baseline_accuracy": self.baseline_accuracy,
            "n_heldout": self.n_heldout,
            "n_shown": self.n_shown,
            "failures": [failure.to_dict() for failure in self.failures],
            "config": dict(self.config),
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Verdict:
        """Rebuild a verdict from :meth:`to_dict` output (``accepted`` and ``reasons`` are
        derived from the checks, so they are read back from them, not trusted).

        Raises ``KeyError``, ``TypeError`` or ``ValueError`` for a malformed document; callers
        that read files turn those into errors naming the file.
        """
        ci = values["heldout_ci"]
        return cls(
            checks={
                name: CheckResult.from_dict(name, check) for name, check in values["checks"].items()
            },
            heldout_accuracy=values["heldout_accuracy"],
            heldout_ci=None if ci is None else (float(ci[0]), float(ci[1])),
            baseline_accuracy=values["baseline_accuracy"],
            n_shown=int(values["n_shown"]),
            n_heldout=int(values["n_heldout"]),
            failures=tuple(FailedExample.from_dict(f) for f in values.get("failures", ())),
            config=dict(values.get("config", {})),
        )
