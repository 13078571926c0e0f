"""Test-wide isolation: every test gets its own data home (ledger, caches) under tmp_path.

Assembled model files are shared: they are large, verified by sha256, and read-only in use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from self_distill.paths import models_dir

SHARED_MODELS_DIR = models_dir()


@pytest.fixture(autouse=True)
def isolated_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "self-distill-home"
    monkeypatch.setenv("SELF_DISTILL_HOME", str(home))
    monkeypatch.setenv("SELF_DISTILL_MODELS_DIR", str(SHARED_MODELS_DIR))
    monkeypatch.delenv("SELF_DISTILL_CONFIG", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    return home
