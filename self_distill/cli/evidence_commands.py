"""``self-distill evidence``: embed and cluster a task file, report what recurs.

A thin layer over :mod:`self_distill.evidence`. With ``--json`` stdout carries exactly one JSON
document; the progress bar always goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from self_distill.api import cluster_tasks
from self_distill.cli.output import console, err_console, print_json
from self_distill.evidence import EvidenceResult
from self_distill.tasks import ONEOFF_FAMILY, load_task_file, read_jsonl

_PREVIEW = 70


def rows_carry_family(path: Path) -> bool:
    """True when every record of a JSONL file names its ``family`` (not defaulted by the loader).

    Only such files can be scored against families; BIG-Bench-Hard and CoLA files hold a single
    family and are never scored.
    """
    if path.suffix.lower() != ".jsonl":
        return False
    records = [row.record for row in read_jsonl(path)]
    return bool(records) and all("family" in record for record in records)


def _payload(path: Path, result: EvidenceResult) -> dict[str, Any]:
    size, samples = result.clusterer.sizes
    payload: dict[str, Any] = {
        "data": str(path),
        "n_tasks": result.report.n_tasks,
        "embedding_model": result.embedding.model,
        "embedding_dim": result.embedding.dim,
        "min_cluster_size": size,
        "min_samples": samples,
        "n_clusters": len(result.clusterer.cluster_ids),
        "noise_fraction": result.report.n_noise / result.report.n_tasks,
    }
    if result.scores is not None:
        payload.update(result.scores.to_dict())
    payload["clusters"] = result.report.to_dict()["clusters"]
    return payload


def _preview(text: str) -> str:
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 3] + "..."


def _print_tables(payload: dict[str, Any], top: int) -> None:
    table = Table(
        title=f"{payload['n_clusters']} clusters in {payload['n_tasks']} tasks "
        f"(noise {payload['noise_fraction']:.1%}; by skill-worthiness)"
    )
    for column in ("id", "size", "share", "family (purity)", "recent freq", "tokens/task"):
        table.add_column(column, justify="right" if column != "family (purity)" else "left")
    table.add_column("worthiness", justify="right")
    table.add_column("representative", overflow="fold")
    for cluster in payload["clusters"][:top]:
        family = "-"
        if cluster["majority_family"] is not None:
            family = f"{cluster['majority_family']} ({cluster['purity']:.0%})"
        estimated = "~" if cluster["tokens_estimated"] else ""
        table.add_row(
            str(cluster["cluster_id"]),
            str(cluster["size"]),
            f"{cluster['share']:.1%}",
            family,
            f"{cluster['frequency']:.1%}",
            f"{estimated}{cluster['tokens_per_task']:.0f}",
            f"{cluster['worthiness']:.1f}",
            _preview(cluster["representatives"][0]["text"]),
        )
    console.print(table)
    if len(payload["clusters"]) > top:
        console.print(f"({len(payload['clusters']) - top} more clusters; use --top or --json)")
    if "ari" in payload:
        scores = Table(title="agreement with family labels")
        for key in ("ari", "nmi", "noise_fraction", "oneoff_in_noise", "recurring_in_noise"):
            scores.add_column(key, justify="right")
        scores.add_row(
            *(
                "-" if payload[key] is None else f"{payload[key]:.3f}"
                for key in ("ari", "nmi", "noise_fraction", "oneoff_in_noise", "recurring_in_noise")
            )
        )
        console.print(scores)


@click.group()
def evidence() -> None:
    """Embed and cluster task streams; report which patterns recur."""


@evidence.command("cluster")
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tasks: JSONL (input, optional family/id), BIG-Bench-Hard .json or CoLA .tsv.",
)
@click.option(
    "--min-cluster-size",
    type=click.IntRange(min=2),
    default=None,
    help="Smallest recurring group (default: 3.5% of the tasks, between 5 and 100).",
)
@click.option(
    "--min-samples",
    type=click.IntRange(min=1),
    default=None,
    help="HDBSCAN min_samples (default: a quarter of the minimum cluster size).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Embedding cache file (default: embeddings.sqlite3 in the data home).",
)
@click.option(
    "--oneoff-family",
    default=ONEOFF_FAMILY,
    show_default=True,
    help="Family label of one-off tasks, which should land in noise.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Clusters shown in the table (--json always lists all).",
)
def cluster(
    data_path: Path,
    min_cluster_size: int | None,
    min_samples: int | None,
    as_json: bool,
    cache_path: Path | None,
    oneoff_family: str,
    top: int,
) -> None:
    """Cluster the tasks in --data and print them, with scores when every row names a family."""
    tasks = load_task_file(data_path)
    with Progress(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        bar = progress.add_task("embed", total=len(tasks))
        result = cluster_tasks(
            tasks,
            min_cluster_size=min_cluster_size,
            min_samples=min_samples,
            score_families=rows_carry_family(data_path),
            oneoff_family=oneoff_family,
            cache_path=cache_path,
            progress=lambda done: progress.advance(bar, done),
        )
    payload = _payload(data_path, result)
    if as_json:
        print_json(payload)
    else:
        _print_tables(payload, top)
