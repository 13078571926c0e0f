"""A SQLite response cache keyed by a hash of spec, messages and generation parameters.

A paid request is never made twice: a hit returns the stored completion with ``cached=True``, no
cost and the lookup time as latency. Sampling without a seed at temperature > 0 is meant to vary,
so such requests bypass the cache.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

from self_distill.errors import LedgerError
from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.sqlite_files import DatabaseKind, missing_tables, open_database


def request_key(
    spec: str,
    messages: list[Message],
    *,
    max_tokens: int,
    temperature: float,
    seed: int | None,
    stop: list[str] | tuple[str, ...] | None,
) -> str:
    """The cache key: sha256 over a canonical JSON of everything that shapes the answer."""
    payload = {
        "spec": spec,
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "seed": seed,
        "stop": list(stop or ()),
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _create_responses(db: sqlite3.Connection) -> list[str]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, spec TEXT NOT NULL, "
        "completion_json TEXT NOT NULL, created_at REAL NOT NULL)"
    )
    return ["responses"]


RESPONSE_CACHE_KIND = DatabaseKind(
    name="response cache",
    signature_table="responses",
    error=LedgerError,
    unreadable_fix="delete the file to start a fresh cache",
    pending=lambda db: missing_tables(db, "responses"),
    prepare=_create_responses,
)


class ResponseCache:
    """Stored completions, one row per request key."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = open_database(self.path, RESPONSE_CACHE_KIND).connection

    def get(self, key: str) -> Completion | None:
        row = self._db.execute(
            "SELECT completion_json FROM responses WHERE key = ?", (key,)
        ).fetchone()
        return Completion(**json.loads(row[0])) if row else None

    def put(self, key: str, completion: Completion) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, spec, completion_json, created_at) "
            "VALUES (?, ?, ?, ?)",
            (key, completion.model, json.dumps(completion.to_dict()), time.time()),
        )

    def close(self) -> None:
        self._db.close()


class CachingGenerator(TextGenerator):
    """Serve repeated requests from the cache; pass everything else to the wrapped generator."""

    def __init__(self, inner: TextGenerator, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.spec = inner.spec

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        if temperature > 0 and seed is None:
            return self.inner.complete(
                messages, max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop
            )
        started = time.perf_counter()
        key = request_key(
            self.spec,
            messages,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            stop=stop,
        )
        hit = self.cache.get(key)
        if hit is not None:
            return replace(hit, cached=True, cost_usd=0.0, latency_s=time.perf_counter() - started)
        completion = self.inner.complete(
            messages, max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop
        )
        self.cache.put(key, completion)
        return completion
