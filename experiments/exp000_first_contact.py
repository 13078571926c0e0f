"""exp000: the plain-LLM baseline: an embedded model answers generated tasks directly.

Before any skill exists, this is what the stream costs and how often the model is right. For each
family it reports accuracy with a 95% Wilson interval next to the majority-class baseline, tokens
and wall time; results go to a rich table, ``results/exp000/results.json``, per-task rows and a PNG.

    python experiments/exp000_first_contact.py [--model SPEC] [--families a,b] [-n N] [--seed S]
"""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console
from rich.progress import track
from rich.table import Table

from self_distill.config import load_settings
from self_distill.ledger import Ledger, RecordedModel
from self_distill.models import load_model
from self_distill.report.artifacts import (
    plot_accuracy_bars,
    results_dir,
    write_json,
    write_manifest,
)
from self_distill.stats import wilson_interval
from self_distill.tasks import Task, generate, scorer_for

DEFAULT_FAMILIES = "word_sort,arith,agreement,meeting_conflict,date_arith"
SYSTEM = "Answer with the final answer only, no explanation."


def majority_accuracy(tasks: list[Task]) -> float:
    """Accuracy of always giving the most common target (the honest floor)."""
    counts = Counter(task.target for task in tasks)
    return counts.most_common(1)[0][1] / len(tasks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model spec (default: config default)")
    parser.add_argument("--families", default=DEFAULT_FAMILIES)
    parser.add_argument("-n", type=int, default=20, help="tasks per family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--difficulty", default="easy")
    args = parser.parse_args(argv)

    settings = load_settings()
    spec = args.model or settings.default_model
    families = args.families.split(",")
    out = results_dir("exp000")
    console = Console()
    rows, per_task = [], []
    with Ledger(settings.ledger_path) as ledger:
        run_id = ledger.start_run("exp000", vars(args) | {"model": spec})
        model = RecordedModel(load_model(spec, settings), ledger, run_id)
        for family in families:
            tasks = generate(family, args.n, seed=args.seed, difficulty=args.difficulty)
            score = scorer_for(tasks[0].answer_format)
            correct, tokens, seconds = 0.0, 0, 0.0
            for task in track(tasks, description=f"{family:<18}", console=console):
                messages = [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": task.input},
                ]
                completion = model.complete(messages, purpose="solve", max_tokens=48, seed=0)
                value = score(completion.text, task.target)
                correct += value
                tokens += completion.input_tokens + completion.output_tokens
                seconds += completion.latency_s
                per_task.append(
                    {
                        "id": task.id,
                        "family": family,
                        "target": task.target,
                        "answer": completion.text,
                        "score": value,
                    }
                )
            low, high = wilson_interval(correct, len(tasks))
            rows.append(
                {
                    "family": family,
                    "n": len(tasks),
                    "accuracy": correct / len(tasks),
                    "ci95": [low, high],
                    "majority_baseline": majority_accuracy(tasks),
                    "tokens": tokens,
                    "tokens_per_task": tokens / len(tasks),
                    "wall_s": seconds,
                }
            )
        ledger.finish_run(run_id)

    table = Table(title=f"exp000: {spec} answering directly (seed {args.seed})")
    for column in ("family", "n", "accuracy", "95% CI", "majority", "tokens/task", "wall s"):
        table.add_column(column, justify="left" if column == "family" else "right")
    for r in rows:
        table.add_row(
            r["family"],
            str(r["n"]),
            f"{r['accuracy']:.2f}",
            f"[{r['ci95'][0]:.2f}, {r['ci95'][1]:.2f}]",
            f"{r['majority_baseline']:.2f}",
            f"{r['tokens_per_task']:.0f}",
            f"{r['wall_s']:.1f}",
        )
    console.print(table)
    write_manifest(
        out,
        experiment="exp000",
        seed=args.seed,
        model=spec,
        families=families,
        n_per_family=args.n,
        difficulty=args.difficulty,
        system_prompt=SYSTEM,
        ledger_run=run_id,
    )
    write_json(out / "results.json", rows)
    write_json(out / "per_task.json", per_task)
    plot_accuracy_bars(
        out / "accuracy.png",
        [r["family"] for r in rows],
        [r["accuracy"] for r in rows],
        [tuple(r["ci95"]) for r in rows],
        baselines=[r["majority_baseline"] for r in rows],
        title=f"{spec}: direct answers vs majority baseline",
    )
    console.print(f"results in {out}/ (results.json, per_task.json, accuracy.png, manifest.json)")


if __name__ == "__main__":
    main()
