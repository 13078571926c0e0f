"""Task suites: the data every experiment runs on, built so that it cannot fool us.

- :class:`Task` and the scorers (``scorers.scorer_for``), one per answer format;
- seeded generators with exact answers (``FAMILIES``, :func:`generate`), reasoning puzzles and
  everyday extraction and normalisation requests (:func:`family_names` selects by kind);
- one door to a family's tasks (:func:`load_tasks`: a generated family, ``bbh:<task>``,
  ``cola`` or a data file) over the loaders for BIG-Bench-Hard JSON, CoLA TSV and JSONL
  (:func:`load_task_file`, :func:`write_jsonl`), and the one JSONL reader (:func:`read_jsonl`);
- stratified, duplicate-free splits (:func:`split_tasks`) and statistics with the
  majority-class baseline (:func:`task_stats`);
- mixed streams with one-off noise (:func:`build_stream`).
"""

from self_distill.tasks.generators import (
    DIFFICULTIES,
    FAMILIES,
    FAMILY_KINDS,
    MIXED,
    Family,
    family_names,
    generate,
)
from self_distill.tasks.jsonl import JsonlRow, read_jsonl
from self_distill.tasks.loaders import (
    infer_answer_format,
    load_bbh,
    load_cola,
    load_jsonl,
    load_task_file,
    write_jsonl,
)
from self_distill.tasks.oneoff import ONEOFF_FAMILY, generate_oneoff
from self_distill.tasks.scorers import Scorer, is_valid_target, scorer_for
from self_distill.tasks.sources import load_tasks
from self_distill.tasks.splits import TaskSplits, split_tasks
from self_distill.tasks.stats import TaskStats, task_stats
from self_distill.tasks.stream import build_stream
from self_distill.tasks.task import ANSWER_FORMATS, CLASS_FORMATS, SPLITS, Task, normalise_text

__all__ = [
    "ANSWER_FORMATS",
    "CLASS_FORMATS",
    "DIFFICULTIES",
    "FAMILIES",
    "FAMILY_KINDS",
    "MIXED",
    "ONEOFF_FAMILY",
    "SPLITS",
    "Family",
    "JsonlRow",
    "Scorer",
    "Task",
    "TaskSplits",
    "TaskStats",
    "build_stream",
    "family_names",
    "generate",
    "generate_oneoff",
    "infer_answer_format",
    "is_valid_target",
    "load_bbh",
    "load_cola",
    "load_jsonl",
    "load_task_file",
    "load_tasks",
    "normalise_text",
    "read_jsonl",
    "scorer_for",
    "split_tasks",
    "task_stats",
    "write_jsonl",
]
