"""exp006: a LoRA student against its base, the teacher model and skills, per family.

For each family, labelled training tasks (one seed) become a curated set; one LoRA student is
trained on all families together from the embedded SmolLM2-135M; held-out tasks (another seed,
any input also in training removed) are answered by the base, the student (torch, greedy, the
same prompt as in training), the teacher model (asked directly, tokens counted) and, where the
store has an active skill for the family, that skill. Per family and arm: accuracy with a 95%
Wilson interval beside the majority baseline, the paired difference student minus base, API
tokens, seconds per answer and cost per correct answer (tokens; the student and skills pay 0).

Writes ``summary.json``, ``rows.jsonl`` (each task's messages as sent and every arm's answer),
``accuracy.png``, ``report.md``/``report.html`` and ``manifest.json`` into a run folder (or
``--out``). The adapter goes to ``--adapter`` (default: under the data home), and a killed run
started again resumes training from its last checkpoint.

    python experiments/exp006_distillation.py [--families a,b] [--train N] [--test N]
        [--model SPEC] [--store DIR] [--epochs E] [--seed S] [--out FOLDER] [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from self_distill.api import evaluate_model, open_store, run_skill
from self_distill.distill.base import prepare_base, students_dir
from self_distill.distill.dataset import curate_tasks
from self_distill.distill.evaluate import compare_students
from self_distill.distill.export import export_student
from self_distill.distill.served import LlamaStudent
from self_distill.distill.torch_student import TorchStudent
from self_distill.distill.train import TrainConfig, train_student
from self_distill.evaluation import score_answer
from self_distill.report.artifacts import plot_accuracy_bars, run_dir, write_json, write_manifest
from self_distill.report.pages import Section, write_report
from self_distill.report.progress import training_progress
from self_distill.sandbox import Sandbox
from self_distill.stats import accuracy_summary
from self_distill.tasks import Task, normalise_text
from self_distill.tasks.jsonl import jsonl_text
from self_distill.tasks.splits import seeded_train_test

DEFAULT_FAMILIES = "email_extract,order_id_extract,phone_normalise,date_normalise,title_slug"
DEFAULT_MODEL = "embedded:qwen2.5-coder-1.5b"


def skill_answers(store_path: Path | None, tasks: list[Task]) -> dict[str, dict[str, Any]]:
    """Answers of the store's active skill per family (families without one are left out)."""
    store = open_store(store_path)
    by_family = {skill.manifest.family: skill for skill in store.active()}
    results: dict[str, dict[str, Any]] = {}
    families = {task.family for task in tasks} & set(by_family)
    if not families:
        return results
    with Sandbox(timeout_s=2.0) as sandbox:
        for family in sorted(families):
            skill = by_family[family]
            members = [task for task in tasks if task.family == family]
            started = time.perf_counter()
            answers = {}
            for task in members:
                outcome = run_skill(skill.path, task.input, sandbox=sandbox)
                answers[task.id] = outcome["output"] if outcome["ok"] else ""
            results[family] = {
                "ref": skill.ref,
                "answers": answers,
                "seconds_per_answer": (time.perf_counter() - started) / len(members),
            }
    return results


def llama_round_trip(adapter: Path, tasks: list[Task], rows: Sequence[Any]) -> dict[str, Any]:
    """Export the adapter and answer the held-out tasks through llama.cpp on the quantized
    base: agreement with the torch student's answers and both accuracies, per family."""
    exported = export_student(adapter, adapter / "export")
    served = LlamaStudent(exported.folder)
    started = time.perf_counter()
    answers = served.answer_many([task.input for task in tasks])
    seconds = (time.perf_counter() - started) / max(len(tasks), 1)
    by_id = {row.id: row for row in rows}
    families: dict[str, dict[str, Any]] = {}
    for family in sorted({task.family for task in tasks}):
        pairs = [(t, a) for t, a in zip(tasks, answers, strict=True) if t.family == family]
        same = sum(
            normalise_text(a) == normalise_text(by_id[t.id].student_answer) for t, a in pairs
        )
        llama_scores = [float(score_answer(t, a) or 0.0) for t, a in pairs]
        torch_scores = [by_id[t.id].student_score for t, _ in pairs]
        families[family] = {
            "n": len(pairs),
            "agreement": same / len(pairs),
            "llama": _arm(llama_scores, 0, seconds),
            "torch": _arm(torch_scores, 0, 0.0),
        }
    same_all = sum(f["agreement"] * f["n"] for f in families.values())
    return {
        "export": str(exported.folder),
        "agreement": same_all / len(tasks),
        "n": len(tasks),
        "seconds_per_answer": round(seconds, 4),
        "families": families,
        "answers": dict(zip([task.id for task in tasks], answers, strict=True)),
    }


