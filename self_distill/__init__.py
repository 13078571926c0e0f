"""self-distill: turn recurring LLM work into verified code and small local models.

The Python API (:mod:`self_distill.api`) is re-exported here: ``load_model``, ``load_tasks``,
``cluster_tasks``, ``create_skill``, ``add_skill``, ``verify_skill``, ``skill_file``,
``run_skill``, ``open_store``, ``open_ledger``, ``evaluate_model``, ``run_agent``, ``answer``,
``read_stream``, ``rlm_answer``, and for students ``curate_dataset``, ``train_student``,
``evaluate_student``. It is imported on first use, so ``import self_distill`` (and the CLI's
``--help``) stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API_NAMES = frozenset(
    {
        "add_skill",
        "answer",
        "read_stream",
        "run_agent",
        "cluster_tasks",
        "create_skill",
        "curate_dataset",
        "evaluate_student",
        "train_student",
        "evaluate_model",
        "load_model",
        "load_tasks",
        "open_ledger",
        "open_store",
        "read_skill_code",
        "run_skill",
        "skill_file",
        "rlm_answer",
        "verify_skill",
    }
)

__all__ = ["__version__", *sorted(_API_NAMES)]


def __getattr__(name: str) -> Any:
    if name in _API_NAMES:
        from self_distill import api

        return getattr(api, name)
    raise AttributeError(f"module 'self_distill' has no attribute {name!r}")
