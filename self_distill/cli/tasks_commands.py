"""``self-distill tasks``: list, sample, stream and inspect task suites.

A thin layer over :mod:`self_distill.tasks`; everything here is also a Python call.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import click

from self_distill.cli.output import Column, console, print_json, print_listing
from self_distill.errors import UsageError
from self_distill.tasks import (
    DIFFICULTIES,
    FAMILIES,
    FAMILY_KINDS,
    MIXED,
    ONEOFF_FAMILY,
    Task,
    build_stream,
    family_names,
    generate,
    generate_oneoff,
    load_task_file,
    load_tasks,
    task_stats,
)
from self_distill.tasks.stats import TaskStats

_PREVIEW = 90


def _echo_jsonl(tasks: Iterable[Task]) -> None:
    for task in tasks:
        click.echo(json.dumps(task.to_dict(), ensure_ascii=False))


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[: _PREVIEW - 3] + "..."


def _print_tasks(tasks: list[Task]) -> None:
    rows = [
        [
            task.id,
            task.family,
            str(task.meta.get("difficulty", "")),
            _preview(task.input),
            _preview(task.target) or "(free)",
        ]
        for task in tasks
    ]
    columns = [
        Column("id", identifier=True),
        Column("family", identifier=True),
        Column("difficulty"),
        Column("input"),
        Column("target"),
    ]
    print_listing(columns, rows, title=f"{len(tasks)} tasks (--jsonl or --json for full text)")


@click.group()
def tasks() -> None:
    """Task suites: generated families, loaded data sets, mixed streams, statistics."""


@tasks.command("list")
@click.option(
    "--kind",
    type=click.Choice(FAMILY_KINDS),
    default=None,
    help="Only reasoning puzzles or only everyday extraction/normalisation requests.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (with the knobs).")
def list_families(kind: str | None, as_json: bool) -> None:
    """List the generated families: kind, answer format and what they ask (knobs: --json)."""
    families = [FAMILIES[name] for name in (family_names(kind) if kind else FAMILIES)]
    if as_json:
        print_json(
            {
                "families": [
                    {
                        "name": family.name,
                        "kind": family.kind,
                        "answer_format": family.answer_format,
                        "answer_doc": family.answer_doc,
                        "description": family.description,
                        "knobs": {level: family.knobs[level] for level in DIFFICULTIES},
                    }
                    for family in families
                ],
                "other_sources": [ONEOFF_FAMILY, "bbh:<task>", "cola", "<file>.jsonl|.json|.tsv"],
            }
        )
        return
    rows = [
        [family.name, family.kind, family.answer_format, family.description] for family in families
    ]
    columns = [
        Column("family", identifier=True),
        Column("kind"),
        Column("format"),
        Column("description"),
    ]
    print_listing(columns, rows, title="generated task families (difficulty knobs: --json)")
    click.echo(
        f"Streams also accept '{ONEOFF_FAMILY}' noise (--noise), 'bbh:<task>' for a "
        "BIG-Bench-Hard file from the reference datasets, 'cola', and paths to .json/.jsonl/.tsv "
        "files."
    )


@tasks.command()
@click.argument("family")
@click.option("-n", "count", type=click.IntRange(min=0), default=10, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--difficulty",
    type=click.Choice([*DIFFICULTIES, MIXED]),
    default="medium",
    show_default=True,
)
@click.option("--jsonl", is_flag=True, help="Print one JSON task per line.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the tasks.")
def sample(family: str, count: int, seed: int, difficulty: str, jsonl: bool, as_json: bool) -> None:
    """Generate N tasks of FAMILY (a generated family, or 'oneoff', which has no difficulty)."""
    if family == ONEOFF_FAMILY:
        generated = generate_oneoff(count, seed=seed)
    else:
        generated = generate(family, count, seed=seed, difficulty=difficulty)
    if as_json:
        print_json({"family": family, "tasks": [task.to_dict() for task in generated]})
    elif jsonl:
        _echo_jsonl(generated)
    else:
        _print_tasks(generated)


def _parse_family_spec(spec: str) -> tuple[str, float]:
    """'name' or 'name:weight' -> (name, weight); 'bbh:task' has no weight."""
    name, _, last = spec.rpartition(":")
    if name:
        try:
            return name, float(last)
        except ValueError:
            pass
    return spec, 1.0


def _load_extra(name: str) -> tuple[str, list[Task]]:
    """Tasks for a stream family that is not generated: 'bbh:<task>', 'cola' or a data file."""
    loaded = load_tasks(name)
    families = {task.family for task in loaded}
    return (families.pop() if len(families) == 1 else Path(name).stem), loaded


@tasks.command()
@click.option(
    "--families",
    required=True,
    help="Comma-separated families, each optionally NAME:WEIGHT; generated names, "
    "'bbh:<task>' or .json/.jsonl/.tsv paths.",
)
@click.option("-n", "count", type=click.IntRange(min=0), default=100, show_default=True)
@click.option("--noise", type=click.FloatRange(0, 1), default=0.1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--difficulty",
    type=click.Choice([*DIFFICULTIES, MIXED]),
    default=MIXED,
    show_default=True,
    help="Difficulty of generated families.",
)
@click.option("--jsonl", is_flag=True, help="Print one JSON task per line.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: counts and tasks.")
def stream(
    families: str,
    count: int,
    noise: float,
    seed: int,
    difficulty: str,
    jsonl: bool,
    as_json: bool,
) -> None:
    """Build a mixed stream of N tasks with a share of one-off noise."""
    weights: dict[str, float] = {}
    extra: dict[str, list[Task]] = {}
    for spec in (part.strip() for part in families.split(",")):
        if not spec:
            continue
        name, weight = _parse_family_spec(spec)
        if name not in FAMILIES:
            name, extra[name] = _load_extra(name)
        if name in weights:
            raise UsageError(f"family {name!r} is listed twice in --families")
        weights[name] = weight
    built = build_stream(weights, count, noise=noise, seed=seed, extra=extra, difficulty=difficulty)
    counts = sorted(Counter(task.family for task in built).items())
    if as_json:
        print_json(
            {
                "seed": seed,
                "families": dict(counts),
                "tasks": [task.to_dict() for task in built],
            }
        )
        return
    if jsonl:
        _echo_jsonl(built)
        return
    rows = [[name, str(number), f"{number / max(1, len(built)):.1%}"] for name, number in counts]
    print_listing(
        [
            Column("family", identifier=True),
            Column("tasks", justify="right"),
            Column("share", justify="right"),
        ],
        rows,
        title=f"stream of {len(built)} tasks (seed {seed}; --jsonl for the tasks)",
    )


def _format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _print_stats(path: Path, stats: TaskStats) -> None:
    rows = []
    for family in stats.families.values():
        balance = ", ".join(
            f"{label}: {share:.1%}" for label, share in family.class_balance.items()
        )
        rows.append(
            [
                family.family,
                str(family.size),
                ", ".join(family.answer_formats),
                str(family.distinct_targets),
                balance or "-",
                _preview(family.majority_target or "-"),
                _format_share(family.majority_accuracy),
            ]
        )
    columns = [
        Column("family", identifier=True),
        Column("tasks", justify="right"),
        Column("format"),
        Column("distinct targets", justify="right"),
        Column("class balance"),
        Column("majority"),
        Column("majority acc.", justify="right"),
    ]
    print_listing(columns, rows, title=f"{path}: {stats.size} tasks")
    console.print(
        f"majority-class baseline (best constant answer per family): "
        f"{_format_share(stats.majority_accuracy)}"
    )
    console.print(
        f"duplicate inputs: {stats.duplicates} "
        f"(with a different target: {stats.conflicting_duplicates})"
    )


@tasks.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(file: Path, as_json: bool) -> None:
    """Size, families, class balance, majority baseline and duplicates of FILE.

    FILE is a .jsonl task file, a BIG-Bench-Hard .json file or a CoLA .tsv file.
    """
    result = task_stats(load_task_file(file))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_stats(file, result)
