"""The agent's student tier: a real LoRA student trained on the run's curated answers, judged
per cluster against the model, routed to at 0 tokens, demoted when it drifts, and reloaded (not
retrained) on resume.

``SortingFakeStudent`` is a scripted stand-in for the served adapter (it sorts words, so its
verdict is known in advance); it drives the routing logic. Training is always real, and one test
serves the real adapter with torch.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path

from self_distill.api import run_agent
from self_distill.distill.train import TrainConfig
from self_distill.ledger import Ledger
from self_distill.ledger.agent_journal import AgentJournal
from self_distill.models.base import Message
from self_distill.tasks import Task, build_stream
from tests.support.agent_stream import SMALL
from tests.support.scripted_model import ScriptedFakeModel

CONFIG = dataclasses.replace(
    SMALL,
    creation_budget=0,
    student_every=60,
    student_min_examples=10,
    student_epochs=1,
    drift_sample=1.0,
)
"""No skills (the creation budget is spent), a student after 60 tasks, every answer checked."""
TINY = TrainConfig(rank=2, alpha=4, epochs=1, batch_size=4, max_length=160, threads=1)
"""A training run of a few steps: the tier's logic is under test, not the student's skill."""


def sort_words(text: str) -> str:
    """The word_sort answer: the words after the instruction's colon or line break, sorted."""
    return " ".join(sorted(re.findall(r"[A-Za-z]+", re.split(r"[:\n]", text)[-1])))


def scripted_agent_model() -> ScriptedFakeModel:
    """Scripted: sorts words right, answers arithmetic "0", writes no skill."""

    def reply(messages: list[Message]) -> str:
        text = messages[-1]["content"]
        return "0" if re.search(r"\d", text) else sort_words(text)

    return ScriptedFakeModel(reply, spec="scripted:sorter")


class SortingFakeStudent:
    """Scripted: sorts the words of the task's list; after ``wrong_after`` calls (the verdict's
    batch is one call, each routed task one more) it answers "zzz": a student gone wrong."""

    def __init__(self, adapter: Path, wrong_after: int | None = None) -> None:
        self.ref = f"student:{adapter.name}"
        self.adapter = adapter
        self.calls = 0
        self.wrong_after = wrong_after

    def answer_many(self, texts: Sequence[str]) -> list[str]:
        self.calls += 1
        wrong = self.wrong_after is not None and self.calls > self.wrong_after
        return ["zzz" if wrong else sort_words(text) for text in texts]


def stream(n: int) -> list[Task]:
    return build_stream({"word_sort": 1.0, "arith": 1.0}, n, noise=0.0, seed=4)


def events(ledger_path: Path, run_id: str) -> list:
    with Ledger(ledger_path) as ledger:
        return AgentJournal(ledger, run_id).events()


def test_a_verified_student_takes_its_cluster_at_zero_tokens(tmp_path: Path) -> None:
    loaded: list[SortingFakeStudent] = []

    def loader(adapter: Path) -> SortingFakeStudent:
        loaded.append(SortingFakeStudent(adapter))
        return loaded[-1]

    tasks = stream(100)
    result = run_agent(
        tasks,
        model=scripted_agent_model(),
        config=CONFIG,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
        student_loader=loader,
        student_training=TINY,
    )
    run_id = result.summary["run_id"]
    kinds = [event.kind for event in events(tmp_path / "ledger.sqlite3", run_id)]
    assert "student_trained" in kinds and "student_activated" in kinds
    [trained] = [
        e for e in events(tmp_path / "ledger.sqlite3", run_id) if e.kind == "student_trained"
    ]
    adapter = Path(trained.detail["adapter"])
    assert json.loads((adapter / "student.json").read_text())["result"]["examples"] > 0
    assert (adapter / "adapter_model.safetensors").is_file()
    after = list(zip(tasks[60:], result.answers[60:], strict=True))
    sorts = [a for t, a in after if t.family == "word_sort"]
    assert sum(a.route == "student" for a in sorts) >= 0.8 * len(sorts)
    assert all(a.tokens == 0 and a.correct == 1.0 for a in sorts if a.route == "student")
    assert not [a for t, a in after if t.family == "arith" and a.route == "student"]
    assert result.summary["routes_by_family"]["word_sort"].get("student", 0) == sum(
        a.route == "student" for a in sorts
    )

    resumed = run_agent(
        tasks,
        model=scripted_agent_model(),
        config=CONFIG,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
        resume=run_id,
        student_loader=loader,
        student_training=TINY,
    )
    assert [a.route for a in resumed.answers] == [a.route for a in result.answers]
    kinds_after = [event.kind for event in events(tmp_path / "ledger.sqlite3", run_id)]
    assert kinds_after.count("student_trained") == kinds.count("student_trained")


def test_a_student_that_goes_wrong_is_demoted(tmp_path: Path) -> None:
    def loader(adapter: Path) -> SortingFakeStudent:
        return SortingFakeStudent(adapter, wrong_after=4)

    result = run_agent(
        stream(100),
        model=scripted_agent_model(),
        config=CONFIG,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
        student_loader=loader,
        student_training=TINY,
    )
    history = events(tmp_path / "ledger.sqlite3", result.summary["run_id"])
    [demoted] = [e for e in history if e.kind == "student_demoted"]
    assert demoted.detail["checks"] - demoted.detail["agreements"] <= CONFIG.drift_window
    later = [a for a in result.answers if a.seq > demoted.seq]
    assert later and all(a.route != "student" for a in later)


def test_a_real_student_that_cannot_sort_is_rejected_against_the_model(tmp_path: Path) -> None:
    """The default loader serves the trained adapter; one epoch on a few dozen sorts does not
    teach a 135M model to sort, so the verdict must keep the cluster with the model."""
    result = run_agent(
        stream(70),
        model=scripted_agent_model(),
        config=CONFIG,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
        student_training=TINY,
    )
    history = events(tmp_path / "ledger.sqlite3", result.summary["run_id"])
    rejected = [e for e in history if e.kind == "student_rejected"]
    assert rejected and all("below_model" in e.detail["reasons"] for e in rejected)
    assert all(a.route != "student" for a in result.answers)
