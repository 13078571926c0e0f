"""ScriptedFakeModel: a test-only generator that replays scripted replies.

It exists to drive logic that needs deterministic model output (code extraction, repair loops).
It is never used in the product path; real backends are tested against real models or loopback
stand-in servers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from self_distill.models.base import Completion, Message, TextGenerator

ReplyFunction = Callable[[list[Message]], str]


class ScriptedFakeModel(TextGenerator):
    """Returns scripted replies in order (cycling at the end), or a function of the messages."""

    def __init__(self, replies: Sequence[str] | ReplyFunction, spec: str = "scripted:fake") -> None:
        self.spec = spec
        self._replies = replies
        self.calls: list[list[Message]] = []
        self.temperatures: list[float] = []

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        self.calls.append(list(messages))
        self.temperatures.append(temperature)
        if callable(self._replies):
            text = self._replies(messages)
        else:
            text = self._replies[(len(self.calls) - 1) % len(self._replies)]
        prompt_words = sum(len(message["content"].split()) for message in messages)
        return Completion(
            text=text,
            input_tokens=prompt_words,
            output_tokens=len(text.split()),
            latency_s=0.0,
            cost_usd=0.0,
            model=self.spec,
        )
