"""Labelled examples for one skill: a shown split for the creator, a held-out one for the verifier.

Creation and verification read their data through :func:`load_skill_data` and split it with
:func:`split_examples`, so ``create`` and ``verify`` judge a skill on the same kind of split.
Data comes from any task source (:func:`~self_distill.tasks.load_tasks`: a ``.jsonl`` file with
``input``/``target`` and optional ``split``, ``family``, ``answer_format``; a BIG-Bench-Hard
``.json``; a CoLA ``.tsv``; ``bbh:<task>``; a generated family). Rows that carry a ``split`` keep
it; otherwise a seeded, stratified split makes one. Either way no held-out input equals a shown
input after normalisation: a duplicate would let a lookup table pass as a skill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from self_distill.errors import DataError, UsageError
from self_distill.tasks import (
    ANSWER_FORMATS,
    SPLITS,
    Task,
    load_tasks,
    normalise_text,
    split_tasks,
)
from self_distill.tasks.sources import DEFAULT_GENERATED, is_generated

DEFAULT_SHOWN = 16
"""Shown examples a creation gets unless told otherwise."""

SPARE_GENERATED = 20
"""Tasks generated beyond ``n_shown + max_heldout`` for a generated family, so the stratified
split can round without running short."""


class Labelled(Protocol):
    """Anything with an ``input`` text and a ``target`` answer (``LabelledExample``, ``Task``)."""

    @property
    def input(self) -> str: ...

    @property
    def target(self) -> str: ...


@dataclass(frozen=True)
class LabelledExample:
    """One task input and its expected answer (the target, in the task's answer format)."""

    input: str
    target: str


@dataclass(frozen=True)
class SkillData:
    """The shown and held-out examples of one family, with how they were made."""

    family: str
    answer_format: str
    shown: tuple[LabelledExample, ...]
    heldout: tuple[LabelledExample, ...]
    source: str
    split_by: str
    dropped_duplicates: int = 0

    def with_splits(self) -> list[tuple[LabelledExample, str]]:
        """Every example with its split name, shown first (the store's ``examples.jsonl``)."""
        return [(e, "shown") for e in self.shown] + [(e, "heldout") for e in self.heldout]

    def describe(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "answer_format": self.answer_format,
            "source": self.source,
            "split_by": self.split_by,
            "n_shown": len(self.shown),
            "n_heldout": len(self.heldout),
            "dropped_duplicates": self.dropped_duplicates,
        }


def split_examples(
    tasks: Sequence[Task],
    *,
    n_shown: int,
    max_heldout: int | None,
    seed: int,
    source: str,
    answer_format: str | None = None,
) -> SkillData:
    """The one split: seeded, stratified, duplicate-free; ``n_shown`` shown, the rest held out.

    At most ``max_heldout`` tasks are held out (None: all the rest). ``answer_format`` overrides
    the tasks' own. Raises :class:`UsageError` when too few tasks remain for a held-out split.
    """
    family, formats = _one_family(tasks, source, answer_format)
    if n_shown < 1:
        raise UsageError(f"need at least one shown example, got n_shown={n_shown}")
    if len(tasks) < n_shown + 1:
        raise UsageError(
            f"{source}: {len(tasks)} tasks cannot give {n_shown} shown examples and a held-out "
            "split; show fewer examples or give more data"
        )
    share = min(0.9, (n_shown + 0.5) / len(tasks))
    splits = split_tasks(list(tasks), {"shown": share, "heldout": 1.0 - share}, seed=seed)
    shown, extra = splits["shown"][:n_shown], splits["shown"][n_shown:]
    heldout = splits["heldout"] + extra
    if max_heldout is not None:
        heldout = heldout[:max_heldout]
    if not heldout:
        raise UsageError(f"{source}: no held-out examples left after the split; give more data")
    return SkillData(
        family=family,
        answer_format=formats,
        shown=_examples(shown),
        heldout=_examples(heldout),
        source=source,
        split_by=f"split_tasks(seed={seed})",
        dropped_duplicates=splits.dropped_duplicates,
    )


def load_skill_data(
    data: str | Path | Sequence[Task],
    *,
    family: str | None = None,
    n_shown: int = DEFAULT_SHOWN,
    shown_fraction: float | None = None,
    max_heldout: int | None = 200,
    seed: int = 0,
    answer_format: str | None = None,
    difficulty: str = "medium",
) -> SkillData:
    """Shown and held-out examples of one family from a task source or a list of tasks.

    ``family`` picks one family where the data hold several (required then). Data whose rows
    all carry a ``split`` keep it exactly (``n_shown``, ``shown_fraction`` and ``max_heldout``
    then do not apply); otherwise :func:`split_examples` splits with ``seed``, showing
    ``n_shown`` tasks, or ``shown_fraction`` of them when that is given. A generated family is
    generated with ``seed`` and ``difficulty``, just enough for the split.
    """
    if answer_format is not None and answer_format not in ANSWER_FORMATS:
        raise UsageError(
            f"unknown answer format {answer_format!r}; use one of {', '.join(ANSWER_FORMATS)}"
        )
    if shown_fraction is not None and not 0.0 < shown_fraction < 1.0:
        raise UsageError(f"shown_fraction must lie strictly between 0 and 1, got {shown_fraction}")
    if isinstance(data, str | Path):
        source = str(data)
        heldout = DEFAULT_GENERATED if max_heldout is None else max_heldout
        count = n_shown + heldout + SPARE_GENERATED if is_generated(data) else None
        tasks = load_tasks(data, n=count, seed=seed, difficulty=difficulty)
    else:
        source, tasks = "tasks", list(data)
    if not tasks:
        raise DataError(f"{source}: no tasks; expected labelled examples")
    tasks = _pick_family(tasks, family, source)
    splits = _given_splits(tasks, source)
    if splits is not None:
        return _kept_split(tasks, splits, source, answer_format)
    if shown_fraction is not None:
        n_shown = max(1, min(round(len(tasks) * shown_fraction), len(tasks) - 1))
    return split_examples(
        tasks,
        n_shown=n_shown,
        max_heldout=max_heldout,
        seed=seed,
        source=source,
        answer_format=answer_format,
    )


def _given_splits(tasks: Sequence[Task], source: str) -> list[str] | None:
    """Each task's ``split`` from its row, None when no row has one; some rows only: an error."""
    splits = [task.meta.get("split") for task in tasks]
    if all(split is None for split in splits):
        return None
    if any(split is None for split in splits):
        missing = next(task for task, split in zip(tasks, splits, strict=True) if split is None)
        raise DataError(
            f"{source}: task {missing.id!r} has no 'split' while others do; give every row a "
            "split or none (then a seeded split is made)"
        )
    return [str(split) for split in splits]


def _kept_split(
    tasks: Sequence[Task], splits: Sequence[str], source: str, answer_format: str | None
) -> SkillData:
    """The data's own split; held-out rows repeating a shown input are dropped and counted."""
    family, formats = _one_family(tasks, source, answer_format)
    shown = [task for task, split in zip(tasks, splits, strict=True) if split == SPLITS[0]]
    seen = {normalise_text(task.input) for task in shown}
    heldout_all = [task for task, split in zip(tasks, splits, strict=True) if split == SPLITS[1]]
    heldout = [task for task in heldout_all if normalise_text(task.input) not in seen]
    if not shown or not heldout:
        raise DataError(
            f"{source}: the data's split gives {len(shown)} shown and {len(heldout)} held-out "
            "examples (held-out inputs equal to shown ones removed); both must be non-empty"
        )
    return SkillData(
        family=family,
        answer_format=formats,
        shown=_examples(shown),
        heldout=_examples(heldout),
        source=source,
        split_by="file",
        dropped_duplicates=len(heldout_all) - len(heldout),
    )


def _examples(tasks: Sequence[Task]) -> tuple[LabelledExample, ...]:
    return tuple(LabelledExample(task.input, task.target) for task in tasks)


def _pick_family(tasks: list[Task], family: str | None, source: str) -> list[Task]:
    if family is None:
        return tasks
    picked = [task for task in tasks if task.family == family]
    if not picked:
        known = sorted({task.family for task in tasks})
        raise UsageError(f"{source}: no tasks of family {family!r}; families here: {known}")
    return picked


def _one_family(tasks: Sequence[Task], source: str, answer_format: str | None) -> tuple[str, str]:
    """The single family of ``tasks`` and their answer format (``answer_format`` when given).

    Several families is a usage error; several answer formats in one family is a data error.
    """
    if not tasks:
        raise DataError(f"{source}: no tasks to build a skill from")
    families = sorted({task.family for task in tasks})
    if len(families) > 1:
        raise UsageError(
            f"{source}: holds several families ({', '.join(families)}); a skill serves one, so "
            "pick it with --family"
        )
    if answer_format is not None:
        return families[0], answer_format
    formats = sorted({task.answer_format for task in tasks})
    if len(formats) > 1:
        raise DataError(
            f"{source}: family {families[0]!r} mixes answer formats {formats}; one skill needs "
            "one answer format"
        )
    return families[0], formats[0]
