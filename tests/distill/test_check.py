"""The torch base and the GGUF llama.cpp serves read prompts alike and predict alike."""

from __future__ import annotations

import pytest

from self_distill.distill.base import StudentBase, load_tokenizer
from self_distill.distill.check import MAX_ABS_TOLERANCE, BaseCheck, check_base
from self_distill.distill.prompt import student_prompt
from self_distill.tasks.sources import load_tasks


@pytest.mark.slow
@pytest.mark.model
def test_the_torch_base_matches_its_gguf(student_base: StudentBase) -> None:
    tokenizer = load_tokenizer(student_base)
    texts = [
        task.input
        for family in ("agreement", "arith", "order_id_extract", "name_normalise")
        for task in load_tasks(family, n=1, seed=2)
    ]
    texts.append("Ünïcödé, emoji 😀 and <tags> survive: «quote» — ok?")
    report = check_base(student_base, [student_prompt(tokenizer, text) for text in texts])
    assert report.token_mismatches == ()
    assert report.passed, report.problems()
    assert report.tokens > 5 * 30 and report.prompts == 5
    assert report.max_abs_diff > 0, "a quantized GGUF cannot give bit-equal logits"
    assert report.next_token_agreement >= 0.8


def test_a_report_outside_the_tolerances_names_each_problem() -> None:
    report = BaseCheck(
        base="smollm2-135m",
        prompts=3,
        tokens=90,
        token_mismatches=(2,),
        max_abs_diff=MAX_ABS_TOLERANCE + 1,
        mean_abs_diff=0.1,
        top1_agreement=0.5,
        next_token_agreement=1.0,
    )
    problems = report.problems()
    assert not report.passed and len(problems) == 3
    assert "prompts [2]" in problems[0] and "max logit" in problems[1] and "top-1" in problems[2]
