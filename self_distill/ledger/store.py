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
from pathlib import Path
from types import TracebackType
from typing import Any

from self_distill.errors import LedgerError
from self_distill.ledger.migrations import apply_migrations, pending_migrations, utc_now
from self_distill.ledger.processes import ProcessIdentity, current_process, is_gone
from self_distill.models.base import Completion
from self_distill.sqlite_files import DatabaseKind, open_database

PURPOSES = frozenset({"solve", "create", "repair", "judge", "shadow", "rlm_root", "rlm_sub"})

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
    """

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
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

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            cursor = self._db.execute(sql, params)
            self._db.execute("COMMIT")
            return cursor
        except sqlite3.Error as error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise LedgerError(f"cannot write to ledger {self.path}: {error}") from error

    def start_run(self, kind: str, params: dict[str, Any] | None = None) -> str:
        """Open a run (an experiment, a CLI call) owned by this process; returns its id."""
        run_id = uuid.uuid4().hex[:16]
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
        parent_call_id: int | None = None,
        depth: int | None = None,
    ) -> int:
        """Record one model call (a failed call has ``completion=None`` and an ``error``);
        returns its id. ``parent_call_id`` and ``depth`` place an RLM call in its call tree."""
        if purpose not in PURPOSES:
            raise LedgerError(f"unknown call purpose {purpose!r}; use one of {sorted(PURPOSES)}")
        c = completion
        cursor = self._write(
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
        return int(cursor.lastrowid or 0)

    def calls(self, run_id: str) -> list[dict[str, Any]]:
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

    def runs(self) -> list[dict[str, Any]]:
        """All runs, newest first; a ``running`` run whose process is gone shows ``interrupted``."""
        gone = set(self._gone_runs())
        rows = self._db.execute(
            "SELECT id, kind, status, started_at, finished_at, pid, host FROM runs "
            "ORDER BY started_at DESC"
        )
        keys = ("id", "kind", "status", "started_at", "finished_at", "pid", "host")
        runs = [dict(zip(keys, row, strict=True)) for row in rows]
        for run in runs:
            if run["id"] in gone:
                run["status"] = "interrupted"
        return runs

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
