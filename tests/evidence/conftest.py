"""Shared fixtures: a private data home, and one real embedder per test session.

The embedder loads the real all-MiniLM-L6-v2 model (tests using it are marked ``model``); its
cache lives in a session temporary directory, so each text is embedded once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from self_distill.evidence import Embedder, EmbeddingCache


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every default path (embedding cache included) out of the user's data home."""
    home = tmp_path / "home"
    monkeypatch.setenv("SELF_DISTILL_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def session_cache_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("evidence") / "embeddings.sqlite3"


@pytest.fixture(scope="session")
def embedder(session_cache_path: Path) -> Iterator[Embedder]:
    """The real MiniLM embedder over a session-wide cache."""
    with EmbeddingCache(session_cache_path) as cache:
        yield Embedder(cache)
