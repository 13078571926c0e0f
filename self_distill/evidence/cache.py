"""A SQLite cache of sentence embeddings, so no text is ever embedded twice by the same model.

Rows are keyed by ``sha256(text)`` and the model name; each row records the model name and the
vector dimension next to the float32 blob, so a vector can always be traced to the model that
made it and vectors of different models never mix.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from self_distill.errors import DataError
from self_distill.paths import data_home
from self_distill.sqlite_files import DatabaseKind, missing_tables, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    text_sha256 TEXT NOT NULL,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_sha256, model)
)
"""

# SQLite caps the number of bound parameters per statement; stay well below every default.
_LOOKUP_CHUNK = 500


def _create_embeddings(db: sqlite3.Connection) -> list[str]:
    db.execute(_SCHEMA)
    return ["embeddings"]


EMBEDDING_CACHE_KIND = DatabaseKind(
    name="embedding cache",
    signature_table="embeddings",
    error=DataError,
    unreadable_fix="delete the file (it is only a cache) or pass another cache path",
    pending=lambda db: missing_tables(db, "embeddings"),
    prepare=_create_embeddings,
)


def default_embedding_cache_path() -> Path:
    """The embedding cache used when no path is given."""
    return data_home() / "embeddings.sqlite3"


def text_key(text: str) -> str:
    """The cache key of a text: the hex sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Stores float32 vectors by (text hash, model). Use as a context manager or call ``close``."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_embedding_cache_path()
        self._db = open_database(self.path, EMBEDDING_CACHE_KIND).connection

    def __enter__(self) -> EmbeddingCache:
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

    def get_many(self, keys: Sequence[str], model: str, dim: int) -> dict[str, np.ndarray]:
        """Vectors already cached for ``keys`` under ``model``; missing keys are simply absent.

        A stored vector whose recorded dimension or byte length disagrees with ``dim`` is a
        corrupt row: it raises rather than hand back a vector of the wrong shape.
        """
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT text_sha256, dim, vector FROM embeddings "
                f"WHERE model = ? AND text_sha256 IN ({marks})",
                (model, *chunk),
            )
            for key, stored_dim, blob in rows:
                if stored_dim != dim or len(blob) != dim * 4:
                    raise DataError(
                        f"embedding cache {self.path}: row {key[:12]} for model {model} has "
                        f"dimension {stored_dim} ({len(blob)} bytes), expected {dim}; delete the "
                        "cache file to rebuild it"
                    )
                found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, items: Iterable[tuple[str, np.ndarray]], model: str) -> None:
        """Store ``(key, vector)`` pairs for ``model`` in one transaction (existing rows stay)."""
        rows = [
            (key, model, int(vector.shape[0]), np.ascontiguousarray(vector, np.float32).tobytes())
            for key, vector in items
        ]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR IGNORE INTO embeddings (text_sha256, model, dim, vector) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )

    def count(self, model: str | None = None) -> int:
        """Number of cached vectors, for one model or in total."""
        if model is None:
            row = self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()
        else:
            row = self._db.execute(
                "SELECT COUNT(*) FROM embeddings WHERE model = ?", (model,)
            ).fetchone()
        return int(row[0])
