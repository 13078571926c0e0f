"""exp003: can a local coder write verified skills, and does recursive repair pay at equal cost?

For each family the creator writes a skill from the shown split and the verifier judges it on a
held-out split the creator never saw. Two strategies get the same token budget per family:
``sample`` (independent candidates, no repair) and ``repair`` (each failing candidate gets up to
``--rounds`` repair prompts with its error or failing shown examples). Both use the same seeds, so
their first samples are identical (and cached): the comparison is paired.

Outputs in a new run folder (or ``--out``; the committed figures are in
``results/exp003/<model>/``): a rich table per strategy on stdout, ``results.json``
(per family and strategy: candidates, repairs, acceptance, rejection reasons, creation tokens,
held-out accuracy with its 95% interval, the majority baseline), ``creation.png`` and
``manifest.json`` (seed, model spec, prompt version and hash, split sizes, budgets). Skills go to
a store outside the repository (it holds the examples, and reference data never enters the repo).

    python experiments/exp003_skill_creation.py [--model SPEC] [--families a,b] [--quick]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from rich.console import Console
from rich.table import Table

from self_distill.api import create_skill, load_model, open_ledger, open_store
from self_distill.models import TextGenerator
from self_distill.paths import data_home
from self_distill.report.artifacts import run_dir, write_json, write_manifest
from self_distill.skills.creation import prompts
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import CreationOutcome
from self_distill.skills.examples import SkillData, load_skill_data
from self_distill.skills.store.manifest import slugify
from self_distill.skills.store.skill_store import SkillStore
from self_distill.skills.verification.config import VerifierConfig

DEFAULT_MODEL = "embedded:qwen2.5-coder-1.5b"
DEFAULT_FAMILIES = (
    "bbh:word_sorting,word_sort,dyck_close,arith,date_arith,meeting_rooms,meeting_conflict,"
    "pii_extract,agreement,cola"
)
QUICK_FAMILIES = "word_sort,agreement"
STRATEGIES = ("sample", "repair")
DEFAULT_STRATEGY = "sample"
"""The strategy ``self-distill create`` uses by default (no repair rounds); see the report."""


class Settings(NamedTuple):
    """Everything that decides the experiment's numbers (recorded in the manifest)."""

    model: str
    families: tuple[str, ...]
    seed: int
    difficulty: str
    n_shown: int
    n_heldout: int
    prompt_examples: int
    token_budget: int
    repair_rounds: int
    max_tokens_per_call: int
    max_candidates: int
    quick: bool

    def budget(self, strategy: str) -> CreationBudget:
        return CreationBudget(
            candidates=self.max_candidates,
            repair_rounds=self.repair_rounds if strategy == "repair" else 0,
            max_tokens_per_call=self.max_tokens_per_call,
            token_budget=self.token_budget,
            prompt_examples=self.prompt_examples,
            seed=self.seed,
        )


def family_data(family: str, settings: Settings) -> SkillData:
    """One family's shown and held-out split: BIG-Bench-Hard ``bbh:<task>``, ``cola``, or a
    generated family (any task source)."""
    return load_skill_data(
        family,
        n_shown=settings.n_shown,
        max_heldout=settings.n_heldout,
        seed=settings.seed,
        difficulty=settings.difficulty,
    )


def majority_baseline(data: SkillData) -> float:
    """Held-out accuracy of always giving the most common held-out target."""
    counts = Counter(example.target for example in data.heldout)
    return counts.most_common(1)[0][1] / len(data.heldout)


_QUOTED_INPUT = re.compile(r"on INPUT .*? it raised", re.S)


