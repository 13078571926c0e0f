"""RLM mode: a recursive language model working in the sandboxed REPL.

The model never reads a long input: it gets it as ``context`` in a persistent, hardened REPL,
writes code to inspect and compute over it, and calls ``llm_query``/``rlm_query`` on pieces.
Trajectories that answered correctly can be lifted into skill candidates (:mod:`.lifting`).
"""

from self_distill.rlm.budget import Budget, CallRecord
from self_distill.rlm.config import RlmLimits
from self_distill.rlm.engine import HOST_FUNCTIONS, EventHandler, RlmModels, run_rlm
from self_distill.rlm.trajectory import Cell, RlmAnswer, Step, Trajectory
from self_distill.rlm.window import ModelWindow, model_window

__all__ = [
    "HOST_FUNCTIONS",
    "Budget",
    "CallRecord",
    "Cell",
    "EventHandler",
    "ModelWindow",
    "RlmAnswer",
    "RlmLimits",
    "RlmModels",
    "Step",
    "Trajectory",
    "model_window",
    "run_rlm",
]
