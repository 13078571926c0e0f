"""The agent's RLM tier: an input longer than the model's window goes to RLM mode (never cut
and sent to the model), and a cluster where RLM proved clearly better goes there too.

The model is the test-only scripted one, given a small window so that a few hundred characters
are "too long"; it answers direct questions with "plain" and, as an RLM root, counts the words
of ``context`` in code. Everything else (agent, sandbox REPL, ledger) is real.
"""

from __future__ import annotations

from pathlib import Path

from self_distill.agent.agent import Agent
from self_distill.agent.config import AgentConfig
from self_distill.ledger import Ledger
from self_distill.models.base import Message
from self_distill.rlm import prompts
from self_distill.skills.store.skill_store import SkillStore
from self_distill.tasks import Task
from tests.rlm.conftest import cell
from tests.support.scripted_model import ScriptedFakeModel

WINDOW = 400
COUNT_WORDS = cell("n = len(context.split())\nprint(n)\nFINAL(n)")


class WindowedScriptedModel(ScriptedFakeModel):
    """The scripted model with a context window and a token counter, as llama.cpp reports."""

    n_ctx = WINDOW

    def count_tokens(self, text: str) -> int:
        return len(text) // 4


def rlm_or_plain(messages: list[Message]) -> str:
    """An RLM root prompt (its system message names ``context``) gets the counting cell."""
    if "variable `context`" in messages[0]["content"]:
        return COUNT_WORDS
    return "plain"


def never_final(messages: list[Message]) -> str:
    """An RLM root that never calls FINAL and has nothing to say when asked to extract."""
    if "variable `context`" in messages[0]["content"]:
        return "" if messages[-1]["content"] == prompts.EXTRACT else "I think about it."
    return "plain"


def agent(tmp_path: Path, reply, **config: object) -> Agent:
    settings = AgentConfig(warmup=1000, **config)  # type: ignore[arg-type]
    return Agent(
        WindowedScriptedModel(reply, spec="scripted:windowed"),
        ledger=Ledger(tmp_path / "ledger.sqlite3"),
        store=SkillStore(tmp_path / "store"),
        config=settings,
        sandbox_options={"allow_missing_layers": True},
    )


def long_task() -> Task:
    words = " ".join(f"w{i}" for i in range(600))
    return Task("long", "", f"How many words follow?\n{words}", "604", "numeric")


def test_an_input_longer_than_the_window_is_answered_in_rlm_mode(tmp_path: Path) -> None:
    with agent(tmp_path, rlm_or_plain) as running:
        short = running.answer("What is two plus two?")
        task = long_task()
        long = running.answer(task.input, task.target, answer_format="numeric")
        usage = running.ledger.usage(running.run_id)
    assert (short.route, short.text) == ("model", "plain")
    assert (long.route, long.reason, long.text) == ("rlm", "too_long", "604")
    assert long.correct == 1.0
    rlm_calls = [row for row in usage if row.purpose == "rlm_root"]
    assert rlm_calls and long.tokens == sum(r.input_tokens + r.output_tokens for r in rlm_calls)
    assert [row.purpose for row in usage].count("solve") == 1


def test_a_long_input_rlm_cannot_answer_is_not_sent_cut_to_the_model(tmp_path: Path) -> None:
    with agent(tmp_path, never_final, rlm_max_iterations=2) as running:
        long = running.answer(long_task().input)
        purposes = [row.purpose for row in running.ledger.usage(running.run_id)]
    assert long.route == "rlm" and long.reason.startswith("too_long;rlm_")
    assert "solve" not in purposes


def test_without_the_tier_a_long_input_goes_to_the_model(tmp_path: Path) -> None:
    with agent(tmp_path, rlm_or_plain, rlm=False) as running:
        long = running.answer(long_task().input)
    assert (long.route, long.text) == ("model", "plain")


def test_a_cluster_where_rlm_proved_better_goes_to_rlm_and_keeps_it_on_resume(
    tmp_path: Path,
) -> None:
    short = [
        Task(f"t{i}", "", "How many words? " + " ".join(["ab"] * (i + 2)), str(i + 5), "numeric")
        for i in range(12)
    ]
    with agent(tmp_path, rlm_or_plain) as running:
        comparison = running.compare_rlm(7, short)
        run_id = running.run_id
        assert running.rlm is not None
        assert running.rlm.reason(short[0].input, 7) == "rlm_better"
        assert running.rlm.reason(short[0].input, 8) is None
    assert (comparison.n, comparison.plain_correct, comparison.rlm_correct) == (12, 0.0, 12.0)
    assert comparison.rlm_clearly_better
    resumed = Agent(
        WindowedScriptedModel(rlm_or_plain, spec="scripted:windowed"),
        ledger=Ledger(tmp_path / "ledger.sqlite3"),
        store=SkillStore(tmp_path / "store"),
        config=AgentConfig(warmup=1000),
        sandbox_options={"allow_missing_layers": True},
        resume=run_id,
    )
    with resumed:
        resumed.answer("What is two plus two?")
        assert resumed.rlm is not None and resumed.rlm.reason(short[0].input, 7) == "rlm_better"