def _arm(scores: list[float], tokens: int, seconds: float) -> dict[str, Any]:
    correct = sum(scores)
    return {
        **accuracy_summary(scores),
        "tokens": tokens,
        "seconds_per_answer": round(seconds, 4),
        "tokens_per_correct": tokens / correct if correct else None,
    }


def _accuracy_cell(arm: dict[str, Any] | None) -> str:
    if arm is None:
        return "-"
    low, high = arm["ci95"]
    return f"{arm['accuracy']:.3f} [{low:.3f}, {high:.3f}]"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--families", default=DEFAULT_FAMILIES)
    parser.add_argument("--train", type=int, default=80, help="training tasks per family")
    parser.add_argument("--test", type=int, default=50, help="held-out tasks per family")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the teacher, asked directly")
    parser.add_argument("--store", type=Path, default=None, help="skill store (skills arm)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--adapter", type=Path, default=None, help="adapter folder")
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    parser.add_argument("--quick", action="store_true", help="2 families, 16 train, 8 test")
    args = parser.parse_args(argv)
    if args.quick:
        args.families, args.train, args.test = "email_extract,order_id_extract", 16, 8
    families = args.families.split(",")
    out = run_dir("exp006", args.out)
    adapter = (
        args.adapter or students_dir() / "exp006" / f"seed{args.seed}-{args.train}x{len(families)}"
    )
    console = Console(width=120, stderr=True)

    train, test = seeded_train_test(families, args.train, args.test, args.seed)
    curated = curate_tasks(train, f"generated:{args.families}:seed{args.seed}")
    base = prepare_base()
    curated.write(out / "curated.jsonl")
    config = TrainConfig(epochs=args.epochs, seed=args.seed, threads=args.threads)
    with training_progress(console) as on_step:
        trained = train_student(curated.examples, adapter, config, base=base, on_step=on_step)
    console.print(f"trained {trained.steps} steps in {trained.seconds:.0f} s ({adapter})")

    with console.status("base and student answer the held-out tasks"):
        comparison = compare_students(
            TorchStudent(base, threads=args.threads),
            TorchStudent(base, adapter, threads=args.threads),
            test,
        )
    with console.status("the exported student answers through llama.cpp"):
        round_trip = llama_round_trip(adapter, test, comparison.rows)
    with console.status(f"teacher {args.model} answers the held-out tasks"):
        teacher = evaluate_model(args.model, test, run_params={"experiment": "exp006"})
    skills = skill_answers(args.store, test)

    teacher_by_id = {answer.id: answer for answer in teacher.answers}
    rows = []
    for row in comparison.rows:
        task_teacher = teacher_by_id[row.id]
        skill = skills.get(row.family)
        rows.append(
            {
                **row.__dict__,
                "teacher_answer": task_teacher.answer,
                "teacher_score": task_teacher.score,
                "teacher_tokens": task_teacher.tokens,
                "skill_answer": skill["answers"][row.id] if skill else None,
                "student_llama_answer": round_trip["answers"][row.id],
            }
        )
    tasks_by_id = {task.id: task for task in test}
    results: dict[str, Any] = {}
    for family in comparison.families:
        members = [row for row in rows if row["family"] == family.family]
        teacher_scores = [float(row["teacher_score"] or 0.0) for row in members]
        teacher_family = next(f for f in teacher.families if f.family == family.family)
        entry: dict[str, Any] = {
            "n": family.n,
            "majority_baseline": family.majority_baseline,
            "base": _arm([r["base_score"] for r in members], 0, family.base.seconds_per_answer),
            "student": _arm(
                [r["student_score"] for r in members], 0, family.student.seconds_per_answer
            ),
            "teacher": _arm(
                teacher_scores,
                sum(row["teacher_tokens"] for row in members),
                teacher_family.latency_s / max(teacher_family.n, 1),
            ),
            "student_minus_base": {
                "difference": family.difference,
                "ci95": list(family.difference_ci95),
            },
        }
        skill = skills.get(family.family)
        if skill:
            skill_scores = [
                float(score_answer(tasks_by_id[row["id"]], row["skill_answer"]) or 0.0)
                for row in members
            ]
            entry["skill"] = {
                "ref": skill["ref"],
                **_arm(skill_scores, 0, skill["seconds_per_answer"]),
            }
        student, base_arm, majority = entry["student"], entry["base"], family.majority_baseline
        entry["student_beats_base_by_30_points_separated"] = (
            student["accuracy"] - base_arm["accuracy"] >= 0.30
            and student["ci95"][0] > base_arm["ci95"][1]
        )
        entry["student_beats_majority_separated"] = (
            majority is not None and student["ci95"][0] > majority
        )
        results[family.family] = entry

    arms = ["base", "student", "teacher", "skill"]
    labels, accuracies, intervals, baselines = [], [], [], []
    for family, entry in results.items():
        for arm in arms:
            if arm in entry:
                labels.append(f"{family}\n{arm}")
                accuracies.append(entry[arm]["accuracy"])
                intervals.append(tuple(entry[arm]["ci95"]))
                baselines.append(entry["majority_baseline"] or 0.0)
    plot = plot_accuracy_bars(
        out / "accuracy.png",
        labels,
        accuracies,
        intervals,
        baselines=baselines,
        title="exp006: base, LoRA student, teacher, skill (held-out)",
    )
    summary = {
        "experiment": "exp006",
        "families": results,
        "passing_families": [
            f
            for f, e in results.items()
            if e["student_beats_base_by_30_points_separated"]
            and e["student_beats_majority_separated"]
        ],
        "training": {
            **trained.__dict__,
            "adapter": str(trained.adapter),
            "config": config.to_dict(),
        },
        "curated": curated.manifest(),
        "teacher_run": teacher.run_id,
        "round_trip": {k: v for k, v in round_trip.items() if k != "answers"},
        "sizes": {"train": len(train), "test": len(test)},
    }
    write_json(out / "summary.json", summary)
    (out / "rows.jsonl").write_text(jsonl_text(rows), encoding="utf-8")

    headers = (
        ["family", "n", "majority"]
        + [f"{arm} acc [95% CI]" for arm in arms]
        + [
            "student - base [95% CI]",
            "teacher tokens / correct",
        ]
    )
    table_rows = []
    for family, entry in results.items():
        cells: list[Any] = [family, entry["n"], entry["majority_baseline"]]
        for arm in arms:
            cells.append(_accuracy_cell(entry.get(arm)))
        gap = entry["student_minus_base"]
        cells.append(f"{gap['difference']:+.3f} [{gap['ci95'][0]:+.3f}, {gap['ci95'][1]:+.3f}]")
        cells.append(entry["teacher"]["tokens_per_correct"])
        table_rows.append(cells)
    console_table = Table(title="exp006: held-out accuracy per family")
    for header in headers:
        console_table.add_column(header)
    for cells in table_rows:
        console_table.add_row(*(f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells))
    Console(width=160).print(console_table)
    latency = [
        [family, *(entry[arm]["seconds_per_answer"] if arm in entry else None for arm in arms)]
        for family, entry in results.items()
    ]
    training_rows = [
        ["examples", trained.examples],
        ["steps", trained.steps],
        ["seconds", trained.seconds],
        ["seconds per step", trained.seconds_per_step],
        ["tokens per second", trained.tokens_per_second],
        ["peak memory (MB)", trained.peak_memory_mb],
        ["final loss", trained.final_loss],
    ]
    write_report(
        out,
        "exp006: distillation into a LoRA student",
        [
            Section(
                "Held-out accuracy per family",
                headers,
                table_rows,
                note="Student and skills cost 0 API tokens; the base and student share one prompt.",
            ),
            Section("Seconds per answer", ["family", *arms], latency),
            Section("Training", ["figure", "value"], training_rows),
            Section(
                "Export round trip: llama.cpp (GGUF adapter, quantized base) vs torch student",
                ["family", "n", "same answer", "llama.cpp acc", "torch acc"],
                [
                    [
                        family,
                        entry["n"],
                        entry["agreement"],
                        _accuracy_cell(entry["llama"]),
                        _accuracy_cell(entry["torch"]),
                    ]
                    for family, entry in round_trip["families"].items()
                ],
                note=f"overall agreement {round_trip['agreement']:.3f} on {round_trip['n']} "
                "held-out prompts",
            ),
        ],
        [plot],
    )
    write_manifest(
        out,
        experiment="exp006",
        seed=args.seed,
        model=args.model,
        student_base=base.spec,
        families=families,
        ledger_runs={"teacher": teacher.run_id},
    )
    console.print(f"results in {out}/ (summary.json, rows.jsonl, report.html, accuracy.png)")
    return summary


if __name__ == "__main__":
    main()
