"""``self-distill agent run``, ``self-distill answer`` and ``self-distill report``: the agent.

A thin layer over :func:`self_distill.api.run_agent`, :func:`~self_distill.api.answer` and
:func:`~self_distill.report.agent_report.write_agent_report`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from self_distill.agent.config import AgentConfig
from self_distill.api import AgentRun, answer, open_ledger, run_agent
from self_distill.cli.output import allow_missing_layers_option, console, err_console, print_json
from self_distill.config import load_settings
from self_distill.errors import UsageError
from self_distill.tasks.jsonl import jsonl_text


@click.group()
def agent() -> None:
    """The agent: answer a stream, learn skills where they pay, prove the savings."""


class _LiveStatus:
    """Tasks done, routes, tokens so far and an estimate of what the model alone would cost."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.routes: dict[str, int] = {}
        self.tokens = 0
        self.model_tokens = 0
        self.model_tasks = 0
        self.live = Live(self._render(), console=err_console, refresh_per_second=4, transient=True)

    def _render(self) -> str:
        done = sum(self.routes.values())
        routes = ", ".join(f"{k} {v}" for k, v in sorted(self.routes.items())) or "-"
        per_task = self.model_tokens / self.model_tasks if self.model_tasks else 0.0
        return (
            f"{done}/{self.total} tasks | routes: {routes} | answer tokens {self.tokens} "
            f"(model alone ~{per_task * done:.0f})"
        )

    def __call__(self, result: Any) -> None:
        self.routes[result.route] = self.routes.get(result.route, 0) + 1
        self.tokens += result.tokens
        if result.route == "model":
            self.model_tokens += result.tokens
            self.model_tasks += 1
        self.live.update(self._render())


