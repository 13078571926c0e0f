"""Settings: every value type-checked and bounded by what this machine can run; bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from self_distill.config import load_settings, usable_cpus
from self_distill.errors import ConfigError, ModelInputTooLongError
from self_distill.models import build_generator
from self_distill.models.embedded import smollm2_path
from self_distill.models.llamacpp_backend import LlamaCppGenerator
from tests.support.cli import run_cli


def settings_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str | bytes):
    config = tmp_path / "self-distill.toml"
    if isinstance(toml, bytes):
        config.write_bytes(toml)
    else:
        config.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("SELF_DISTILL_CONFIG", str(config))
    return load_settings()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("100000", "llama_threads = 100000 is out of range"),
        ("100000000000000000000", "is out of range"),
        ("2.7", "must be an integer, got 2.7"),
        ("true", "must be an integer, got True"),
        ("-1", "is out of range"),
        ('"4"', "out of range" if usable_cpus() < 4 else None),
    ],
)
def test_llama_threads_is_an_integer_the_machine_can_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str | None
) -> None:
    """100000 threads segfaulted llama.cpp, 10^20 aborted it; 2.7 and true became 2 and 1."""
    if message is None:
        assert settings_from(tmp_path, monkeypatch, f"llama_threads = {value}\n").llama_threads == 4
        return
    with pytest.raises(ConfigError, match=message) as raised:
        settings_from(tmp_path, monkeypatch, f"llama_threads = {value}\n")
    assert "self-distill.toml" in str(raised.value)


def test_the_environment_is_checked_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELF_DISTILL_LLAMA_THREADS", "2.7")
    with pytest.raises(ConfigError, match=r"environment .*llama_threads must be an integer"):
        load_settings()
    monkeypatch.setenv("SELF_DISTILL_LLAMA_THREADS", str(usable_cpus()))
    assert load_settings().llama_threads == usable_cpus()


def test_llama_backend_refuses_more_threads_than_cpus() -> None:
    with pytest.raises(ConfigError, match=r"n_threads = 100000; use 1 to the"):
        LlamaCppGenerator(smollm2_path(), n_threads=100_000)


@pytest.mark.parametrize("price", ["-1.0", "nan", "inf", "true"])
def test_prices_are_finite_non_negative_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, price: str
) -> None:
    toml = f'[prices."anthropic:x"]\ninput = {price}\noutput = 1.0\n'
    with pytest.raises(ConfigError, match=r"finite numbers >= 0"):
        settings_from(tmp_path, monkeypatch, toml)


def test_a_non_utf8_config_file_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match=r"is not UTF-8 text \(byte 17.*save it as UTF-8"):
        settings_from(tmp_path, monkeypatch, b'default_model = "\xff\xfe"\n')


def test_non_utf8_config_through_the_cli_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "self-distill.toml"
    config.write_bytes(b"llama_threads = 1 # \xff\n")
    result = run_cli("ledger", "summary", env={"SELF_DISTILL_CONFIG": str(config)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "not UTF-8" in result.stderr


def test_prompt_over_max_input_chars_is_refused_before_any_backend_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing listens on port 9: had the prompt reached the backend, the error would differ."""
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("SELF_DISTILL_MAX_INPUT_CHARS", "1000")
    model = build_generator("ollama:coder")
    with pytest.raises(ModelInputTooLongError, match=r"1,001 characters, over the limit of 1,000"):
        model.complete([{"role": "user", "content": "x" * 1001}])
