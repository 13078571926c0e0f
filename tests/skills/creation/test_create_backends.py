"""Creation through every remote backend: the real ``anthropic`` and ``ollama`` clients talk to
loopback stand-in servers that reply with scripted code, and the skill goes through the real
sandbox, verifier, ledger and store. This proves the Opus and Ollama paths, not just the fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from self_distill.errors import ModelAuthError, ModelUnavailableError
from self_distill.ledger import Ledger
from self_distill.models.anthropic_backend import AnthropicGenerator
from self_distill.models.base import TextGenerator
from self_distill.models.ollama_backend import OllamaGenerator
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import CreationRequest, run_creation
from self_distill.skills.store.skill_store import SkillStore
from tests.support.anthropic_standin import VALID_KEY, AnthropicStandIn
from tests.support.ollama_standin import OllamaStandIn
from tests.support.word_sort_creation import SORT_SKILL_REPLY, word_sort_request

WRONG_SKILL = (
    "The rule: sort the words.\n```python\ndef solve(text: str) -> str:\n"
    "    return ' '.join(sorted(text.split()))\n```"
)


class Script:
    """Replies wrong first, then (once the repair prompt shows failures) with working code."""

    def __init__(self) -> None:
        self.seen: list[list[dict[str, Any]]] = []

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        self.seen.append(messages)
        return SORT_SKILL_REPLY if "EXPECTED:" in str(messages[-1]["content"]) else WRONG_SKILL


def request() -> CreationRequest:
    budget = CreationBudget(candidates=2, repair_rounds=1)
    return word_sort_request(budget, count=60, seed=9, n_shown=8, max_heldout=40)


def create_through(generator: TextGenerator, tmp_path: Path) -> tuple[Any, list[Any]]:
    store = SkillStore(tmp_path / "store")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        outcome = run_creation(request(), generator, ledger, store)
        usage = ledger.usage(outcome.run_id)
    return outcome, usage


def check_outcome(outcome: Any, usage: list[Any], spec: str, script: Script) -> None:
    assert outcome.result.accepted
    assert [a.outcome for a in outcome.result.candidates[0].attempts] == ["wrong", "passed"]
    assert outcome.skill.manifest.creator_model == spec
    assert outcome.skill.manifest.status == "active"
    assert {(row.model, row.purpose, row.calls) for row in usage} == {
        (spec, "create", 1),
        (spec, "repair", 1),
    }
    assert outcome.result.creation_tokens == sum(r.input_tokens + r.output_tokens for r in usage)
    assert outcome.result.creation_tokens > 0
    assert len(script.seen) == 2
    repair_messages = script.seen[1]
    assert [m["role"] for m in repair_messages][-3:] == ["user", "assistant", "user"]
    sent = str(script.seen)
    assert not [e.input for e in outcome.request.heldout if repr(e.input)[1:-1] in sent]


def test_creation_through_the_anthropic_client(tmp_path: Path) -> None:
    script = Script()
    with AnthropicStandIn(script) as server:
        generator = AnthropicGenerator(
            "claude-opus-4-6", base_url=server.url, api_key=VALID_KEY, max_retries=0
        )
        outcome, usage = create_through(generator, tmp_path)
        bodies = server.bodies
    check_outcome(outcome, usage, "anthropic:claude-opus-4-6", script)
    assert len(bodies) == 2 and all(body["model"] == "claude-opus-4-6" for body in bodies)
    assert "one Python code block" in bodies[0]["system"]


def test_creation_through_the_ollama_client(tmp_path: Path) -> None:
    script = Script()
    with OllamaStandIn(script, models=("qwen2.5-coder",)) as server:
        generator = OllamaGenerator("qwen2.5-coder", host=server.url)
        outcome, usage = create_through(generator, tmp_path)
        bodies = server.bodies
    check_outcome(outcome, usage, "ollama:qwen2.5-coder", script)
    assert len(bodies) == 2 and all(body["model"] == "qwen2.5-coder" for body in bodies)
    assert bodies[0]["options"]["seed"] == 0 and bodies[1]["options"]["seed"] == 1


def test_bad_credentials_stop_the_creation_with_the_auth_error(tmp_path: Path) -> None:
    with AnthropicStandIn(lambda messages: SORT_SKILL_REPLY) as server:
        generator = AnthropicGenerator(
            "claude-opus-4-6", base_url=server.url, api_key="wrong", max_retries=0
        )
        with Ledger(tmp_path / "ledger.sqlite3") as ledger:
            with pytest.raises(ModelAuthError):
                run_creation(request(), generator, ledger)
            run = ledger.runs()[0]
            assert run["status"] == "failed"
            assert ledger.usage(run["id"])[0].errors == 1


def test_an_unreachable_ollama_server_stops_the_creation(tmp_path: Path) -> None:
    with OllamaStandIn(lambda messages: SORT_SKILL_REPLY) as server:
        url = server.url
    generator = OllamaGenerator("coder", host=url)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger, pytest.raises(ModelUnavailableError):
        run_creation(request(), generator, ledger)
