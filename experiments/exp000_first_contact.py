"""exp000: the plain-LLM baseline: an embedded model answers generated tasks directly.

Before any skill exists, this is what the stream costs and how often the model is right. For each
family it reports accuracy with a 95% Wilson interval next to the majority-class baseline, tokens
and wall time; results go to a rich table, ``results.json``, per-task rows and a PNG in a new
run folder (or ``--out``; the committed figures are in ``results/exp000``).

    python experiments/exp000_first_contact.py [--model SPEC] [--families a,b] [-n N] [--seed S]
        [--out FOLDER]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from self_distill.api import evaluate_model, load_tasks
from self_distill.config import load_settings
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM, ModelEvaluation
from self_distill.report.artifacts import plot_accuracy_bars, run_dir, write_json, write_manifest

DEFAULT_FAMILIES = "word_sort,arith,agreement,meeting_conflict,date_arith"


def print_table(evaluation: ModelEvaluation, seed: int, console: Console) -> None:
    table = Table(title=f"exp000: {evaluation.model} answering directly (seed {seed})")
    for column in ("family", "n", "accuracy", "95% CI", "majority", "tokens/task", "wall s"):
        table.add_column(column, justify="left" if column == "family" else "right")
    for row in evaluation.families:
        table.add_row(
            row.family,
            str(row.n),
            f"{row.accuracy:.2f}",
            f"[{row.ci95[0]:.2f}, {row.ci95[1]:.2f}]",
            f"{row.majority_baseline:.2f}",
            f"{row.tokens_per_task:.0f}",
            f"{row.latency_s:.1f}",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model spec (default: config default)")
    parser.add_argument("--families", default=DEFAULT_FAMILIES)
    parser.add_argument("-n", type=int, default=20, help="tasks per family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--difficulty", default="easy")
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder (default: a new run folder)"
    )
    args = parser.parse_args(argv)

    spec = args.model or load_settings().default_model
    families = args.families.split(",")
    out = run_dir("exp000", args.out)
    console = Console()
    tasks = [
        task
        for family in families
        for task in load_tasks(family, n=args.n, seed=args.seed, difficulty=args.difficulty)
    ]
    params = {key: value for key, value in vars(args).items() if key != "out"}
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("answering", total=len(tasks))
        evaluation = evaluate_model(
            spec,
            tasks,
            run_params={"experiment": "exp000", **params},
            progress=lambda _: progress.advance(bar),
        )
    print_table(evaluation, args.seed, console)
    rows = [
        {
            "family": row.family,
            "n": row.n,
            "accuracy": row.accuracy,
            "ci95": list(row.ci95),
            "majority_baseline": row.majority_baseline,
            "tokens": row.tokens,
            "tokens_per_task": row.tokens_per_task,
            "wall_s": row.latency_s,
        }
        for row in evaluation.families
    ]
    write_manifest(
        out,
        experiment="exp000",
        seed=args.seed,
        model=evaluation.model,
        families=families,
        n_per_family=args.n,
        difficulty=args.difficulty,
        system_prompt=DIRECT_ANSWER_SYSTEM,
        ledger_run=evaluation.run_id,
    )
    write_json(out / "results.json", rows)
    write_json(out / "per_task.json", evaluation.to_dict()["answers"])
    plot_accuracy_bars(
        out / "accuracy.png",
        [row.family for row in evaluation.families],
        [row.accuracy for row in evaluation.families],
        [row.ci95 for row in evaluation.families],
        baselines=[row.majority_baseline for row in evaluation.families],
        title=f"{evaluation.model}: direct answers vs majority baseline",
    )
    console.print(f"results in {out}/ (results.json, per_task.json, accuracy.png, manifest.json)")


if __name__ == "__main__":
    main()
