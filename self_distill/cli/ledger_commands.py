"""``self-distill ledger summary|runs|upgrade``: calls, tokens and cost; runs and their status.

``summary`` and ``runs`` only read: they open an existing ledger read-only and never create,
stamp or migrate a file, so a mistyped ``--ledger`` path is an error, not a new empty ledger.
``upgrade`` is the one ledger command that writes: it applies pending migrations.
"""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.table import Table

from self_distill.cli.output import console, print_json
from self_distill.config import load_settings
from self_distill.errors import UsageError
from self_distill.ledger import Ledger


@click.group()
def ledger() -> None:
    """Inspect the ledger of runs and model calls."""


@ledger.command("summary")
@click.option("--run", "run_id", default=None, help="Only this run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
def summary(run_id: str | None, as_json: bool, ledger_path: str | None) -> None:
    """Calls, cached calls, errors, tokens, cost and time by model and purpose."""
    settings = load_settings({"ledger_path": ledger_path})
    with Ledger(settings.ledger_path, read_only=True) as book:
        if run_id and not book.has_run(run_id):
            raise UsageError(f"no run {run_id!r} in {settings.ledger_path}")
        rows = book.usage(run_id)
    totals = {
        "calls": sum(r.calls for r in rows),
        "input_tokens": sum(r.input_tokens for r in rows),
        "output_tokens": sum(r.output_tokens for r in rows),
        "cost_usd": sum(r.cost_usd for r in rows),
    }
    if as_json:
        print_json(
            {
                "ledger": str(settings.ledger_path),
                "run": run_id,
                "rows": [asdict(r) for r in rows],
                "totals": totals,
            }
        )
        return
    table = Table(title=f"ledger {settings.ledger_path}" + (f" run {run_id}" if run_id else ""))
    for column in (
        "model",
        "purpose",
        "calls",
        "cached",
        "errors",
        "in tok",
        "out tok",
        "USD",
        "wall s",
        "cpu s",
    ):
        table.add_column(column, justify="right" if column not in {"model", "purpose"} else "left")
    for r in rows:
        table.add_row(
            r.model,
            r.purpose,
            str(r.calls),
            str(r.cached_calls),
            str(r.errors),
            f"{r.input_tokens:,}",
            f"{r.output_tokens:,}",
            f"{r.cost_usd:.4f}",
            f"{r.latency_s:.1f}",
            f"{r.cpu_s:.1f}",
        )
    table.add_row(
        "total",
        "",
        str(totals["calls"]),
        "",
        "",
        f"{totals['input_tokens']:,}",
        f"{totals['output_tokens']:,}",
        f"{totals['cost_usd']:.4f}",
        "",
        "",
    )
    console.print(table)


@ledger.command("runs")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
def runs(as_json: bool, ledger_path: str | None) -> None:
    """Every run, newest first, with its status (running, completed, failed or interrupted)."""
    settings = load_settings({"ledger_path": ledger_path})
    with Ledger(settings.ledger_path, read_only=True) as book:
        rows = book.runs()
    if as_json:
        print_json({"ledger": str(settings.ledger_path), "runs": rows})
        return
    table = Table(title=f"runs in {settings.ledger_path}")
    for column in ("id", "kind", "status", "started", "finished", "pid", "host"):
        table.add_column(column)
    keys = ("id", "kind", "status", "started_at", "finished_at", "pid", "host")
    for row in rows:
        table.add_row(*(str(row[key] or "-") for key in keys))
    console.print(table)


@ledger.command("upgrade")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
def upgrade(ledger_path: str | None) -> None:
    """Apply the migrations a ledger written by an older self-distill lacks."""
    settings = load_settings({"ledger_path": ledger_path})
    if not settings.ledger_path.exists():
        raise UsageError(f"no ledger at {settings.ledger_path}; check the path")
    with Ledger(settings.ledger_path) as book:
        applied = book.applied_migrations
    done = ", ".join(applied) if applied else "nothing to do, it is current"
    console.print(f"{settings.ledger_path}: {done}")