def strategy_row(outcome: CreationOutcome) -> dict[str, Any]:
    """One family x strategy: the figures of the table, with no example text (reference data
    stays out of the repository)."""
    result = outcome.result
    verdict = result.verdict
    repair_fixes = sum(
        1
        for candidate in result.candidates
        for before, after in zip(candidate.attempts, candidate.attempts[1:], strict=False)
        if after.outcome == "passed" and before.outcome != "passed"
    )
    passed_shown = [c for c in result.candidates if c.passed_shown and c.verdict is not None]
    return {
        "accepted": result.accepted,
        "skill": outcome.skill.ref if outcome.skill else None,
        "candidates": len(result.candidates),
        "calls": result.calls,
        "repairs": result.repairs,
        "repair_fixes": repair_fixes,
        "passed_shown": len(passed_shown),
        "passed_shown_accepted": sum(bool(c.verdict and c.verdict.accepted) for c in passed_shown),
        "creation_tokens": result.creation_tokens,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "cached_calls": sum(a.cached for c in result.candidates for a in c.attempts),
        "wall_s": round(outcome.wall_s, 2),
        "stop_reason": result.stop_reason,
        "reasons": list(verdict.reasons) if verdict else ["no_code"],
        "heldout_accuracy": verdict.heldout_accuracy if verdict else None,
        "heldout_ci": list(verdict.heldout_ci) if verdict and verdict.heldout_ci else None,
        "code": result.code,
        "attempts": [
            {
                "candidate": candidate.index,
                "purpose": attempt.purpose,
                "outcome": attempt.outcome,
                "shown_correct": attempt.shown_correct,
                "tokens": attempt.tokens,
                "detail": _QUOTED_INPUT.sub("on a shown input it raised", attempt.detail),
            }
            for candidate in result.candidates
            for attempt in candidate.attempts
        ],
        "per_candidate": [c.summary().to_dict() for c in result.candidates],
    }


