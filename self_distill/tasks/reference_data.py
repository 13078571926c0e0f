"""Where the shared reference data sets live (BIG-Bench-Hard JSON, CoLA TSV).

They are never copied into the repository: the default is ``<repo>/../shared/datasets`` and
``$SELF_DISTILL_DATASETS`` overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

from self_distill.errors import DataError

ENV_VAR = "SELF_DISTILL_DATASETS"
_REPO_ROOT = Path(__file__).resolve().parents[2]


def is_reference_family(family: str) -> bool:
    """True for a family read from the reference data sets (``bbh:<task>``, ``cola``): results
    may name its tasks by id but never hold their text."""
    return family.startswith("bbh:") or family == "cola"


def datasets_dir() -> Path:
    """The reference data directory; a :class:`DataError` says how to point at it if missing."""
    explicit = os.environ.get(ENV_VAR)
    path = Path(explicit) if explicit else _REPO_ROOT.parent / "shared" / "datasets"
    if not path.is_dir():
        raise DataError(
            f"reference datasets not found at {path}; set {ENV_VAR} to the folder holding "
            "bbh/ and cola/"
        )
    return path


def bbh_path(task: str) -> Path:
    """The BIG-Bench-Hard file for ``task`` (e.g. ``word_sorting``)."""
    path = datasets_dir() / "bbh" / f"{task}.json"
    if not path.is_file():
        available = sorted(p.stem for p in (datasets_dir() / "bbh").glob("*.json"))
        raise DataError(
            f"no BIG-Bench-Hard task {task!r} at {path}; available: {', '.join(available)}"
        )
    return path


def cola_path(split: str = "in_domain_dev") -> Path:
    """The CoLA TSV file for ``split`` (in_domain_train, in_domain_dev, out_of_domain_dev)."""
    path = datasets_dir() / "cola" / f"{split}.tsv"
    if not path.is_file():
        raise DataError(f"no CoLA split {split!r} at {path}")
    return path
