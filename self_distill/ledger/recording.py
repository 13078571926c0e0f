"""Wrap any text generator so that every call it makes lands in the ledger with its purpose."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter

from self_distill.errors import ModelError
from self_distill.ledger.store import Ledger
from self_distill.models.base import Completion, Message, TextGenerator


def prompt_hash(messages: list[Message]) -> str:
    """A stable short hash of the messages, so calls with the same prompt can be grouped."""
    payload = json.dumps(messages, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


class RecordedModel:
    """A generator bound to a ledger run; ``complete`` takes a ``purpose`` and records the call.

    Failed calls are recorded with their error and the error is re-raised, so a ledger shows
    every attempt, not only the successes. ``last_call_id`` is the ledger id of the latest call
    (a parent id for the calls made on its behalf).

    ``already_recorded`` counts (purpose, prompt hash) pairs this run recorded before it was
    killed but never used (see :class:`~self_distill.ledger.agent_journal.AgentJournal`): a
    resumed run makes those calls again (the response cache answers them) without recording
    them a second time, so no call is counted twice.
    """

    def __init__(
        self,
        generator: TextGenerator,
        ledger: Ledger,
        run_id: str,
        *,
        already_recorded: Counter[tuple[str, str]] | None = None,
    ) -> None:
        self.generator = generator
        self.ledger = ledger
        self.run_id = run_id
        self.already_recorded = already_recorded if already_recorded is not None else Counter()
        self.last_call_id: int | None = None

    @property
    def spec(self) -> str:
        return self.generator.spec

    def complete(
        self,
        messages: list[Message],
        *,
        purpose: str,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
        parent_call_id: int | None = None,
        depth: int | None = None,
    ) -> Completion:
        key = (purpose, prompt_hash(messages))
        if self.already_recorded[key] > 0:
            self.already_recorded[key] -= 1
            return self.generator.complete(
                messages, max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop
            )
        cpu_before = time.process_time()
        tree = {"parent_call_id": parent_call_id, "depth": depth}
        try:
            completion = self.generator.complete(
                messages, max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop
            )
        except ModelError as error:
            self.last_call_id = self.ledger.record_call(
                self.run_id,
                purpose,
                model=self.generator.spec,
                prompt_hash=prompt_hash(messages),
                error=str(error),
                cpu_s=time.process_time() - cpu_before,
                messages=messages,
                **tree,
            )
            raise
        self.last_call_id = self.ledger.record_call(
            self.run_id,
            purpose,
            model=completion.model,
            prompt_hash=prompt_hash(messages),
            completion=completion,
            cpu_s=time.process_time() - cpu_before,
            messages=messages,
            **tree,
        )
        return completion
