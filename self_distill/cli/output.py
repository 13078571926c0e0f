"""Shared terminal output for CLI commands: rich consoles and exact JSON printing.

Progress bars and tables for people go to stderr or stdout through rich; ``--json`` output goes
to stdout as one plain JSON document, so it can be piped into other tools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as a ``\\uXXXX`` escape.

    Python keeps undecodable bytes (a non-UTF-8 ``--input``, a skill's output) as lone
    surrogates; printed as they are, they become raw bytes such as 0xFF (invalid UTF-8) under a
    C locale or a UnicodeEncodeError under UTF-8. Inside a JSON string the escape is exactly the
    JSON spelling of that code unit, so a JSON document stays valid and round-trips.
    """
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def print_json(payload: Any) -> None:
    """Print one JSON document to stdout with no styling, always as valid UTF-8."""
    click.echo(escape_surrogates(json.dumps(payload, ensure_ascii=False, default=str)))


allow_missing_layers_option = click.option(
    "--allow-missing-layers",
    is_flag=True,
    help="Run the sandbox even where this machine lacks an isolation layer (warns for each).",
)
"""The one ``--allow-missing-layers`` flag of every command that starts a sandbox."""


def warn_missing_layers(missing: Mapping[str, str]) -> None:
    """One warning line on stderr per sandbox isolation layer this run goes without, and why."""
    for layer, reason in missing.items():
        err_console.print(
            f"[yellow]warning:[/] running without the {layer} sandbox layer: {escape(reason)}"
        )


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
