"""``self-distill verify SKILL.py --data FILE.jsonl``: judge a skill file on labelled examples.

Exits 0 whether the skill is accepted or not (the verdict is the output), 2 for bad usage, 1 for
unreadable data. ``--json`` prints the verdict as one JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from self_distill.cli.output import (
    allow_missing_layers_option,
    console,
    print_json,
    warn_missing_layers,
)
from self_distill.errors import DataError, UsageError
from self_distill.sandbox import Sandbox
from self_distill.skills.checks import preview
from self_distill.skills.labelled_examples import apply_split, read_labelled_jsonl
from self_distill.skills.verdict import Verdict
from self_distill.skills.verifier import verify_skill
from self_distill.skills.verifier_config import VerifierConfig

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("verify")
@click.argument("skill", type=_FILE)
@click.option("--data", "data_path", required=True, type=_FILE, help="Labelled examples (JSONL).")
@click.option("--seed", default=0, show_default=True, help="Seeds the split and the shuffles.")
@click.option(
    "--shown-fraction",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.5,
    show_default=True,
    help="Share of examples treated as shown when the data has no 'split' field.",
)
@click.option(
    "--other",
    "other_path",
    type=_FILE,
    default=None,
    help="JSONL of other clusters' inputs ({'input': ...}) for the trigger_leak check.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.001),
    default=2.0,
    show_default=True,
    help="Seconds per call.",
)
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
def verify(
    skill: Path,
    data_path: Path,
    seed: int,
    shown_fraction: float,
    other_path: Path | None,
    timeout_s: float,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Verify the skill in SKILL (a Python file defining solve(text) -> str).

    Rows of --data are {"input", "target", optional "split": "shown"|"heldout"}; without splits
    the examples are split with --seed. Accuracy is measured on held-out rows only.
    """
    code = _read_skill(skill)
    shown, heldout = apply_split(
        read_labelled_jsonl(data_path), seed=seed, shown_fraction=shown_fraction
    )
    if not heldout:
        raise UsageError(f"{data_path}: no row has split 'heldout'; accuracy needs held-out rows.")
    other = _read_inputs(other_path) if other_path is not None else []
    config = VerifierConfig(seed=seed, call_timeout_s=timeout_s)
    with Sandbox(timeout_s=timeout_s, allow_missing_layers=allow_missing_layers) as box:
        warn_missing_layers(box.missing_layers)
        verdict = verify_skill(
            code, shown, heldout, config=config, other_cluster_inputs=other, sandbox=box
        )
    if as_json:
        print_json(verdict.to_dict())
    else:
        _print_verdict(skill, verdict)


def _read_skill(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path}: not UTF-8 text ({error.reason}); save the skill as UTF-8."
        ) from None


def _read_inputs(path: Path) -> list[str]:
    """The ``input`` field of every non-blank JSONL line; errors name file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason}); save it as UTF-8.") from None
    inputs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}:{number}: not valid JSON ({error.msg}).") from None
        if not isinstance(row, dict) or not isinstance(row.get("input"), str):
            raise DataError(f"{path}:{number}: expected a JSON object with a string 'input'.")
        inputs.append(row["input"])
    return inputs


def _print_verdict(skill: Path, verdict: Verdict) -> None:
    status = "[green]ACCEPTED[/green]" if verdict.accepted else "[red]REJECTED[/red]"
    reasons = ", ".join(verdict.reasons)
    console.print(f"{escape(str(skill))}: {status}" + (f" ({reasons})" if reasons else ""))
    if verdict.heldout_accuracy is not None and verdict.heldout_ci is not None:
        low, high = verdict.heldout_ci
        console.print(
            f"held-out accuracy {verdict.heldout_accuracy:.3f} (95% CI {low:.3f}-{high:.3f}, "
            f"n={verdict.n_heldout}); best constant answer {verdict.baseline_accuracy:.3f}; "
            f"shown n={verdict.n_shown}"
        )
    table = Table(title="checks")
    for column in ("check", "status", "figures"):
        table.add_column(column)
    colours = {"passed": "green", "failed": "red", "skipped": "yellow"}
    for name, check in verdict.to_dict()["checks"].items():
        figures = {key: value for key, value in check.items() if key != "status"}
        colour = colours[check["status"]]
        table.add_row(
            name, f"[{colour}]{check['status']}[/{colour}]", escape(_figures_text(figures))
        )
    console.print(table)
    if verdict.failures:
        failures = Table(title="failed examples (first few per split)")
        for column in ("split", "input", "expected", "got"):
            failures.add_column(column, overflow="fold")
        for failure in verdict.failures:
            got = failure.error if failure.error is not None else repr(failure.got)
            texts = (failure.input, failure.expected, got)
            failures.add_row(failure.split, *(escape(preview(text)) for text in texts))
        console.print(failures)


def _figures_text(figures: dict[str, Any]) -> str:
    def show(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3g}"
        if isinstance(value, list):
            return "[" + ", ".join(show(item) for item in value) + "]"
        return str(value)

    return " ".join(f"{key}={show(value)}" for key, value in figures.items())
