"""exp005: does the agent answer a recurring stream as well as the model alone, for fewer tokens?

Two arms on the same seeded stream: the baseline (the model answers every task directly) and
the agent (skills where it learned them, the model elsewhere; creation and drift checks
included). The agent's model answers use the baseline's exact prompt, so on tasks both send to
the model the answers are the same (the response cache serves them once); a cache hit counts
at the tokens of the original call, so the cache saves wall time and never flatters an arm.

``summary.json`` holds per arm: accuracy with its 95% interval, tokens, cost per correct answer
(tokens per correct); ``token_ratio``, ``steady_state_token_ratio`` (the last quarter),
``break_even_task`` per family and overall, the paired accuracy difference with its 95%
interval, routes by family, why a family's tasks still went to the model after its skill was
active (the router's reasons: ``noise``, ``outside_threshold``...), creations tried and
accepted with their costs, demotions, skill answers outside their family (by task family and
skill family). Also per-task rows, the agent report (HTML, Markdown) and
``tokens.png`` (cumulative tokens of both arms, drawn by the report).

    python experiments/exp005_token_cost.py [--model SPEC] [--creator SPEC] [--labels MODE]
        [--seed S] [--n N] [--families a,b] [--quick] [--out FOLDER] [--resume RUN_ID]

A killed run goes on with the same arguments plus ``--resume RUN_ID`` (the agent run's id, from
``self-distill ledger runs``): the baseline comes back from the response cache, the agent
replays its journal and makes no model call twice.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from self_distill.agent.config import AgentConfig
from self_distill.agent.summary import verified_families
from self_distill.api import evaluate_model, load_tasks, open_ledger, open_store, run_agent
from self_distill.ledger.agent_journal import AgentJournal
from self_distill.report.agent_report import write_agent_report
from self_distill.report.artifacts import run_dir, write_json, write_manifest
from self_distill.skills.creation import prompts
from self_distill.stats import accuracy_summary, paired_difference
from self_distill.tasks import Task, build_stream, family_names
from self_distill.tasks.jsonl import jsonl_text
from self_distill.tasks.reference_data import is_reference_family

DEFAULT_MODEL = "embedded:qwen2.5-coder-1.5b"
BBH_FAMILY = "bbh:word_sorting"
QUICK_FAMILIES = "word_sort,arith,date_arith"


def build(families: list[str], n: int, noise: float, seed: int) -> list[Task]:
    """The seeded stream: each family at equal weight plus a share of one-off noise."""
    extra = {name: load_tasks(name) for name in families if name.startswith("bbh:")}
    return build_stream({name: 1.0 for name in families}, n, noise=noise, seed=seed, extra=extra)


def without_reference_text(row: dict[str, Any]) -> dict[str, Any]:
    """A per-task row with the answer texts dropped for reference data (BIG-Bench-Hard, CoLA),
    which never enters the repository; generated tasks keep theirs."""
    if not is_reference_family(str(row.get("family") or "")):
        return row
    return {k: v for k, v in row.items() if k not in ("answer", "target", "baseline_answer")}


def break_even(agent: list[int], baseline: list[int]) -> int | None:
    """The first task (1-based) from which the agent's cumulative tokens never exceed the
    baseline's again; None when they still exceed them at the end."""
    total_a = total_b = 0
    last_bad = 0
    for index, (a, b) in enumerate(zip(agent, baseline, strict=True), start=1):
        total_a += a
        total_b += b
        if total_a > total_b:
            last_bad = index
    return None if last_bad == len(agent) else last_bad + 1


def arm_figures(scores: list[float], tokens: int) -> dict[str, Any]:
    """An arm's accuracy (:func:`accuracy_summary`) with what it paid per correct answer."""
    summary = accuracy_summary(scores)
    correct = sum(scores)
    return {
        "accuracy": summary["accuracy"],
        "ci95": summary["ci95"],
        "n_scored": summary["n"],
        "tokens": tokens,
        "tokens_per_correct": tokens / correct if correct else None,
    }


