"""Shared terminal output for CLI commands: rich consoles and exact JSON printing.

Progress bars and tables for people go to stderr or stdout through rich; ``--json`` output goes
to stdout as one plain JSON document, so it can be piped into other tools.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_json(payload: Any) -> None:
    """Print one JSON document to stdout with no styling."""
    click.echo(json.dumps(payload, ensure_ascii=False, default=str))


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
