"""The foundation commands end to end: ask, models list, ledger summary, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from self_distill.ledger import Ledger
from self_distill.models.cache import ResponseCache
from tests.support.cli import REPO, run_cli
from tests.support.ollama_standin import OllamaStandIn

COMPLETION_FIELDS = {
    "text",
    "input_tokens",
    "output_tokens",
    "latency_s",
    "cost_usd",
    "model",
    "cached",
}


@pytest.mark.model
def test_ask_json_prints_a_completion_and_the_ledger_counts_it() -> None:
    result = run_cli(
        "ask", "--model", "embedded:smollm2-135m", "--json", "--max-tokens", "12", "Say hi"
    )
    assert result.returncode == 0, result.stderr
    completion = json.loads(result.stdout)
    assert set(completion) == COMPLETION_FIELDS
    assert completion["input_tokens"] > 0 and completion["output_tokens"] > 0
    assert completion["model"] == "embedded:smollm2-135m"
    summary = json.loads(run_cli("ledger", "summary", "--json").stdout)
    assert summary["totals"]["calls"] == 1
    assert summary["rows"][0]["purpose"] == "solve"
    assert summary["totals"]["output_tokens"] == completion["output_tokens"]


def test_models_list_shows_both_embedded_models() -> None:
    result = run_cli("models", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["spec"]: row for row in json.loads(result.stdout)["embedded"]}
    assert set(rows) == {"embedded:smollm2-135m", "embedded:qwen2.5-coder-1.5b"}
    assert rows["embedded:smollm2-135m"]["status"] == "verified"
    assert rows["embedded:smollm2-135m"]["size_bytes"] > 50_000_000


def test_ask_through_ollama_standin_records_tokens() -> None:
    with OllamaStandIn(reply=lambda messages: "four") as server:
        result = run_cli(
            "ask",
            "--model",
            "ollama:coder",
            "--json",
            "two plus two",
            env={"OLLAMA_HOST": server.url},
        )
    assert result.returncode == 0, result.stderr
    completion = json.loads(result.stdout)
    assert (completion["text"], completion["input_tokens"], completion["output_tokens"]) == (
        "four",
        3,
        1,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("ask", "--model", "nope:x", "hi"), {}, "unknown model spec 'nope:x'"),
        (
            ("ask", "--model", "ollama:coder", "hi"),
            {"OLLAMA_HOST": "http://127.0.0.1:9"},
            "ollama serve",
        ),
        (("ask", "--model", "anthropic:claude-opus-4-6", "hi"), {}, "ANTHROPIC_API_KEY"),
        (("ask", "--model", "llamacpp:/no/such/model.gguf", "hi"), {}, "does not exist"),
    ],
)
def test_errors_are_one_line_with_the_fix_and_no_traceback(
    args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = run_cli(*args, env=env)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_flag_shows_the_traceback() -> None:
    result = run_cli("--debug", "ask", "--model", "nope:x", "hi")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_bad_config_key_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "self-distill.toml"
    config.write_text('ledger_pth = "x.sqlite3"\n')
    result = run_cli("ledger", "summary", env={"SELF_DISTILL_CONFIG": str(config)})
    assert result.returncode == 1
    assert str(config) in result.stderr and "ledger_pth" in result.stderr


def test_ledger_summary_of_unknown_run_is_a_usage_error(tmp_path: Path) -> None:
    Ledger(tmp_path / "ledger.sqlite3").close()
    result = run_cli(
        "ledger", "summary", "--run", "nope", "--ledger", str(tmp_path / "ledger.sqlite3")
    )
    assert result.returncode == 2
    assert "no run 'nope'" in result.stderr


def test_ledger_summary_of_a_mistyped_path_creates_nothing(tmp_path: Path) -> None:
    """It used to create an empty ledger there and report 0 calls."""
    typo = tmp_path / "ledgr.sqlite3"
    result = run_cli("ledger", "summary", "--ledger", str(typo))
    assert result.returncode == 1
    assert f"no ledger at {typo}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ledger_summary_pointed_at_the_response_cache_leaves_it_alone(tmp_path: Path) -> None:
    cache_path = tmp_path / "response_cache.sqlite3"
    ResponseCache(cache_path).close()
    before = cache_path.read_bytes()
    for command in (("ledger", "summary"), ("ledger", "upgrade"), ("ledger", "runs")):
        result = run_cli(*command, "--ledger", str(cache_path))
        assert result.returncode == 1
        assert "is a self-distill response cache, not a ledger" in result.stderr
    assert cache_path.read_bytes() == before


def test_ledger_runs_shows_a_killed_run_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    script = (
        "import os, sys\nfrom self_distill.ledger import Ledger\n"
        "Ledger(sys.argv[1]).start_run('doomed')\nos._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, check=False)
    with Ledger(path) as ledger:
        done = ledger.start_run("done")
        ledger.finish_run(done)
    result = run_cli("ledger", "runs", "--json", "--ledger", str(path))
    assert result.returncode == 0, result.stderr
    statuses = {run["kind"]: run["status"] for run in json.loads(result.stdout)["runs"]}
    assert statuses == {"doomed": "interrupted", "done": "completed"}


def test_models_verify_rehash_checks_bytes_and_names_the_fix(tmp_path: Path) -> None:
    smollm2 = run_cli("models", "verify", "smollm2-135m", "--rehash")
    assert smollm2.returncode == 0, smollm2.stderr
    assert "every byte matches" in smollm2.stdout
    empty = {"SELF_DISTILL_MODELS_DIR": str(tmp_path / "models")}
    missing = run_cli("models", "verify", "qwen2.5-coder-1.5b", "--rehash", env=empty)
    assert missing.returncode == 1
    assert "does not exist; run `self-distill models pull` first" in missing.stderr
    unpulled = run_cli("models", "verify", "qwen2.5-coder-1.5b", env=empty)
    assert unpulled.returncode == 1 and "models pull qwen2.5-coder-1.5b" in unpulled.stderr
    assert not (tmp_path / "models").exists()
