"""exp005's figures from per-task records, and a tiny end-to-end run on the embedded default."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from self_distill.cli.experiment_commands import load_experiment
from self_distill.tasks import Task

exp005 = load_experiment("exp005")


def test_break_even_is_the_task_after_which_the_agent_stays_cheaper() -> None:
    assert exp005.break_even([100, 0, 0, 0], [30, 30, 30, 30]) == 4
    assert exp005.break_even([10, 10], [20, 20]) == 1
    assert exp005.break_even([100, 0], [30, 30]) is None


def test_analyse_pairs_the_arms_and_isolates_the_families() -> None:
    tasks = [
        Task(f"t{i}", "word_sort" if i % 2 else "arith", f"x{i}", "y", "exact") for i in range(8)
    ]
    tasks.append(Task("t8", "bbh:word_sorting", "x8", "y", "exact"))
    tasks.append(Task("t9", "word_sort", "x9", "y", "exact"))
    baseline = [SimpleNamespace(tokens=10, score=0.0) for _ in tasks]
    rows = [
        SimpleNamespace(
            tokens=0 if (i % 2 and i > 2) else 10,
            route="skill" if (i % 2 and i > 2) else "model",
            correct=1.0 if (i % 2 and i > 2) else 0.0,
            skill="s@1" if (i % 2 and i > 2) else None,
            reason="skill" if (i % 2 and i > 2) else "no_skill",
        )
        for i in range(8)
    ]
    rows.append(SimpleNamespace(tokens=0, route="skill", correct=1.0, skill="s@1", reason="skill"))
    rows.append(SimpleNamespace(tokens=10, route="model", correct=0.0, skill=None, reason="noise"))
    events = [
        SimpleNamespace(
            kind="activated", seq=2, tokens=15, skill="s@1", detail={"family": "word_sort"}
        )
    ]
    figures = exp005.analyse(tasks, baseline, rows, events, agent_tokens=75, baseline_tokens=100)
    assert figures["token_ratio"] == 75 / 100
    assert figures["paired_accuracy_difference"]["mean"] == pytest.approx(4 / 10)
    sort = figures["families"]["word_sort"]
    assert sort["tokens_after_activation_ratio"] == pytest.approx(10 / 40)
    assert sort["activated_after_task"] == 3
    assert sort["routes"] == {"model": 2, "skill": 3, "student": 0}
    # why the family's later tasks still went to the model, for the closing figures
    assert sort["model_reasons_after_activation"] == {"noise": 1}
    assert figures["skill_answers_outside_their_family"] == 1
    assert figures["skill_answers_outside_their_family_by_pair"] == {
        "bbh:word_sorting by word_sort": 1
    }
    # a run that did not record the examples' families knows only the commonest one
    assert figures["skill_answers_outside_their_verified_families_by_pair"] == {
        "bbh:word_sorting by word_sort": 1
    }
    events[0].detail["example_families"] = {"word_sort": 30, "bbh:word_sorting": 2}
    figures = exp005.analyse(tasks, baseline, rows, events, agent_tokens=75, baseline_tokens=100)
    assert figures["skill_answers_outside_their_family"] == 1, "still not its commonest family"
    assert figures["skill_answers_outside_their_verified_families"] == 0, "but verified on it"


def test_resume_hands_the_killed_agent_run_to_run_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--resume RUN_ID`` continues the agent run (the baseline comes back from the cache)."""
    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    def fake_run_agent(tasks: list[Task], **options: object) -> None:
        seen.update(options)
        raise Stop

    monkeypatch.setattr(exp005, "evaluate_model", lambda *args, **kwargs: None)
    monkeypatch.setattr(exp005, "run_agent", fake_run_agent)
    with pytest.raises(Stop):
        exp005.main(
            ["--n", "12", "--families", "word_sort", "--out", str(tmp_path), "--resume", "r1"]
        )
    assert seen["resume"] == "r1"


@pytest.mark.model
def test_a_tiny_run_on_the_embedded_default_writes_summary_report_and_rows(tmp_path: Path) -> None:
    document = exp005.main(
        [
            "--model",
            "embedded:smollm2-135m",
            "--n",
            "24",
            "--families",
            "word_sort,arith",
            "--out",
            str(tmp_path),
        ]
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["tasks"] == 24 and summary == json.loads(json.dumps(document, default=str))
    assert summary["token_ratio"] == pytest.approx(1.0)  # no skill yet: the same model calls
    assert summary["paired_accuracy_difference"]["mean"] == 0.0
    assert (tmp_path / "report.html").read_text().count("data:image/png;base64,") == 1
    rows = (tmp_path / "per_task.jsonl").read_text().splitlines()
    assert len(rows) == 24 and "baseline_tokens" in json.loads(rows[0])


def test_both_arms_ask_the_model_with_the_run_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The baseline and the agent send the same request for a task the agent gives the model
    (same prompt, same seed), so the response cache serves it once and the answers pair up;
    the baseline asked with seed 0 whatever ``--seed`` said."""
    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    def fake_evaluate_model(*args: object, **options: object) -> None:
        seen["baseline_seed"] = options["seed"]

    def fake_run_agent(tasks: list[Task], **options: object) -> None:
        seen["agent_seed"] = options["config"].seed  # type: ignore[attr-defined]
        raise Stop

    monkeypatch.setattr(exp005, "evaluate_model", fake_evaluate_model)
    monkeypatch.setattr(exp005, "run_agent", fake_run_agent)
    with pytest.raises(Stop):
        exp005.main(["--n", "12", "--families", "word_sort", "--seed", "3", "--out", str(tmp_path)])
    assert seen == {"baseline_seed": 3, "agent_seed": 3}
