"""Opening the project's SQLite files (ledger, response cache, embedding cache) one way.

All three are written by several processes at once (parallel ``ask`` calls, an experiment while a
report reads) and read while written, so each uses write-ahead logging, autocommit mode (callers
open their own transactions) and a generous busy timeout.

Every file is stamped with a :class:`DatabaseKind`'s ``application_id`` in its header, so a
ledger path that points at a response cache (or any other SQLite file) is refused instead of
having tables added to it. Files written before the stamp existed are recognised by their
signature table and stamped on their next write.

Schema set-up (the ledger's migrations, the caches' tables) runs inside one ``BEGIN IMMEDIATE``
transaction: SQLite's write lock serialises the first use of a new file by many processes, and a
process killed half-way leaves nothing behind that the next opener would trip over, because the
whole set-up rolls back.

Readers (``ledger summary``) open with :func:`open_database` and ``writable=False``: a missing
file is an error, never an empty database created on the spot, and nothing is stamped or
migrated.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from self_distill.errors import SelfDistillError
from self_distill.paths import ensure_directory

BUSY_TIMEOUT_S = 60.0
"""How long an opener or writer waits for another process's write lock before it gives up."""


APPLICATION_IDS: dict[str, int] = {
    "ledger": 0x53444C47,
    "response cache": 0x53445243,
    "embedding cache": 0x53444543,
}
"""The header stamp of each kind of file ('SDLG', 'SDRC', 'SDEC'), kept in one place so that a
file of one kind opened as another is named in the error."""


@dataclass(frozen=True)
class DatabaseKind:
    """What one of our SQLite files is and how its schema is made current.

    ``name`` is a key of :data:`APPLICATION_IDS`. ``pending`` lists the schema steps a
    connection still lacks (empty when current); ``prepare`` applies them inside the caller's
    open transaction and returns their names. ``signature_table`` identifies files of this kind
    written before the application id was stamped. ``error`` is the exception type raised for
    this kind, ``unreadable_fix`` the advice for a file that is not a database at all.
    """

    name: str
    signature_table: str
    error: type[SelfDistillError]
    unreadable_fix: str
    pending: Callable[[sqlite3.Connection], list[str]]
    prepare: Callable[[sqlite3.Connection], list[str]]

    @property
    def application_id(self) -> int:
        return APPLICATION_IDS[self.name]


@dataclass
class OpenedDatabase:
    """A connection plus the schema steps this opener applied (empty when none were needed)."""

    connection: sqlite3.Connection
    applied: list[str]


def _user_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in rows]


def missing_tables(db: sqlite3.Connection, *names: str) -> list[str]:
    """Those of ``names`` that ``db`` has no table for: the ``pending`` of a one-table file."""
    present = set(_user_tables(db))
    return [name for name in names if name not in present]


def _check_kind(db: sqlite3.Connection, path: Path, kind: DatabaseKind) -> bool:
    """Raise unless ``path`` is a file of ``kind`` or an empty database; True when stamped."""
    application_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    if application_id == kind.application_id:
        return True
    if application_id != 0:
        known = next((name for name, i in APPLICATION_IDS.items() if i == application_id), None)
        other = (
            f"self-distill {known}"
            if known
            else f"SQLite file of another program (application id {application_id})"
        )
        raise kind.error(
            f"{path} is a {other}, not a {kind.name}; it was left unchanged; pass the path of "
            f"a {kind.name}"
        )
    tables = _user_tables(db)
    if tables and kind.signature_table not in tables:
        shown = ", ".join(tables[:5]) + (" ..." if len(tables) > 5 else "")
        raise kind.error(
            f"{path} is a SQLite database but not a {kind.name} (it holds tables {shown}); "
            f"it was left unchanged; pass the path of a {kind.name} or a new file"
        )
    return False


