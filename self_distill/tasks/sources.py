"""One door to a family's tasks: a generated family, a reference data set, or a file.

A *source* is what a user or an experiment names to get tasks:

- a generated family (``word_sort``, ``arith``, ... see ``self-distill tasks list``), or
  ``oneoff`` for one-off noise;
- ``bbh:<task>``: a BIG-Bench-Hard file from the shared reference data sets;
- ``cola`` (the in-domain dev split) or ``cola:<split>``;
- a path to a ``.jsonl`` task file, a BIG-Bench-Hard ``.json`` file or a CoLA ``.tsv`` file.
"""

from __future__ import annotations

import random
from pathlib import Path

from self_distill.errors import UsageError
from self_distill.tasks.generators import FAMILIES, generate
from self_distill.tasks.loaders import load_bbh, load_cola, load_task_file
from self_distill.tasks.oneoff import ONEOFF_FAMILY, generate_oneoff
from self_distill.tasks.reference_data import bbh_path, cola_path
from self_distill.tasks.task import Task

FILE_SUFFIXES: tuple[str, ...] = (".jsonl", ".json", ".tsv")
DEFAULT_GENERATED = 100
"""Tasks generated when a generated family is named without a count."""


def is_file_source(source: str | Path) -> bool:
    """True when ``source`` names a data file rather than a family or reference data set."""
    return isinstance(source, Path) or str(source).lower().endswith(FILE_SUFFIXES)


def is_generated(source: str | Path) -> bool:
    """True when ``source`` names a generated family (whose size the caller chooses)."""
    return not is_file_source(source) and str(source) in FAMILIES


def load_tasks(
    source: str | Path,
    *,
    n: int | None = None,
    seed: int = 0,
    difficulty: str = "medium",
) -> list[Task]:
    """The tasks ``source`` names (see the module docstring).

    For a generated family ``n`` is how many to generate (default :data:`DEFAULT_GENERATED`) with
    ``seed`` and ``difficulty``. For loaded data ``n`` takes a seeded sample of that many tasks
    (all of them when ``n`` is None or not smaller), kept in file order.
    """
    if n is not None and n < 0:
        raise UsageError(f"cannot take a negative number of tasks ({n})")
    name = str(source)
    if is_generated(source):
        return generate(name, DEFAULT_GENERATED if n is None else n, seed, difficulty)
    if name == ONEOFF_FAMILY:
        return generate_oneoff(DEFAULT_GENERATED if n is None else n, seed=seed)
    return _sample(_load(source), n, seed)


def _load(source: str | Path) -> list[Task]:
    name = str(source)
    if is_file_source(source):
        return load_task_file(Path(source))
    if name.startswith("bbh:"):
        return load_bbh(bbh_path(name.removeprefix("bbh:")))
    if name == "cola" or name.startswith("cola:"):
        split = name.partition(":")[2] or "in_domain_dev"
        return load_cola(cola_path(split))
    raise UsageError(
        f"unknown task source {name!r}; use a generated family ({', '.join(FAMILIES)}), "
        f"'{ONEOFF_FAMILY}', 'bbh:<task>', 'cola[:<split>]' or a .jsonl/.json/.tsv file"
    )


def _sample(tasks: list[Task], n: int | None, seed: int) -> list[Task]:
    if n is None or n >= len(tasks):
        return tasks
    keep = set(random.Random(f"sample|{seed}").sample(range(len(tasks)), n))
    return [task for index, task in enumerate(tasks) if index in keep]
