"""When a router should send a task to RLM mode instead of the plain call.

Two reasons, each checkable on its own: the input does not fit the model's window (the plain call
would have to cut it), or held-out tasks of the task's cluster showed RLM clearly better than the
plain call (RLM's 95% lower bound above the plain call's upper bound). Small models on short
inputs are often worse in RLM mode, so nothing else routes there.
"""

from __future__ import annotations

from dataclasses import dataclass

from self_distill.stats import wilson_interval

PROMPT_ROOM_TOKENS = 300
"""Tokens kept free for the system prompt and the reply when judging whether an input fits."""


@dataclass(frozen=True)
class RlmComparison:
    """Held-out results of one cluster: correct answers out of ``n`` for each mode."""

    n: int
    plain_correct: float
    rlm_correct: float

    @property
    def rlm_clearly_better(self) -> bool:
        if self.n == 0:
            return False
        plain_high = wilson_interval(self.plain_correct, self.n)[1]
        rlm_low = wilson_interval(self.rlm_correct, self.n)[0]
        return rlm_low > plain_high


def prefer_rlm(
    input_tokens: int, window_tokens: int | None, comparison: RlmComparison | None = None
) -> bool:
    """True when the input is longer than the window allows, or the cluster's comparison shows
    RLM clearly better; the agent's router calls this, then :func:`~self_distill.api.rlm_answer`."""
    too_long = window_tokens is not None and input_tokens > window_tokens - PROMPT_ROOM_TOKENS
    return too_long or (comparison is not None and comparison.rlm_clearly_better)
