"""Shared set-up for RLM tests: scripted root and sub models recorded in a temporary ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from self_distill.ledger import Ledger, RecordedModel
from self_distill.rlm import RlmAnswer, RlmLimits, RlmModels, run_rlm
from self_distill.rlm.window import ModelWindow, estimate_tokens
from tests.support.scripted_model import ScriptedFakeModel

Replies = Sequence[str] | Callable[[list[Any]], str]


def cell(code: str) -> str:
    """A root-model reply holding one code block."""
    return f"Plan.\n```python\n{code.rstrip()}\n```"


class Harness:
    """Runs RLMs with scripted models against one ledger run."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.run_id = ledger.start_run("rlm-test")
        self.root: ScriptedFakeModel | None = None
        self.sub: ScriptedFakeModel | None = None

    def run(
        self,
        root: Replies,
        sub: Replies = ("sub answer",),
        *,
        context: str = "alpha beta gamma",
        limits: RlmLimits | None = None,
        sub_window: int | None = None,
        sandbox_options: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> RlmAnswer:
        self.root = ScriptedFakeModel(root, spec="scripted:root")
        self.sub = ScriptedFakeModel(sub, spec="scripted:sub")
        models = RlmModels(
            RecordedModel(self.root, self.ledger, self.run_id),
            RecordedModel(self.sub, self.ledger, self.run_id),
            ModelWindow(None, estimate_tokens),
            ModelWindow(sub_window, estimate_tokens),
        )
        return run_rlm(
            context,
            models,
            limits=limits or RlmLimits(cell_timeout_s=1.0),
            sandbox_options=sandbox_options,
            on_event=events.append if events is not None else None,
        )


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        yield Harness(ledger)
