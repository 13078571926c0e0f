"""``self-distill verify SKILL.py --data FILE``: judge a skill file on labelled examples.

Exits 0 whether the skill is accepted or not (the verdict is the output), 2 for bad usage, 1 for
unreadable data. ``--json`` prints the verdict as one JSON object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.text import Text

from self_distill.api import read_skill_code, skill_file, verify_skill
from self_distill.cli.output import (
    Column,
    allow_missing_layers_option,
    console,
    print_json,
    print_listing,
    warn_missing_layers,
)
from self_distill.config import load_settings
from self_distill.errors import DataError
from self_distill.sandbox import Sandbox
from self_distill.skills.verification.checks import preview
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.verdict import Verdict
from self_distill.tasks import ANSWER_FORMATS, read_jsonl

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("verify")
@click.argument("skill")
@click.option(
    "--data",
    "data_path",
    required=True,
    type=_FILE,
    help="Labelled tasks: .jsonl (input, target, optional split), BBH .json or CoLA .tsv.",
)
@click.option("--family", default=None, help="Pick one family from a file holding several.")
@click.option(
    "--answer-format",
    type=click.Choice(ANSWER_FORMATS),
    default=None,
    help="How answers are scored (default: the data's own, as create uses).",
)
@click.option("--seed", default=0, show_default=True, help="Seeds the split and the shuffles.")
@click.option(
    "--shown-fraction",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.5,
    show_default=True,
    help="Share of examples treated as shown when the data has no 'split' field.",
)
@click.option(
    "--shown",
    "n_shown",
    type=click.IntRange(1),
    default=None,
    help="Show exactly N examples instead of a fraction (as `create --shown N`).",
)
@click.option(
    "--heldout",
    "max_heldout",
    type=click.IntRange(1),
    default=None,
    help="At most N held-out examples (as `create --heldout N`; default: all the rest).",
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
@click.option("--store", "store_path", default=None, help="Skill store folder (default: config).")
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
def verify(
    skill: str,
    data_path: Path,
    family: str | None,
    answer_format: str | None,
    seed: int,
    shown_fraction: float,
    n_shown: int | None,
    max_heldout: int | None,
    other_path: Path | None,
    timeout_s: float,
    store_path: str | None,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Verify SKILL (a .py file defining solve(text) -> str, a stored version folder, or a
    store reference ID or ID@VERSION).

    --data is split into shown and held-out examples exactly as `create` splits it (rows may
    carry their own "split": "shown"|"heldout"); with the same --seed, --shown and --heldout as
    a `create` run the split is the same. Accuracy is measured on held-out rows only, with the
    scorer of the data's answer format.
    """
    path = skill_file(skill, store=load_settings({"skills_store": store_path}).skills_store)
    code = read_skill_code(path)
    other = _read_inputs(other_path) if other_path is not None else []
    config = VerifierConfig(seed=seed, call_timeout_s=timeout_s)
    with Sandbox(timeout_s=timeout_s, allow_missing_layers=allow_missing_layers) as box:
        warn_missing_layers(box.missing_layers)
        verdict = verify_skill(
            code,
            data_path,
            family=family,
            answer_format=answer_format,
            seed=seed,
            n_shown=n_shown,
            shown_fraction=shown_fraction,
            max_heldout=max_heldout,
            other_inputs=other,
            config=config,
            sandbox=box,
        )
    if as_json:
        print_json(verdict.to_dict())
    else:
        _print_verdict(path, verdict)


def _read_inputs(path: Path) -> list[str]:
    """The ``input`` field of every row; errors name file and line."""
    inputs = []
    for row in read_jsonl(path):
        if not isinstance(row.record.get("input"), str):
            raise DataError(f"{row.where}: expected a JSON object with a string 'input'")
        inputs.append(row.record["input"])
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
    colours = {"passed": "green", "failed": "red", "skipped": "yellow"}
    rows = []
    for name, check in verdict.to_dict()["checks"].items():
        figures = {key: value for key, value in check.items() if key != "status"}
        rows.append(
            [name, Text(check["status"], style=colours[check["status"]]), _figures_text(figures)]
        )
    print_listing(
        [Column("check", identifier=True), Column("status"), Column("figures")],
        rows,
        title="checks",
    )
    if verdict.failures:
        failures = [
            [
                failure.split,
                preview(failure.input),
                preview(failure.expected),
                preview(failure.error if failure.error is not None else repr(failure.got)),
            ]
            for failure in verdict.failures
        ]
        print_listing(
            [Column("split"), Column("input"), Column("expected"), Column("got")],
            failures,
            title="failed examples (first few per split)",
        )


def _figures_text(figures: dict[str, Any]) -> str:
    def show(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3g}"
        if isinstance(value, list):
            return "[" + ", ".join(show(item) for item in value) + "]"
        return str(value)

    return " ".join(f"{key}={show(value)}" for key, value in figures.items())
