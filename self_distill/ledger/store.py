"""The SQLite ledger: every run and every model call, written transactionally.

WAL mode lets readers (``ledger summary``) run while a writer works; each write is its own
transaction, so a killed process loses at most the call in flight. A killed process cannot
finish its run, so each run records its process (:mod:`self_distill.ledger.processes`): readers
report a ``running`` run whose process is gone as ``interrupted``, and the next writer to open
the ledger records that status.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from self_distill.errors import LedgerError
from self_distill.ledger.migrations import apply_migrations, pending_migrations, utc_now
from self_distill.ledger.processes import ProcessIdentity, current_process, is_gone
from self_distill.models.base import Completion, Message
from self_distill.sqlite_files import DatabaseKind, open_database

PURPOSES = frozenset(
    {"solve", "create", "repair", "judge", "shadow", "reflect", "rlm_root", "rlm_sub"}
)
"""Why a call was made. ``shadow``: a drift-watch check of a local answer against the model;
``reflect``: the model writing a strategy from its own mistakes (the reflection arm);
``rlm_root``/``rlm_sub``: a recursive language model's root call and its sub-calls."""

DEFAULT_TEXT_CHARS = 20_000
"""Default cap on each stored prompt and response, in characters (``log_max_chars``)."""

LEDGER_KIND = DatabaseKind(
    name="ledger",
    signature_table="migrations",
    error=LedgerError,
    unreadable_fix="it holds no ledger data this tool can read; pass another --ledger path "
    "(or restore the file from a backup)",
    pending=pending_migrations,
    prepare=apply_migrations,
)


@dataclass(frozen=True)
class CallLog:
    """One model call with its prompt and response as stored (each cut at the ledger's cap;
    ``truncated`` says so). ``messages`` is empty and ``response`` ``None`` for calls recorded
    before texts were kept, or with ``log_max_chars = 0``."""

    id: int
    run_id: str
    run_kind: str
    created_at: str
    model: str
    purpose: str
    input_tokens: int
    output_tokens: int
    latency_s: float
    cpu_s: float | None
    cost_usd: float
    cached: bool
    error: str | None
    messages: list[dict[str, str]]
    response: str | None
    truncated: bool


@dataclass(frozen=True)
class UsageRow:
    """Aggregated model usage for one (model, purpose) pair."""

    model: str
    purpose: str
    calls: int
    cached_calls: int
    errors: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_s: float
    cpu_s: float


