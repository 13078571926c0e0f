"""A scripted model for agent tests and a driver that runs the agent in a subprocess.

``scripted_agent_model`` answers direct questions deterministically (word sorting right,
arithmetic always "0") and answers every creation prompt with a correct word-sort skill, or a
constant one (``creator_fails``). Test-only: it drives logic that needs fixed model output.

Run as ``python -m tests.support.agent_stream STREAM LEDGER STORE [RESUME_RUN_ID]`` to answer a
stream with it (the kill-and-resume test kills this process).
"""

from __future__ import annotations

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
    run_agent(
        stream,
        model=scripted_agent_model(),
        config=SMALL,
        ledger=ledger,
        store=store,
        run_id=None if rest else "killed",
        resume=rest[0] if rest else None,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
