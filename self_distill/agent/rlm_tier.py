"""The RLM tier: tasks the plain call cannot read whole, and clusters where RLM proved better.

The model tier sends a task as one prompt; an input longer than the model's window would have
to be cut (or the call fails). Such a task goes to RLM mode instead, with the whole input as
``context`` in the sandboxed REPL (:mod:`self_distill.rlm`). A cluster also goes there when
held-out tasks of it showed RLM clearly better than the plain call
(:class:`~self_distill.rlm.routing.RlmComparison`: RLM's 95% lower bound above the plain call's
upper bound), measured by :meth:`RlmTier.compare`. Small models on short inputs are usually
worse in RLM mode, so nothing else routes here. RLM calls are made through the agent's recorded
model, so their tokens are in the run's ledger like any other call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from self_distill.agent.router import TOO_LONG
from self_distill.evaluation import score_answer
from self_distill.ledger import RecordedModel
from self_distill.models.base import Completion
from self_distill.rlm import RlmAnswer, RlmLimits, RlmModels, model_window, run_rlm
from self_distill.rlm.routing import RlmComparison, prefer_rlm
from self_distill.rlm.window import ModelWindow
from self_distill.tasks import Task

RLM_BETTER = "rlm_better"


class RlmTier:
    """Decides which tasks go to RLM mode and answers them with the agent's model."""

    def __init__(
        self,
        model: RecordedModel,
        limits: RlmLimits,
        *,
        window: ModelWindow | None = None,
        sandbox_options: dict | None = None,
    ) -> None:
        self.model = model
        self.limits = limits
        self.window = window or model_window(model.generator)
        self.sandbox_options = sandbox_options
        self.comparisons: dict[int, RlmComparison] = {}

    def too_long(self, text: str) -> bool:
        """Whether ``text`` does not fit the model's window as one plain prompt."""
        return prefer_rlm(self.window.count(text), self.window.tokens)

    def reason(self, text: str, cluster: int) -> str | None:
        """Why ``text`` (of ``cluster``) goes to RLM mode, or None when it should not."""
        if self.too_long(text):
            return TOO_LONG
        comparison = self.comparisons.get(cluster)
        if comparison is not None and prefer_rlm(0, None, comparison):
            return RLM_BETTER
        return None

    def answer(self, text: str) -> RlmAnswer:
        models = RlmModels(self.model, self.model, self.window, self.window)
        return run_rlm(text, models, limits=self.limits, sandbox_options=self.sandbox_options)

    def compare(
        self, cluster: int, tasks: Sequence[Task], ask_plain: Callable[[str], Completion]
    ) -> RlmComparison:
        """Both modes on labelled held-out ``tasks`` of ``cluster``; the verdict is kept.

        ``ask_plain`` is the model tier's own call (the router's ``ask_model``), so the plain
        side is exactly what the cluster gets without RLM; inputs that do not fit are scored 0,
        as the model tier could not answer them whole. Every call is recorded and counted.
        """
        plain = rlm = 0.0
        for task in tasks:
            if not self.too_long(task.input):
                plain += score_answer(task, ask_plain(task.input).text) or 0.0
            rlm += score_answer(task, self.answer(task.input).text or "") or 0.0
        comparison = RlmComparison(len(tasks), plain, rlm)
        self.comparisons[cluster] = comparison
        return comparison
