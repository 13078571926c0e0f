"""The shared budget of one RLM call tree, kept on the host: sub-calls, tokens, wall time.

Every model call of the tree is charged here as it returns, each with its own usage (a batch is
charged per item, nested calls where they happen), so the tree's total is the sum of its calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from self_distill.models.base import Completion
from self_distill.rlm.config import RlmLimits


@dataclass(frozen=True)
class CallRecord:
    """One model call of the tree as the ledger holds it (``id`` is the ledger's call id)."""

    id: int | None
    purpose: str
    model: str
    depth: int
    parent_call_id: int | None
    input_tokens: int
    output_tokens: int
    latency_s: float
    cached: bool
    error: str | None = None

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Budget:
    """What the tree has spent and may still spend. Not visible from inside any REPL."""

    def __init__(self, limits: RlmLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self.started = clock()
        self.sub_calls = 0
        self.calls: list[CallRecord] = []
        self.max_depth_reached = 0

    @property
    def tokens(self) -> int:
        return sum(call.tokens for call in self.calls)

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self.started

    def exhausted(self) -> str | None:
        """Why no further call may be made (``tokens``, ``wall_time``), or None."""
        if self.tokens >= self.limits.max_tokens:
            return "tokens"
        if self.elapsed_s >= self.limits.max_wall_s:
            return "wall_time"
        return None

    def tokens_left(self) -> int:
        return max(0, self.limits.max_tokens - self.tokens)

    def take_sub_call(self) -> str | None:
        """Count one sub-call or child RLM; the reason it is refused, or None."""
        reason = self.exhausted()
        if reason is not None:
            return reason
        if self.sub_calls >= self.limits.max_sub_calls:
            return "sub_calls"
        self.sub_calls += 1
        return None

    def charge(
        self,
        call_id: int | None,
        purpose: str,
        model: str,
        depth: int,
        parent_call_id: int | None,
        completion: Completion | None,
        error: str | None = None,
    ) -> CallRecord:
        """Record one finished (or failed) call with its own usage."""
        record = CallRecord(
            id=call_id,
            purpose=purpose,
            model=completion.model if completion else model,
            depth=depth,
            parent_call_id=parent_call_id,
            input_tokens=completion.input_tokens if completion else 0,
            output_tokens=completion.output_tokens if completion else 0,
            latency_s=completion.latency_s if completion else 0.0,
            cached=completion.cached if completion else False,
            error=error,
        )
        self.calls.append(record)
        self.max_depth_reached = max(self.max_depth_reached, depth)
        return record
