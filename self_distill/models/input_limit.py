"""A cap on prompt length in front of every backend, checked before any tokenizer runs.

Tokenizers take memory in proportion to their input: a 50 MB line took llama.cpp's and MiniLM's
tokenizers gigabytes before any context-window check could refuse it. Counting characters is
free, so every generator the registry builds refuses a prompt over ``max_input_chars`` (a
setting) with a message naming the limit, before the backend sees it.
"""

from __future__ import annotations

from self_distill.errors import ModelInputTooLongError
from self_distill.models.base import Completion, Message, TextGenerator


def prompt_chars(messages: list[Message]) -> int:
    """Characters in all message contents together."""
    return sum(len(message["content"]) for message in messages)


class InputLimitedGenerator(TextGenerator):
    """Pass requests to ``inner`` only when their messages hold at most ``max_chars`` characters."""

    def __init__(self, inner: TextGenerator, max_chars: int) -> None:
        self.inner = inner
        self.max_chars = max_chars
        self.spec = inner.spec

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        size = prompt_chars(messages)
        if size > self.max_chars:
            raise ModelInputTooLongError(
                f"the prompt to {self.spec} has {size:,} characters, over the limit of "
                f"{self.max_chars:,} (max_input_chars); shorten the input or raise "
                "max_input_chars in self-distill.toml"
            )
        return self.inner.complete(
            messages, max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop
        )
