"""The limits of one RLM run, enforced by the host; nothing inside the REPL can read or change them.

One :class:`RlmLimits` governs a whole call tree: the root RLM, its sub-calls and its child RLMs
draw on one shared :class:`~self_distill.rlm.budget.Budget`, so a child gets only what its parent
has left. ``max_iterations`` is per RLM (each child has its own turns, within the shared budget).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from self_distill.errors import UsageError


@dataclass(frozen=True)
class RlmLimits:
    """Every limit of an RLM run, each documented; saved with a run's results."""

    max_iterations: int = 6
    """Root-model turns per RLM; when they run out, one extraction call asks for the answer."""
    max_depth: int = 1
    """Deepest child RLM ``rlm_query`` may start (root = depth 0); 0 allows none."""
    max_sub_calls: int = 24
    """``llm_query`` items and child RLMs together, over the whole tree."""
    max_tokens: int = 60_000
    """Input plus output tokens of every call in the tree together."""
    max_wall_s: float = 900.0
    """Wall-clock seconds for the whole tree."""
    cell_timeout_s: float = 10.0
    """Seconds one cell's own code may run (time the host spends answering it not counted)."""
    max_output_chars: int = 1500
    """Characters of a cell's output shown to the model; the rest is cut with a note."""
    root_max_tokens: int = 300
    """Longest reply of a root-model call."""
    sub_max_tokens: int = 256
    """Longest reply of a sub-call."""
    preview_chars: int = 700
    """Characters of the input's beginning shown in the first prompt."""

    def __post_init__(self) -> None:
        positive = {
            "max_iterations": self.max_iterations,
            "max_tokens": self.max_tokens,
            "max_wall_s": self.max_wall_s,
            "cell_timeout_s": self.cell_timeout_s,
            "max_output_chars": self.max_output_chars,
            "root_max_tokens": self.root_max_tokens,
            "sub_max_tokens": self.sub_max_tokens,
        }
        bad = [name for name, value in positive.items() if not value > 0]
        if self.max_depth < 0 or self.max_sub_calls < 0 or self.preview_chars < 0:
            bad.append("max_depth, max_sub_calls and preview_chars must be >= 0")
        if bad:
            raise UsageError(f"invalid RLM limits: {', '.join(bad)} must be > 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
