"""``self-distill sandbox run|layers``: run one function of a Python file in the sandbox.

``run`` exits 0 whether or not the code failed (its failure is the result, reported in the
output); it exits 2 for bad usage and 1 when the sandbox itself cannot run, for example because
a required isolation layer is missing on this machine.
"""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from self_distill.api import run_skill, skill_file
from self_distill.cli.output import (
    Column,
    allow_missing_layers_option,
    console,
    err_console,
    escape_surrogates,
    print_json,
    print_listing,
    text_or_stdin,
    warn_missing_layers,
)
from self_distill.config import load_settings
from self_distill.sandbox import ALL_LAYERS_DEFAULT, Sandbox
from self_distill.sandbox.layers import LAYER_ORDER


@click.group()
def sandbox() -> None:
    """Run untrusted Python in the hardened sandbox."""


@sandbox.command()
@click.argument("skill")
@click.option(
    "--input",
    "text",
    default=None,
    help="Text passed to the function; - (or none, on a pipe) reads standard input.",
)
@click.option("--function", "function", default="solve", show_default=True)
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=2.0)
@click.option("--memory-mb", type=click.IntRange(min=64), default=512, show_default=True)
@click.option("--store", "store_path", default=None, help="Skill store folder (default: config).")
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def run(
    skill: str,
    text: str | None,
    function: str,
    timeout_s: float,
    memory_mb: int,
    store_path: str | None,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Load SKILL in the sandbox and call FUNCTION(--input) once.

    SKILL is a .py file, a stored version folder, or a store reference (ID or ID@VERSION).
    """
    value = text_or_stdin(text, "--input TEXT")
    store = load_settings({"skills_store": store_path}).skills_store
    path = skill_file(skill, store=store)
    with Sandbox(
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        required_layers=ALL_LAYERS_DEFAULT,
        allow_missing_layers=allow_missing_layers,
    ) as box:
        warn_missing_layers(box.missing_layers)
        payload = run_skill(path, value, function=function, sandbox=box)
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
    listing = [
        [
            row["layer"],
            Text("active", style="green") if row["active"] else Text("missing", style="red"),
            row["detail"],
        ]
        for row in rows
    ]
    print_listing(
        [Column("layer", identifier=True), Column("status"), Column("detail")],
        listing,
        title="sandbox isolation layers",
    )
    if not all(row["active"] for row in rows):
        names = [row["layer"] for row in rows if not row["active"]]
        err_console.print(
            f"[yellow]Sandboxes refuse to run here unless the requirement is lowered "
            f"(missing: {', '.join(names)}).[/]"
        )
