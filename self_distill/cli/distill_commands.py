"""``self-distill distill dataset|train|eval|export``: students from verified answers.

One click group, ``distill``, holds the student commands: ``dataset`` writes the curated set,
``train`` a LoRA adapter, ``eval`` compares it with its base, ``export`` makes it ready for
llama.cpp and Ollama. Each is a thin layer over the Python API and :mod:`self_distill.distill`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from self_distill.cli.output import console, err_console, print_json
from self_distill.report.progress import training_progress
from self_distill.tasks.jsonl import jsonl_text

_FOLDER = click.Path(file_okay=False, path_type=Path)
_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def distill() -> None:
    """Distil verified answers into small local students, and export them."""


@distill.command("export")
@click.option(
    "--adapter",
    "adapter_dir",
    required=True,
    type=_FOLDER,
    help="The trained adapter folder (PEFT files and student.json).",
)
@click.option("--out", "out_dir", required=True, type=_FOLDER, help="Folder to write into.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def export(adapter_dir: Path, out_dir: Path, as_json: bool) -> None:
    """Write the GGUF LoRA adapter, its base GGUF, the tokenizer and an Ollama Modelfile."""
    from self_distill.distill.export import export_student

    exported = export_student(adapter_dir, out_dir)
    files = {
        "adapter_gguf": exported.adapter_gguf,
        "base_gguf": exported.base_gguf,
        "modelfile": exported.modelfile,
    }
    if as_json:
        print_json({"base": exported.base, **{key: str(path) for key, path in files.items()}})
        return
    for key, path in files.items():
        console.print(f"{key}: {path}", soft_wrap=True, markup=False)
    console.print(
        f"serve it with Ollama: ollama create <name> -f {exported.modelfile}",
        soft_wrap=True,
        markup=False,
    )


@distill.command("dataset")
@click.option("--run", "runs", multiple=True, help="An agent run whose verified answers to take.")
@click.option("--data", "data", default=None, help="A labelled task source instead of runs.")
@click.option(
    "--exclude", default=None, help="Task source whose inputs stay out (held-out, test items)."
)
@click.option(
    "--out", "out_path", required=True, type=_FILE, help="Curated JSONL to write (+ manifest)."
)
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default: config).")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as one JSON object.")
def dataset(
    runs: tuple[str, ...],
    data: str | None,
    exclude: str | None,
    out_path: Path,
    ledger_path: str | None,
    as_json: bool,
) -> None:
    """Write the curated set: verified answers only, each input once, filters counted."""
    from self_distill.api import curate_dataset
    from self_distill.config import load_settings

    settings = load_settings({"ledger_path": ledger_path})
    curated = curate_dataset(runs=runs, data=data, exclude=exclude, settings=settings)
    manifest_path = curated.write(out_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if as_json:
        print_json({**manifest, "path": str(out_path), "manifest": str(manifest_path)})
        return
    table = Table(title=f"curated set {out_path} ({len(curated.examples)} examples)")
    table.add_column("family")
    table.add_column("examples", justify="right")
    for family, count in manifest["counts_by_family"].items():
        table.add_row(escape(family), str(count))
    console.print(table)
    console.print(f"dropped: {curated.describe_drops()}", markup=False, soft_wrap=True)
    console.print(f"manifest: {manifest_path}", markup=False, soft_wrap=True)


@distill.command("train")
@click.option("--data", "data", required=True, type=_FILE, help="Curated or labelled JSONL.")
@click.option("--out", "out_dir", required=True, type=_FOLDER, help="Adapter folder.")
@click.option("--rank", type=int, default=None, help="LoRA rank (default 16).")
@click.option("--alpha", type=int, default=None, help="LoRA alpha (default 32).")
@click.option("--epochs", type=int, default=None, help="Passes over the data (default 2).")
@click.option("--batch-size", type=int, default=None, help="Examples per step (default 8).")
@click.option("--learning-rate", type=float, default=None, help="AdamW rate (default 1e-3).")
@click.option("--max-length", type=int, default=None, help="Longest example in tokens (256).")
@click.option("--seed", type=int, default=None, help="Initialisation and batch order (0).")
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--base", default="smollm2-135m", show_default=True, help="Embedded base model.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def train(
    data: Path,
    out_dir: Path,
    base: str,
    as_json: bool,
    **settings: Any,
) -> None:
    """Train a LoRA student on --data into --out (started again, it resumes)."""
    from self_distill.api import train_student
    from self_distill.distill.train import TrainConfig

    config = TrainConfig.from_dict({k: v for k, v in settings.items() if v is not None})
    with training_progress(err_console, disable=as_json or not sys.stderr.isatty()) as on_step:
        result = train_student(data, out_dir, config=config, base=base, on_step=on_step)
    figures = {**dataclasses.asdict(result), "adapter": str(result.adapter)}
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        console.print(f"{key}: {value}", markup=False, soft_wrap=True)


@distill.command("eval")
@click.option("--adapter", "adapter_dir", required=True, type=_FOLDER, help="Adapter folder.")
@click.option("--data", "data", required=True, help="Labelled tasks (a .jsonl file or family).")
@click.option("--out", "out_path", type=_FILE, default=None, help="Write one row per task here.")
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(
    adapter_dir: Path, data: str, out_path: Path | None, threads: int | None, as_json: bool
) -> None:
    """The base and the student on --data: accuracy with 95% intervals beside the majority
    baseline, and their paired difference, per family."""
    from self_distill.api import evaluate_student

    evaluation = evaluate_student(adapter_dir, data, threads=threads)
    if out_path is not None:
        rows = [dataclasses.asdict(row) for row in evaluation.rows]
        out_path.write_text(jsonl_text(rows), encoding="utf-8")
    if as_json:
        print_json(evaluation.to_dict())
        return
    table = Table(title=f"{evaluation.student} against {evaluation.base}")
    for column in ("family", "n", "majority", "base [95% CI]", "student [95% CI]", "gap"):
        table.add_column(column)
    for family in evaluation.families:
        table.add_row(
            escape(family.family),
            str(family.n),
            "-" if family.majority_baseline is None else f"{family.majority_baseline:.3f}",
            _accuracy(family.base.accuracy, family.base.ci95),
            _accuracy(family.student.accuracy, family.student.ci95),
            f"{family.difference:+.3f} [{family.difference_ci95[0]:+.3f}, "
            f"{family.difference_ci95[1]:+.3f}]",
        )
    console.print(table)


def _accuracy(value: float, interval: tuple[float, float]) -> str:
    return f"{value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"
