"""``self-distill create --data FILE --model SPEC``: write, verify and store a skill for one family.

Exits 0 when a skill was accepted and 1 when none was (after printing the outcome, and what to
try next on standard error); ``--json`` prints
``{"accepted", "skill_id", "skill_path", "skill_file", "verdict", "creation_tokens",
"candidates", ...}``; ``skill_id`` (``ID@VERSION``), ``skill_path`` and ``skill_file`` are each
accepted by ``skills run``, ``sandbox run`` and ``verify``.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from self_distill.api import create_skill
from self_distill.cli.advice import after_creation
from self_distill.cli.output import (
    Column,
    allow_missing_layers_option,
    console,
    err_console,
    print_json,
    print_listing,
)
from self_distill.config import load_settings
from self_distill.skills.creation.records import Attempt
from self_distill.skills.creation.run import CreationOutcome
from self_distill.skills.examples import load_skill_data

DEFAULT_CANDIDATES = 6
DEFAULT_ROUNDS = 0
"""Repair rounds by default: no repair round of the local coder has fixed a candidate, measured
twice at matched tokens (results/exp003/FINDINGS.md: 0 of 103; with repairs made for the failure
kind, results/exp003/qwen2-5-coder-1-5b-portfolio/FINDINGS.md: 0 of 45 crash, no-answer and
wrong-answer repairs, 66k tokens, while 62k tokens of fresh samples passed 2)."""


@click.command("create")
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled tasks: .jsonl (input, target, optional split), BBH .json or CoLA .tsv.",
)
@click.option("--model", "model_spec", default=None, help="Creator model spec (default: config).")
@click.option(
    "--candidates",
    default=DEFAULT_CANDIDATES,
    show_default=True,
    type=click.IntRange(1, 200),
    help="Independent samples of the creation prompt.",
)
@click.option(
    "--rounds",
    default=DEFAULT_ROUNDS,
    show_default=True,
    type=click.IntRange(0, 50),
    help="Repair rounds per failing candidate.",
)
@click.option("--seed", default=0, show_default=True, help="Seeds the split and every sample.")
@click.option("--family", default=None, help="Pick one family from a file holding several.")
@click.option("--name", "skill_name", default=None, help="Skill id (default: from the family).")
@click.option(
    "--shown",
    "n_shown",
    default=16,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Shown examples for the creator when the file has no split.",
)
@click.option(
    "--heldout",
    "max_heldout",
    default=200,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="At most this many held-out examples when the file has no split.",
)
@click.option(
    "--token-budget",
    default=None,
    type=click.IntRange(1),
    help="Stop sampling once this many tokens (in + out) are spent.",
)
@click.option(
    "--max-tokens",
    default=400,
    show_default=True,
    type=click.IntRange(16, 8192),
    help="Generation limit of each model call.",
)
@click.option("--store", "store_path", default=None, help="Skill store folder (default: config).")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default: config).")
@allow_missing_layers_option
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
def create(
    data_path: Path,
    model_spec: str | None,
    candidates: int,
    rounds: int,
    seed: int,
    family: str | None,
    skill_name: str | None,
    n_shown: int,
    max_heldout: int,
    token_budget: int | None,
    max_tokens: int,
    store_path: str | None,
    ledger_path: str | None,
    allow_missing_layers: bool,
    as_json: bool,
) -> None:
    """Create a skill for the one family in --data: the model sees the shown split only, the
    verifier judges on the held-out split, and every candidate with code is stored."""
    settings = load_settings({"ledger_path": ledger_path, "skills_store": store_path})
    data = load_skill_data(
        data_path, family=family, n_shown=n_shown, max_heldout=max_heldout, seed=seed
    )
    if not as_json:
        err_console.print(
            f"creating a skill for [bold]{escape(data.family)}[/bold] with "
            f"{escape(model_spec or settings.creator_model)}: {len(data.shown)} shown, "
            f"{len(data.heldout)} held-out examples"
        )
    outcome = create_skill(
        data,
        model=model_spec,
        skill_id=skill_name,
        candidates=candidates,
        rounds=rounds,
        seed=seed,
        token_budget=token_budget,
        max_tokens=max_tokens,
        allow_missing_layers=allow_missing_layers,
        progress=None if as_json else _show_attempt,
        settings=settings,
    )
    if as_json:
        print_json(outcome.to_dict())
    else:
        _print_outcome(outcome)
    if not outcome.result.accepted:
        err_console.print("no skill accepted; what to try next:")
        for step in after_creation(outcome, data_path):
            err_console.print(f"  - {escape(step)}", soft_wrap=True)
        raise click.exceptions.Exit(1)


def _show_attempt(candidate: int, attempt: Attempt) -> None:
    shown = f"{attempt.shown_correct}/{attempt.shown_total}" if attempt.shown_total else "-"
    err_console.print(
        f"  candidate {candidate} {attempt.purpose} r{attempt.round}: {attempt.outcome} "
        f"(shown {shown}, {attempt.tokens} tokens{', cached' if attempt.cached else ''})"
    )


def _print_outcome(outcome: CreationOutcome) -> None:
    result = outcome.result
    rows = []
    for candidate in result.candidates:
        verdict = candidate.verdict
        if verdict is None:
            judged = "not verified"
        else:
            judged = "accepted" if verdict.accepted else "rejected: " + ", ".join(verdict.reasons)
        accuracy = verdict.heldout_accuracy if verdict else None
        rows.append(
            [
                str(candidate.index),
                " > ".join(a.outcome for a in candidate.attempts),
                f"{candidate.best_shown_correct}/{len(outcome.request.shown)}",
                str(candidate.tokens),
                judged,
                "-" if accuracy is None else f"{accuracy:.3f}",
            ]
        )
    columns = [
        Column("#", identifier=True, justify="right"),
        Column("attempts"),
        Column("shown right"),
        Column("tokens", justify="right"),
        Column("verdict"),
        Column("held-out acc"),
    ]
    print_listing(columns, rows, title=f"candidates for {outcome.request.skill_id}")
    verdict = result.verdict
    status = "[green]ACCEPTED[/green]" if result.accepted else "[red]NO SKILL ACCEPTED[/red]"
    console.print(
        f"{status}: {result.calls} calls ({result.repairs} repairs), "
        f"{result.creation_tokens} creation tokens, {outcome.wall_s:.1f} s",
    )
    console.print(f"ledger run {outcome.run_id}", soft_wrap=True, highlight=False)
    if verdict is not None and verdict.heldout_ci is not None:
        low, high = verdict.heldout_ci
        console.print(
            f"held-out accuracy {verdict.heldout_accuracy:.3f} (95% CI {low:.3f}-{high:.3f}, "
            f"n={verdict.n_heldout}); best constant answer {verdict.baseline_accuracy:.3f}"
            + (f"; reasons: {', '.join(verdict.reasons)}" if verdict.reasons else "")
        )
    if outcome.skill is not None:
        skill = outcome.skill
        console.print(
            f"stored {skill.ref} ({skill.manifest.status}) at {skill.path}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        console.print(
            f"use it: self-distill skills run {skill.ref} --input TEXT",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
