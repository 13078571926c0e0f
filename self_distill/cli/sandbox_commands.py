"""``self-distill sandbox run|layers``: run one function of a Python file in the sandbox.

``run`` exits 0 whether or not the code failed (its failure is the result, reported in the
output); it exits 2 for bad usage and 1 when the sandbox itself cannot run, for example because
a required isolation layer is missing on this machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from self_distill.cli.output import (
    allow_missing_layers_option,
    console,
    err_console,
    escape_surrogates,
    print_json,
    warn_missing_layers,
)
from self_distill.errors import CodeRejectedError, UsageError
from self_distill.sandbox import ALL_LAYERS_DEFAULT, Sandbox
from self_distill.sandbox.layers import LAYER_ORDER


def _read_code(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text ({error}); save the file as UTF-8") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})") from None


def _run_payload(box: Sandbox, code: str, function: str, text: str) -> dict[str, Any]:
    try:
        handle = box.load(code)
    except CodeRejectedError as rejection:
        result: dict[str, Any] = {
            "ok": False,
            "output": None,
            "error": str(rejection),
            "duration_s": 0.0,
        }
    else:
        result = box.call(handle, function, text).to_dict()
    return {**result, "layers": list(box.layers)}


@click.group()
def sandbox() -> None:
    """Run untrusted Python in the hardened sandbox."""


@sandbox.command()
@click.argument(
    "skill_file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.option("--input", "text", required=True, help="Text passed to the function.")
@click.option("--function", "function", default="solve", show_default=True)
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=2.0)
@click.option("--memory-mb", type=click.IntRange(min=64), default=512, show_default=True)
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def run(
    skill_file: Path,
    text: str,
    function: str,
    timeout_s: float,
    memory_mb: int,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Load SKILL_FILE in the sandbox and call FUNCTION(--input) once."""
    code = _read_code(skill_file)
    with Sandbox(
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        required_layers=ALL_LAYERS_DEFAULT,
        allow_missing_layers=allow_missing_layers,
    ) as box:
        warn_missing_layers(box.missing_layers)
        payload = _run_payload(box, code, function, text)
    if as_json:
        print_json(payload)
        return
    table = Table(show_header=False, box=None)
    status = "[green]ok[/]" if payload["ok"] else "[red]failed[/]"
    table.add_row("status", status)
    table.add_row("output", repr(payload["output"]))
    table.add_row("error", escape_surrogates(payload["error"] or "-"))
    table.add_row("duration", f"{payload['duration_s'] * 1000:.2f} ms")
    table.add_row("layers", ", ".join(payload["layers"]))
    console.print(table)


@sandbox.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def layers(as_json: bool) -> None:
    """Show which isolation layers a sandbox worker gets on this machine."""
    with Sandbox(required_layers=frozenset()) as box:
        active, missing, details = set(box.layers), box.missing_layers, box.layer_details
    rows = [
        {
            "layer": layer.value,
            "active": layer.value in active,
            "detail": details.get(layer.value) or missing.get(layer.value, ""),
        }
        for layer in LAYER_ORDER
    ]
    if as_json:
        print_json({"layers": rows, "all_required_active": all(row["active"] for row in rows)})
        return
    table = Table(title="Sandbox isolation layers")
    table.add_column("layer")
    table.add_column("status")
    table.add_column("detail")
    for row in rows:
        status = "[green]active[/]" if row["active"] else "[red]missing[/]"
        table.add_row(row["layer"], status, row["detail"])
    console.print(table)
    if not all(row["active"] for row in rows):
        names = [row["layer"] for row in rows if not row["active"]]
        err_console.print(
            f"[yellow]Sandboxes refuse to run here unless the requirement is lowered "
            f"(missing: {', '.join(names)}).[/]"
        )
