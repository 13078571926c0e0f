"""Labelled data for one skill creation: a shown split for the creator, a held-out one for the
verifier, read from a task file.

Files: JSONL rows ``{"input", "target"}`` with optional ``split`` (``shown``/``heldout``),
``family`` and ``answer_format``; BIG-Bench-Hard ``.json``; CoLA ``.tsv``. When the rows carry no
split, a stratified, duplicate-free split (:func:`~self_distill.tasks.split_tasks`) makes one.
Either way no held-out input equals a shown input after normalisation: a duplicate would let a
lookup table pass as a skill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from self_distill.errors import DataError, UsageError
from self_distill.skills.labelled_examples import LabelledExample, read_labelled_jsonl
from self_distill.tasks import Task, load_jsonl, load_tasks, normalise_text, split_tasks


@dataclass(frozen=True)
class CreationData:
    """The shown and held-out examples of one family, with how they were made."""

    family: str
    answer_format: str
    shown: tuple[LabelledExample, ...]
    heldout: tuple[LabelledExample, ...]
    source: str
    split_by: str
    dropped_duplicates: int = 0

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


def split_for_creation(
    tasks: Sequence[Task],
    *,
    n_shown: int,
    max_heldout: int | None,
    seed: int,
    source: str,
) -> CreationData:
    """A seeded, stratified split: ``n_shown`` shown tasks, at most ``max_heldout`` held out.

    Raises :class:`UsageError` when too few tasks remain for a held-out split.
    """
    family, answer_format = _one_family(tasks, source)
    if n_shown < 1:
        raise UsageError(f"need at least one shown example, got n_shown={n_shown}")
    if len(tasks) < n_shown + 1:
        raise UsageError(
            f"{source}: {len(tasks)} tasks cannot give {n_shown} shown examples and a held-out "
            "split; lower --shown or give more data"
        )
    share = min(0.9, (n_shown + 0.5) / len(tasks))
    splits = split_tasks(list(tasks), {"shown": share, "heldout": 1.0 - share}, seed=seed)
    shown, extra = splits["shown"][:n_shown], splits["shown"][n_shown:]
    heldout = splits["heldout"] + extra
    if max_heldout is not None:
        heldout = heldout[:max_heldout]
    if not heldout:
        raise UsageError(f"{source}: no held-out examples left after the split; give more data")
    return CreationData(
        family=family,
        answer_format=answer_format,
        shown=tuple(LabelledExample(t.input, t.target) for t in shown),
        heldout=tuple(LabelledExample(t.input, t.target) for t in heldout),
        source=source,
        split_by=f"split_tasks(seed={seed})",
        dropped_duplicates=splits.dropped_duplicates,
    )


def load_creation_data(
    path: Path,
    *,
    family: str | None = None,
    n_shown: int = 16,
    max_heldout: int | None = 200,
    seed: int = 0,
) -> CreationData:
    """Read ``path`` and return its shown/held-out examples for one family.

    ``family`` picks one family from a file holding several (required then). A JSONL file whose
    rows carry ``split`` keeps its split exactly (``n_shown`` and ``max_heldout`` then do not
    apply); otherwise the split is made with ``seed``.
    """
    if path.suffix.lower() == ".jsonl":
        splits = read_labelled_jsonl(path).split
        if splits is not None:
            return _given_split(path, splits, family)
    tasks = _pick_family(load_tasks(path), family, str(path))
    return split_for_creation(
        tasks, n_shown=n_shown, max_heldout=max_heldout, seed=seed, source=str(path)
    )


def _given_split(path: Path, splits: Sequence[str], family: str | None) -> CreationData:
    """The file's own split; held-out rows repeating a shown input are dropped and counted."""
    every_task = load_jsonl(path)
    split_of = {task.id: split for task, split in zip(every_task, splits, strict=True)}
    tasks = _pick_family(every_task, family, str(path))
    pairs = [(task, split_of[task.id]) for task in tasks]
    family_name, answer_format = _one_family(tasks, str(path))
    shown = [task for task, split in pairs if split == "shown"]
    seen = {normalise_text(task.input) for task in shown}
    heldout_all = [task for task, split in pairs if split == "heldout"]
    heldout = [task for task in heldout_all if normalise_text(task.input) not in seen]
    if not shown or not heldout:
        raise DataError(
            f"{path}: the file's split gives {len(shown)} shown and {len(heldout)} held-out "
            "examples (held-out inputs equal to shown ones removed); both must be non-empty"
        )
    return CreationData(
        family=family_name,
        answer_format=answer_format,
        shown=tuple(LabelledExample(t.input, t.target) for t in shown),
        heldout=tuple(LabelledExample(t.input, t.target) for t in heldout),
        source=str(path),
        split_by="file",
        dropped_duplicates=len(heldout_all) - len(heldout),
    )


def _pick_family(tasks: list[Task], family: str | None, source: str) -> list[Task]:
    if family is None:
        return tasks
    picked = [task for task in tasks if task.family == family]
    if not picked:
        known = sorted({task.family for task in tasks})
        raise UsageError(f"{source}: no tasks of family {family!r}; families here: {known}")
    return picked


def _one_family(tasks: Sequence[Task], source: str) -> tuple[str, str]:
    """The single family and answer format of ``tasks``; several of either is a usage error."""
    if not tasks:
        raise DataError(f"{source}: no tasks to create a skill from")
    families = sorted({task.family for task in tasks})
    if len(families) > 1:
        raise UsageError(
            f"{source}: holds several families ({', '.join(families)}); a skill serves one, so "
            "pick it with --family"
        )
    formats = sorted({task.answer_format for task in tasks})
    if len(formats) > 1:
        raise DataError(
            f"{source}: family {families[0]!r} mixes answer formats {formats}; one skill needs "
            "one answer format"
        )
    return families[0], formats[0]
