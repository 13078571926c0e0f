"""The ``openai:`` backend against a real OpenAI-compatible server on 127.0.0.1.

The server is llama-cpp-python's own (``python -m llama_cpp.server``, from the
``llama-cpp-python[server]`` extra in ``.[dev]``) serving the embedded SmolLM2, which loads in
about a second; ``ask``, ``create`` and ``ledger logs`` run through it as a user would.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from self_distill.config import load_settings
from self_distill.errors import ConfigError, ModelAuthError, ModelUnavailableError
from self_distill.models.embedded import smollm2_path
from self_distill.models.openai_backend import OpenAICompatibleGenerator, is_local_url
from self_distill.models.registry import build_generator
from self_distill.tasks import generate, write_jsonl
from tests.support.cli import run_cli

pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server] (.[dev])")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The base URL (``.../v1``) of a llama.cpp OpenAI-compatible server serving SmolLM2."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(smollm2_path()),
            "--model_alias",
            "smol",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.model
def test_ask_create_and_logs_through_a_real_openai_compatible_server(
    server: str, tmp_path: Path
) -> None:
    env = {"OPENAI_BASE_URL": server, "COLUMNS": "80"}
    asked = run_cli(
        "ask", "--model", "openai:smol", "--json", "--max-tokens", "40", "Say hi", env=env
    )
    assert asked.returncode == 0, asked.stderr
    completion = json.loads(asked.stdout)
    assert completion["model"] == "openai:smol" and completion["cost_usd"] == 0.0
    assert completion["input_tokens"] > 5 and 0 < completion["output_tokens"] <= 40
    piped = run_cli("ask", "--model", "openai:smol", "--max-tokens", "40", "Say hi", env=env)
    assert piped.returncode == 0 and piped.stdout == completion["text"]

    data = tmp_path / "sort.jsonl"
    write_jsonl(generate("word_sort", 40, seed=5), data)
    created = run_cli(
        "create",
        "--data",
        str(data),
        "--model",
        "openai:smol",
        "--candidates",
        "1",
        "--max-tokens",
        "60",
        "--json",
        env=env,
    )
    outcome = json.loads(created.stdout)
    # create exits 1 when no skill is accepted (the 135M model rarely writes one), 0 otherwise
    assert created.returncode == (0 if outcome["accepted"] else 1), created.stderr
    assert outcome["model"] == "openai:smol" and outcome["creation_tokens"] > 0

    logs = run_cli("ledger", "logs", "--run", outcome["run_id"], "--json", env=env)
    calls = json.loads(logs.stdout)["calls"]
    assert [call["purpose"] for call in calls] == ["create"]
    assert calls[0]["model"] == "openai:smol" and calls[0]["input_tokens"] > 0
    assert "word" in calls[0]["messages"][-1]["content"].lower() and calls[0]["response"]
    shown = run_cli("ledger", "logs", "-n", "0", env=env).stdout
    assert "Say hi" in shown and completion["text"].strip()[:20] in shown
    runs = json.loads(run_cli("ledger", "runs", "--json", env=env).stdout)["runs"]
    assert runs[0]["kind"] == "create" and runs[0]["calls"] == 1


@pytest.mark.model
def test_an_unknown_model_and_a_dead_server_are_one_line_errors(server: str) -> None:
    down = run_cli(
        "ask", "--model", "openai:smol", "hi", env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    assert down.returncode == 1 and "OPENAI_BASE_URL" in down.stderr
    assert "Traceback" not in down.stderr


def test_only_local_servers_go_without_a_key_or_a_price(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_local_url("http://127.0.0.1:8080/v1") and is_local_url("http://localhost/v1")
    assert is_local_url("http://192.168.1.20:8000/v1")
    assert not is_local_url("https://api.openai.com/v1")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match=r'prices\."openai:gpt-x"'):
        build_generator("openai:gpt-x", load_settings())
    settings = load_settings({"prices": {"openai:gpt-x": {"input": 1.0, "output": 2.0}}})
    with pytest.raises(ModelAuthError, match="OPENAI_API_KEY"):
        build_generator("openai:gpt-x", settings)
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    local = OpenAICompatibleGenerator("gpt-x", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ModelUnavailableError):
        local.complete([{"role": "user", "content": "hi"}])
