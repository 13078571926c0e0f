"""Loaders for real data: BIG-Bench-Hard task JSON, CoLA TSV and a generic JSONL format.

Every loader either returns tasks or raises :class:`~self_distill.errors.DataError` naming the
file, the line (or example) and the problem; nothing is skipped silently.

Families: BIG-Bench-Hard tasks get ``bbh:<file stem>`` (``bbh:word_sorting``), CoLA tasks get
``cola``, JSONL tasks keep their ``family`` field or default to the file stem.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from self_distill.errors import DataError, UsageError
from self_distill.tasks.jsonl import JsonlRow, jsonl_text, read_jsonl, read_text_file
from self_distill.tasks.task import ANSWER_FORMATS, SPLITS, Task

COLA_INSTRUCTION = (
    "Is the following sentence grammatically acceptable English? "
    "Answer 1 for acceptable or 0 for unacceptable.\nSentence: {sentence}"
)

_CHOICE = re.compile(r"^\([A-Z]\)$")
_INTEGER = re.compile(r"^-?\d+$")


def infer_answer_format(targets: Iterable[str]) -> str:
    """``choice`` for "(A)" letters, ``yesno``, ``numeric`` for integers, otherwise ``exact``."""
    values = list(targets)
    if values and all(_CHOICE.match(value) for value in values):
        return "choice"
    if values and all(value.strip().lower() in ("yes", "no") for value in values):
        return "yesno"
    if values and all(_INTEGER.match(value.strip()) for value in values):
        return "numeric"
    return "exact"


def load_bbh(path: str | Path, family: str | None = None) -> list[Task]:
    """Tasks from a BIG-Bench-Hard JSON file (``{"examples": [{"input", "target"}, ...]}``).

    The family defaults to ``bbh:<file stem>``; the answer format is inferred from the targets
    (:func:`infer_answer_format`). The file's canary string is not copied into the tasks.
    """
    path = Path(path)
    try:
        document = json.loads(read_text_file(path))
    except json.JSONDecodeError as error:
        raise DataError(
            f"{path}: line {error.lineno}: invalid JSON ({error.msg}); "
            "expected a BIG-Bench-Hard task file"
        ) from None
    examples = document.get("examples") if isinstance(document, dict) else None
    if not isinstance(examples, list):
        raise DataError(
            f'{path}: no "examples" list at the top level; '
            'expected {"examples": [{"input": ..., "target": ...}, ...]}'
        )
    name = family or f"bbh:{path.stem}"
    pairs: list[tuple[str, str]] = []
    for index, example in enumerate(examples):
        if not (
            isinstance(example, dict)
            and isinstance(example.get("input"), str)
            and isinstance(example.get("target"), str)
        ):
            raise DataError(
                f'{path}: example {index}: needs string fields "input" and "target", '
                f"got {str(example)[:80]}"
            )
        pairs.append((example["input"], example["target"]))
    answer_format = infer_answer_format(target for _, target in pairs)
    return [
        Task(
            id=f"{name}:{index}",
            family=name,
            input=text,
            target=target,
            answer_format=answer_format,
            meta={"source": path.name, "index": index},
        )
        for index, (text, target) in enumerate(pairs)
    ]


def load_cola(path: str | Path, instruction: str = COLA_INSTRUCTION) -> list[Task]:
    """Tasks from a CoLA TSV file: source, label (1/0), original mark, sentence; no header.

    The input is ``instruction`` with the sentence filled in; the target is ``"1"`` (acceptable)
    or ``"0"``, answer format ``label``.
    """
    path = Path(path)
    tasks: list[Task] = []
    rows = csv.reader(read_text_file(path).splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    for line_number, row in enumerate(rows, start=1):
        if not row:
            continue
        if len(row) != 4:
            raise DataError(
                f"{path}: line {line_number}: expected 4 tab-separated columns "
                f"(source, label, mark, sentence), found {len(row)}"
            )
        source, label, mark, sentence = row
        if label not in ("0", "1"):
            raise DataError(f"{path}: line {line_number}: label must be 0 or 1, found {label!r}")
        if not sentence.strip():
            raise DataError(f"{path}: line {line_number}: empty sentence")
        tasks.append(
            Task(
                id=f"cola:{path.stem}:{line_number}",
                family="cola",
                input=instruction.format(sentence=sentence.strip()),
                target=label,
                answer_format="label",
                meta={"source": source, "mark": mark, "sentence": sentence, "line": line_number},
            )
        )
    if not tasks:
        raise DataError(f"{path}: no rows; expected CoLA TSV lines")
    return tasks


def _task_from_record(record: Any, path: Path, line_number: int, *, labelled: bool = True) -> Task:
    where = f"{path}:{line_number}"
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, found {type(record).__name__}")
    unlabelled = not labelled and record.get("target") is None
    for key in ("input",) if unlabelled else ("input", "target"):
        if not isinstance(record.get(key), str):
            raise DataError(f'{where}: field "{key}" is missing or not a string')
    for key in ("id", "family", "answer_format"):
        if key in record and not isinstance(record[key], str):
            raise DataError(f'{where}: field "{key}" must be a string')
    answer_format = "free" if unlabelled else record.get("answer_format", "exact")
    if answer_format not in ANSWER_FORMATS:
        raise DataError(
            f"{where}: unknown answer_format {answer_format!r}; use one of "
            f"{', '.join(ANSWER_FORMATS)}"
        )
    meta = record.get("meta", {})
    if not isinstance(meta, dict):
        raise DataError(f'{where}: field "meta" must be an object')
    split = record.get("split")
    if split is not None:
        if split not in SPLITS:
            raise DataError(f"{where}: 'split' must be one of {', '.join(SPLITS)}; got {split!r}")
        meta = {**meta, "split": split}
    return Task(
        id=record.get("id", f"{path.stem}:{line_number}"),
        family=record.get("family", path.stem),
        input=record["input"],
        target="" if unlabelled else record["target"],
        answer_format=answer_format,
        meta=meta,
    )


def load_jsonl(
    path: str | Path, *, labelled: bool = True, skipped: list[str] | None = None
) -> list[Task]:
    """Tasks from JSON Lines: ``input`` and ``target`` required; ``family`` (default: file stem),
    ``id`` (default ``<stem>:<line>``), ``answer_format`` (default ``exact``), ``split``
    (``shown`` or ``heldout``, kept in ``meta["split"]``) and ``meta`` optional.

    With ``labelled=False`` (clustering needs no answers) a row may lack ``target`` (or hold
    ``null``): it becomes a task with answer format ``free`` and an empty target.
    Blank lines are allowed; ids must be unique. With ``skipped`` given, a bad line is left out
    and its message appended there instead of raising.
    """
    path = Path(path)
    rows = read_jsonl(path, skipped=skipped)
    return tasks_from_rows(rows, path, labelled=labelled, skipped=skipped)


def tasks_from_rows(
    rows: Iterable[JsonlRow],
    path: Path,
    *,
    labelled: bool = True,
    skipped: list[str] | None = None,
) -> list[Task]:
    """Tasks from parsed JSONL rows (a file's, or standard input's with ``path`` naming it)."""
    tasks: list[Task] = []
    first_line: dict[str, int] = {}
    for row in rows:
        try:
            task = _task_from_record(row.record, path, row.line, labelled=labelled)
            if task.id in first_line:
                raise DataError(
                    f"{row.where}: duplicate id {task.id!r} "
                    f"(first used on line {first_line[task.id]}); ids must be unique"
                )
        except DataError as error:
            if skipped is None:
                raise
            skipped.append(str(error))
            continue
        first_line[task.id] = row.line
        tasks.append(task)
    return tasks


def write_jsonl(tasks: Iterable[Task], path: str | Path) -> int:
    """Write ``tasks`` as JSON Lines readable by :func:`load_jsonl`; returns the count written."""
    rows = [task.to_dict() for task in tasks]
    Path(path).write_text(jsonl_text(rows), encoding="utf-8")
    return len(rows)


def load_task_file(path: str | Path, *, labelled: bool = True) -> list[Task]:
    """Load any supported file, chosen by extension: .jsonl, .json (BIG-Bench-Hard), .tsv (CoLA).

    ``labelled=False`` lets JSONL rows go without ``target`` (see :func:`load_jsonl`). A file with
    no tasks is a :class:`DataError`: every caller needs at least one.
    """
    path = Path(path)
    loaders = {
        ".jsonl": partial(load_jsonl, labelled=labelled),
        ".json": load_bbh,
        ".tsv": load_cola,
    }
    loader = loaders.get(path.suffix.lower())
    if loader is None:
        raise UsageError(
            f"{path}: unsupported extension {path.suffix!r}; use .jsonl (tasks), "
            ".json (BIG-Bench-Hard) or .tsv (CoLA)"
        )
    tasks = loader(path)
    if not tasks:
        raise DataError(f"{path}: holds no tasks; expected a .jsonl, BBH .json or CoLA .tsv file")
    return tasks
