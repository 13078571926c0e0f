"""Labelled examples for verification: the shown/held-out split and the ``verify`` JSONL format.

A verification needs two disjoint sets: *shown* examples (the creator saw them while writing the
skill) and *held-out* examples (it never did). Only held-out examples measure accuracy; shown ones
are used to detect code that memorises them. The JSONL format, one object per line::

    {"input": "...", "target": "...", "split": "shown"}   # "split" optional: shown | heldout

When no row carries a split, :func:`split_examples` splits them with a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from self_distill.errors import DataError, UsageError

SPLITS = ("shown", "heldout")


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
class LabelledData:
    """Examples read from a file; ``split`` holds each row's split, or None when unsplit."""

    examples: tuple[LabelledExample, ...]
    split: tuple[str, ...] | None


def read_labelled_jsonl(path: Path) -> LabelledData:
    """Read a verify JSONL file; blank lines are skipped.

    Raises :class:`DataError` naming the file and line for unreadable JSON, a missing or non-string
    ``input``/``target``, or an unknown ``split``; and when only some rows carry a split (the file
    must either split every row or none).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DataError(f"{path}: cannot read the data file ({error.strerror}).") from error
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason}); save it as UTF-8.") from error
    examples: list[LabelledExample] = []
    splits: list[str | None] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        example, split = _parse_row(path, number, line)
        examples.append(example)
        splits.append(split)
    if not examples:
        raise DataError(f"{path}: no examples; expected one JSON object per line.")
    given = [split for split in splits if split is not None]
    if not given:
        return LabelledData(tuple(examples), None)
    if len(given) != len(splits):
        missing = splits.index(None) + 1
        raise DataError(
            f"{path}: example {missing} has no 'split' while others do; give every row a split "
            "or none (then the verifier splits with --seed)."
        )
    return LabelledData(tuple(examples), tuple(given))


def _parse_row(path: Path, number: int, line: str) -> tuple[LabelledExample, str | None]:
    where = f"{path}:{number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}: not valid JSON ({error.msg} at column {error.colno}).") from None
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected a JSON object with 'input' and 'target'.")
    for key in ("input", "target"):
        if not isinstance(row.get(key), str):
            raise DataError(f"{where}: '{key}' must be a string; got {row.get(key)!r}.")
    split = row.get("split")
    if split is not None and split not in SPLITS:
        raise DataError(f"{where}: 'split' must be one of {', '.join(SPLITS)}; got {split!r}.")
    return LabelledExample(row["input"], row["target"]), split


def split_examples(
    examples: Sequence[LabelledExample], *, seed: int, shown_fraction: float = 0.5
) -> tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]:
    """Shuffle with ``seed`` and cut into (shown, heldout); both parts are non-empty.

    Raises :class:`UsageError` when fewer than two examples are given or ``shown_fraction`` is
    outside (0, 1).
    """
    if not 0.0 < shown_fraction < 1.0:
        raise UsageError(f"shown_fraction must lie strictly between 0 and 1, got {shown_fraction}.")
    if len(examples) < 2:
        raise UsageError("Splitting needs at least two examples (one shown, one held out).")
    order = list(examples)
    random.Random(seed).shuffle(order)
    cut = min(max(1, round(len(order) * shown_fraction)), len(order) - 1)
    return tuple(order[:cut]), tuple(order[cut:])


def apply_split(
    data: LabelledData, *, seed: int, shown_fraction: float = 0.5
) -> tuple[tuple[LabelledExample, ...], tuple[LabelledExample, ...]]:
    """(shown, heldout) from the file's own split, or a seeded split when it has none."""
    if data.split is None:
        return split_examples(data.examples, seed=seed, shown_fraction=shown_fraction)
    pairs = list(zip(data.examples, data.split, strict=True))
    shown = tuple(example for example, split in pairs if split == "shown")
    heldout = tuple(example for example, split in pairs if split == "heldout")
    return shown, heldout