class Ledger:
    """A handle on one ledger file. Use as a context manager or call :meth:`close`.

    ``read_only=True`` opens an existing, current ledger without creating, migrating or
    changing anything (what ``ledger summary`` needs); the default creates and upgrades it.
    ``max_text_chars`` caps each prompt and response kept for ``ledger logs`` (0 keeps none).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        max_text_chars: int = DEFAULT_TEXT_CHARS,
    ) -> None:
        self.path = Path(path)
        self.max_text_chars = max_text_chars
        opened = open_database(self.path, LEDGER_KIND, writable=not read_only)
        self._db = opened.connection
        self.applied_migrations = opened.applied
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        if not read_only:
            self._record_interrupted_runs()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        self._write_call([(sql, params)])

    def write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Run one statement in its own write transaction (for the ledger's own journals)."""
        return self._write(sql, params)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read statement."""
        return self._db.execute(sql, params).fetchall()

    def reopen_run(self, run_id: str) -> None:
        """Take over a run again (``--resume``): this process owns it and it is ``running``."""
        process = current_process()
        self._write(
            "UPDATE runs SET status = 'running', finished_at = NULL, pid = ?, process_start = ?, "
            "host = ? WHERE id = ?",
            (process.pid, process.start, process.host, run_id),
        )

    def run_params(self, run_id: str) -> dict[str, Any]:
        """The parameters a run was started with."""
        row = self._db.execute("SELECT params_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise LedgerError(f"no run {run_id!r} in {self.path}; see `self-distill ledger runs`")
        return dict(json.loads(row[0]))

    def start_run(
        self, kind: str, params: dict[str, Any] | None = None, *, run_id: str | None = None
    ) -> str:
        """Open a run (an experiment, a CLI call) owned by this process; returns its id
        (``run_id`` when given: it must be new)."""
        if run_id is not None and self.has_run(run_id):
            raise LedgerError(
                f"run {run_id!r} already exists in {self.path}; pick another name or resume it"
            )
        run_id = run_id or uuid.uuid4().hex[:16]
        process = current_process()
        self._write(
            "INSERT INTO runs (id, kind, params_json, started_at, pid, process_start, host) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                kind,
                json.dumps(params or {}, sort_keys=True, default=str),
                utc_now(),
                process.pid,
                process.start,
                process.host,
            ),
        )
        return run_id

    def finish_run(self, run_id: str, status: str = "completed") -> None:
        self._write(
            "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, utc_now(), run_id)
        )

    def _gone_runs(self) -> list[str]:
        """Ids of ``running`` runs whose process has certainly ended."""
        rows = self._db.execute(
            "SELECT id, pid, process_start, host FROM runs "
            "WHERE status = 'running' AND pid IS NOT NULL"
        ).fetchall()
        return [
            run_id
            for run_id, pid, start, host in rows
            if is_gone(ProcessIdentity(int(pid), start, str(host)))
        ]

    def _record_interrupted_runs(self) -> None:
        for run_id in self._gone_runs():
            self._write(
                "UPDATE runs SET status = 'interrupted', finished_at = ? "
                "WHERE id = ? AND status = 'running'",
                (utc_now(), run_id),
            )

    def record_call(
        self,
        run_id: str,
        purpose: str,
        *,
        model: str,
        prompt_hash: str,
        completion: Completion | None = None,
        error: str | None = None,
        cpu_s: float | None = None,
        messages: list[Message] | None = None,
        parent_call_id: int | None = None,
        depth: int | None = None,
    ) -> int:
        """Record one model call (a failed call has ``completion=None`` and an ``error``);
        returns its id. ``parent_call_id`` and ``depth`` place an RLM call in its call tree.

        With ``messages`` the prompt and the response text are kept too, each cut at
        ``max_text_chars``; the call and its texts commit together.
        """
        if purpose not in PURPOSES:
            raise LedgerError(f"unknown call purpose {purpose!r}; use one of {sorted(PURPOSES)}")
        c = completion
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                """
            INSERT INTO model_calls (run_id, purpose, model, prompt_hash, input_tokens,
                output_tokens, latency_s, cost_usd, cached, error, created_at, cpu_s,
                parent_call_id, depth)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
                (
                    run_id,
                    purpose,
                    model,
                    prompt_hash,
                    c.input_tokens if c else 0,
                    c.output_tokens if c else 0,
                    c.latency_s if c else 0.0,
                    c.cost_usd if c else 0.0,
                    int(c.cached) if c else 0,
                    error,
                    utc_now(),
                    cpu_s,
                    parent_call_id,
                    depth,
                ),
            )
        ]
        if messages is not None and self.max_text_chars > 0:
            statements.append(self._texts_statement(messages, c.text if c else None))
        return self._write_call(statements)

    def _texts_statement(
        self, messages: list[Message], response: str | None
    ) -> tuple[str, tuple[Any, ...]]:
        cap = self.max_text_chars
        kept: list[dict[str, str]] = []
        room = cap
        for message in messages:
            content = message["content"][: max(room, 0)]
            room -= len(message["content"])
            kept.append({"role": message["role"], "content": content})
        prompt_chars = sum(len(m["content"]) for m in messages)
        truncated = prompt_chars > cap or (response is not None and len(response) > cap)
        return (
            "INSERT INTO call_texts (call_id, messages_json, response, prompt_chars, "
            "response_chars, truncated) VALUES (last_insert_rowid(), ?, ?, ?, ?, ?)",
            (
                json.dumps(kept, ensure_ascii=False),
                response[:cap] if response is not None else None,
                prompt_chars,
                len(response) if response is not None else None,
                int(truncated),
            ),
        )

    def call_tree(self, run_id: str) -> list[dict[str, Any]]:
        """Every call of one run in order: id, purpose, model, tokens, error, parent, depth."""
        keys = (
            "id",
            "purpose",
            "model",
            "input_tokens",
            "output_tokens",
            "cached",
            "error",
            "parent_call_id",
            "depth",
        )
        rows = self._db.execute(
            f"SELECT {', '.join(keys)} FROM model_calls WHERE run_id = ? ORDER BY id", (run_id,)
        )
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def _write_call(self, statements: list[tuple[str, tuple[Any, ...]]]) -> int:
        """Run ``statements`` in one write transaction; the row id the first one inserted."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            call_id = 0
            for number, (sql, params) in enumerate(statements):
                cursor = self._db.execute(sql, params)
                if number == 0:
                    call_id = int(cursor.lastrowid or 0)
            self._db.execute("COMMIT")
            return call_id
        except sqlite3.Error as error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise LedgerError(f"cannot write to ledger {self.path}: {error}") from error

    def runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Runs, newest first, with their calls, tokens and model wall and CPU seconds; a
        ``running`` run whose process is gone shows ``interrupted``."""
        gone = set(self._gone_runs())
        rows = self._db.execute(
            """
            SELECT r.id, r.kind, r.status, r.started_at, r.finished_at, r.pid, r.host,
                   COUNT(c.id), COALESCE(SUM(c.input_tokens), 0),
                   COALESCE(SUM(c.output_tokens), 0), COALESCE(SUM(c.latency_s), 0),
                   COALESCE(SUM(c.cpu_s), 0), COALESCE(SUM(c.cost_usd), 0)
            FROM runs r LEFT JOIN model_calls c ON c.run_id = r.id
            GROUP BY r.id ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?
            """,
            (-1 if limit is None else limit,),
        )
        keys = (
            "id",
            "kind",
            "status",
            "started_at",
            "finished_at",
            "pid",
            "host",
            "calls",
            "input_tokens",
            "output_tokens",
            "model_wall_s",
            "model_cpu_s",
            "cost_usd",
        )
        runs = [dict(zip(keys, row, strict=True)) for row in rows]
        for run in runs:
            if run["id"] in gone:
                run["status"] = "interrupted"
            run["duration_s"] = _seconds_between(run["started_at"], run["finished_at"])
        return runs

    def calls(self, run_id: str | None = None, limit: int | None = None) -> list[CallLog]:
        """Model calls with their prompts and responses, newest first (optionally of one run)."""
        where, params = ("WHERE c.run_id = ?", (run_id,)) if run_id else ("", ())
        rows = self._db.execute(
            f"""
            SELECT c.id, c.run_id, r.kind, c.created_at, c.model, c.purpose, c.input_tokens,
                   c.output_tokens, c.latency_s, c.cpu_s, c.cost_usd, c.cached, c.error,
                   t.messages_json, t.response, COALESCE(t.truncated, 0)
            FROM model_calls c JOIN runs r ON r.id = c.run_id
            LEFT JOIN call_texts t ON t.call_id = c.id
            {where} ORDER BY c.id DESC LIMIT ?
            """,
            (*params, -1 if limit is None else limit),
        )
        return [
            CallLog(
                *row[:11],
                cached=bool(row[11]),
                error=row[12],
                messages=json.loads(row[13]) if row[13] else [],
                response=row[14],
                truncated=bool(row[15]),
            )
            for row in rows
        ]

    def usage(self, run_id: str | None = None) -> list[UsageRow]:
        """Calls, tokens, cost and time grouped by model and purpose (optionally for one run)."""
        where, params = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
        rows = self._db.execute(
            f"""
            SELECT model, purpose, COUNT(*), SUM(cached), SUM(error IS NOT NULL),
                   SUM(input_tokens), SUM(output_tokens), SUM(cost_usd), SUM(latency_s),
                   COALESCE(SUM(cpu_s), 0)
            FROM model_calls {where}
            GROUP BY model, purpose ORDER BY model, purpose
            """,
            params,
        )
        return [UsageRow(*row) for row in rows]

    def has_run(self, run_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is not None


def _seconds_between(started: str, finished: str | None) -> float | None:
    """Seconds from ``started`` to ``finished`` (ISO 8601), ``None`` while a run has no end."""
    if not finished:
        return None
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
