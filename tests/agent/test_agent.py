"""The agent end to end with the real embedder, clusterer, sandbox, verifier, store and ledger;
the model is the test-only scripted one (fixed answers), so each assertion is about the agent's
logic, not a model's luck."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from self_distill.agent.agent import Agent
from self_distill.agent.config import AgentConfig
from self_distill.api import answer, run_agent
from self_distill.errors import ModelUnavailableError
from self_distill.evidence.clustering import Assignment, TaskClusterer
from self_distill.ledger import Ledger
from self_distill.ledger.agent_journal import AgentJournal
from self_distill.models.base import Message
from self_distill.skills.store.skill_store import SkillStore
from self_distill.skills.verification.config import VerifierConfig
from self_distill.tasks import Task, build_stream, write_jsonl
from tests.support.agent_stream import CONSTANT_REPLY, SMALL, scripted_agent_model
from tests.support.cli import REPO
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY

WRONG_SORT = "def solve(text: str) -> str:\n    return 'zzz'\n"


def stream(n: int = 120, seed: int = 0) -> list[Task]:
    return build_stream({"word_sort": 1.0, "arith": 1.0}, n, noise=0.0, seed=seed)


def scripted_agent(ledger: Ledger, tmp_path: Path, config: AgentConfig = SMALL) -> Agent:
    """An agent on the test-only scripted model with a store under ``tmp_path``."""
    return Agent(
        scripted_agent_model(), ledger=ledger, store=SkillStore(tmp_path / "store"), config=config
    )


@contextmanager
def adopting_agent_after(
    tasks: list[Task], tmp_path: Path
) -> Iterator[tuple[Agent, TaskClusterer, int]]:
    """A scripted agent with ``adopt_solved_noise`` that has answered ``tasks``, still open,
    with its clusterer and its one served cluster."""
    config = dataclasses.replace(SMALL, adopt_solved_noise=True)
    with (
        Ledger(tmp_path / "ledger.sqlite3") as ledger,
        scripted_agent(ledger, tmp_path, config) as agent,
    ):
        agent.run(tasks)
        assert agent.clusterer is not None
        [cluster] = list(agent.skills.by_cluster)
        yield agent, agent.clusterer, cluster


def test_a_skill_learned_online_answers_its_family_at_zero_tokens(tmp_path: Path) -> None:
    tasks = stream()
    result = run_agent(
        tasks,
        model=scripted_agent_model(),
        config=SMALL,
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    summary = result.summary
    [created] = [c for c in summary["creations"] if c["accepted"]]
    assert created["family"] == "word_sort"
    activated_at = created["seq"]
    after = [
        (task, answer)
        for task, answer in zip(result.tasks, result.answers, strict=True)
        if answer.seq > activated_at
    ]
    sorts = [answer for task, answer in after if task.family == "word_sort"]
    assert sum(a.route == "skill" for a in sorts) >= 0.9 * len(sorts)
    assert all(a.tokens == 0 and a.correct == 1.0 for a in sorts if a.route == "skill")
    assert not [a for task, a in after if task.family == "arith" and a.route == "skill"]
    assert summary["skill_answers_outside_their_family"] == 0
    assert summary["skill_answers_outside_their_verified_families"] == 0
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        usage = ledger.usage(summary["run_id"])
        events = AgentJournal(ledger, summary["run_id"]).events()
    assert summary["tokens"] == sum(row.input_tokens + row.output_tokens for row in usage)
    assert {row.purpose for row in usage} == {"solve", "create"}
    # the families the skill was written and verified on, counted over all its examples
    [activated] = [e for e in events if e.kind == "activated"]
    detail = activated.detail
    assert list(detail["example_families"]) == ["word_sort"]
    assert detail["example_families"]["word_sort"] == detail["n_shown"] + detail["n_heldout"]
    assert (tmp_path / "store" / "router.json").is_file()

    fresh = next(t for t in stream(40, seed=9) if t.family == "word_sort")
    single = answer(
        fresh.input,
        model=scripted_agent_model(),
        store=tmp_path / "store",
        ledger=tmp_path / "ledger.sqlite3",
    )
    assert (single.route, single.tokens, single.text) == ("skill", 0, fresh.target)
    other = answer(
        "Write a haiku about the sea.",
        model=scripted_agent_model(),
        store=tmp_path / "store",
        ledger=tmp_path / "ledger.sqlite3",
    )
    assert other.route == "model" and other.tokens > 0


def test_a_creator_that_fails_is_not_asked_again_until_the_cluster_grows(tmp_path: Path) -> None:
    result = run_agent(
        stream(160),
        model=scripted_agent_model(creator_fails=True),
        config=dataclasses.replace(SMALL, creation_budget=100000),
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    creations = result.summary["creations"]
    assert creations and not any(c["accepted"] for c in creations)
    by_cluster = Counter(c["cluster"] for c in creations)
    assert max(by_cluster.values()) <= 2, "backed off: one retry at most after doubling"
    assert all(answer.route == "model" for answer in result.answers)


def test_the_run_budget_caps_creation(tmp_path: Path) -> None:
    result = run_agent(
        stream(),
        model=scripted_agent_model(),
        config=dataclasses.replace(SMALL, creation_budget=3999),
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    assert result.summary["creations_tried"] == 0
    assert result.summary["tokens_by_purpose"].keys() == {"solve"}


def test_a_skill_that_goes_wrong_is_demoted_within_the_promised_checks(tmp_path: Path) -> None:
    """Plant a wrong skill in place of the verified one mid-stream; with every skill answer
    checked against the label, it must be demoted within ``drift_window`` checks."""
    tasks = stream(160)
    config = dataclasses.replace(SMALL, drift_sample=1.0)
    planted: dict[str, int] = {}
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        agent = scripted_agent(ledger, tmp_path, config)
        with agent:
            for task, vector in zip(
                tasks, agent.embedder.embed([t.input for t in tasks]), strict=True
            ):
                agent._step(task, vector, True)
                skills = agent.skills.by_cluster
                if skills and not planted and agent.answered >= 100:
                    [(cluster, good)] = skills.items()
                    agent.skills.activate(
                        cluster, good.ref, WRONG_SORT, good.verified_low, good.family
                    )
                    planted["seq"] = agent.answered
            run_id = agent.run_id
        summary = __import__("self_distill.agent.summary", fromlist=["x"]).run_summary(
            ledger, run_id
        )
    assert planted, "the word_sort skill was never activated"
    [demotion] = summary["demotions"]
    wrong = demotion["checks"] - demotion["agreements"]
    assert 0 < wrong <= config.drift_window
    after = [
        a for a in summary_tasks(tmp_path, run_id) if planted["seq"] <= a[0] <= demotion["seq"]
    ]
    assert sum(route == "skill" for _, route in after) == wrong
    store = SkillStore(tmp_path / "store")
    assert store.get(demotion["skill"]).manifest.status == "retired"


def summary_tasks(tmp_path: Path, run_id: str) -> list[tuple[int, str]]:
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        return db.execute(
            "SELECT seq, route FROM agent_tasks WHERE run_id = ? AND family = 'word_sort'",
            (run_id,),
        ).fetchall()


def run_driver(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.agent_stream", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def answered(ledger: Path) -> int:
    try:
        with sqlite3.connect(ledger, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM agent_tasks").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("adopt", [False, True], ids=["plain", "adopt_solved_noise"])
def test_a_run_killed_at_a_random_point_resumes_to_the_same_answers_with_no_call_twice(
    tmp_path: Path, isolated_data_home: Path, adopt: bool
) -> None:
    tasks = stream(120, seed=3)
    data = tmp_path / "stream.jsonl"
    write_jsonl(tasks, data)
    env = {"SELF_DISTILL_HOME": str(isolated_data_home), "AGENT_STREAM_ADOPT": str(int(adopt))}
    whole = run_driver([str(data), str(tmp_path / "whole.sqlite3"), str(tmp_path / "s1")], env)
    assert whole.wait(timeout=600) == 0, whole.stderr.read() if whole.stderr else ""

    killed_ledger = tmp_path / "killed.sqlite3"
    stop_at = random.Random().randint(10, 100)
    victim = run_driver([str(data), str(killed_ledger), str(tmp_path / "s2")], env)
    deadline = time.time() + 600
    while answered(killed_ledger) < stop_at and victim.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    resumed = run_driver([str(data), str(killed_ledger), str(tmp_path / "s2"), "killed"], env)
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read() if resumed.stderr else ""

    def rows(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[str, str]]]:
        with sqlite3.connect(path) as db:
            answers = db.execute(
                "SELECT seq, route, answer, tokens FROM agent_tasks ORDER BY seq"
            ).fetchall()
            calls = db.execute(
                "SELECT purpose, prompt_hash FROM model_calls ORDER BY id"
            ).fetchall()
        return answers, calls

    whole_answers, whole_calls = rows(tmp_path / "whole.sqlite3")
    resumed_answers, resumed_calls = rows(killed_ledger)
    assert len(whole_answers) == len(tasks)
    assert resumed_answers == whole_answers, f"killed at {stop_at}"
    if adopt:  # the adoptions a resumed run computes again lead to the same answers
        with sqlite3.connect(tmp_path / "whole.sqlite3") as db:
            kinds = {kind for (kind,) in db.execute("SELECT kind FROM agent_events")}
        assert "adopted" in kinds
    assert Counter(resumed_calls) == Counter(whole_calls), f"killed at {stop_at}"
    solve = [h for p, h in resumed_calls if p == "solve"]
    assert len(solve) == len(set(solve)), "a solve call was recorded twice"


def test_the_cli_answers_a_stream_skipping_bad_lines_and_writes_rows(tmp_path: Path) -> None:
    from tests.support.cli import run_cli
    from tests.support.ollama_standin import OllamaStandIn

    tasks = stream(40)
    data = tmp_path / "stream.jsonl"
    write_jsonl(tasks, data)
    with data.open("a") as handle:
        handle.write("{not json\n")
    model = scripted_agent_model()
    args = [
        "agent",
        "run",
        "--data",
        str(data),
        "--model",
        "ollama:m",
        "--json",
        "--ledger",
        str(tmp_path / "l.sqlite3"),
        "--store",
        str(tmp_path / "s"),
    ]
    with OllamaStandIn(lambda messages: model.complete(messages).text) as server:
        stopped = run_cli(*args, env={"OLLAMA_HOST": server.url})
        assert stopped.returncode == 1 and "stream.jsonl:41: invalid JSON" in stopped.stderr
        done = run_cli(
            *args,
            "--on-bad-line",
            "skip",
            "--out",
            str(tmp_path / "rows.jsonl"),
            env={"OLLAMA_HOST": server.url},
        )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["tasks"] == 40 and len(summary["skipped_lines"]) == 1
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == [task.id for task in tasks]
    assert {"route", "skill", "answer", "target", "correct", "tokens", "latency_s"} <= rows[
        0
    ].keys()
    report = run_cli(
        "report",
        summary["run_id"],
        "--ledger",
        str(tmp_path / "l.sqlite3"),
        "--out",
        str(tmp_path / "report"),
    )
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report" / "report.html").read_text()
    assert "data:image/png;base64," in page and summary["run_id"] in page


def test_an_active_skill_is_reused_for_another_cluster_only_when_verified_there(
    tmp_path: Path,
) -> None:
    """A family split over two clusters needs one skill: before creating, the agent verifies
    the run's active skills on the cluster's own labelled tasks (0 tokens)."""
    tasks = stream(120)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        agent = scripted_agent(ledger, tmp_path, SMALL)
        with agent:
            agent.run(tasks)
            [skill] = {s.ref for s in agent.skills.by_cluster.values()}
            sorts = [i for i, t in enumerate(tasks) if t.family == "word_sort"]
            sums = [i for i, t in enumerate(tasks) if t.family == "arith"]
            tokens_before = agent.journal.tokens()
            assert agent._reuse_skill(len(tasks), 98, sums, len(sums)) is False
            assert agent._reuse_skill(len(tasks), 99, sorts, len(sorts)) is True
            assert agent.skills.by_cluster[99].ref == skill
            assert 98 not in agent.skills.by_cluster
            assert agent._reuse_skill(len(tasks), 98, sums, len(sums)) is False, "backed off"
            events = [(e.kind, e.cluster) for e in agent.journal.events()]
            assert agent.journal.tokens() == tokens_before, "reuse costs no model tokens"
    assert ("reuse_refused", 98) in events and ("reused", 99) in events
    assert events.count(("reuse_refused", 98)) == 1


def test_a_second_cluster_of_the_family_reuses_the_skill_as_soon_as_unseen_labels_can_judge_it(
    tmp_path: Path,
) -> None:
    """Reuse costs no model tokens, so it is judged once a cluster holds
    ``VerifierConfig.fewest_heldout()`` labelled tasks the skill's creator never saw (16), not
    after ``min_examples``; the creator's shown examples, which a re-clustering can move into the
    new cluster, never count. Cluster 99 stands for a second word_sort cluster; the model is the
    test-only ScriptedFakeModel (``scripted_agent_model``)."""
    tasks = stream(120)
    fewest = VerifierConfig().fewest_heldout()
    assert fewest < SMALL.min_examples
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        agent = scripted_agent(ledger, tmp_path, SMALL)
        with agent:
            agent.run(tasks)
            [ref] = {s.ref for s in agent.skills.by_cluster.values()}
            examples = agent.store.get(ref).examples()
            shown = {example.input for example, split in examples if split == "shown"}
            sorts = [i for i, t in enumerate(tasks) if t.family == "word_sort"]
            creator_saw = [i for i in sorts if tasks[i].input in shown]
            unseen = [i for i in sorts if tasks[i].input not in shown]
            assert creator_saw and len(unseen) > fewest
            tokens_before = agent.journal.tokens()

            too_few = sorted(creator_saw + unseen[: fewest - 1])
            assert len(too_few) >= fewest, "enough members, but not enough the creator never saw"
            assert agent._reuse_skill(len(tasks), 99, too_few, len(too_few)) is False
            assert not [e for e in agent.journal.events() if e.cluster == 99]

            enough = sorted(creator_saw + unseen[:fewest])
            assert agent._reuse_skill(len(tasks), 99, enough, len(enough)) is True
            [event] = [e for e in agent.journal.events() if e.cluster == 99]
            assert (event.kind, event.skill, event.tokens) == ("reused", ref, 0)
            assert event.detail["n_heldout"] == fewest and event.detail["reasons"] == []
            assert agent.journal.tokens() == tokens_before, "reuse costs no model tokens"

            fresh = next(t for t in stream(40, seed=9) if t.family == "word_sort")
            inside = Assignment(cluster_id=99, strength=1.0, distance=0.0, belongs=True)
            assert agent.skills.answer(fresh.input, inside) == (fresh.target, "skill", ref)


def test_teacher_labels_the_scorer_cannot_use_are_no_labels(tmp_path: Path) -> None:
    """With ``--labels teacher`` a model answer becomes a label only when its format's scorer
    can take it as a target: "1 or 2" states two numbers, so judging a skill on such labels
    (a reuse, a creation) would fail the run. The model is the test-only ScriptedFakeModel."""

    def reply(messages: list[Message]) -> str:
        if len(messages) > 2:
            return SORT_SKILL_REPLY
        text = messages[-1]["content"]
        if "= ?" in text:
            return "1 or 2"
        return " ".join(sorted(re.findall(r"[A-Za-z]+", re.split(r"[:\n]", text)[-1])))

    result = run_agent(
        stream(120),
        model=ScriptedFakeModel(reply, spec="scripted:teacher"),
        config=dataclasses.replace(SMALL, labels="teacher"),
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    assert [c["family"] for c in result.summary["creations"] if c["accepted"]] == ["word_sort"]
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        rows = AgentJournal(ledger, result.summary["run_id"]).tasks()
    assert not [row for row in rows if row.family == "arith" and row.label is not None]
    assert [row for row in rows if row.family == "word_sort" and row.label is not None]


def test_a_creation_that_errors_midway_still_counts_the_tokens_it_spent(tmp_path: Path) -> None:
    """The creator's first candidate is paid for, then the model goes away: the failed
    creation's event carries those tokens, so the budget and the report count them. The model
    is the test-only ScriptedFakeModel."""
    creation_calls = 0

    def reply(messages: list[Message]) -> str:
        nonlocal creation_calls
        if len(messages) <= 2:
            return scripted_agent_model().complete(messages).text
        creation_calls += 1
        if creation_calls > 1:
            raise ModelUnavailableError("the scripted creator is gone")
        return CONSTANT_REPLY

    result = run_agent(
        stream(80),
        model=ScriptedFakeModel(reply, spec="scripted:vanishing-creator"),
        config=dataclasses.replace(SMALL, candidates=3),
        ledger=tmp_path / "ledger.sqlite3",
        store=tmp_path / "store",
    )
    first, *_ = creations = result.summary["creations"]
    assert all(c["reasons"] == ["model_error"] for c in creations) and first["tokens"] > 0
    assert sum(c["tokens"] for c in creations) == result.summary["tokens_by_purpose"]["create"]


def test_labelled_noise_the_skill_answers_right_joins_its_cluster_when_asked(
    tmp_path: Path,
) -> None:
    """``adopt_solved_noise``: at a re-clustering, a labelled noise task joins the nearest
    served cluster only when that cluster's skill answers it right (a one-off or another
    family's task cannot show that); the model is the test-only ScriptedFakeModel."""
    tasks = stream(120)
    with adopting_agent_after(tasks, tmp_path) as (agent, clusterer, cluster):
        assert clusterer.config.noise_to_nearest
        labels = clusterer.labels
        sorts = [i for i in np.flatnonzero(labels == cluster) if tasks[i].family == "word_sort"]
        sums = [i for i, t in enumerate(tasks) if t.family == "arith"]
        moved = [int(i) for i in sorts[:3] + sums[:3]]
        labels[moved] = -1  # as if the re-clustering had left them in noise
        agent._grow_served_clusters(len(tasks))
        assert [int(clusterer.labels[i]) for i in moved[:3]] == [cluster] * 3
        assert all(clusterer.labels[i] < 0 for i in moved[3:])
        events = agent.journal.events()
        [event] = [e for e in events if e.seq == len(tasks) and e.kind == "adopted"]
        assert (event.cluster, event.detail) == (cluster, {"tasks": 3})


