"""The ledger schema as an ordered list of small, named migrations.

Each migration runs once, inside a transaction, and is recorded in the ``migrations`` table, so a
ledger written by an older version opens with a newer one. Never edit a migration that has
shipped: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]


def m001_runs_and_model_calls(db: sqlite3.Connection) -> None:
    """Runs (one per CLI invocation or experiment) and every model call made inside them."""
    db.execute(
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            params_json TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'running',
            started_at TEXT NOT NULL,
            finished_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE model_calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs(id),
            purpose TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_hash TEXT NOT NULL,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            latency_s REAL NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            cached INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX model_calls_by_run ON model_calls(run_id)")


def m002_model_call_cpu_time(db: sqlite3.Connection) -> None:
    """Local models cost no money but do cost compute: record the process CPU seconds per call."""
    db.execute("ALTER TABLE model_calls ADD COLUMN cpu_s REAL")


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_runs_and_model_calls", m001_runs_and_model_calls),
    ("m002_model_call_cpu_time", m002_model_call_cpu_time),
]


def utc_now() -> str:
    """Timestamps are ISO 8601 in UTC so ledgers from different machines sort together."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def apply_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for name, migration in MIGRATIONS:
        if name in done:
            continue
        with db:
            migration(db)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, utc_now()))
        applied.append(name)
    return applied
