"""exp008: reflection, the linguistic-RL arm: does a strategy the model writes from its own
mistakes help the model, or a student trained with it in its prompt?

On one family: the teacher answers the training tasks; from its mistakes there it writes a short
strategy in words (:mod:`self_distill.distill.reflection`). On the same held-out tasks (another
seed, no shared input) we measure the teacher without and with the strategy in its system
prompt, and two LoRA students trained on the same curated training set with the same settings,
one with the plain prompt and one with the strategy in it (each served with the prompt it was
trained with). Differences are paired, with 95% intervals, beside the majority baseline.

Writes ``summary.json`` (the strategy text included), ``rows.jsonl``, ``accuracy.png``,
``report.md``/``report.html`` and ``manifest.json``.

    python experiments/exp008_reflection.py [--family F] [--train N] [--test N] [--model SPEC]
        [--epochs E] [--seed S] [--threads T] [--out FOLDER]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from self_distill.api import evaluate_model, load_model, open_ledger
from self_distill.distill.base import prepare_base, students_dir
from self_distill.distill.dataset import curate_tasks
from self_distill.distill.evaluate import compare_students
from self_distill.distill.reflection import Mistake, system_with_strategy, write_strategy
from self_distill.distill.torch_student import TorchStudent
from self_distill.distill.train import TrainConfig, train_student
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.ledger import RecordedModel
from self_distill.report.artifacts import plot_accuracy_bars, run_dir, write_json, write_manifest
from self_distill.report.pages import Section, write_report
from self_distill.stats import accuracy_summary, paired_difference
from self_distill.tasks import task_stats
from self_distill.tasks.jsonl import jsonl_text
from self_distill.tasks.splits import seeded_train_test

DEFAULT_MODEL = "embedded:qwen2.5-coder-1.5b"


def gap(first: list[float], second: list[float]) -> dict[str, Any]:
    mean, interval = paired_difference(first, second)
    return {"difference": mean, "ci95": list(interval)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--family", default="date_normalise")
    parser.add_argument("--train", type=int, default=80)
    parser.add_argument("--test", type=int, default=50)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = run_dir("exp008", args.out)
    console = Console(width=120, stderr=True)
    train, test = seeded_train_test([args.family], args.train, args.test, args.seed)

    with console.status("teacher answers the training tasks"):
        on_train = evaluate_model(args.model, train, run_params={"experiment": "exp008"})
    mistakes = [
        Mistake(task.input, answer.answer, task.target)
        for task, answer in zip(train, on_train.answers, strict=True)
        if (answer.score or 0.0) < 1.0
    ]
    if not mistakes:
        raise SystemExit(f"the teacher made no mistake on {args.family}'s training tasks")
    with open_ledger() as ledger, console.status("teacher writes a strategy"):
        run_id = ledger.start_run("reflect", {"experiment": "exp008", "family": args.family})
        model = RecordedModel(load_model(args.model), ledger, run_id)
        strategy = write_strategy(model, mistakes, seed=args.seed)
        ledger.finish_run(run_id, "completed")
    reflected = system_with_strategy(strategy)
    console.print(f"strategy from {len(mistakes)} mistakes:\n{strategy}")

    with console.status("teacher answers the held-out tasks, without and with the strategy"):
        plain = evaluate_model(args.model, test, run_params={"experiment": "exp008"})
        guided = evaluate_model(
            args.model, test, system=reflected, run_params={"experiment": "exp008"}
        )
    curated = curate_tasks(train, f"generated:{args.family}:seed{args.seed}")
    base = prepare_base()
    # room for the strategy in the prompt; the same settings for both students
    config = TrainConfig(epochs=args.epochs, seed=args.seed, threads=args.threads, max_length=640)
    folder = students_dir() / "exp008" / f"{args.family}-seed{args.seed}"
    with console.status("training the two students"):
        without = train_student(
            curated.examples, folder / "plain", config, base=base, system=DIRECT_ANSWER_SYSTEM
        )
        with_strategy = train_student(
            curated.examples, folder / "strategy", config, base=base, system=reflected
        )
    with console.status("both students answer the held-out tasks"):
        students = compare_students(
            TorchStudent(base, without.adapter, threads=args.threads),
            TorchStudent(base, with_strategy.adapter, threads=args.threads),
            test,
        )
    teacher_plain = [float(a.score or 0.0) for a in plain.answers]
    teacher_guided = [float(a.score or 0.0) for a in guided.answers]
    student_plain = [row.base_score for row in students.rows]
    student_guided = [row.student_score for row in students.rows]
    majority = task_stats(test).families[args.family].majority_accuracy
    summary = {
        "experiment": "exp008",
        "family": args.family,
        "n_test": len(test),
        "majority_baseline": majority,
        "mistakes_shown": min(len(mistakes), 8),
        "teacher_train_accuracy": on_train.families[0].accuracy,
        "strategy": strategy,
        "teacher": {
            "plain": accuracy_summary(teacher_plain),
            "strategy": accuracy_summary(teacher_guided),
        },
        "teacher_strategy_minus_plain": gap(teacher_guided, teacher_plain),
        "student": {
            "plain": accuracy_summary(student_plain),
            "strategy": accuracy_summary(student_guided),
        },
        "student_strategy_minus_plain": gap(student_guided, student_plain),
        "training": {"plain": without.seconds, "strategy": with_strategy.seconds},
    }
    write_json(out / "summary.json", summary)
    rows = [
        {
            "id": row.id,
            "target": row.target,
            "teacher_plain": p.answer,
            "teacher_strategy": g.answer,
            "student_plain": row.base_answer,
            "student_strategy": row.student_answer,
        }
        for row, p, g in zip(students.rows, plain.answers, guided.answers, strict=True)
    ]
    (out / "rows.jsonl").write_text(jsonl_text(rows), encoding="utf-8")
    labels = ["teacher", "teacher + strategy", "student", "student + strategy"]
    arms = [
        summary["teacher"]["plain"],
        summary["teacher"]["strategy"],
        summary["student"]["plain"],
        summary["student"]["strategy"],
    ]
    plot = plot_accuracy_bars(
        out / "accuracy.png",
        labels,
        [a["accuracy"] for a in arms],
        [tuple(a["ci95"]) for a in arms],
        baselines=[majority or 0.0] * len(arms),
        title=f"exp008: reflection on {args.family} (held-out, n={len(test)})",
    )
    table = [
        [label, a["accuracy"], f"[{a['ci95'][0]:.3f}, {a['ci95'][1]:.3f}]"]
        for label, a in zip(labels, arms, strict=True)
    ]
    gaps = [
        ["teacher: strategy - plain", *_gap_cells(summary["teacher_strategy_minus_plain"])],
        ["student: strategy - plain", *_gap_cells(summary["student_strategy_minus_plain"])],
    ]
    write_report(
        out,
        f"exp008: reflection on {args.family}",
        [
            Section(
                "Held-out accuracy",
                ["arm", "accuracy", "95% CI"],
                table,
                note=f"majority baseline {majority:.3f}; strategy: {strategy}",
            ),
            Section("Paired differences", ["comparison", "difference", "95% CI"], gaps),
        ],
        [plot],
    )
    write_manifest(
        out,
        experiment="exp008",
        seed=args.seed,
        model=args.model,
        family=args.family,
        student_base=base.spec,
        ledger_runs={"reflect": run_id, "plain": plain.run_id, "strategy": guided.run_id},
    )
    for label, a in zip(labels, arms, strict=True):
        console.print(f"{label:22s} {a['accuracy']:.3f} [{a['ci95'][0]:.3f}, {a['ci95'][1]:.3f}]")
    console.print(f"results in {out}/")
    return summary


def _gap_cells(entry: dict[str, Any]) -> list[str]:
    low, high = entry["ci95"]
    return [f"{entry['difference']:+.3f}", f"[{low:+.3f}, {high:+.3f}]"]


if __name__ == "__main__":
    main()
