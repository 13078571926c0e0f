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

from collections.abc import Sequence

from self_distill.agent.router import TOO_LONG
from self_distill.evaluation import direct_messages, score_answer
from self_distill.ledger import RecordedModel
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
        max_tokens: int = 48,
        seed: int = 0,
        sandbox_options: dict | None = None,
    ) -> None:
        self.model = model
        self.limits = limits
        self.window = window or model_window(model.generator)
        self.max_tokens = max_tokens
        self.seed = seed
        self.sandbox_options = sandbox_options
        self.comparisons: dict[int, RlmComparison] = {}

    def reason(self, text: str, cluster: int) -> str | None:
        """Why ``text`` (of ``cluster``) goes to RLM mode, or None when it should not."""
        if prefer_rlm(self.window.count(text), self.window.tokens):
            return TOO_LONG
        comparison = self.comparisons.get(cluster)
        if comparison is not None and prefer_rlm(0, None, comparison):
            return RLM_BETTER
        return None

    def answer(self, text: str) -> RlmAnswer:
        models = RlmModels(self.model, self.model, self.window, self.window)
        return run_rlm(text, models, limits=self.limits, sandbox_options=self.sandbox_options)

    def compare(self, cluster: int, tasks: Sequence[Task]) -> RlmComparison:
        """Both modes on labelled held-out ``tasks`` of ``cluster``; the verdict is kept.

        The plain call is the model tier's own prompt (inputs that do not fit are scored 0, as
        the model tier could not answer them whole); every call is recorded and counted.
        """
        plain = rlm = 0.0
        for task in tasks:
            fits = not prefer_rlm(self.window.count(task.input), self.window.tokens)
            if fits:
                completion = self.model.complete(
                    direct_messages(task.input),
                    purpose="solve",
                    max_tokens=self.max_tokens,
                    seed=self.seed,
                )
                plain += score_answer(task, completion.text) or 0.0
            rlm += score_answer(task, self.answer(task.input).text or "") or 0.0
        comparison = RlmComparison(len(tasks), plain, rlm)
        self.comparisons[cluster] = comparison
        return comparison
