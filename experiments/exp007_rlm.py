"""exp007: RLM mode against the plain call, on long generated logs (up to 8x the window) and BBH.

For each task the plain call gets the input cut to fit the model's context window; the RLM gets
the whole input as ``context`` in the sandboxed REPL, with the same model as root and sub model.
Reported per input size, per question kind and for BBH: accuracy with 95% Wilson intervals,
tokens (root and sub), wall time, iterations and depth reached. Every trajectory that answered
correctly is lifted into a skill candidate; plain-code candidates go to the verifier (log kinds:
fresh generated tasks; BBH: the task's own split), hybrid ones are counted. Tasks run in order
of priority (the largest size first) until ``--time-budget-min`` is spent, so a slow machine
gives a smaller but complete report; ``per_task.json`` is rewritten after every task, so a
run that is killed keeps its rows. Results JSON holds no BBH example text.

    python experiments/exp007_rlm.py [--model SPEC] [--sub-model SPEC] [--sizes 4,1,0.5,2]
        [--n-large N] [--n-small N] [--bbh word_sorting,object_counting] [--n-bbh N]
        [--max-iterations K] [--time-budget-min M] [--seed S] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from self_distill.api import load_model, open_ledger, verify_skill
from self_distill.config import load_settings
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.ledger import RecordedModel
from self_distill.report.artifacts import run_dir, write_json, write_manifest
from self_distill.rlm import RlmLimits, RlmModels, model_window, run_rlm
from self_distill.rlm.lifting import lift_trajectory
from self_distill.rlm.prompts import PROMPT_VERSION
from self_distill.stats import accuracy_summary
from self_distill.tasks import Task, load_tasks, scorer_for
from self_distill.tasks.long_inputs import LOG_KINDS, long_input_tasks

MODEL = "embedded:qwen2.5-coder-1.5b"
PLAIN_MAX_TOKENS = 32
VERIFY_TASKS = 24
VERIFY_SHOWN = 4
VERIFY_CHARS_FACTOR = 1.0
CUT_NOTE = "\n[... the rest of the input was cut to fit the context window ...]"


def cut_to_window(text: str, window: Any, reserve: int) -> tuple[str, float]:
    """``text`` cut from the end until the plain prompt fits; returns it and the kept share."""
    limit = window.tokens - reserve
    if window.count(text) <= limit:
        return text, 1.0
    keep = int(len(text) * limit / window.count(text))
    while keep > 0 and window.count(text[:keep] + CUT_NOTE) > limit:
        keep = int(keep * 0.95)
    return text[:keep] + CUT_NOTE, keep / len(text)


def plain_answer(model: RecordedModel, window: Any, task: Task) -> dict[str, Any]:
    system = DIRECT_ANSWER_SYSTEM
    reserve = PLAIN_MAX_TOKENS + window.count(system) + 32
    text, kept = cut_to_window(task.input, window, reserve)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": text}]
    started = time.perf_counter()
    completion = model.complete(messages, purpose="solve", max_tokens=PLAIN_MAX_TOKENS)
    return {
        "answer": completion.text.strip(),
        "score": scorer_for(task.answer_format)(completion.text, task.target),
        "tokens": completion.input_tokens + completion.output_tokens,
        "wall_s": time.perf_counter() - started,
        "input_kept": kept,
    }


def rlm_task(models: RlmModels, task: Task, limits: RlmLimits) -> tuple[dict[str, Any], Any]:
    result = run_rlm(task.input, models, limits=limits)
    text = result.text or ""
    row = {
        "answer": text,
        "score": scorer_for(task.answer_format)(text, task.target) if result.text else 0.0,
        "tokens": result.tokens,
        "root_tokens": result.root_tokens,
        "sub_tokens": result.sub_tokens,
        "calls": len(result.calls),
        "wall_s": result.wall_s,
        "iterations": result.trajectory.iterations,
        "depth_reached": result.max_depth_reached,
        "answer_source": result.trajectory.answer_source,
        "stop_reason": result.trajectory.stop_reason,
    }
    return row, result.trajectory


def planned_tasks(args: argparse.Namespace, window_tokens: int) -> list[tuple[str, float, Task]]:
    """(group, size factor, task) in order of priority: the first size, kinds mixed, with the
    BBH tasks interleaved, then the other sizes; a run cut short by its time budget thus covers
    every kind and BBH at the main size before anything else."""
    plan: list[tuple[str, float, Task]] = []
    sizes = [float(s) for s in args.sizes.split(",")]
    for rank, factor in enumerate(sizes):
        n = args.n_large if rank == 0 else args.n_small
        chars = int(factor * window_tokens * 1.96)
        per_kind = {kind: long_input_tasks(kind, n, chars, seed=args.seed) for kind in LOG_KINDS}
        logs = [("logs", factor, per_kind[kind][i]) for i in range(n) for kind in LOG_KINDS]
        if rank == 0:
            bbh = bbh_tasks(args)
            every = 2
            for position, item in enumerate(logs):
                plan.append(item)
                if (position + 1) % every == 0 and bbh:
                    plan.append(bbh.pop(0))
            plan += bbh
        else:
            plan += logs
    return plan


def bbh_tasks(args: argparse.Namespace) -> list[tuple[str, float, Task]]:
    plan: list[tuple[str, float, Task]] = []
    for name in filter(None, args.bbh.split(",")):
        tasks = load_tasks(f"bbh:{name}")
        step = max(1, len(tasks) // max(1, args.n_bbh))
        plan += [("bbh", 0.0, task) for task in tasks[::step][: args.n_bbh]]
    return plan


def summarise(rows: Sequence[dict[str, Any]], method: str) -> dict[str, Any]:
    summary = {
        **accuracy_summary([row[method]["score"] for row in rows]),
        "tokens_mean": sum(row[method]["tokens"] for row in rows) / len(rows),
        "wall_s_mean": sum(row[method]["wall_s"] for row in rows) / len(rows),
    }
    if method == "rlm":
        for key in ("root_tokens", "sub_tokens", "iterations"):
            summary[f"{key}_mean"] = sum(row["rlm"][key] for row in rows) / len(rows)
        summary["depth_reached_max"] = max(row["rlm"]["depth_reached"] for row in rows)
        summary["answered_by_code"] = sum(row["rlm"]["answer_source"] == "final" for row in rows)
    return summary


def group_summaries(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["group"] == "logs":
            groups[f"logs x{row['size_factor']:g}"].append(row)
            groups[f"logs x{row['size_factor']:g} {row['kind']}"].append(row)
        else:
            groups[f"bbh {row['kind']}"].append(row)
    return {
        name: {"plain": summarise(members, "plain"), "rlm": summarise(members, "rlm")}
        for name, members in sorted(groups.items())
    }


def verify_lifted(
    trajectories: list[tuple[dict[str, Any], Any, Task]], seed: int, window_tokens: int
) -> list[dict[str, Any]]:
    """Lift every correct trajectory; verify the plain-code candidates (once per code text)."""
    verdicts: dict[tuple[str, str], dict[str, Any]] = {}
    lifted_rows = []
    for row, trajectory, task in trajectories:
        if row["rlm"]["score"] < 1.0:
            continue
        candidate = lift_trajectory(trajectory)
        entry = {"task": row["id"], "kind": row["kind"], "group": row["group"]}
        if candidate is None:
            lifted_rows.append({**entry, "lifted": False})
            continue
        entry.update({"lifted": True, "hybrid": candidate.hybrid, "cells": candidate.cells})
        if not candidate.hybrid:
            key = (row["kind"], candidate.code)
            if key not in verdicts:
                verdicts[key] = _verify(row, task, candidate.code, seed, window_tokens)
            entry.update(verdicts[key])
            if row["group"] == "logs":
                entry["code"] = candidate.code
        lifted_rows.append(entry)
    return lifted_rows


def _verify(row: dict[str, Any], task: Task, code: str, seed: int, window: int) -> dict[str, Any]:
    if row["group"] == "logs":
        data = long_input_tasks(
            row["kind"], VERIFY_TASKS, int(VERIFY_CHARS_FACTOR * window * 1.96), seed=seed + 100
        )
        verdict = verify_skill(code, data, n_shown=VERIFY_SHOWN, seed=seed)
    else:
        verdict = verify_skill(code, f"bbh:{row['kind']}", seed=seed)
    return {
        "accepted": verdict.accepted,
        "heldout_accuracy": verdict.heldout_accuracy,
        "reasons": list(verdict.reasons),
    }


def print_tables(document: dict[str, Any], console: Console) -> None:
    table = Table(title=f"exp007: plain call vs RLM ({document['model']})")
    for column in ("group", "n", "plain acc [95% CI]", "RLM acc [95% CI]", "RLM tok (root/sub)"):
        table.add_column(column)
    table.add_column("RLM wall s")
    table.add_column("iters")
    for name, group in document["groups"].items():
        plain, rlm = group["plain"], group["rlm"]
        table.add_row(
            name,
            str(plain["n"]),
            f"{plain['accuracy']:.2f} [{plain['ci95'][0]:.2f}, {plain['ci95'][1]:.2f}]",
            f"{rlm['accuracy']:.2f} [{rlm['ci95'][0]:.2f}, {rlm['ci95'][1]:.2f}]",
            f"{rlm['root_tokens_mean']:.0f}/{rlm['sub_tokens_mean']:.0f}",
            f"{rlm['wall_s_mean']:.0f}",
            f"{rlm['iterations_mean']:.1f}",
        )
    console.print(table)
    skills = document["skills"]
    console.print(
        f"lifted {skills['lifted']} of {skills['correct_trajectories']} correct trajectories; "
        f"{skills['hybrid']} hybrid; {skills['verified']} verified as skills"
    )


def plot(document: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in document["groups"] if n.startswith("logs x") and " " not in n[5:]]
    names += [n for n in document["groups"] if n.startswith("bbh")]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(names) + 2), 4))
    for offset, method, color in ((-0.2, "plain", "#C44E52"), (0.2, "rlm", "#4C72B0")):
        accs = [document["groups"][n][method]["accuracy"] for n in names]
        cis = [document["groups"][n][method]["ci95"] for n in names]
        errors = [
            [a - lo for a, (lo, _) in zip(accs, cis, strict=True)],
            [hi - a for a, (_, hi) in zip(accs, cis, strict=True)],
        ]
        positions = [i + offset for i in range(len(names))]
        ax.bar(positions, accs, width=0.4, yerr=errors, capsize=3, color=color, label=method)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy (95% Wilson interval)")
    ax.set_title("plain call (input cut to fit) vs RLM; logs xK = K times the window")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def targets(document: dict[str, Any], largest: float) -> dict[str, Any]:
    group = document["groups"].get(f"logs x{largest:g}")
    if group is None:
        return {"met": False, "reason": "no task of the largest size ran"}
    plain, rlm = group["plain"], group["rlm"]
    gain = rlm["accuracy"] - plain["accuracy"]
    separated = rlm["ci95"][0] > plain["ci95"][1]
    return {
        "size_factor": largest,
        "gain": gain,
        "intervals_separate": separated,
        "met": gain >= 0.30 and separated,
        "one_skill_verified": document["skills"]["verified"] > 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--sub-model", default=None, help="default: the root model")
    parser.add_argument(
        "--sizes", default="4,1,0.5,2", help="multiples of the window; first = main"
    )
    parser.add_argument("--n-large", type=int, default=4, help="tasks per kind at the first size")
    parser.add_argument("--n-small", type=int, default=1, help="tasks per kind at other sizes")
    parser.add_argument("--bbh", default="word_sorting,object_counting")
    parser.add_argument("--n-bbh", type=int, default=3)
    parser.add_argument("--max-iterations", type=int, default=4)
    parser.add_argument("--time-budget-min", type=float, default=35.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--context-tokens", type=int, default=None, help="window of models that report none"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    console = Console()
    out = run_dir("exp007", args.out)
    settings = load_settings()
    root = load_model(args.model, settings=settings)
    sub = root if args.sub_model is None else load_model(args.sub_model, settings=settings)
    root_window = model_window(root, args.context_tokens)
    sub_window = model_window(sub, args.context_tokens)
    window_tokens = root_window.tokens or args.context_tokens or 4096
    if root_window.tokens is None:
        root_window = model_window(root, window_tokens)
    limits = RlmLimits(max_iterations=args.max_iterations)
    plan = planned_tasks(args, window_tokens)
    deadline = time.monotonic() + args.time_budget_min * 60
    rows: list[dict[str, Any]] = []
    trajectories: list[tuple[dict[str, Any], Any, Task]] = []
    with open_ledger(settings=settings) as ledger:
        run_id = ledger.start_run("exp007", vars(args) | {"out": str(out)})
        status = "failed"
        try:
            models = RlmModels(
                RecordedModel(root, ledger, run_id),
                RecordedModel(sub, ledger, run_id),
                root_window,
                sub_window,
            )
            for number, (group, factor, task) in enumerate(plan):
                if time.monotonic() > deadline:
                    console.print(f"time budget spent: {len(plan) - number} tasks not run")
                    break
                kind = task.meta.get("kind") if group == "logs" else task.family.split(":")[-1]
                row: dict[str, Any] = {"id": task.id, "group": group, "kind": kind}
                if group == "logs":
                    row.update(
                        size_factor=factor,
                        chars=len(task.input),
                        tokens_in_input=root_window.count(task.input),
                        target=task.target,
                    )
                row["plain"] = plain_answer(models.root, root_window, task)
                row["rlm"], trajectory = rlm_task(models, task, limits)
                if group == "bbh":
                    row["plain"].pop("answer")
                    row["rlm"].pop("answer")
                rows.append(row)
                trajectories.append((row, trajectory, task))
                write_json(out / "per_task.json", rows)
                console.print(
                    f"[{number + 1}/{len(plan)}] {task.id}: plain {row['plain']['score']:.0f} "
                    f"rlm {row['rlm']['score']:.0f} ({row['rlm']['iterations']} it, "
                    f"{row['rlm']['tokens']} tok, {row['rlm']['wall_s']:.0f} s)"
                )
            status = "completed"
        finally:
            ledger.finish_run(run_id, status)
    lifted = verify_lifted(trajectories, args.seed, window_tokens)
    document: dict[str, Any] = {
        "model": root.spec,
        "sub_model": sub.spec,
        "window_tokens": window_tokens,
        "limits": limits.to_dict(),
        "prompt_version": PROMPT_VERSION,
        "planned": len(plan),
        "ran": len(rows),
        "groups": group_summaries(rows) if rows else {},
        "skills": {
            "correct_trajectories": sum(row["rlm"]["score"] >= 1.0 for row in rows),
            "lifted": sum(entry["lifted"] for entry in lifted),
            "hybrid": sum(entry.get("hybrid", False) for entry in lifted),
            "verified": sum(entry.get("accepted", False) for entry in lifted),
            "candidates": lifted,
        },
    }
    document["targets"] = targets(document, float(args.sizes.split(",")[0]))
    write_json(out / "results.json", document)
    write_json(out / "per_task.json", rows)
    write_json(
        out / "trajectories.json",
        [
            {"id": row["id"], **trajectory.to_dict()}
            for row, trajectory, _ in trajectories
            if row["group"] == "logs"
        ],
    )
    if rows:
        print_tables(document, console)
        plot(document, out / "accuracy.png")
    write_manifest(
        out,
        experiment="exp007",
        model=root.spec,
        sub_model=sub.spec,
        seed=args.seed,
        settings=vars(args) | {"out": str(out)},
        limits=limits.to_dict(),
        prompt_version=PROMPT_VERSION,
        ledger_run=run_id,
    )
    console.print(f"targets: {document['targets']}")
    console.print(f"results in {out}/ (results.json, per_task.json, accuracy.png, manifest.json)")
    return 0 if document["targets"]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
