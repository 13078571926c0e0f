"""exp004: the prior work's two failures, reproduced and stopped.

1. Its CoLA "skill" returned True for every sentence and was reported at 68% accuracy, next to a
   69% majority class it never mentioned. Our verifier judges the same skill (and its
   always-False twin) on CoLA's in-domain dev set and rejects it, recording why.
2. Its agent created a skill for every pattern it saw, again and again, without asking whether
   the skill would pay or whether the creator had already failed there: 17-26x the baseline's
   tokens. Here the same stream is answered by that naive agent (no savings test, no back-off,
   no run budget) and by ours, and both are set beside the model answering alone.

Writes ``summary.json``, ``manifest.json`` and ``tokens.png`` into a run folder (or ``--out``).

    python experiments/exp004_trivial_skills.py [--model SPEC] [--creator SPEC] [--n N]
        [--families a,b] [--seed S] [--out FOLDER]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from self_distill.agent.config import AgentConfig
from self_distill.api import evaluate_model, open_ledger, open_store, run_agent, verify_skill
from self_distill.report.agent_report import cumulative_agent_tokens, plot_cumulative_tokens
from self_distill.report.artifacts import run_dir, write_json, write_manifest
from self_distill.tasks import build_stream, load_tasks, task_stats

TRIVIAL_SKILLS = {
    "always_true": "def solve(text: str) -> str:\n    return '1'\n",
    "always_false": "def solve(text: str) -> str:\n    return '0'\n",
}
DEFAULT_MODEL = "embedded:smollm2-135m"
DEFAULT_FAMILIES = "word_sort,arith,date_arith,agreement"


def naive_config(seed: int) -> AgentConfig:
    """The prior work's policy: create for every cluster, at every look, whatever it costs."""
    return AgentConfig(
        seed=seed,
        horizon=10**9,
        backoff_growth=1.0,
        creation_budget=10**9,
        candidates=2,
        creation_tokens=3000,
    )


def judge_trivial_skills(seed: int) -> dict[str, Any]:
    """Each trivial CoLA skill's verdict, beside CoLA's majority class."""
    cola = load_tasks("cola")
    majority = task_stats(cola).families["cola"].majority_accuracy
    verdicts = {}
    for name, code in TRIVIAL_SKILLS.items():
        verdict = verify_skill(code, cola, shown_fraction=0.5, seed=seed)
        verdicts[name] = {
            "accepted": verdict.accepted,
            "reasons": list(verdict.reasons),
            "heldout_accuracy": verdict.heldout_accuracy,
            "heldout_ci": list(verdict.heldout_ci) if verdict.heldout_ci else None,
            "best_constant_answer_accuracy": verdict.baseline_accuracy,
            "n_heldout": verdict.n_heldout,
        }
    return {"cola_majority_class_share": majority, "skills": verdicts}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="answering model spec")
    parser.add_argument("--creator", default=None, help="skill writer (default: --model)")
    parser.add_argument("--families", default=DEFAULT_FAMILIES)
    parser.add_argument("--n", type=int, default=200, help="stream length")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    args = parser.parse_args(argv)
    out = run_dir("exp004", args.out)
    console = Console(width=120)

    trivial = judge_trivial_skills(args.seed)
    table = Table(title="trivial CoLA skills, judged by the verifier")
    for column in ("skill", "held-out acc [95% CI]", "majority class", "verdict"):
        table.add_column(column)
    for name, row in trivial["skills"].items():
        low, high = row["heldout_ci"]
        table.add_row(
            name,
            f"{row['heldout_accuracy']:.3f} [{low:.3f}, {high:.3f}]",
            f"{trivial['cola_majority_class_share']:.3f}",
            "accepted" if row["accepted"] else "rejected: " + ", ".join(row["reasons"]),
        )
    console.print(table)

    families = args.families.split(",")
    stream = build_stream({f: 1.0 for f in families}, args.n, noise=0.1, seed=args.seed)
    with console.status("baseline: the model answers every task"):
        baseline = evaluate_model(args.model, stream, run_params={"experiment": "exp004"})
    arms: dict[str, Any] = {}
    curves: dict[str, list[int]] = {}
    for name, config in (
        ("naive", naive_config(args.seed)),
        ("ours", AgentConfig(seed=args.seed, candidates=2, creation_tokens=3000)),
    ):
        with console.status(f"agent: {name}"):
            result = run_agent(
                stream,
                model=args.model,
                creator=args.creator,
                config=config,
                store=open_store(out / f"skills-{name}"),
            )
        summary = result.summary
        with open_ledger() as ledger:
            curves[name] = cumulative_agent_tokens(ledger, summary["run_id"])
        arms[name] = {
            "run_id": summary["run_id"],
            "tokens": summary["tokens"],
            "tokens_by_purpose": summary["tokens_by_purpose"],
            "creations_tried": summary["creations_tried"],
            "creations_accepted": summary["creations_accepted"],
            "accuracy": summary["accuracy"],
            "accuracy_ci95": summary["accuracy_ci95"],
            "config": config.to_dict(),
        }
    baseline_tokens = sum(answer.tokens for answer in baseline.answers)
    for arm in arms.values():
        arm["token_ratio"] = arm["tokens"] / baseline_tokens if baseline_tokens else None
    cumulative, total = [], 0
    for answer in baseline.answers:
        total += answer.tokens
        cumulative.append(total)
    plot_cumulative_tokens(
        out / "tokens.png",
        curves["naive"],
        cumulative,
        "exp004: the naive agent (blue) against the baseline (orange)",
    )
    arms_table = Table(title=f"the same {len(stream)}-task stream, {args.model}")
    for column in ("arm", "tokens", "x baseline", "creations tried/accepted", "accuracy"):
        arms_table.add_column(column)
    arms_table.add_row("baseline", str(baseline_tokens), "1.00", "-", "-")
    for name, arm in arms.items():
        arms_table.add_row(
            name,
            str(arm["tokens"]),
            f"{arm['token_ratio']:.2f}",
            f"{arm['creations_tried']}/{arm['creations_accepted']}",
            "-" if arm["accuracy"] is None else f"{arm['accuracy']:.3f}",
        )
    console.print(arms_table)
    document = {
        "experiment": "exp004",
        "trivial_skills": trivial,
        "stream": {"families": families, "n": len(stream), "noise": 0.1, "seed": args.seed},
        "baseline": {"run_id": baseline.run_id, "tokens": baseline_tokens},
        "agents": arms,
    }
    write_json(out / "summary.json", document)
    write_manifest(
        out,
        experiment="exp004",
        seed=args.seed,
        model=args.model,
        creator=args.creator or args.model,
        ledger_runs={"baseline": baseline.run_id, **{k: v["run_id"] for k, v in arms.items()}},
    )
    console.print(f"results in {out}/ (summary.json, tokens.png, manifest.json)")
    return document


if __name__ == "__main__":
    main()
