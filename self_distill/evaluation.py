"""How well a model answers tasks directly: the plain-model baseline every saving is judged by.

Each task goes to the model once (purpose ``solve``, recorded in the ledger run) and is scored by
its answer format's scorer. Per family: accuracy with a 95% Wilson interval beside the
majority-class baseline, tokens and model time; per task: the answer and its score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from self_distill.errors import UsageError
from self_distill.ledger import RecordedModel
from self_distill.models.base import Message
from self_distill.stats import wilson_interval
from self_distill.tasks import Task, scorer_for, task_stats

DIRECT_ANSWER_SYSTEM = "Answer with the final answer only, no explanation."
"""The system prompt of a direct answer: what a user of the plain model would send."""

TaskProgress = Callable[[Task], None]


def direct_messages(text: str, system: str = DIRECT_ANSWER_SYSTEM) -> list[Message]:
    """The messages of a direct answer to ``text``: the plain-model baseline's prompt, which the
    agent's model tier sends too, so both arms of a comparison ask the model the same thing."""
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


@dataclass(frozen=True)
class TaskAnswer:
    """One task's answer from the model and its score in [0, 1] (None: no reference answer)."""

    id: str
    family: str
    target: str
    answer: str
    score: float | None
    tokens: int
    latency_s: float
    cached: bool


@dataclass(frozen=True)
class FamilyScore:
    """One family: accuracy with its 95% interval next to the majority-class baseline, over its
    scorable tasks (``n_scored``; accuracy None when there are none, as for one-off requests)."""

    family: str
    n: int
    n_scored: int
    accuracy: float | None
    ci95: tuple[float, float] | None
    majority_baseline: float | None
    tokens: int
    tokens_per_task: float
    latency_s: float


@dataclass(frozen=True)
class ModelEvaluation:
    """A model's direct answers to a task list, recorded under ledger run ``run_id``."""

    model: str
    run_id: str
    families: tuple[FamilyScore, ...]
    answers: tuple[TaskAnswer, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "run_id": self.run_id,
            "families": [asdict(family) for family in self.families],
            "answers": [asdict(answer) for answer in self.answers],
        }


def evaluate_answers(
    model: RecordedModel,
    tasks: Sequence[Task],
    *,
    system: str = DIRECT_ANSWER_SYSTEM,
    max_tokens: int = 48,
    seed: int = 0,
    progress: TaskProgress | None = None,
) -> ModelEvaluation:
    """Ask ``model`` every task once and score the answers (families in first-seen order).

    Tasks without a reference answer (``free``) are answered (they cost tokens) but not scored.
    """
    if not tasks:
        raise UsageError("no tasks to evaluate; give at least one task")
    answers: list[TaskAnswer] = []
    for task in tasks:
        messages = direct_messages(task.input, system)
        completion = model.complete(messages, purpose="solve", max_tokens=max_tokens, seed=seed)
        answers.append(
            TaskAnswer(
                id=task.id,
                family=task.family,
                target=task.target,
                answer=completion.text,
                score=score_answer(task, completion.text),
                tokens=completion.input_tokens + completion.output_tokens,
                latency_s=completion.latency_s,
                cached=completion.cached,
            )
        )
        if progress is not None:
            progress(task)
    return ModelEvaluation(model.spec, model.run_id, _family_scores(tasks, answers), tuple(answers))


def score_answer(task: Task, answer: str) -> float | None:
    """The task's scorer on ``answer``; None for a task without a reference answer."""
    return scorer_for(task.answer_format)(answer, task.target) if task.scorable else None


def _family_scores(tasks: Sequence[Task], answers: Sequence[TaskAnswer]) -> tuple[FamilyScore, ...]:
    by_family: dict[str, list[TaskAnswer]] = defaultdict(list)
    for answer in answers:
        by_family[answer.family].append(answer)
    baselines = task_stats(list(tasks)).families
    scores = []
    for family, rows in by_family.items():
        scored = [row.score for row in rows if row.score is not None]
        correct = sum(scored)
        tokens = sum(row.tokens for row in rows)
        scores.append(
            FamilyScore(
                family=family,
                n=len(rows),
                n_scored=len(scored),
                accuracy=correct / len(scored) if scored else None,
                ci95=wilson_interval(correct, len(scored)) if scored else None,
                majority_baseline=baselines[family].majority_accuracy,
                tokens=tokens,
                tokens_per_task=tokens / len(rows),
                latency_s=sum(row.latency_s for row in rows),
            )
        )
    return tuple(scores)
