"""The base and the student on the same held-out tasks, with the same prompt.

Per family: accuracy of each with a 95% Wilson interval beside the majority-class baseline, the
paired difference student minus base, and latency. Each row keeps the messages exactly as sent,
both answers and the target, so any figure can be traced back to what was asked.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from self_distill.evaluation import direct_messages, score_answer
from self_distill.stats import accuracy_summary, paired_difference
from self_distill.tasks import Task, task_stats


class BatchAnswerer(Protocol):
    ref: str

    def answer_many(self, texts: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class EvaluatedRow:
    """One held-out task: what was sent and what each arm answered."""

    id: str
    family: str
    messages: list[dict[str, str]]
    target: str
    base_answer: str
    student_answer: str
    base_score: float
    student_score: float


@dataclass(frozen=True)
class ArmScore:
    accuracy: float
    ci95: tuple[float, float]
    seconds_per_answer: float


@dataclass(frozen=True)
class FamilyComparison:
    """One family: base and student next to the majority baseline, and their paired gap."""

    family: str
    n: int
    majority_baseline: float | None
    base: ArmScore
    student: ArmScore
    difference: float
    difference_ci95: tuple[float, float]


@dataclass(frozen=True)
class StudentEvaluation:
    base: str
    student: str
    families: tuple[FamilyComparison, ...]
    rows: tuple[EvaluatedRow, ...]

    def to_dict(self, with_rows: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {
            "base": self.base,
            "student": self.student,
            "families": [asdict(family) for family in self.families],
        }
        if with_rows:
            result["rows"] = [asdict(row) for row in self.rows]
        return result


def _timed_answers(arm: BatchAnswerer, tasks: Sequence[Task]) -> tuple[list[str], float]:
    started = time.perf_counter()
    answers = arm.answer_many([task.input for task in tasks])
    return answers, (time.perf_counter() - started) / max(len(tasks), 1)


def compare_students(
    base: BatchAnswerer, student: BatchAnswerer, tasks: Sequence[Task]
) -> StudentEvaluation:
    """Answer every scorable task with both arms and score them per family."""
    scorable = [task for task in tasks if task.scorable]
    base_answers, base_latency = _timed_answers(base, scorable)
    student_answers, student_latency = _timed_answers(student, scorable)
    rows = [
        EvaluatedRow(
            id=task.id,
            family=task.family,
            messages=list(direct_messages(task.input)),
            target=task.target,
            base_answer=base_answer,
            student_answer=student_answer,
            base_score=float(score_answer(task, base_answer) or 0.0),
            student_score=float(score_answer(task, student_answer) or 0.0),
        )
        for task, base_answer, student_answer in zip(
            scorable, base_answers, student_answers, strict=True
        )
    ]
    baselines = task_stats(scorable).families
    by_family: dict[str, list[EvaluatedRow]] = defaultdict(list)
    for row in rows:
        by_family[row.family].append(row)
    families = []
    for family, members in by_family.items():
        base_scores = [row.base_score for row in members]
        student_scores = [row.student_score for row in members]
        difference, interval = paired_difference(student_scores, base_scores)
        families.append(
            FamilyComparison(
                family=family,
                n=len(members),
                majority_baseline=baselines[family].majority_accuracy,
                base=_arm(base_scores, base_latency),
                student=_arm(student_scores, student_latency),
                difference=difference,
                difference_ci95=interval,
            )
        )
    return StudentEvaluation(base.ref, student.ref, tuple(families), tuple(rows))


def _arm(scores: Sequence[float], seconds_per_answer: float) -> ArmScore:
    summary = accuracy_summary(scores)
    low, high = summary["ci95"]
    return ArmScore(summary["accuracy"], (low, high), round(seconds_per_answer, 4))
