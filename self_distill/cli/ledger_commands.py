"""``self-distill ledger summary|runs|logs|upgrade``: calls, tokens and cost; runs and their
status; the prompts and responses of calls (like ``llm logs``).

``summary``, ``runs`` and ``logs`` only read: they open an existing ledger read-only and never
create, stamp or migrate a file, so a mistyped ``--ledger`` path is an error, not a new empty
ledger.
``upgrade`` is the one ledger command that writes: it applies pending migrations.
"""

from __future__ import annotations

from dataclasses import asdict

import click

from self_distill.cli.output import Column, console, print_json, print_listing
from self_distill.config import load_settings
from self_distill.errors import UsageError
from self_distill.ledger import Ledger, UsageRow


@click.group()
def ledger() -> None:
    """Inspect the ledger of runs and model calls."""


LOCAL_BACKENDS = ("embedded:", "llamacpp:", "ollama:")
"""Specs that run on this machine: their price is compute (wall and CPU seconds)."""


def _notional_usd(row: UsageRow, usd_per_cpu_hour: float) -> float | None:
    """The configured notional price of a local model's CPU seconds (None: not local, or no
    price configured)."""
    if not usd_per_cpu_hour or row.cost_usd or not row.model.startswith(LOCAL_BACKENDS):
        return None
    return row.cpu_s * usd_per_cpu_hour / 3600.0


def _usd_text(cost: float, notional: float | None) -> str:
    if cost:
        return f"{cost:.4f}"
    return "-" if notional is None else f"~{notional:.4f}"


@ledger.command("summary")
@click.option("--run", "run_id", default=None, help="Only this run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
def summary(run_id: str | None, as_json: bool, ledger_path: str | None) -> None:
    """Calls, tokens, cost and time by model and purpose.

    Local models cost compute, not money: their wall and CPU seconds are shown, and beside them
    a notional price (~USD) when ``cpu_usd_per_hour`` is configured.
    """
    settings = load_settings({"ledger_path": ledger_path})
    with Ledger(settings.ledger_path, read_only=True) as book:
        if run_id and not book.has_run(run_id):
            raise UsageError(f"no run {run_id!r} in {settings.ledger_path}")
        rows = book.usage(run_id)
    rate = settings.cpu_usd_per_hour
    notional = [_notional_usd(r, rate) for r in rows]
    totals = {
        "calls": sum(r.calls for r in rows),
        "input_tokens": sum(r.input_tokens for r in rows),
        "output_tokens": sum(r.output_tokens for r in rows),
        "cost_usd": sum(r.cost_usd for r in rows),
        "notional_usd": sum(n for n in notional if n is not None),
        "latency_s": sum(r.latency_s for r in rows),
        "cpu_s": sum(r.cpu_s for r in rows),
    }
    if as_json:
        print_json(
            {
                "ledger": str(settings.ledger_path),
                "run": run_id,
                "cpu_usd_per_hour": rate,
                "rows": [
                    {**asdict(r), "notional_usd": n} for r, n in zip(rows, notional, strict=True)
                ],
                "totals": totals,
            }
        )
        return
    listing = [
        [
            r.model,
            r.purpose,
            f"{r.calls}"
            + (f" ({r.cached_calls} cached)" if r.cached_calls else "")
            + (f" ({r.errors} failed)" if r.errors else ""),
            f"{r.input_tokens:,}",
            f"{r.output_tokens:,}",
            _usd_text(r.cost_usd, n),
            f"{r.latency_s:.1f}",
            f"{r.cpu_s:.1f}",
        ]
        for r, n in zip(rows, notional, strict=True)
    ]
    listing.append(
        [
            "total",
            "",
            str(totals["calls"]),
            f"{totals['input_tokens']:,}",
            f"{totals['output_tokens']:,}",
            _usd_text(totals["cost_usd"], totals["notional_usd"] if rate else None),
            f"{totals['latency_s']:.1f}",
            f"{totals['cpu_s']:.1f}",
        ]
    )
    columns = [
        Column("model", identifier=True),
        Column("purpose"),
        Column("calls", justify="right"),
        Column("in tok", justify="right"),
        Column("out tok", justify="right"),
        Column("USD", justify="right"),
        Column("wall s", justify="right"),
        Column("cpu s", justify="right"),
    ]
    title = f"ledger {settings.ledger_path}" + (f" run {run_id}" if run_id else "")
    print_listing(columns, listing, title=title)
    if rate:
        console.print(f"~USD: notional, CPU seconds of local models at {rate} USD per CPU hour")
    elif any(r.model.startswith(LOCAL_BACKENDS) for r in rows):
        console.print(
            "local models show wall and CPU seconds; set cpu_usd_per_hour for a notional price"
        )


def _short_time(stamp: str | None) -> str:
    return "-" if not stamp else stamp.replace("T", " ")[:19]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.1f}s" if seconds < 600 else f"{seconds / 60:.0f}m"