def run(
    settings: Settings,
    out: Path,
    *,
    generator: TextGenerator | None = None,
    store_root: Path | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Run the experiment and write its outputs to ``out``; returns the results document.

    ``generator`` replaces the model named by ``settings.model`` (tests pass a scripted one).
    """
    console = console or Console(width=150)
    generator = generator or load_model(settings.model)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    store = open_store(
        store_root or data_home() / "experiments" / "exp003" / slugify(settings.model) / stamp
    )
    verifier = VerifierConfig(seed=settings.seed)
    families: list[dict[str, Any]] = []
    started = time.perf_counter()
    with open_ledger() as ledger:
        for family in settings.families:
            data = family_data(family, settings)
            row: dict[str, Any] = {
                "family": family,
                "answer_format": data.answer_format,
                "n_shown": len(data.shown),
                "n_heldout": len(data.heldout),
                "majority_baseline": majority_baseline(data),
                "strategies": {},
            }
            for strategy in STRATEGIES:
                budget = settings.budget(strategy)
                with console.status(f"{family}: {strategy}"):
                    outcome = create_skill(
                        data,
                        model=generator,
                        store=store,
                        ledger=ledger,
                        skill_id=slugify(f"{family}-{strategy}"),
                        candidates=budget.candidates,
                        rounds=budget.repair_rounds,
                        seed=budget.seed,
                        token_budget=budget.token_budget,
                        max_tokens=budget.max_tokens_per_call,
                        prompt_examples=budget.prompt_examples,
                        verifier=verifier,
                    )
                row["strategies"][strategy] = strategy_row(outcome) | {"run_id": outcome.run_id}
                _progress_line(console, family, strategy, row["strategies"][strategy])
            families.append(row)
    document = {
        "experiment": "exp003",
        "model": generator.spec,
        "default_strategy": DEFAULT_STRATEGY,
        "wall_s": round(time.perf_counter() - started, 1),
        "families": families,
        "totals": totals(families),
    }
    write_outputs(document, settings, out, store, verifier, console)
    return document


def totals(families: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per strategy: skills accepted, tokens, calls, repairs and repairs that fixed a candidate,
    and how often passing every shown example led to acceptance."""
    summary: dict[str, dict[str, Any]] = {}
    for strategy in STRATEGIES:
        rows = [family["strategies"][strategy] for family in families]
        summary[strategy] = {
            "accepted": sum(r["accepted"] for r in rows),
            "families": len(rows),
            "creation_tokens": sum(r["creation_tokens"] for r in rows),
            "calls": sum(r["calls"] for r in rows),
            "repairs": sum(r["repairs"] for r in rows),
            "repair_fixes": sum(r["repair_fixes"] for r in rows),
            "passed_shown": sum(r["passed_shown"] for r in rows),
            "passed_shown_accepted": sum(r["passed_shown_accepted"] for r in rows),
            "wall_s": round(sum(r["wall_s"] for r in rows), 1),
        }
    return summary


def _progress_line(console: Console, family: str, strategy: str, row: dict[str, Any]) -> None:
    verdict = "accepted" if row["accepted"] else "rejected (" + ", ".join(row["reasons"]) + ")"
    console.print(
        f"{family:<18} {strategy:<7} {verdict}: {row['calls']} calls, {row['repairs']} repairs, "
        f"{row['creation_tokens']} tokens, {row['wall_s']:.0f} s"
    )


def _interval_text(row: dict[str, Any]) -> str:
    if row["heldout_accuracy"] is None:
        return "-"
    low, high = row["heldout_ci"]
    return f"{row['heldout_accuracy']:.2f} [{low:.2f}, {high:.2f}]"


def print_tables(document: dict[str, Any], console: Console) -> None:
    for strategy in STRATEGIES:
        budget_note = "default" if strategy == DEFAULT_STRATEGY else "comparison"
        table = Table(title=f"exp003 {document['model']}: strategy {strategy} ({budget_note})")
        columns = (
            "family",
            "cand.",
            "repairs",
            "fixed",
            "accepted",
            "reasons",
            "tokens",
            "held-out acc [95% CI]",
            "majority",
            "n shown/held-out",
        )
        for column in columns:
            table.add_column(column, justify="left" if column in ("family", "reasons") else "right")
        for family in document["families"]:
            row = family["strategies"][strategy]
            table.add_row(
                family["family"],
                str(row["candidates"]),
                str(row["repairs"]),
                str(row["repair_fixes"]),
                "[green]yes[/green]" if row["accepted"] else "[red]no[/red]",
                ", ".join(row["reasons"]) or "-",
                str(row["creation_tokens"]),
                _interval_text(row),
                f"{family['majority_baseline']:.2f}",
                f"{family['n_shown']}/{family['n_heldout']}",
            )
        console.print(table)
    for strategy, figures in document["totals"].items():
        console.print(
            f"{strategy}: {figures['accepted']}/{figures['families']} accepted, "
            f"{figures['creation_tokens']} tokens, {figures['calls']} calls, "
            f"{figures['repairs']} repairs ({figures['repair_fixes']} fixed a candidate); "
            f"{figures['passed_shown_accepted']}/{figures['passed_shown']} candidates passing "
            "every shown example were accepted"
        )


def plot(document: dict[str, Any], path: Path) -> Path:
    """Left: held-out accuracy (95% CI) of the chosen candidate per family and strategy, with
    the majority baseline. Right: creation tokens per family and strategy (solid = accepted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = document["families"]
    labels = [family["family"] for family in families]
    width = 0.38
    colours = {"sample": "#4C72B0", "repair": "#DD8452"}
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(9.0, 1.5 * len(labels) + 3), 4.5))
    for offset, strategy in zip((-width / 2, width / 2), STRATEGIES, strict=True):
        rows = [family["strategies"][strategy] for family in families]
        positions = [i + offset for i in range(len(labels))]
        accuracies = [r["heldout_accuracy"] or 0.0 for r in rows]
        errors = [
            [a - (r["heldout_ci"] or [a, a])[0] for a, r in zip(accuracies, rows, strict=True)],
            [(r["heldout_ci"] or [a, a])[1] - a for a, r in zip(accuracies, rows, strict=True)],
        ]
        left.bar(
            positions,
            accuracies,
            width,
            yerr=errors,
            capsize=3,
            color=colours[strategy],
            label=strategy,
        )
        tokens = [r["creation_tokens"] for r in rows]
        bars = right.bar(positions, tokens, width, color=colours[strategy], label=strategy)
        for bar, row in zip(bars, rows, strict=True):
            if not row["accepted"]:
                bar.set_alpha(0.35)
                bar.set_hatch("//")
    left.scatter(
        range(len(labels)),
        [f["majority_baseline"] for f in families],
        marker="_",
        s=500,
        color="#C44E52",
        zorder=3,
        label="majority baseline",
    )
    for axis, title in (
        (left, "held-out accuracy of the chosen skill (95% CI)"),
        (right, "creation tokens (hatched: no skill accepted)"),
    ):
        axis.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        axis.set_title(title, fontsize=10)
        axis.legend(fontsize=8)
    left.set_ylim(0, 1.05)
    fig.suptitle(f"exp003: skill creation with {document['model']}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_outputs(
    document: dict[str, Any],
    settings: Settings,
    out: Path,
    store: SkillStore,
    verifier: VerifierConfig,
    console: Console,
) -> None:
    print_tables(document, console)
    write_json(out / "results.json", document)
    plot(document, out / "creation.png")
    write_manifest(
        out,
        experiment="exp003",
        model=document["model"],
        seed=settings.seed,
        settings={**settings._asdict(), "families": list(settings.families)},
        budgets={s: settings.budget(s).to_dict() for s in STRATEGIES},
        prompt_version=prompts.PROMPT_VERSION,
        prompt_hash=prompts.template_hash(),
        verifier=verifier.to_dict(),
        splits={
            f["family"]: {"n_shown": f["n_shown"], "n_heldout": f["n_heldout"]}
            for f in document["families"]
        },
        ledger_runs={
            f["family"]: {s: f["strategies"][s]["run_id"] for s in STRATEGIES}
            for f in document["families"]
        },
        skill_store=str(store.root),
    )
    console.print(f"results in {out}/ (results.json, creation.png, manifest.json)")


def parse_settings(argv: list[str] | None) -> tuple[Settings, Path | None]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="creator model spec")
    parser.add_argument("--families", default=None, help="comma-separated families")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--difficulty", default="medium", help="for generated families")
    parser.add_argument("--shown", type=int, default=16, help="shown examples per family")
    parser.add_argument("--heldout", type=int, default=200, help="held-out examples per family")
    parser.add_argument("--prompt-examples", type=int, default=10)
    parser.add_argument("--token-budget", type=int, default=6000, help="per family and strategy")
    parser.add_argument("--rounds", type=int, default=2, help="repair rounds (repair strategy)")
    parser.add_argument("--max-tokens", type=int, default=400, help="per model call")
    parser.add_argument("--candidates", type=int, default=50, help="cap on candidates")
    parser.add_argument("--quick", action="store_true", help="tiny run for CI")
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder (default: a new run folder)"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        model=args.model,
        families=tuple((args.families or DEFAULT_FAMILIES).split(",")),
        seed=args.seed,
        difficulty=args.difficulty,
        n_shown=args.shown,
        n_heldout=args.heldout,
        prompt_examples=args.prompt_examples,
        token_budget=args.token_budget,
        repair_rounds=args.rounds,
        max_tokens_per_call=args.max_tokens,
        max_candidates=args.candidates,
        quick=args.quick,
    )
    if args.quick:
        settings = settings._replace(
            families=tuple((args.families or QUICK_FAMILIES).split(",")),
            n_shown=6,
            n_heldout=20,
            prompt_examples=4,
            token_budget=min(args.token_budget, 1500),
            repair_rounds=min(args.rounds, 1),
            max_tokens_per_call=min(args.max_tokens, 200),
        )
    return settings, args.out


def main(argv: list[str] | None = None) -> None:
    settings, out = parse_settings(argv)
    run(settings, run_dir("exp003", out))


if __name__ == "__main__":
    main()
