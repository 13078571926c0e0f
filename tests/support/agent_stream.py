"""A scripted model for agent tests and a driver that runs the agent in a subprocess.

``scripted_agent_model`` answers direct questions deterministically (word sorting right,
arithmetic always "0") and answers every creation prompt with a correct word-sort skill, or a
constant one (``creator_fails``). Test-only: it drives logic that needs fixed model output.

Run as ``python -m tests.support.agent_stream STREAM LEDGER STORE [RESUME_RUN_ID]`` to answer a
stream with it (the kill-and-resume test kills this process); ``AGENT_STREAM_ADOPT=1`` turns on
``adopt_solved_noise`` and trims clusters hard (``fringe_mads=1``), so that there is labelled
noise for the skill to adopt in a stream this small.
"""

from __future__ import annotations

import dataclasses
import os
import sys

from self_distill.agent.config import AgentConfig
from self_distill.models.base import Message
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY

CONSTANT_REPLY = "```python\ndef solve(text: str) -> str:\n    return 'a'\n```"

SMALL = AgentConfig(
    warmup=30,
    recluster_every=40,
    min_examples=20,
    n_shown=6,
    candidates=2,
    creation_tokens=4000,
    creation_budget=20000,
)
"""Settings small enough for a stream of about a hundred tasks."""


def scripted_agent_model(*, creator_fails: bool = False) -> ScriptedFakeModel:
    def reply(messages: list[Message]) -> str:
        if len(messages) > 2:
            return CONSTANT_REPLY if creator_fails else SORT_SKILL_REPLY
        text = messages[-1]["content"]
        if "= ?" in text:
            return "0"
        return " ".join(sorted(text.split("\n")[-1].split()))

    return ScriptedFakeModel(reply, spec="scripted:agent")


def main(argv: list[str]) -> None:
    from self_distill.api import run_agent

    stream, ledger, store, *rest = argv
    from self_distill.evidence import ClusterConfig

    adopt = os.environ.get("AGENT_STREAM_ADOPT") == "1"
    run_agent(
        stream,
        model=scripted_agent_model(),
        config=dataclasses.replace(SMALL, adopt_solved_noise=adopt),
        cluster_config=ClusterConfig(fringe_mads=1.0) if adopt else None,
        ledger=ledger,
        store=store,
        run_id=None if rest else "killed",
        resume=rest[0] if rest else None,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
