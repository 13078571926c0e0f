"""What an RLM run did, step by step: the record the CLI shows and skill lifting reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from self_distill.rlm.budget import CallRecord


@dataclass(frozen=True)
class Cell:
    """One code block the model wrote and what running it gave.

    ``output`` is what the model was shown (cut); ``sub_calls`` counts the llm_query items and
    child RLMs it made; ``final`` is true for the cell that set the answer.
    """

    code: str
    ok: bool
    output: str
    error: str | None
    duration_s: float
    sub_calls: int = 0
    final: bool = False
    restarted: bool = False


@dataclass(frozen=True)
class Step:
    """One root-model turn: its reply (ledger call ``call_id``) and the cells it ran."""

    iteration: int
    call_id: int | None
    reply: str
    cells: tuple[Cell, ...]


@dataclass
class Trajectory:
    """One RLM (root or child) at ``depth``: its steps, children, answer and why it stopped.

    ``answer_source`` is ``final`` (set by executed code), ``extraction`` (the one call made
    when the iterations ran out) or None (no answer). ``stop_reason``: ``final``,
    ``max_iterations``, ``tokens``, ``wall_time``, ``model_error``.
    """

    depth: int
    context_chars: int
    steps: list[Step] = field(default_factory=list)
    children: list[Trajectory] = field(default_factory=list)
    answer: str | None = None
    answer_source: str | None = None
    stop_reason: str = ""

    @property
    def iterations(self) -> int:
        return len(self.steps)

    def cells(self) -> list[Cell]:
        return [cell for step in self.steps for cell in step.cells]

    def to_dict(self) -> dict[str, Any]:
        return {
            "depth": self.depth,
            "context_chars": self.context_chars,
            "answer": self.answer,
            "answer_source": self.answer_source,
            "stop_reason": self.stop_reason,
            "steps": [asdict(step) for step in self.steps],
            "children": [child.to_dict() for child in self.children],
        }


@dataclass(frozen=True)
class RlmAnswer:
    """The result of :func:`~self_distill.rlm.engine.run_rlm`.

    ``text`` is the answer (None when there is none); ``tokens`` the sum over ``calls``, every
    model call of the tree (root, sub, nested), as recorded in the ledger under ``run_id``.
    """

    text: str | None
    tokens: int
    calls: tuple[CallRecord, ...]
    trajectory: Trajectory
    wall_s: float
    max_depth_reached: int
    run_id: str | None = None

    @property
    def root_tokens(self) -> int:
        return sum(call.tokens for call in self.calls if call.purpose == "rlm_root")

    @property
    def sub_tokens(self) -> int:
        return sum(call.tokens for call in self.calls if call.purpose == "rlm_sub")

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tokens": self.tokens,
            "root_tokens": self.root_tokens,
            "sub_tokens": self.sub_tokens,
            "wall_s": self.wall_s,
            "iterations": self.trajectory.iterations,
            "max_depth_reached": self.max_depth_reached,
            "run_id": self.run_id,
            "calls": [call.to_dict() for call in self.calls],
            "trajectory": self.trajectory.to_dict(),
        }
