"""The Python API: the README's example end to end, and each door on its own.

The README example runs on the embedded models (SmolLM2 answers, the 1.5B coder writes a
word_sort skill). The other tests drive creation with the test-only ScriptedFakeModel, whose
replies are fixed, so their assertions do not depend on a model's luck.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import self_distill as sd
from self_distill.errors import UsageError
from self_distill.ledger import Ledger
from self_distill.skills.verification.verdict import Verdict
from self_distill.tasks import Task, generate
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    section = README.read_text(encoding="utf-8").split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python API section has no python block"
    return match.group(1)


@pytest.mark.slow
@pytest.mark.model
def test_the_readme_example_runs_end_to_end_on_the_embedded_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(readme_example(), str(README), "exec"), namespace)

    outcome = namespace["outcome"]
    assert isinstance(outcome, sd.api.CreationOutcome)
    assert outcome.result.accepted and outcome.skill is not None
    assert outcome.model == "embedded:qwen2.5-coder-1.5b"
    kept = namespace["kept"]
    assert isinstance(kept, sd.api.StoredSkill) and kept.manifest.status == "active"
    verdict = kept.verification().verdict  # type: ignore[union-attr]
    assert verdict.heldout_accuracy == outcome.result.verdict.heldout_accuracy
    active = sorted(skill.ref for skill in sd.open_store().active())
    assert active == sorted([outcome.skill.ref, kept.ref])
    baseline = namespace["baseline"]
    assert isinstance(baseline, sd.api.ModelEvaluation) and baseline.families[0].n == 8
    with sd.open_ledger() as ledger:
        purposes = {(row.model, row.purpose) for row in ledger.usage()}
    assert ("embedded:qwen2.5-coder-1.5b", "create") in purposes
    assert ("embedded:smollm2-135m", "solve") in purposes


def same_judgement(first: Verdict, second: Verdict) -> bool:
    """Equal verdicts but for call times, which vary from run to run."""

    def judged(verdict: Verdict) -> dict[str, object]:
        values = verdict.to_dict()
        values["checks"] = {k: v for k, v in values["checks"].items() if k != "slow"}
        return values

    return judged(first) == judged(second) and first.checks["slow"].status == "passed"


def shouting(tasks: list[Task]) -> list[Task]:
    """The same tasks with upper-case targets: right answers differ from them only in case."""
    return [Task(t.id, t.family, t.input, t.target.upper(), t.answer_format) for t in tasks]


def test_create_and_verify_judge_one_skill_on_one_split_alike(tmp_path: Path) -> None:
    """One scorer and one split: the creator's verdict and verify_skill's agree exactly, even
    where the skill's answers differ from the targets in case (the exact scorer folds case)."""
    tasks = shouting(generate("word_sort", 50, seed=3))
    outcome = sd.create_skill(
        tasks,
        model=ScriptedFakeModel([SORT_SKILL_REPLY]),
        store=tmp_path / "store",
        n_shown=10,
        candidates=1,
    )
    assert outcome.result.accepted and outcome.skill is not None
    created = outcome.result.verdict
    assert created is not None and created.heldout_accuracy == 1.0
    verdict = sd.verify_skill(outcome.skill.path / "skill.py", tasks, n_shown=10)
    assert same_judgement(verdict, created)
    assert outcome.data is not None and outcome.data["n_heldout"] == 40


def test_verify_skill_takes_code_or_a_path_and_an_answer_format(tmp_path: Path) -> None:
    tasks = generate("word_sort", 40, seed=1)
    code = SORT_SKILL_REPLY.split("```python\n")[1].split("```")[0]
    path = tmp_path / "sort.py"
    path.write_text(code)
    by_path = sd.verify_skill(path, tasks)
    by_code = sd.verify_skill(code, tasks)
    assert by_path.accepted and same_judgement(by_path, by_code)
    five_shown = sd.verify_skill(code, tasks, answer_format="exact", n_shown=5)
    assert five_shown.n_shown == 5
    with pytest.raises(UsageError, match="no such skill file"):
        sd.verify_skill(tmp_path / "absent.py", tasks)


def test_evaluate_model_scores_per_family_and_records_one_run(tmp_path: Path) -> None:
    tasks = generate("arith", 6, seed=0) + generate("word_sort", 4, seed=0)
    answers = {task.input: task.target for task in tasks[:3]}
    model = ScriptedFakeModel(lambda messages: answers.get(messages[-1]["content"], "no idea"))
    ledger_path = tmp_path / "ledger.sqlite3"
    evaluation = sd.evaluate_model(model, tasks, ledger=ledger_path)
    arith, words = evaluation.families
    assert (arith.family, arith.n, arith.accuracy) == ("arith", 6, 0.5)
    assert (words.family, words.n, words.accuracy) == ("word_sort", 4, 0.0)
    assert arith.ci95[0] < 0.5 < arith.ci95[1]
    assert arith.tokens == sum(a.tokens for a in evaluation.answers if a.family == "arith")
    with Ledger(ledger_path) as ledger:
        [row] = ledger.usage(evaluation.run_id)
        assert (row.purpose, row.calls) == ("solve", 10)
        assert row.input_tokens + row.output_tokens == arith.tokens + words.tokens
        assert [run["kind"] for run in ledger.runs()] == ["evaluate"]


def test_the_package_re_exports_the_api_lazily() -> None:
    assert sd.create_skill is sd.api.create_skill
    assert sd.load_tasks("word_sort", n=3) == generate("word_sort", 3)
    assert sd.open_store("somewhere").root == Path("somewhere")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = sd.nothing  # type: ignore[attr-defined]


def test_add_skill_keeps_a_created_skill_on_the_same_split_with_the_same_verdict(
    tmp_path: Path,
) -> None:
    tasks = generate("word_sort", 60, seed=5)
    store = tmp_path / "store"
    outcome = sd.create_skill(
        tasks, model=ScriptedFakeModel([SORT_SKILL_REPLY]), store=store, candidates=1
    )
    assert outcome.skill is not None and outcome.result.verdict is not None
    kept = sd.add_skill(outcome.skill.path / "skill.py", tasks, skill_id="kept", store=store)
    verdict = kept.verification().verdict  # type: ignore[union-attr]
    assert same_judgement(verdict, outcome.result.verdict)
    assert kept.manifest.status == "active" and kept.manifest.creation_tokens == 0
    constant = sd.add_skill("def solve(text):\n    return 'a'\n", tasks, store=store)
    assert constant.manifest.status == "rejected" and constant.ref == "word_sort@2"
    assert sd.open_store(store).get("word_sort").ref == outcome.skill.ref
