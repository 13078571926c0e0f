"""Data locations: looking them up creates nothing; an impossible one is a clear ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from self_distill.errors import ConfigError
from self_distill.models.cache import ResponseCache
from tests.support.cli import run_cli
from tests.support.unprivileged import run_unprivileged, shared_folder


def test_read_only_commands_create_no_data_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"SELF_DISTILL_HOME": str(home), "SELF_DISTILL_MODELS_DIR": ""}
    assert run_cli("models", "list", "--json", env=env).returncode == 0
    summary = run_cli("ledger", "summary", env=env)
    assert summary.returncode == 1 and "no ledger at" in summary.stderr
    assert not home.exists()


@pytest.mark.parametrize(
    "command", [("ask", "--model", "ollama:coder", "hi"), ("models", "pull", "qwen2.5-coder-1.5b")]
)
def test_data_home_under_a_file_is_one_clear_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {
        "SELF_DISTILL_HOME": str(blocker / "home"),
        "SELF_DISTILL_MODELS_DIR": "",
        "HOME": str(tmp_path / "user"),
        "XDG_DATA_HOME": "",
    }
    result = run_cli(*command, env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "a folder above it is a file" in result.stderr
    assert "SELF_DISTILL_HOME" in result.stderr


def _open_cache_in(home: str) -> str:
    try:
        ResponseCache(Path(home) / "home" / "response_cache.sqlite3")
    except ConfigError as error:
        return str(error)
    return "opened"


def test_data_home_in_a_read_only_folder_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with shared_folder() as folder:
        monkeypatch.setenv("SELF_DISTILL_HOME", str(folder / "home"))
        folder.chmod(0o555)
        message = run_unprivileged(lambda: _open_cache_in(str(folder)))
    assert "cannot create" in message and "Permission denied" in message, message
    assert "point SELF_DISTILL_HOME at a writable folder" in message
