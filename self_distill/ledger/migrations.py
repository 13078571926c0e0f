"""The ledger schema as an ordered list of small, named migrations.

Each migration runs once and is recorded in the ``migrations`` table, so a ledger written by an
older version opens with a newer one. All pending migrations run in one transaction under
SQLite's write lock, so a process killed half-way leaves the ledger as it was. Never edit a
migration that has shipped: append a new one.
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


def m003_run_process(db: sqlite3.Connection) -> None:
    """Which process runs a run (pid, its start time, host), so a run whose process died
    without finishing it can be told apart from one still going and marked ``interrupted``."""
    db.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")
    db.execute("ALTER TABLE runs ADD COLUMN process_start TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN host TEXT")


def m004_call_texts(db: sqlite3.Connection) -> None:
    """The prompt and response of each call (for ``ledger logs``), kept apart from the counts so
    summaries stay fast; each text is cut at the ledger's ``max_chars`` and marked when cut."""
    db.execute(
        """
        CREATE TABLE call_texts (
            call_id INTEGER PRIMARY KEY REFERENCES model_calls(id),
            messages_json TEXT NOT NULL,
            response TEXT,
            prompt_chars INTEGER NOT NULL,
            response_chars INTEGER,
            truncated INTEGER NOT NULL DEFAULT 0
        )
        """
    )


def m005_agent_routes(db: sqlite3.Connection) -> None:
    """The agent's journal: every task it answered with its route, each clustering it made, and
    each event of a skill's life (creation tried, activated, demoted). With these a killed run
    resumes where it stopped, and a report reads a run's savings from the ledger alone."""
    db.execute(
        """
        CREATE TABLE agent_tasks (
            run_id TEXT NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            task_id TEXT,
            family TEXT,
            input_sha TEXT NOT NULL,
            cluster INTEGER,
            route TEXT NOT NULL,
            reason TEXT NOT NULL,
            skill TEXT,
            answer TEXT NOT NULL,
            target TEXT,
            label TEXT,
            correct REAL,
            tokens INTEGER NOT NULL,
            latency_s REAL NOT NULL,
            last_call_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE agent_clusters (
            run_id TEXT NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            cluster INTEGER NOT NULL,
            size INTEGER NOT NULL,
            threshold REAL NOT NULL,
            PRIMARY KEY (run_id, seq, cluster)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE agent_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            cluster INTEGER,
            skill TEXT,
            tokens INTEGER NOT NULL DEFAULT 0,
            detail_json TEXT NOT NULL DEFAULT '{}',
            last_call_id INTEGER NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX agent_events_by_run ON agent_events(run_id, seq)")


def m006_rlm_calls(db: sqlite3.Connection) -> None:
    """RLM mode: the call a model call was made for (a sub-call's root call, a child RLM's
    parent call) and its recursion depth (0 for the root), so a run's call tree can be rebuilt."""
    db.execute("ALTER TABLE model_calls ADD COLUMN parent_call_id INTEGER")
    db.execute("ALTER TABLE model_calls ADD COLUMN depth INTEGER")


def m007_agent_task_inputs(db: sqlite3.Connection) -> None:
    """The text and answer format of each agent task: a curated training set for a student is
    read from the journal, and a skill-answered task has no model call that would hold its text.
    Rows written before this migration keep NULL and are left out of curated sets."""
    db.execute("ALTER TABLE agent_tasks ADD COLUMN input TEXT")
    db.execute("ALTER TABLE agent_tasks ADD COLUMN answer_format TEXT")


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_runs_and_model_calls", m001_runs_and_model_calls),
    ("m002_model_call_cpu_time", m002_model_call_cpu_time),
    ("m003_run_process", m003_run_process),
    ("m004_call_texts", m004_call_texts),
    ("m005_agent_routes", m005_agent_routes),
    ("m006_rlm_calls", m006_rlm_calls),
    ("m007_agent_task_inputs", m007_agent_task_inputs),
]


def utc_now() -> str:
    """Timestamps are ISO 8601 in UTC so ledgers from different machines sort together."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def pending_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations ``db`` has not recorded yet, in order."""
    has_table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
    ).fetchone()
    done = {row[0] for row in db.execute("SELECT name FROM migrations")} if has_table else set()
    return [name for name, _ in MIGRATIONS if name not in done]


def apply_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    The caller holds an open write transaction (:func:`self_distill.sqlite_files.open_database`
    takes ``BEGIN IMMEDIATE``): all migrations and their records commit together or not at all,
    and a second process opening the same new file waits for the lock, then finds them done.
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = pending_migrations(db)
    steps = dict(MIGRATIONS)
    for name in applied:
        steps[name](db)
        db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, utc_now()))
    return applied
