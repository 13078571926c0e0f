"""The training progress bar the CLI and the experiments show (steps done, loss, time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

StepCallback = Callable[[Any, int], None]


@contextmanager
def training_progress(console: Console, *, disable: bool = False) -> Iterator[StepCallback]:
    """A bar on ``console`` for a training run; yields the ``on_step(log, total)`` callback
    that :func:`~self_distill.distill.train.train_student` calls after each step."""
    with Progress(
        "training",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        "{task.description}",
        console=console,
        disable=disable,
    ) as progress:
        bar = progress.add_task("", total=None)

        def on_step(log: Any, total: int) -> None:
            progress.update(
                bar, completed=log.step, total=total, description=f"loss {log.loss:.3f}"
            )

        yield on_step
