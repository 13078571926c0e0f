"""A model's context window and token counter, so prompts are checked before they are sent.

llama.cpp models report their window (``n_ctx``) and count tokens exactly with their own
tokenizer. For other backends the window is unknown unless given, and tokens are estimated
conservatively (one token per two characters: digits and punctuation tokenise densely).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from self_distill.models.base import Message, TextGenerator

CHARS_PER_TOKEN_ESTIMATE = 2.0
MESSAGE_OVERHEAD_TOKENS = 8
"""Tokens a chat template adds around each message (role markers), counted on top."""


def estimate_tokens(text: str) -> int:
    """A conservative token count for a tokenizer we cannot run."""
    return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


@dataclass(frozen=True)
class ModelWindow:
    """``tokens``: the context window (None: unknown, nothing checked); ``count``: a counter."""

    tokens: int | None
    count: Callable[[str], int]

    def prompt_tokens(self, messages: list[Message]) -> int:
        return sum(self.count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages)

    def fits(self, messages: list[Message], reply_tokens: int) -> bool:
        """Whether ``messages`` plus a reply of ``reply_tokens`` fit in the window."""
        return self.tokens is None or self.prompt_tokens(messages) + reply_tokens <= self.tokens

    def chars_for(self, tokens: int) -> int:
        """Roughly how many characters make ``tokens`` tokens (for advice to the model)."""
        return int(tokens * CHARS_PER_TOKEN_ESTIMATE)


def model_window(generator: TextGenerator, tokens: int | None = None) -> ModelWindow:
    """The window of ``generator`` (looking through caching and length-cap wrappers).

    ``tokens`` overrides the window (for backends that do not report one).
    """
    inner: object = generator
    while True:
        n_ctx = getattr(inner, "n_ctx", None)
        counter = getattr(inner, "count_tokens", None)
        if isinstance(n_ctx, int) and callable(counter):
            return ModelWindow(tokens or n_ctx, counter)
        if not hasattr(inner, "inner"):
            return ModelWindow(tokens, estimate_tokens)
        inner = inner.inner
