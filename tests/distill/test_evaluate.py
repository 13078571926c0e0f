"""compare_students: both arms scored per family on the same tasks, with intervals and pairing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from self_distill.distill.evaluate import compare_students
from self_distill.stats import wilson_interval
from self_distill.tasks import Task


class ScriptedFakeAnswerer:
    """A fake arm that answers from a fixed table (deterministic, no model)."""

    def __init__(self, ref: str, answers: dict[str, str]) -> None:
        self.ref = ref
        self.answers = answers

    def answer_many(self, texts: Sequence[str]) -> list[str]:
        return [self.answers.get(text, "") for text in texts]


def test_each_family_gets_both_arms_with_wilson_intervals_and_the_paired_gap() -> None:
    tasks = [Task(f"s{i}", "sort", f"sort {i}", f"a{i}", "exact") for i in range(4)]
    tasks += [Task(f"m{i}", "math", f"add {i}", str(i), "exact") for i in range(2)]
    tasks.append(Task("o", "oneoff", "a poem", "", "free"))
    base = ScriptedFakeAnswerer("base", {"sort 0": "a0", "add 0": "0"})
    student = ScriptedFakeAnswerer("student", {f"sort {i}": f"a{i}" for i in range(3)})
    evaluation = compare_students(base, student, tasks)

    by_family = {row.family: row for row in evaluation.families}
    assert set(by_family) == {"sort", "math"}  # the unscorable one-off is left out
    sort = by_family["sort"]
    assert sort.n == 4
    assert sort.base.accuracy == 0.25 and sort.student.accuracy == 0.75
    assert sort.student.ci95 == pytest.approx(wilson_interval(3, 4))
    assert sort.difference == pytest.approx(0.5)
    math = by_family["math"]
    assert math.base.accuracy == 0.5 and math.student.accuracy == 0.0
    assert len(evaluation.rows) == 6
    assert evaluation.rows[0].messages[-1]["content"].endswith("sort 0")