@agent.command("run")
@click.option("--data", "data", required=True, help="Stream: a .jsonl task file, or - for stdin.")
@click.option("--model", "model_spec", default=None, help="Model spec (default: config).")
@click.option("--creator", "creator_spec", default=None, help="Skill writer (default: --model).")
@click.option(
    "--labels",
    type=click.Choice(["feedback", "teacher", "none"]),
    default="feedback",
    show_default=True,
    help="feedback: the data's targets; teacher: the model's answers; none.",
)
@click.option(
    "--student-every",
    type=int,
    default=0,
    show_default=True,
    help="Train a LoRA student on the run's verified answers every N tasks (0: none).",
)
@click.option(
    "--rlm/--no-rlm",
    default=True,
    show_default=True,
    help="Answer inputs longer than the model's window in RLM mode instead of cutting them.",
)
@click.option(
    "--adopt-solved-noise",
    is_flag=True,
    help="Labelled noise a skill answers right joins its cluster, and noise goes to the "
    "nearest cluster that contains it (off: noise always goes to the model).",
)
@click.option("--run-id", default=None, help="Name the ledger run (must be new).")
@click.option("--resume", "resume", default=None, help="Continue a killed run of the same data.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write one JSON row per task here.",
)
@click.option(
    "--on-bad-line",
    type=click.Choice(["stop", "skip"]),
    default="stop",
    show_default=True,
    help="A malformed stream line stops the run, or is skipped and listed in the summary.",
)
@click.option("--store", "store_path", default=None, help="Skill store folder (default: config).")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default: config).")
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def run(
    data: str,
    model_spec: str | None,
    creator_spec: str | None,
    labels: str,
    student_every: int,
    rlm: bool,
    adopt_solved_noise: bool,
    run_id: str | None,
    resume: str | None,
    out_path: Path | None,
    on_bad_line: str,
    store_path: str | None,
    ledger_path: str | None,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Answer every task of --data, learning skills online; print the run's summary."""
    if run_id and resume:
        raise UsageError("give --run-id for a new run or --resume for an old one, not both")
    if data != "-" and not Path(data).is_file():
        raise UsageError(f"{data}: no such stream file; give a .jsonl file or - for stdin")
    settings = load_settings({"ledger_path": ledger_path, "skills_store": store_path})
    status: _LiveStatus | None = None
    lines = [] if data == "-" else Path(data).read_text(encoding="utf-8").split("\n")
    total = sum(1 for line in lines if line.strip())
    if not as_json and sys.stderr.isatty():
        status = _LiveStatus(total)
    context = status.live if status is not None else _Nothing()
    with context:
        result = run_agent(
            data,
            model=model_spec,
            creator=creator_spec,
            config=AgentConfig(
                labels=labels,  # type: ignore[arg-type]
                student_every=student_every,
                rlm=rlm,
                adopt_solved_noise=adopt_solved_noise,
            ),
            run_id=run_id,
            resume=resume,
            skip_bad_lines=on_bad_line == "skip",
            allow_missing_layers=allow_missing_layers,
            progress=status,
            settings=settings,
        )
    if out_path is not None:
        out_path.write_text(jsonl_text(result.rows()), encoding="utf-8")
    if as_json:
        print_json(result.summary)
    else:
        _print_summary(result)


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _print_summary(result: AgentRun) -> None:
    summary = result.summary
    table = Table(title=f"agent run {summary['run_id']}")
    for column in ("family", "skill", "student", "model"):
        table.add_column(column, overflow="fold")
    for family, routes in summary["routes_by_family"].items():
        table.add_row(
            escape(family), *(str(routes.get(r, 0)) for r in ("skill", "student", "model"))
        )
    console.print(table)
    accuracy = summary["accuracy"]
    console.print(
        f"{summary['tasks']} tasks, {summary['tokens']} tokens "
        f"({json.dumps(summary['tokens_by_purpose'])}); accuracy "
        + ("-" if accuracy is None else f"{accuracy:.3f} on {summary['n_scored']} scored tasks")
        + f"; creations {summary['creations_accepted']}/{summary['creations_tried']} accepted; "
        f"{len(summary['demotions'])} demoted; run {summary['run_id']}"
    )
    for line in summary["skipped_lines"]:
        err_console.print(f"[yellow]skipped:[/] {escape(line)}")


@click.command("answer")
@click.argument("text")
@click.option("--model", "model_spec", default=None, help="Model spec (default: config).")
@click.option("--store", "store_path", default=None, help="Skill store folder (default: config).")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default: config).")
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer and its route as JSON.")
def answer_command(
    text: str,
    model_spec: str | None,
    store_path: str | None,
    ledger_path: str | None,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Route one task with the current store: a skill of its cluster, else the model."""
    settings = load_settings({"ledger_path": ledger_path, "skills_store": store_path})
    result = answer(
        text, model=model_spec, allow_missing_layers=allow_missing_layers, settings=settings
    )
    if as_json:
        print_json(
            {
                "text": result.text,
                "route": result.route,
                "skill": result.skill,
                "reason": result.reason,
                "tokens": result.tokens,
                "latency_s": result.latency_s,
            }
        )
    else:
        click.echo(result.text)


@click.command("report")
@click.argument("run_id")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for report.md and report.html (default: a run folder).",
)
@click.option("--baseline-run", default=None, help="A baseline run to plot beside the agent.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default: config).")
def report(
    run_id: str, out_dir: Path | None, baseline_run: str | None, ledger_path: str | None
) -> None:
    """Write report.md and a self-contained report.html (tables and plots) for RUN_ID."""
    from self_distill.report.agent_report import write_agent_report
    from self_distill.report.artifacts import run_dir

    settings = load_settings({"ledger_path": ledger_path})
    with open_ledger(settings=settings) as ledger:
        if not ledger.has_run(run_id):
            raise UsageError(f"no run {run_id!r} in {ledger.path}; see `self-distill ledger runs`")
        paths = write_agent_report(
            ledger, run_id, run_dir(f"report-{run_id}", out_dir), baseline_run=baseline_run
        )
    click.echo(str(paths["html"]))