def _connect(path: Path, *, writable: bool) -> sqlite3.Connection:
    """A connection; for readers, one that leaves the folder as it found it.

    A reader connects read-write when it may (it issues no writes; as the last connection to
    close it removes the ``-wal``/``-shm`` files it needed), read-only otherwise, and in a folder
    it cannot write with no ``-wal`` file present (so no writer can be active there) as an
    immutable file, because WAL readers must otherwise create ``-shm`` next to the file.
    """
    if writable or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    location = quote(str(path.resolve()))
    try:
        db = sqlite3.connect(
            f"file:{location}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None
        )
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError:
        if Path(f"{path}-wal").exists():
            raise
    return sqlite3.connect(
        f"file:{location}?immutable=1", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None
    )


def _explain(error: sqlite3.Error, path: Path, kind: DatabaseKind, writable: bool) -> str:
    """Turn SQLite's terse messages into what went wrong and what to do."""
    code = getattr(error, "sqlite_errorcode", None)
    if path.is_dir():
        return f"{path} is a directory, not a {kind.name} file; pass a file path"
    if code == sqlite3.SQLITE_NOTADB or "not a database" in str(error):
        return f"{path} is not a SQLite database ({error}); {kind.unreadable_fix}"
    if code == sqlite3.SQLITE_CORRUPT:
        return f"{path} is damaged ({error}); {kind.unreadable_fix}"
    folder = path.parent
    if writable and (
        code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM)
        or not os.access(folder, os.W_OK)
        or (path.exists() and not os.access(path, os.W_OK))
    ):
        return (
            f"cannot write the {kind.name} {path}: the file or its folder {folder} is "
            f"read-only ({error}); pass a writable path or fix the permissions"
        )
    if code == sqlite3.SQLITE_BUSY:
        return (
            f"the {kind.name} {path} stayed locked by another process for "
            f"{BUSY_TIMEOUT_S:g} s ({error}); wait for it to finish and retry"
        )
    return f"cannot open the {kind.name} {path}: {error}"


def open_database(path: Path, kind: DatabaseKind, *, writable: bool = True) -> OpenedDatabase:
    """Open ``path`` as a database of ``kind``.

    Writable (the default): the file and its folder are created if missing, and the schema is
    brought up to date under the write lock. Read-only: the file must exist and be current; it is
    neither created nor changed. Every failure raises ``kind.error`` with the path and the fix.
    """
    if not writable and not path.exists():
        raise kind.error(
            f"no {kind.name} at {path}; check the path (a {kind.name} is created by the first "
            "command that writes to it)"
        )
    if writable:
        ensure_directory(path.parent, f"the folder of the {kind.name}")
    try:
        db = _connect(path, writable=writable)
    except sqlite3.Error as error:
        raise kind.error(_explain(error, path, kind, writable)) from error
    try:
        applied = _prepare(db, path, kind) if writable else _check_current(db, path, kind)
    except sqlite3.Error as error:
        db.close()
        raise kind.error(_explain(error, path, kind, writable)) from error
    except BaseException:
        db.close()
        raise
    return OpenedDatabase(db, applied)


def _check_current(db: sqlite3.Connection, path: Path, kind: DatabaseKind) -> list[str]:
    _check_kind(db, path, kind)
    missing = kind.pending(db)
    if missing:
        raise kind.error(
            f"{path} was written by an older self-distill and lacks {', '.join(missing)}; "
            "open it once with a command that writes (`self-distill ledger upgrade --ledger "
            f"{path}` for a ledger) and retry"
        )
    return []


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch a file to WAL, retrying while others hold it: unlike other statements, the switch
    fails at once with SQLITE_BUSY instead of waiting in the busy handler, which is what many
    processes opening one new file at the same moment run into."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


def _prepare(db: sqlite3.Connection, path: Path, kind: DatabaseKind) -> list[str]:
    stamped = _check_kind(db, path, kind)
    _use_wal(db)
    if stamped and not kind.pending(db):
        return []
    db.execute("BEGIN IMMEDIATE")
    try:
        stamped = _check_kind(db, path, kind)
        applied = kind.prepare(db)
        if not stamped:
            db.execute(f"PRAGMA application_id = {int(kind.application_id)}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return applied
