"""Reflection, the linguistic-RL arm: the model reviews its own labelled mistakes on a cluster
and writes a short strategy in words, which then rides in the system prompt.

The strategy is measured, never assumed to help: the model with and without it, and a student
trained with and without it, on the same held-out tasks (``experiments/exp008_reflection.py``).
Only mistakes on training tasks are shown, so the held-out tasks stay unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.ledger import RecordedModel
from self_distill.models.base import Message

MAX_MISTAKES = 8
"""Mistakes shown in one reflection prompt (a small model's context is short)."""
MAX_STRATEGY_CHARS = 800

REFLECTION_SYSTEM = (
    "You review your own mistakes on a recurring kind of task and write a strategy that "
    "avoids them next time."
)


@dataclass(frozen=True)
class Mistake:
    """A labelled task the model answered wrong."""

    input: str
    answer: str
    target: str


def reflection_messages(mistakes: Sequence[Mistake]) -> list[Message]:
    """The prompt asking for a strategy from (at most :data:`MAX_MISTAKES`) mistakes."""
    shown = "\n\n".join(
        f"Task:\n{m.input}\nYour answer: {m.answer}\nCorrect answer: {m.target}"
        for m in mistakes[:MAX_MISTAKES]
    )
    request = (
        f"Here are tasks of one kind that you answered wrongly, each with the correct answer.\n\n"
        f"{shown}\n\nWrite a short strategy (at most five numbered steps, in words, no code) "
        "for answering any task of this kind correctly, including the exact form the answer "
        "must take. Reply with the steps only."
    )
    return [{"role": "system", "content": REFLECTION_SYSTEM}, {"role": "user", "content": request}]


def write_strategy(
    model: RecordedModel, mistakes: Sequence[Mistake], *, max_tokens: int = 256, seed: int = 0
) -> str:
    """The model's strategy from its mistakes (purpose ``reflect`` in the ledger)."""
    if not mistakes:
        raise ValueError("reflection needs at least one mistake")
    completion = model.complete(
        reflection_messages(mistakes), purpose="reflect", max_tokens=max_tokens, seed=seed
    )
    return completion.text.strip()[:MAX_STRATEGY_CHARS]


def system_with_strategy(strategy: str) -> str:
    """The direct-answer system prompt with the strategy after it."""
    return f"{DIRECT_ANSWER_SYSTEM}\n\nStrategy for this kind of task:\n{strategy}"