def test_a_served_cluster_widens_to_just_inside_its_skills_nearest_counter_example(
    tmp_path: Path,
) -> None:
    """With ``adopt_solved_noise`` a served cluster's threshold grows to EVIDENCE_MARGIN of the
    distance of the nearest task outside it that its skill does not answer right (here an
    arith task: the word_sort skill gets none right); the model is the test-only
    ScriptedFakeModel."""
    from self_distill.agent.cluster_growth import EVIDENCE_MARGIN

    tasks = stream(120)
    with adopting_agent_after(tasks, tmp_path) as (agent, clusterer, cluster):
        membership = clusterer.membership
        row = membership.cluster_ids.index(cluster)
        distances = membership.distances(clusterer.vectors)[:, row]
        sums = [i for i, t in enumerate(tasks) if t.family == "arith"]
        expected = EVIDENCE_MARGIN * float(min(distances[sums]))
        # the run ends on a re-clustering (120 tasks, every 40), which widened the cluster
        assert float(membership.thresholds[row]) == pytest.approx(expected)
        [event] = [
            e for e in agent.journal.events() if e.kind == "widened" and e.seq == len(tasks) - 1
        ]
        assert event.cluster == cluster
        assert event.detail["threshold"] == pytest.approx(expected, abs=1e-5)
        assert event.detail["calibrated"] < event.detail["threshold"]
