"""The agent's journal in the ledger: tasks with their routes, clusterings, skill events.

Each row records ``last_call_id``, the newest model call of the run when it was written. A run
killed between a model call and the row that uses it leaves *orphan* calls (newer than every
row's ``last_call_id``); on resume they are counted so the same calls, replayed from the
response cache, are not recorded twice.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from self_distill.ledger.migrations import utc_now
from self_distill.ledger.store import Ledger


@dataclass(frozen=True)
class TaskRecord:
    """One answered task of an agent run."""

    seq: int
    task_id: str | None
    family: str | None
    input_sha: str
    cluster: int | None
    route: str
    reason: str
    skill: str | None
    answer: str
    target: str | None
    label: str | None
    correct: float | None
    tokens: int
    latency_s: float
    input: str | None = None
    answer_format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EventRecord:
    """One event of a run: ``creation_failed``, ``activated``, ``demoted``, ``drift_check``..."""

    seq: int
    kind: str
    cluster: int | None
    skill: str | None
    tokens: int
    detail: dict[str, Any]


class AgentJournal:
    """Reads and writes one agent run's rows in ``ledger``."""

    def __init__(self, ledger: Ledger, run_id: str) -> None:
        self.ledger = ledger
        self.run_id = run_id

    def last_call_id(self) -> int:
        [(value,)] = self.ledger.query(
            "SELECT COALESCE(MAX(id), 0) FROM model_calls WHERE run_id = ?", (self.run_id,)
        )
        return int(value)

    def record_task(self, task: TaskRecord) -> None:
        values = task.to_dict()
        self.ledger.write(
            """
            INSERT INTO agent_tasks (run_id, seq, task_id, family, input_sha, cluster, route,
                reason, skill, answer, target, label, correct, tokens, latency_s, input,
                answer_format, last_call_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (self.run_id, *values.values(), self.last_call_id(), utc_now()),
        )

    def record_event(self, event: EventRecord) -> None:
        self.ledger.write(
            """
            INSERT INTO agent_events (run_id, seq, kind, cluster, skill, tokens, detail_json,
                last_call_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                self.run_id,
                event.seq,
                event.kind,
                event.cluster,
                event.skill,
                event.tokens,
                json.dumps(event.detail, sort_keys=True, default=str),
                self.last_call_id(),
                utc_now(),
            ),
        )

    def record_clusters(
        self, seq: int, sizes: dict[int, int], thresholds: dict[int, float]
    ) -> None:
        for cluster, size in sizes.items():
            self.ledger.write(
                "INSERT OR REPLACE INTO agent_clusters (run_id, seq, cluster, size, threshold) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.run_id, seq, cluster, size, thresholds[cluster]),
            )

    def tasks(self) -> list[TaskRecord]:
        rows = self.ledger.query(
            "SELECT seq, task_id, family, input_sha, cluster, route, reason, skill, answer, "
            "target, label, correct, tokens, latency_s, input, answer_format FROM agent_tasks "
            "WHERE run_id = ? "
            "ORDER BY seq",
            (self.run_id,),
        )
        return [TaskRecord(*row) for row in rows]

    def events(self) -> list[EventRecord]:
        rows = self.ledger.query(
            "SELECT seq, kind, cluster, skill, tokens, detail_json FROM agent_events "
            "WHERE run_id = ? ORDER BY id",
            (self.run_id,),
        )
        return [EventRecord(s, k, c, sk, t, json.loads(d)) for s, k, c, sk, t, d in rows]

    def orphan_calls(self) -> Counter[tuple[str, str]]:
        """(purpose, prompt hash) of calls newer than every journal row: made, not yet used."""
        [(checkpoint,)] = self.ledger.query(
            "SELECT MAX(COALESCE((SELECT MAX(last_call_id) FROM agent_tasks WHERE run_id = ?), 0),"
            " COALESCE((SELECT MAX(last_call_id) FROM agent_events WHERE run_id = ?), 0))",
            (self.run_id, self.run_id),
        )
        rows = self.ledger.query(
            "SELECT purpose, prompt_hash FROM model_calls WHERE run_id = ? AND id > ?",
            (self.run_id, int(checkpoint)),
        )
        return Counter((purpose, prompt_hash) for purpose, prompt_hash in rows)

    def tokens(self) -> int:
        """Input plus output tokens of every model call of the run (what ``ledger summary``
        gives for it)."""
        [(value,)] = self.ledger.query(
            "SELECT COALESCE(SUM(input_tokens + output_tokens), 0) FROM model_calls "
            "WHERE run_id = ?",
            (self.run_id,),
        )
        return int(value)