@ledger.command("runs")
@click.option("-n", "limit", type=click.IntRange(min=1), default=None, help="Only the newest N.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
def runs(limit: int | None, as_json: bool, ledger_path: str | None) -> None:
    """Runs, newest first: kind, status (running, completed, failed or interrupted), model
    calls, tokens (in + out) and time (the run's wall time; model CPU seconds in --json)."""
    settings = load_settings({"ledger_path": ledger_path})
    with Ledger(settings.ledger_path, read_only=True) as book:
        rows = book.runs(limit)
    if as_json:
        print_json({"ledger": str(settings.ledger_path), "runs": rows})
        return
    listing = [
        [
            row["id"],
            row["kind"],
            row["status"],
            _short_time(row["started_at"]),
            str(row["calls"]),
            f"{row['input_tokens'] + row['output_tokens']:,}",
            _duration(row["duration_s"]),
        ]
        for row in rows
    ]
    columns = [
        Column("run", identifier=True),
        Column("kind"),
        Column("status"),
        Column("started (UTC)"),
        Column("calls", justify="right"),
        Column("tokens", justify="right"),
        Column("time", justify="right"),
    ]
    print_listing(columns, listing, title=f"runs in {settings.ledger_path}")


@ledger.command("logs")
@click.option("--run", "run_id", default=None, help="Only the calls of this run.")
@click.option(
    "-n", "count", type=click.IntRange(min=0), default=3, show_default=True, help="0: all."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
def logs(run_id: str | None, count: int, as_json: bool, ledger_path: str | None) -> None:
    """The newest N model calls with their prompts and responses, newest first.

    Each text is kept up to ``log_max_chars`` characters (default 20,000), marked when cut.
    """
    settings = load_settings({"ledger_path": ledger_path})
    with Ledger(settings.ledger_path, read_only=True) as book:
        if run_id and not book.has_run(run_id):
            raise UsageError(f"no run {run_id!r} in {settings.ledger_path}")
        calls = book.calls(run_id, count or None)
    if as_json:
        print_json({"ledger": str(settings.ledger_path), "calls": [asdict(c) for c in calls]})
        return
    for number, call in enumerate(calls):
        if number:
            click.echo()
        tokens = f"{call.input_tokens} in, {call.output_tokens} out"
        click.echo(
            f"## {call.created_at.replace('T', ' ')[:19]}  run {call.run_id} ({call.run_kind})  "
            f"{call.model}  {call.purpose}  {tokens}  {call.latency_s:.2f}s"
            + ("  cached" if call.cached else "")
        )
        if not call.messages:
            click.echo("(prompt not kept: recorded before texts were kept, or log_max_chars = 0)")
        for message in call.messages:
            click.echo(f"\n### {message['role']}\n\n{message['content']}")
        if call.error is not None:
            click.echo(f"\n### error\n\n{call.error}")
        elif call.response is not None:
            click.echo(f"\n### response\n\n{call.response}")
        if call.truncated:
            click.echo("\n(texts cut: the ledger keeps log_max_chars characters of each)")


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
