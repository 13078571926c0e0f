"""Settings from a TOML file, the environment and command-line flags, validated with clear errors.

Precedence, lowest first: defaults, the TOML file (``$SELF_DISTILL_CONFIG`` or
``./self-distill.toml``), environment variables (``SELF_DISTILL_<KEY>``), then flags passed to
:func:`load_settings`. An unknown key or a value of the wrong type is an error that names the
file and key: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from self_distill.errors import ConfigError
from self_distill.paths import data_home, default_cache_path, default_ledger_path

CONFIG_FILENAME = "self-distill.toml"


@dataclass(frozen=True)
class Settings:
    """Every user-tunable setting of the tool.

    ledger_path: SQLite ledger of runs and model calls.
    cache_path: SQLite response cache; ``use_cache = false`` turns caching off.
    skills_store: folder of the skill library.
    default_model: spec used when a command names none.
    creator_model: spec that writes skills.
    anthropic_max_retries: SDK retries on 429/529/connection errors before an error surfaces.
    llama_threads: CPU threads for llama.cpp (0 = automatic).
    prices: per-spec price overrides, USD per million input/output tokens.
    """

    ledger_path: Path = field(default_factory=default_ledger_path)
    cache_path: Path = field(default_factory=default_cache_path)
    use_cache: bool = True
    skills_store: Path = field(default_factory=lambda: Path("skills_store"))
    default_model: str = "embedded:smollm2-135m"
    creator_model: str = "embedded:qwen2.5-coder-1.5b"
    anthropic_max_retries: int = 2
    llama_threads: int = 0
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)


_PATH_KEYS = {"ledger_path", "cache_path", "skills_store"}


def _coerce(key: str, value: Any, origin: str) -> Any:
    expected = {f.name: f.type for f in fields(Settings)}[key]
    if key in _PATH_KEYS:
        if not isinstance(value, str | Path):
            raise ConfigError(f"{origin}: {key} must be a path string, got {value!r}")
        return Path(value).expanduser()
    if expected == "bool":
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "0", "false", "no"}:
            return value.lower() in {"1", "true", "yes"}
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: {key} must be true or false, got {value!r}")
        return value
    if expected == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: {key} must be an integer, got {value!r}") from None
        if number < 0:
            raise ConfigError(f"{origin}: {key} must be >= 0, got {number}")
        return number
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{origin}: {key} must be a non-empty string, got {value!r}")
    return value


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
            prices[spec] = (float(entry["input"]), float(entry["output"]))
        except (TypeError, ValueError):
            raise ConfigError(f'{origin}: [prices."{spec}"] values must be numbers') from None
    return prices


def config_file_path() -> Path | None:
    """The config file in force, if any."""
    explicit = os.environ.get("SELF_DISTILL_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"SELF_DISTILL_CONFIG points at {path}, which does not exist")
        return path
    local = Path.cwd() / CONFIG_FILENAME
    return local if local.is_file() else None


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
        try:
            file_values = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"cannot read config file {path}: {error}") from error
        settings = _apply(settings, file_values, str(path))
    env_values = {
        f.name: os.environ[f"SELF_DISTILL_{f.name.upper()}"]
        for f in fields(Settings)
        if f.name != "prices" and f"SELF_DISTILL_{f.name.upper()}" in os.environ
    }
    settings = _apply(settings, env_values, "environment")
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return _apply(settings, given, "command line")


__all__ = ["Settings", "config_file_path", "data_home", "load_settings"]
