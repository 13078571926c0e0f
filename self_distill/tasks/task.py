"""The :class:`Task`: one unit of work with an exact reference answer.

A task is what flows through the whole system: the agent sees ``input`` (the complete prompt a
model would receive, instruction and data together), a skill or model answers, and the scorer for
``answer_format`` compares that answer with ``target``. Everything else (difficulty, generator
parameters, source file and line) lives in ``meta`` so results can be traced to their origin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from self_distill.errors import DataError

# Answer formats and what the target looks like in each (see ``scorers``):
#   exact    canonical text; compared after normalisation (case, whitespace, final period)
#   numeric  an integer or decimal number
#   yesno    "yes" or "no" (loaded data may say "Yes"/"No")
#   choice   a multiple-choice letter such as "(A)"
#   label    a class label such as CoLA's "1"/"0"
#   set_f1   a JSON list of {"type": ..., "value": ...} objects, scored by set F1
#   free     no reference answer (creative one-off requests); not scorable
ANSWER_FORMATS: tuple[str, ...] = ("exact", "numeric", "yesno", "choice", "label", "set_f1", "free")

SPLITS: tuple[str, ...] = ("shown", "heldout")
"""A labelled task's split: ``shown`` to a skill's creator, or ``heldout`` (never shown; only
held-out tasks measure accuracy)."""

# Formats whose targets are classes: splits stratify on them and balance is reported for them.
CLASS_FORMATS: frozenset[str] = frozenset({"yesno", "choice", "label"})

_SPACE = re.compile(r"\s+")
_PUNCT_EDGES = re.compile(r"^[\s\"'`.,;:!?]+|[\s\"'`.,;:!?]+$")


@dataclass(frozen=True)
class Task:
    """One task. ``meta`` holds difficulty, generator parameters or the source location."""

    id: str
    family: str
    input: str
    target: str
    answer_format: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.answer_format not in ANSWER_FORMATS:
            raise DataError(
                f"task {self.id!r}: unknown answer_format {self.answer_format!r}; "
                f"use one of {', '.join(ANSWER_FORMATS)}"
            )

    @property
    def scorable(self) -> bool:
        """True when the task has a reference answer a scorer can compare with."""
        return self.answer_format != "free"

    @property
    def is_class_task(self) -> bool:
        """True when the target is one of a few class labels (yes/no, letter, label)."""
        return self.answer_format in CLASS_FORMATS

    def to_dict(self) -> dict[str, Any]:
        """The task as a JSON-ready dict (the JSONL line format)."""
        return {
            "id": self.id,
            "family": self.family,
            "input": self.input,
            "target": self.target,
            "answer_format": self.answer_format,
            "meta": dict(self.meta),
        }


def normalise_text(text: str) -> str:
    """Normalise text for comparison: NFKC, case-folded, single spaces, no edge punctuation.

    Used both to deduplicate inputs across splits and by the ``exact`` scorer, so "The cat." and
    "  the CAT " count as the same.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCT_EDGES.sub("", _SPACE.sub(" ", folded)).strip()
