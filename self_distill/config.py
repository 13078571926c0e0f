"""Settings from a TOML file, the environment and command-line flags, validated with clear errors.

Precedence, lowest first: defaults, the TOML file (``$SELF_DISTILL_CONFIG`` or
``./self-distill.toml``), environment variables (``SELF_DISTILL_<KEY>``), then flags passed to
:func:`load_settings`. An unknown key or a value of the wrong type is an error that names the
file and key: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from self_distill.errors import ConfigError
from self_distill.paths import (
    data_home,
    default_cache_path,
    default_ledger_path,
    default_skills_store,
)

CONFIG_FILENAME = "self-distill.toml"


@dataclass(frozen=True)
class Settings:
    """Every user-tunable setting of the tool.

    ledger_path: SQLite ledger of runs and model calls.
    cache_path: SQLite response cache; ``use_cache = false`` turns caching off.
    skills_store: folder of the skill library (default: ``skills/`` in the data home, so every
        folder a command runs from sees the same store).
    default_model: spec used when a command names none.
    creator_model: spec that writes skills.
    anthropic_max_retries: SDK retries on 429/529/connection errors before an error surfaces.
    llama_threads: CPU threads for llama.cpp (0 = automatic), at most the CPUs this process may
        use: llama.cpp crashes (segfault, abort) when asked for far more threads than exist.
    max_input_chars: longest prompt (all messages together, in characters) sent to a model;
        longer ones are refused before any tokenizer sees them.
    log_max_chars: the ledger keeps each call's prompt and response for ``ledger logs``, each
        cut at this many characters (0 keeps no texts, only counts).
    cpu_usd_per_hour: a notional price of local compute, USD per CPU hour, shown beside the
        CPU seconds of local models (0: none configured; local calls show no price).
    prices: per-spec prices, USD per million input/output tokens (``anthropic:<id>``, and
        ``openai:<model>`` for a paid OpenAI-compatible service).
    """

    ledger_path: Path = field(default_factory=default_ledger_path)
    cache_path: Path = field(default_factory=default_cache_path)
    use_cache: bool = True
    skills_store: Path = field(default_factory=default_skills_store)
    default_model: str = "embedded:smollm2-135m"
    creator_model: str = "embedded:qwen2.5-coder-1.5b"
    anthropic_max_retries: int = 2
    llama_threads: int = 0
    max_input_chars: int = 200_000
    log_max_chars: int = 20_000
    cpu_usd_per_hour: float = 0.0
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)


_PATH_KEYS = {"ledger_path", "cache_path", "skills_store"}


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), the most threads worth starting."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


_INT_RANGES: dict[str, tuple[int, Callable[[], int], str]] = {
    "anthropic_max_retries": (0, lambda: 20, "0 to 20"),
    "llama_threads": (0, usable_cpus, "0 (automatic) or 1 to the {high} CPUs of this machine"),
    "max_input_chars": (1_000, lambda: 100_000_000, "1,000 to 100,000,000"),
    "log_max_chars": (0, lambda: 10_000_000, "0 (keep no texts) to 10,000,000"),
}
"""Allowed range of every integer setting: (lowest, highest, how to say it)."""


def _integer(key: str, value: Any, origin: str) -> int:
    """An integer from TOML or a decimal string from the environment; never a bool or 2.7."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{origin}: {key} must be an integer, got {value!r}")
    if isinstance(value, str):
        if not value.strip().lstrip("+-").isdigit():
            raise ConfigError(f"{origin}: {key} must be an integer, got {value!r}")
        value = int(value)
    low, high_of, wording = _INT_RANGES[key]
    high = high_of()
    if not low <= value <= high:
        raise ConfigError(
            f"{origin}: {key} = {value} is out of range; use {wording.format(high=high)}"
        )
    return value


def _coerce(key: str, value: Any, origin: str) -> Any:
    expected = {f.name: f.type for f in fields(Settings)}[key]
    if key in _PATH_KEYS:
        if not isinstance(value, str | Path) or not str(value).strip():
            raise ConfigError(f"{origin}: {key} must be a non-empty path string, got {value!r}")
        return Path(value).expanduser()
    if expected == "bool":
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "0", "false", "no"}:
            return value.lower() in {"1", "true", "yes"}
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: {key} must be true or false, got {value!r}")
        return value
    if expected == "int":
        return _integer(key, value, origin)
    if expected == "float":
        try:
            return _price(float(value) if isinstance(value, str) else value)
        except ValueError:
            raise ConfigError(
                f"{origin}: {key} must be a finite number >= 0, got {value!r}"
            ) from None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{origin}: {key} must be a non-empty string, got {value!r}")
    return value


def _price(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(value)
    return number


def _parse_prices(raw: Any, origin: str) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: [prices] must be a table of spec = {{input, output}}")
    prices: dict[str, tuple[float, float]] = {}
    for spec, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) != {"input", "output"}:
            raise ConfigError(
                f'{origin}: [prices."{spec}"] needs exactly input and output (USD per Mtok)'
            )
        try:
            prices[spec] = (_price(entry["input"]), _price(entry["output"]))
        except ValueError:
            raise ConfigError(
                f'{origin}: [prices."{spec}"] input and output must be finite numbers >= 0 '
                f"(USD per million tokens), got {entry['input']!r} and {entry['output']!r}"
            ) from None
    return prices


def config_file_path() -> Path | None:
    """The config file in force, if any."""
    explicit = os.environ.get("SELF_DISTILL_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(
                f"SELF_DISTILL_CONFIG points at {path}, which is not a file; fix or unset it"
            )
        return path
    local = Path.cwd() / CONFIG_FILENAME
    return local if local.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed config file; any unreadable, non-UTF-8 or malformed file is a ConfigError."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte {error.start}: "
            f"{error.object[error.start : error.start + 1]!r}); save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None


def _apply(settings: Settings, values: dict[str, Any], origin: str) -> Settings:
    known = {f.name for f in fields(Settings)}
    updates: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{origin}: unknown setting {key!r}; known: {sorted(known)}")
        updates[key] = (
            _parse_prices(value, origin) if key == "prices" else _coerce(key, value, origin)
        )
    return replace(settings, **updates)


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the config file, then the environment, then ``overrides`` (flags)."""
    settings = Settings()
    path = config_file_path()
    if path is not None:
        file_values = _read_toml(path)
        settings = _apply(settings, file_values, str(path))
    env_values = {
        f.name: os.environ[f"SELF_DISTILL_{f.name.upper()}"]
        for f in fields(Settings)
        if f.name != "prices" and f"SELF_DISTILL_{f.name.upper()}" in os.environ
    }
    settings = _apply(settings, env_values, "environment (SELF_DISTILL_* variables)")
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return _apply(settings, given, "command line")


__all__ = ["Settings", "config_file_path", "data_home", "load_settings"]
