"""Opening the project's SQLite files (ledger, response cache, embedding cache) one way.

All three are written by one process at a time but read while written (a report during a run),
so each uses write-ahead logging, autocommit mode (callers open their own transactions) and a
generous busy timeout.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_wal_database(path: Path) -> sqlite3.Connection:
    """A connection to ``path`` in WAL and autocommit mode, creating its folder.

    Raises :class:`sqlite3.DatabaseError` for a file that is not a usable database (the caller
    turns it into an error naming the fix); the connection is closed first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        database.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError:
        database.close()
        raise
    return database