def analyse(
    tasks: list[Task],
    baseline_answers: list[Any],
    agent_rows: list[Any],
    agent_events: list[Any],
    agent_tokens: int,
    baseline_tokens: int,
) -> dict[str, Any]:
    """Every figure of summary.json from the per-task records of both arms."""
    n = len(tasks)
    agent_per_task = [row.tokens for row in agent_rows]
    for event in agent_events:
        agent_per_task[event.seq] += event.tokens
    baseline_per_task = [answer.tokens for answer in baseline_answers]
    scored = [i for i, task in enumerate(tasks) if task.scorable]
    agent_scores = [float(agent_rows[i].correct or 0.0) for i in scored]
    baseline_scores = [float(baseline_answers[i].score or 0.0) for i in scored]
    difference, interval = paired_difference(agent_scores, baseline_scores)
    quarter = slice(n - n // 4, n)
    families: dict[str, list[int]] = defaultdict(list)
    for i, task in enumerate(tasks):
        families[task.family].append(i)
    activation: dict[str, int] = {}
    family_of_skill: dict[str, str] = {}
    for event in agent_events:
        if event.kind == "activated":
            family = event.detail.get("family")
            activation.setdefault(family, event.seq)
            family_of_skill[event.skill] = family
    per_family = {}
    for family, members in sorted(families.items()):
        creation = sum(
            e.tokens
            for e in agent_events
            if e.kind in ("activated", "creation_failed") and e.detail.get("family") == family
        )
        agent_tokens_family = sum(agent_rows[i].tokens for i in members) + creation
        baseline_tokens_family = sum(baseline_per_task[i] for i in members)
        figures: dict[str, Any] = {
            "tasks": len(members),
            "agent_tokens": agent_tokens_family,
            "baseline_tokens": baseline_tokens_family,
            "creation_tokens": creation,
            "routes": dict(
                sorted(
                    {
                        r: sum(agent_rows[i].route == r for i in members)
                        for r in ("skill", "student", "model")
                    }.items()
                )
            ),
        }
        fam_scored = [i for i in members if tasks[i].scorable]
        if fam_scored:
            figures["agent_accuracy"] = sum(agent_rows[i].correct or 0 for i in fam_scored) / len(
                fam_scored
            )
            figures["baseline_accuracy"] = sum(
                baseline_answers[i].score or 0 for i in fam_scored
            ) / len(fam_scored)
        seq = activation.get(family)
        if seq is not None:
            after = [i for i in members if i > seq]
            base_after = sum(baseline_per_task[i] for i in after)
            figures["activated_after_task"] = seq + 1
            figures["tokens_after_activation_ratio"] = (
                sum(agent_rows[i].tokens for i in after) / base_after if base_after else None
            )
            own = [agent_rows[i].tokens for i in members]
            own[0] += creation
            figures["break_even_task"] = break_even(own, [baseline_per_task[i] for i in members])
            figures["model_reasons_after_activation"] = dict(
                Counter(agent_rows[i].reason for i in after if agent_rows[i].route == "model")
            )
        per_family[family] = figures
    foreign = Counter(
        f"{tasks[i].family} by {family_of_skill.get(row.skill)}"
        for i, row in enumerate(agent_rows)
        if row.route == "skill" and family_of_skill.get(row.skill) != tasks[i].family
    )
    verified = verified_families(agent_events)
    unverified = Counter(
        f"{tasks[i].family} by {family_of_skill.get(row.skill)}"
        for i, row in enumerate(agent_rows)
        if row.route == "skill" and tasks[i].family not in verified.get(row.skill or "", ())
    )
    return {
        "tasks": n,
        "agent": arm_figures(agent_scores, agent_tokens),
        "baseline": arm_figures(baseline_scores, baseline_tokens),
        "token_ratio": agent_tokens / baseline_tokens if baseline_tokens else None,
        "steady_state_token_ratio": (
            sum(agent_per_task[quarter]) / max(1, sum(baseline_per_task[quarter]))
        ),
        "break_even_task": break_even(agent_per_task, baseline_per_task),
        "paired_accuracy_difference": {"mean": difference, "ci95": list(interval)},
        "families": per_family,
        "skill_answers_outside_their_family": foreign.total(),
        "skill_answers_outside_their_family_by_pair": dict(foreign),
        "skill_answers_outside_their_verified_families": unverified.total(),
        "skill_answers_outside_their_verified_families_by_pair": dict(unverified),
        "skill_answers_to_oneoffs": sum(
            1
            for i, row in enumerate(agent_rows)
            if row.route == "skill" and tasks[i].family == "oneoff"
        ),
    }


def print_table(document: dict[str, Any], console: Console) -> None:
    table = Table(title=f"exp005: agent vs baseline ({document['model']}, {document['labels']})")
    for column in (
        "family",
        "tasks",
        "agent acc",
        "base acc",
        "agent tok",
        "base tok",
        "routes s/st/m",
        "after-activation ratio",
        "break-even",
    ):
        table.add_column(column, justify="left" if column == "family" else "right")
    for family, row in document["families"].items():
        ratio = row.get("tokens_after_activation_ratio")
        table.add_row(
            family,
            str(row["tasks"]),
            f"{row.get('agent_accuracy', float('nan')):.2f}",
            f"{row.get('baseline_accuracy', float('nan')):.2f}",
            str(row["agent_tokens"]),
            str(row["baseline_tokens"]),
            "/".join(str(row["routes"].get(r, 0)) for r in ("skill", "student", "model")),
            "-" if ratio is None else f"{ratio:.3f}",
            str(row.get("break_even_task", "-")),
        )
    console.print(table)
    a, b = document["agent"], document["baseline"]
    d = document["paired_accuracy_difference"]
    console.print(
        f"accuracy agent {a['accuracy']:.3f} [{a['ci95'][0]:.3f}, {a['ci95'][1]:.3f}] vs "
        f"baseline {b['accuracy']:.3f} [{b['ci95'][0]:.3f}, {b['ci95'][1]:.3f}]; paired "
        f"difference {d['mean']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
    )
    console.print(
        f"tokens agent {a['tokens']} vs baseline {b['tokens']}: "
        f"ratio {document['token_ratio']:.3f}, "
        f"steady state {document['steady_state_token_ratio']:.3f}, break-even task "
        f"{document['break_even_task']}; creations {document['creations_accepted']}/"
        f"{document['creations_tried']} accepted ({document['creation_tokens']} tokens); "
        f"{len(document['demotions'])} demotions; skill answers outside their family "
        f"{document['skill_answers_outside_their_family']} "
        f"{document['skill_answers_outside_their_family_by_pair'] or ''}, outside the families "
        f"they were verified on {document['skill_answers_outside_their_verified_families']}"
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="answering model spec")
    parser.add_argument("--creator", default=None, help="skill writer (default: --model)")
    parser.add_argument("--labels", default="feedback", choices=("feedback", "teacher", "none"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=1000, help="stream length")
    parser.add_argument("--noise", type=float, default=0.1, help="share of one-off tasks")
    parser.add_argument(
        "--families", default=None, help="comma-separated (default: all puzzles + BBH word_sorting)"
    )
    parser.add_argument("--creation-budget", type=int, default=60000, help="tokens, all creations")
    parser.add_argument("--candidates", type=int, default=6, help="candidates per creation")
    parser.add_argument("--creation-tokens", type=int, default=8000, help="tokens per creation")
    parser.add_argument(
        "--student-every",
        type=int,
        default=0,
        help="train a LoRA student on the run's verified answers every N tasks (0: no student)",
    )
    parser.add_argument(
        "--adopt-solved-noise",
        action="store_true",
        help="noise its skill answers right joins a served cluster; noise goes to the nearest "
        "cluster containing it (AgentConfig.adopt_solved_noise)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="the make-run size: 200 tasks, 3 families"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder (default: a new run folder)"
    )
    parser.add_argument(
        "--resume", default=None, metavar="RUN_ID", help="continue a killed agent run (same args)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n = min(args.n, 200)
        args.families = args.families or QUICK_FAMILIES
    families = (args.families or ",".join([*family_names("puzzle"), BBH_FAMILY])).split(",")
    out = run_dir("exp005", args.out)
    console = Console(width=140)
    tasks = build(families, args.n, args.noise, args.seed)
    config = AgentConfig(
        labels=args.labels,
        seed=args.seed,
        creation_budget=args.creation_budget,
        candidates=args.candidates,
        creation_tokens=args.creation_tokens,
        student_every=args.student_every,
        adopt_solved_noise=args.adopt_solved_noise,
    )
    if args.quick:
        config = dataclasses.replace(
            config, warmup=40, min_examples=30, n_shown=10, candidates=3, creation_tokens=5000
        )
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("baseline: the model answers every task", total=len(tasks))
        baseline = evaluate_model(
            args.model,
            tasks,
            seed=config.seed,
            max_tokens=config.max_tokens,
            run_params={"experiment": "exp005", "arm": "baseline"},
            progress=lambda _: progress.advance(bar),
        )
        bar = progress.add_task("agent", total=len(tasks))
        agent = run_agent(
            tasks,
            model=args.model,
            creator=args.creator,
            config=config,
            store=open_store(out / "skills"),
            resume=args.resume,
            progress=lambda _: progress.advance(bar),
        )
    run_id = agent.summary["run_id"]
    with open_ledger() as ledger:
        journal = AgentJournal(ledger, run_id)
        rows, events = journal.tasks(), journal.events()
        document = {
            "experiment": "exp005",
            "model": args.model,
            "creator": args.creator or args.model,
            "labels": args.labels,
            "seed": args.seed,
            "agent_run": run_id,
            "baseline_run": baseline.run_id,
            **analyse(
                tasks,
                list(baseline.answers),
                rows,
                events,
                agent.summary["tokens"],
                sum(a.tokens for a in baseline.answers),
            ),
            "creations_tried": agent.summary["creations_tried"],
            "creations_accepted": agent.summary["creations_accepted"],
            "creation_tokens": agent.summary["tokens_by_purpose"].get("create", 0)
            + agent.summary["tokens_by_purpose"].get("repair", 0),
            "creation_budget": config.creation_budget,
            "creations": agent.summary["creations"],
            "demotions": agent.summary["demotions"],
            "routes": agent.summary["routes"],
            "reuses": agent.summary["reuses"],
            "students": agent.summary["students"],
        }
        write_agent_report(
            ledger,
            run_id,
            out,
            baseline_run=baseline.run_id,
            extra={"paired accuracy difference": document["paired_accuracy_difference"]["mean"]},
        )
    print_table(document, console)
    write_json(out / "summary.json", document)
    per_task_rows = [
        without_reference_text(
            {
                **row,
                "baseline_answer": b.answer,
                "baseline_correct": b.score,
                "baseline_tokens": b.tokens,
            }
        )
        for row, b in zip(agent.rows(), baseline.answers, strict=True)
    ]
    (out / "per_task.jsonl").write_text(jsonl_text(per_task_rows), encoding="utf-8")
    write_manifest(
        out,
        experiment="exp005",
        seed=args.seed,
        model=args.model,
        creator=args.creator or args.model,
        labels=args.labels,
        stream={"families": families, "n": len(tasks), "noise": args.noise, "seed": args.seed},
        agent_config=config.to_dict(),
        prompt_version=prompts.PROMPT_VERSION,
        prompt_hash=prompts.template_hash(),
        ledger_runs={"agent": run_id, "baseline": baseline.run_id},
    )
    console.print(f"results in {out}/ (summary.json, per_task.jsonl, report.html, tokens.png)")
    return document


if __name__ == "__main__":
    main()
