"""``self-distill rlm``: answer one long input in RLM mode, showing the trajectory live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from self_distill.cli.output import console, err_console, print_json
from self_distill.config import load_settings
from self_distill.errors import UsageError

PREVIEW_CHARS = 400


def _short(text: str, limit: int = PREVIEW_CHARS) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + f" ... [{len(text) - limit} more]"


def show_event(event: dict[str, Any]) -> None:
    """Print one event of a run to stderr (stdout stays free for the answer or JSON)."""
    indent = "  " * event.get("depth", 0)
    kind = event["kind"]
    if kind == "root_call":
        if "error" in event:
            err_console.print(f"{indent}[red]root call failed:[/] {escape(event['error'])}")
            return
        err_console.print(
            f"{indent}[bold]turn {event['iteration'] + 1}[/] (depth {event['depth']}, "
            f"{event['tokens']} tokens)"
        )
    elif kind == "cell":
        cell = event["cell"]
        err_console.print(f"{indent}[cyan]cell[/] ({cell.duration_s:.2f} s):", highlight=False)
        err_console.print(escape(_short(cell.code)), highlight=False)
        if cell.output.strip():
            err_console.print(f"{indent}[green]output:[/] {escape(_short(cell.output))}")
        if cell.error:
            err_console.print(f"{indent}[red]error:[/] {escape(_short(cell.error))}")
    elif kind == "sub_call":
        outcome = event.get("error") or f"{event['tokens']} tokens"
        err_console.print(
            f"{indent}[magenta]sub-call[/] depth {event['depth']}, prompt "
            f"{event['prompt_chars']} chars: {escape(str(outcome))}"
        )
    elif kind == "answer":
        err_console.print(f"[bold]answer[/] ({event['source'] or 'none'})")


@click.command()
@click.option("--model", "spec", default=None, help="Root model spec (default: creator_model).")
@click.option("--sub-model", default=None, help="Model for llm_query (default: the root model).")
@click.option("--max-depth", default=1, show_default=True, type=click.IntRange(0, 5))
@click.option("--max-iterations", default=6, show_default=True, type=click.IntRange(1, 50))
@click.option("--query", default=None, help="The task, when the input is data only.")
@click.option("--input", "input_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the RlmAnswer as one JSON object.")
@click.option("--quiet", is_flag=True, help="Do not show the trajectory live.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
@click.option("--allow-missing-layers", is_flag=True, help="Run without unavailable layers.")
@click.argument("text", required=False)
def rlm(
    spec: str | None,
    sub_model: str | None,
    max_depth: int,
    max_iterations: int,
    query: str | None,
    input_file: Path | None,
    as_json: bool,
    quiet: bool,
    ledger_path: str | None,
    allow_missing_layers: bool,
    text: str | None,
) -> None:
    """Answer TEXT (or --input FILE) in RLM mode: the model works on it as `context` in the
    sandboxed REPL. Calls are recorded in the ledger as rlm_root and rlm_sub."""
    from self_distill.api import rlm_answer

    if (text is None) == (input_file is None):
        raise UsageError("give the input either as TEXT or as --input FILE (exactly one)")
    if input_file is not None:
        try:
            text = input_file.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as error:
            raise UsageError(f"{input_file}: cannot read the input ({error.strerror})") from None
    assert text is not None
    settings = load_settings({"ledger_path": ledger_path})
    answer = rlm_answer(
        text,
        model=spec,
        sub_model=sub_model,
        query=query,
        max_depth=max_depth,
        max_iterations=max_iterations,
        allow_missing_layers=allow_missing_layers,
        on_event=None if quiet else show_event,
        settings=settings,
    )
    if as_json:
        print_json(answer.to_dict())
        return
    if not quiet:
        err_console.print(
            f"{answer.tokens} tokens (root {answer.root_tokens}, sub {answer.sub_tokens}) in "
            f"{len(answer.calls)} calls, {answer.trajectory.iterations} turns, depth "
            f"{answer.max_depth_reached}, {answer.wall_s:.1f} s"
        )
    console.print(answer.text if answer.text is not None else "", markup=False, highlight=False)
