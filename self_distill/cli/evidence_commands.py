"""``self-distill evidence``: embed and cluster a task file, report what recurs.

A thin layer over :mod:`self_distill.evidence`. Rows need only ``input``: clustering needs no
answers (labels, where given, also let clusters that are one task phrased several ways merge).
``--export DIR`` writes one JSONL per cluster in the format ``create --data`` reads. With
``--json`` stdout carries exactly one JSON document; the progress bar always goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from self_distill.api import cluster_tasks
from self_distill.cli.output import Column, console, err_console, print_json, print_listing
from self_distill.evidence import EvidenceResult
from self_distill.paths import ensure_directory
from self_distill.tasks import ONEOFF_FAMILY, Task, load_task_file, read_jsonl
from self_distill.tasks.jsonl import jsonl_text

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


def export_clusters(folder: Path, tasks: list[Task], result: EvidenceResult) -> dict[int, Path]:
    """One ``cluster-<id>.jsonl`` per cluster in ``folder``: each member's ``id``, ``input`` and,
    where known, ``target``, all under the family ``cluster_<id>`` so ``create --data`` reads
    the file as it is. Unlabelled rows carry no ``target``: ``create`` names them until their
    answers are filled in."""
    ensure_directory(folder, "the export folder")
    written: dict[int, Path] = {}
    for cluster_id in result.clusterer.cluster_ids:
        rows = []
        for task, label in zip(tasks, result.labels, strict=True):
            if label != cluster_id:
                continue
            row: dict[str, Any] = {"id": task.id, "family": f"cluster_{cluster_id}"}
            row["input"] = task.input
            if task.answer_format != "free":
                row["target"] = task.target
                row["answer_format"] = task.answer_format
            rows.append(row)
        path = folder / f"cluster-{cluster_id}.jsonl"
        path.write_text(jsonl_text(rows), encoding="utf-8")
        written[cluster_id] = path
    return written


def _payload(path: Path, tasks: list[Task], result: EvidenceResult) -> dict[str, Any]:
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
    payload["merged"] = {str(old): new for old, new in sorted(result.merged.items())}
    clusters = result.report.to_dict()["clusters"]
    for cluster in clusters:
        cluster["member_ids"] = [
            task.id
            for task, label in zip(tasks, result.labels, strict=True)
            if label == cluster["cluster_id"]
        ]
    payload["clusters"] = clusters
    payload["noise_ids"] = [
        task.id for task, label in zip(tasks, result.labels, strict=True) if label < 0
    ]
    return payload


def _preview(text: str) -> str:
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 3] + "..."


def _print_tables(payload: dict[str, Any], top: int) -> None:
    console.print(
        f"{payload['n_clusters']} clusters in {payload['n_tasks']} tasks "
        f"(noise {payload['noise_fraction']:.1%}; by skill-worthiness)",
        soft_wrap=True,
    )
    rows = []
    for cluster in payload["clusters"][:top]:
        family = "-"
        if cluster["majority_family"] is not None:
            family = f"{cluster['majority_family']} ({cluster['purity']:.0%})"
        estimated = "~" if cluster["tokens_estimated"] else ""
        rows.append(
            [
                str(cluster["cluster_id"]),
                str(cluster["size"]),
                f"{cluster['share']:.1%}",
                family,
                f"{estimated}{cluster['tokens_per_task']:.0f}",
                f"{cluster['worthiness']:.1f}",
                _preview(cluster["representatives"][0]["text"]),
            ]
        )
    columns = [
        Column("id", identifier=True, justify="right"),
        Column("size", justify="right"),
        Column("share", justify="right"),
        Column("family (purity)", identifier=True),
        Column("tok/task", justify="right"),
        Column("worth", justify="right"),
        Column("representative"),
    ]
    print_listing(columns, rows)
    if len(payload["clusters"]) > top:
        console.print(f"({len(payload['clusters']) - top} more clusters; use --top or --json)")
    for old, new in payload["merged"].items():
        console.print(f"cluster {old} merged into {new}: the same kind of task, phrased otherwise")
    if "ari" in payload:
        keys = ("ari", "nmi", "noise_fraction", "oneoff_in_noise", "recurring_in_noise")
        print_listing(
            [Column(key, justify="right") for key in keys],
            [["-" if payload[key] is None else f"{payload[key]:.3f}" for key in keys]],
            title="agreement with family labels",
        )


@click.group()
def evidence() -> None:
    """Embed and cluster task streams; report which patterns recur."""


@evidence.command("cluster")
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tasks: JSONL (input; optional target, family, id), BIG-Bench-Hard .json or CoLA .tsv.",
)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one cluster-<id>.jsonl per cluster here, ready for `create --data`.",
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
    export_dir: Path | None,
    min_cluster_size: int | None,
    min_samples: int | None,
    as_json: bool,
    cache_path: Path | None,
    oneoff_family: str,
    top: int,
) -> None:
    """Cluster the tasks in --data and print them, with scores when every row names a family."""
    tasks = load_task_file(data_path, labelled=False)
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
    payload = _payload(data_path, tasks, result)
    if export_dir is not None:
        written = export_clusters(export_dir, tasks, result)
        for cluster in payload["clusters"]:
            cluster["export"] = str(written[cluster["cluster_id"]])
    if as_json:
        print_json(payload)
        return
    _print_tables(payload, top)
    if export_dir is not None:
        console.print(
            f"wrote {len(payload['clusters'])} cluster files to {export_dir}; add a target to "
            "each row, then `self-distill create --data <file>`",
            soft_wrap=True,
        )
