"""The one interface every text generator implements.

A backend turns chat ``messages`` into a :class:`Completion`. Everything above this layer (the
skill creator, the router, experiments) sees only this shape, so swapping SmolLM2 for Opus is a
change of spec string, never of code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any, TypedDict


class Message(TypedDict):
    """One chat message: ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str


@dataclass(frozen=True)
class Completion:
    """What one generation produced and what it cost.

    ``cost_usd`` is the priced cost of the tokens (0 for local models, whose wall time is in
    ``latency_s``); ``cached`` is true when the answer came from the response cache and no model
    ran.
    """

    text: str
    input_tokens: int
    output_tokens: int
    latency_s: float
    cost_usd: float
    model: str
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The completion as a JSON-ready dict with exactly the documented field names."""
        return asdict(self)


class TextGenerator(ABC):
    """A backend that completes chat messages. Subclasses are registered by spec prefix."""

    spec: str

    @abstractmethod
    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        """Generate a reply to ``messages``; raise a :class:`~self_distill.errors.ModelError`."""
