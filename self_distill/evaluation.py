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
from self_distill.stats import wilson_interval
from self_distill.tasks import Task, scorer_for, task_stats

DIRECT_ANSWER_SYSTEM = "Answer with the final answer only, no explanation."
"""The system prompt of a direct answer: what a user of the plain model would send."""

TaskProgress = Callable[[Task], None]


@dataclass(frozen=True)
class TaskAnswer:
    """One task's answer from the model and its score in [0, 1]."""

    id: str
    family: str
    target: str
    answer: str
    score: float
    tokens: int
    latency_s: float
    cached: bool


@dataclass(frozen=True)
class FamilyScore:
    """One family: accuracy with its 95% interval next to the majority-class baseline."""

    family: str
    n: int
    accuracy: float
    ci95: tuple[float, float]
    majority_baseline: float
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

    Tasks without a reference answer (``free``) cannot be scored: a :class:`UsageError`.
    """
    if not tasks:
        raise UsageError("no tasks to evaluate; give at least one task")
    unscorable = [task.id for task in tasks if not task.scorable]
    if unscorable:
        raise UsageError(
            f"{len(unscorable)} tasks have no reference answer (first: {unscorable[0]}); "
            "leave out free-form tasks"
        )
    answers: list[TaskAnswer] = []
    for task in tasks:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": task.input}]
        completion = model.complete(messages, purpose="solve", max_tokens=max_tokens, seed=seed)
        answers.append(
            TaskAnswer(
                id=task.id,
                family=task.family,
                target=task.target,
                answer=completion.text,
                score=scorer_for(task.answer_format)(completion.text, task.target),
                tokens=completion.input_tokens + completion.output_tokens,
                latency_s=completion.latency_s,
                cached=completion.cached,
            )
        )
        if progress is not None:
            progress(task)
    return ModelEvaluation(model.spec, model.run_id, _family_scores(tasks, answers), tuple(answers))


def _family_scores(tasks: Sequence[Task], answers: Sequence[TaskAnswer]) -> tuple[FamilyScore, ...]:
    by_family: dict[str, list[TaskAnswer]] = defaultdict(list)
    for answer in answers:
        by_family[answer.family].append(answer)
    baselines = task_stats(list(tasks)).families
    scores = []
    for family, rows in by_family.items():
        correct = sum(row.score for row in rows)
        tokens = sum(row.tokens for row in rows)
        scores.append(
            FamilyScore(
                family=family,
                n=len(rows),
                accuracy=correct / len(rows),
                ci95=wilson_interval(correct, len(rows)),
                majority_baseline=baselines[family].majority_accuracy or 0.0,
                tokens=tokens,
                tokens_per_task=tokens / len(rows),
                latency_s=sum(row.latency_s for row in rows),
            )
        )
    return tuple(scores)
