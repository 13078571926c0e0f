"""exp003: can a local coder write verified skills for everyday work, puzzles and BIG-Bench Hard?

For each family the creator writes candidates from the shown split, spread over the portfolio
of prompts (demonstrations chosen by answer format and similarity, verified skills from the
store, no demonstration), with one repair round per failing candidate made for its failure kind
(crash, no answer for a phrasing, wrong answer) and, when no candidate is accepted alone, a
chain of the candidates that abstain. The verifier judges on a held-out split the creator never
saw; an accepted skill of a generated family is also scored on a fresh sample made with another
seed. Families run one after another and share one store, so a skill accepted early can be a
demonstration later (as Voyager and CRAFT reuse their libraries).

Every family's figures are written to ``families/<family>.json`` as soon as it finishes; a
rerun with the same ``--out`` skips finished families (model replies are cached too), so a long
run can be stopped and resumed. The aggregate outputs are rewritten after every family:
``results.json``, ``table.md``, ``report.md``/``report.html``, ``creation.png`` and
``manifest.json``. No example text enters them (reference data stays out of the repository).

    python experiments/exp003_skill_creation.py [--model SPEC] [--families a,b] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from rich.console import Console

from self_distill.api import create_skill, load_model, open_ledger, open_store
from self_distill.models import TextGenerator
from self_distill.paths import data_home
from self_distill.report.artifacts import plot_accuracy_bars, run_dir, write_json, write_manifest
from self_distill.report.pages import Section, markdown_table, write_report
from self_distill.sandbox import Sandbox
from self_distill.skills.contract import ENTRY_POINT
from self_distill.skills.creation import prompts
from self_distill.skills.creation.records import CandidateRecord, CreationBudget
from self_distill.skills.creation.run import CreationOutcome
from self_distill.skills.examples import SkillData, load_skill_data
from self_distill.skills.store.manifest import slugify
from self_distill.skills.verification.checks import score_output
from self_distill.skills.verification.config import VerifierConfig
from self_distill.stats import wilson_interval
from self_distill.tasks import load_tasks, normalise_text, scorer_for
from self_distill.tasks.generators import FAMILIES, family_names
from self_distill.tasks.sources import is_generated

DEFAULT_MODEL = "embedded:qwen2.5-coder-1.5b"
LATM_TASKS = (
    "word_sorting",
    "dyck_languages",
    "logical_deduction_five_objects",
    "tracking_shuffled_objects_five_objects",
    "logical_deduction_three_objects",
    "logical_deduction_seven_objects",
    "tracking_shuffled_objects_three_objects",
    "tracking_shuffled_objects_seven_objects",
)
"""BIG-Bench Hard tasks LATM (Cai et al., 2023) made tools for, the five-object variants (the
ones LATM reports) first."""
TRIVIALITY_CHECKS = ("cola", "agreement", "meeting_conflict")
"""Families where a trivial skill (a constant, a shallow cue) would pass a weak verifier."""
DEFAULT_FAMILIES = (
    *family_names("everyday"),
    *TRIVIALITY_CHECKS,
    *(f"bbh:{task}" for task in LATM_TASKS[:4]),
    *(name for name in family_names("puzzle") if name not in TRIVIALITY_CHECKS),
    *(f"bbh:{task}" for task in LATM_TASKS[4:]),
)
"""Run order, most needed first so a run cut short still answers the main questions: everyday
work, the triviality checks, the BIG-Bench Hard tasks LATM reports, the generated puzzles, then
LATM's other BIG-Bench Hard variants."""
QUICK_FAMILIES = "word_sort,agreement"

LATM_PUBLISHED: dict[str, dict[str, Any]] = {
    "bbh:dyck_languages": {
        "accuracy": 0.922,
        "setting": "GPT-4 tool maker, GPT-3.5 Turbo tool user",
        "source": "Cai et al. 2023 (arXiv:2305.17126), as quoted by "
        "https://papers.lunadong.com/paper/8434",
    },
}
"""LATM's published accuracies we could find with the search tool. The paper's figures for word
sorting, logical deduction and tracking shuffled objects were not found in the searchable
sources, so they are left out rather than quoted from memory."""


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
    fresh_n: int
    quick: bool

    def budget(self) -> CreationBudget:
        return CreationBudget(
            candidates=self.max_candidates,
            repair_rounds=self.repair_rounds,
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


def majority_share(targets: list[str]) -> float:
    """Accuracy of always giving the most common target."""
    return Counter(targets).most_common(1)[0][1] / len(targets)


def prompt_group(name: str) -> str:
    """A candidate's prompt as a column of the prompt table (store skills grouped as one)."""
    return "store" if name.startswith("store:") else name


def candidate_rows(candidates: tuple[CandidateRecord, ...]) -> dict[str, dict[str, int]]:
    """Per prompt: candidates it produced, how many passed every shown example, accepted."""
    table: dict[str, dict[str, int]] = {}
    for candidate in candidates:
        row = table.setdefault(
            prompt_group(candidate.prompt), {"candidates": 0, "passed_shown": 0, "accepted": 0}
        )
        row["candidates"] += 1
        row["passed_shown"] += candidate.passed_shown
        row["accepted"] += bool(candidate.verdict and candidate.verdict.accepted)
    return table


def spending(candidates: tuple[CandidateRecord, ...]) -> dict[str, Any]:
    """What fresh samples and repairs (by the failure kind they repaired) cost and bought."""
    fresh = {"calls": 0, "tokens": 0, "passed_shown": 0}
    repairs: dict[str, dict[str, int]] = {}
    for candidate in candidates:
        attempts = candidate.attempts
        if not attempts or candidate.prompt in ("seeded", "composition"):
            continue
        fresh["calls"] += 1
        fresh["tokens"] += attempts[0].tokens
        fresh["passed_shown"] += attempts[0].outcome == "passed"
        for before, after in itertools.pairwise(attempts):
            kind = before.failure_kind or before.outcome
            row = repairs.setdefault(kind, {"calls": 0, "tokens": 0, "fixed": 0})
            row["calls"] += 1
            row["tokens"] += after.tokens
            row["fixed"] += after.outcome == "passed"
    return {"fresh": fresh, "repairs": repairs}


def fresh_sample(code: str, family: str, data: SkillData, settings: Settings) -> dict[str, Any]:
    """An accepted skill's accuracy on ``fresh_n`` tasks of a generated family made with another
    seed, minus any input the creation saw (shown or held out), beside that sample's majority."""
    seen = {normalise_text(e.input) for e in data.shown + data.heldout}
    tasks = [
        task
        for task in load_tasks(
            family, n=settings.fresh_n, seed=settings.seed + 1, difficulty=settings.difficulty
        )
        if normalise_text(task.input) not in seen
    ]
    scorer = scorer_for(data.answer_format)
    with Sandbox(timeout_s=VerifierConfig().call_timeout_s) as box:
        handle = box.load(code)
        results = box.run_until_timeout(handle, ENTRY_POINT, [task.input for task in tasks])
    correct = sum(
        result.ok and score_output(scorer, result.output, task.target) >= 1.0
        for result, task in zip(results, tasks, strict=True)
    )
    low, high = wilson_interval(correct, len(tasks))
    return {
        "seed": settings.seed + 1,
        "n": len(tasks),
        "accuracy": correct / len(tasks),
        "ci": [low, high],
        "majority_baseline": majority_share([task.target for task in tasks]),
    }


def family_row(
    family: str, data: SkillData, outcome: CreationOutcome, settings: Settings
) -> dict[str, Any]:
    """One family's figures, with no example text."""
    result = outcome.result
    verdict = result.verdict
    chosen = result.chosen_candidate
    fresh = None
    if result.accepted and result.code is not None and is_generated(family):
        fresh = fresh_sample(result.code, family, data, settings)
    wrong = Counter(
        candidate.best.failure_kind or candidate.best.outcome
        for candidate in result.candidates
        if candidate.best is not None and not candidate.passed_shown
    )
    return {
        "family": family,
        "kind": FAMILIES[family].kind if family in FAMILIES else "benchmark",
        "answer_format": data.answer_format,
        "n_shown": len(data.shown),
        "n_heldout": len(data.heldout),
        "majority_baseline": majority_share([e.target for e in data.heldout]),
        "accepted": result.accepted,
        "skill": outcome.skill.ref if outcome.skill else None,
        "chosen_prompt": chosen.prompt if chosen else None,
        "candidates": len(result.candidates),
        "calls": result.calls,
        "repairs": result.repairs,
        "passed_shown": sum(c.passed_shown for c in result.candidates),
        "creation_tokens": result.creation_tokens,
        "cached_calls": sum(a.cached for c in result.candidates for a in c.attempts),
        "wall_s": round(outcome.wall_s, 1),
        "stop_reason": result.stop_reason,
        "reasons": list(verdict.reasons) if verdict else ["no_code"],
        "heldout_accuracy": verdict.heldout_accuracy if verdict else None,
        "heldout_ci": list(verdict.heldout_ci) if verdict and verdict.heldout_ci else None,
        "fresh": fresh,
        "latm_published": LATM_PUBLISHED.get(family),
        "prompts": candidate_rows(result.candidates),
        "failures": dict(wrong),
        "spending": spending(result.candidates),
        "code": result.code,
        "run_id": outcome.run_id,
        "per_candidate": [c.summary().to_dict() for c in result.candidates],
    }


def store_root_for(out: Path, model: str) -> Path:
    """The skill store of a run, outside the repository (it holds the examples) and the same
    for the same ``out`` folder, so a resumed run keeps the skills accepted before."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:12]
    return data_home() / "experiments" / "exp003" / slugify(model) / key


def run(
    settings: Settings,
    out: Path,
    *,
    generator: TextGenerator | None = None,
    store_root: Path | None = None,
    console: Console | None = None,
    report_only: bool = False,
) -> dict[str, Any]:
    """Run (or resume) the experiment into ``out``; returns the results document.

    ``generator`` replaces the model named by ``settings.model`` (tests pass a scripted one).
    ``report_only`` rewrites the outputs from the families already finished and runs none (a
    run stopped at a deadline is reported as partial).
    """
    console = console or Console(width=150)
    generator = generator or load_model(settings.model)
    store = open_store(store_root or store_root_for(out, settings.model))
    verifier = VerifierConfig(seed=settings.seed)
    folder = out / "families"
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    document: dict[str, Any] = {}
    with open_ledger() as ledger:
        for family in settings.families:
            path = folder / f"{slugify(family)}.json"
            if path.is_file():
                rows.append(json.loads(path.read_text(encoding="utf-8")))
                console.print(f"{family}: done before, kept")
                continue
            if report_only:
                continue
            started = time.perf_counter()
            data = family_data(family, settings)
            budget = settings.budget()
            outcome = create_skill(
                data,
                model=generator,
                store=store,
                ledger=ledger,
                skill_id=slugify(family),
                candidates=budget.candidates,
                rounds=budget.repair_rounds,
                seed=budget.seed,
                token_budget=budget.token_budget,
                max_tokens=budget.max_tokens_per_call,
                prompt_examples=budget.prompt_examples,
                verifier=verifier,
            )
            row = family_row(family, data, outcome, settings)
            row["wall_s"] = round(time.perf_counter() - started, 1)
            write_json(path, row)
            rows.append(row)
            _progress_line(console, row)
            document = write_outputs(rows, settings, out, str(store.root), generator.spec)
    if not document:
        document = write_outputs(rows, settings, out, str(store.root), generator.spec)
    print_summary(document, console)
    return document


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Acceptance by kind of family, the fresh-sample check, and tokens by use: fresh samples,
    repairs by failure kind, chains (0 tokens), each with what it bought per 1,000 tokens."""
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = by_kind.setdefault(row["kind"], {"families": 0, "accepted": 0, "fresh_ge_90": 0})
        entry["families"] += 1
        entry["accepted"] += row["accepted"]
        entry["fresh_ge_90"] += bool(row["fresh"] and row["fresh"]["accuracy"] >= 0.9)
    fresh = {"calls": 0, "tokens": 0, "passed_shown": 0}
    repairs: dict[str, dict[str, int]] = {}
    for row in rows:
        for key in fresh:
            fresh[key] += row["spending"]["fresh"][key]
        for kind, figures in row["spending"]["repairs"].items():
            entry = repairs.setdefault(kind, {"calls": 0, "tokens": 0, "fixed": 0})
            for key in entry:
                entry[key] += figures[key]
    for entry, gained in [(fresh, "passed_shown")] + [(r, "fixed") for r in repairs.values()]:
        entry["per_1k_tokens"] = (
            round(1000 * entry[gained] / entry["tokens"], 3) if entry["tokens"] else None
        )
    chains = [
        candidate
        for row in rows
        for candidate in row["per_candidate"]
        if candidate["prompt"] == "composition"
    ]
    return {
        "by_kind": by_kind,
        "accepted": sum(row["accepted"] for row in rows),
        "families": len(rows),
        "creation_tokens": sum(row["creation_tokens"] for row in rows),
        "max_family_tokens": max((row["creation_tokens"] for row in rows), default=0),
        "fresh_samples": fresh,
        "repairs": repairs,
        "chains": {
            "built": len(chains),
            "passed_shown": sum(c["passed_shown"] for c in chains),
            "accepted": sum(bool(c["accepted"]) for c in chains),
        },
        "trivial_accepted": [
            row["family"] for row in rows if row["family"] in TRIVIALITY_CHECKS and row["accepted"]
        ],
    }


def _interval(accuracy: float | None, interval: list[float] | None) -> str:
    if accuracy is None:
        return "-"
    if not interval:
        return f"{accuracy:.2f}"
    return f"{accuracy:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def _progress_line(console: Console, row: dict[str, Any]) -> None:
    verdict = "accepted" if row["accepted"] else "rejected (" + ", ".join(row["reasons"]) + ")"
    console.print(
        f"{row['family']:<40} {verdict}: {row['candidates']} candidates, {row['calls']} calls, "
        f"{row['creation_tokens']} tokens, {row['wall_s']:.0f} s",
        highlight=False,
    )


def tables(document: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables: (title, headers, rows)."""
    rows = document["families"]
    main = [
        [
            row["family"],
            row["kind"],
            row["answer_format"],
            row["candidates"],
            row["repairs"],
            "yes" if row["accepted"] else "no",
            row["chosen_prompt"] or "-",
            ", ".join(row["reasons"]) or "-",
            row["creation_tokens"],
            _interval(row["heldout_accuracy"], row["heldout_ci"]),
            f"{row['majority_baseline']:.2f}",
            _interval(row["fresh"]["accuracy"], row["fresh"]["ci"])
            + f" (maj. {row['fresh']['majority_baseline']:.2f}, n={row['fresh']['n']})"
            if row["fresh"]
            else "-",
            f"{row['latm_published']['accuracy']:.3f}" if row["latm_published"] else "-",
        ]
        for row in rows
    ]
    groups = sorted({group for row in rows for group in row["prompts"]})
    by_prompt = [
        [
            row["family"],
            *(
                "{candidates}/{passed_shown}/{accepted}".format(**row["prompts"][group])
                if group in row["prompts"]
                else "-"
                for group in groups
            ),
        ]
        for row in rows
    ]
    failures = [
        [
            row["family"],
            ", ".join(f"{kind} {count}" for kind, count in sorted(row["failures"].items())) or "-",
        ]
        for row in rows
        if not row["accepted"]
    ]
    total = document["totals"]
    use = [["fresh samples", *_use(total["fresh_samples"], "passed_shown")]]
    use += [[f"repair of {k}", *_use(v, "fixed")] for k, v in sorted(total["repairs"].items())]
    chains = total["chains"]
    use.append(["chains of abstaining candidates", chains["built"], 0, chains["passed_shown"], "-"])
    return [
        (
            "Families (held-out accuracy of the chosen candidate with its 95% interval; fresh: an "
            "accepted skill on another seed's tasks)",
            [
                "family",
                "kind",
                "format",
                "cand.",
                "repairs",
                "accepted",
                "prompt",
                "reasons",
                "tokens",
                "held-out acc [95% CI]",
                "majority",
                "fresh acc [95% CI]",
                "LATM GPT-4 (published)",
            ],
            main,
        ),
        (
            "Prompts by family: candidates / passed every shown example / accepted",
            ["family", *groups],
            by_prompt,
        ),
        (
            "What the candidates of rejected families got wrong (best attempt)",
            ["family", "failure kinds"],
            failures,
        ),
        (
            "Tokens by use: what each bought (passing shown examples) per 1,000 tokens",
            ["use", "calls", "tokens", "passed shown", "per 1k tokens"],
            use,
        ),
    ]


def _use(figures: dict[str, Any], gained: str) -> list[Any]:
    rate = figures["per_1k_tokens"]
    return [figures["calls"], figures["tokens"], figures[gained], "-" if rate is None else rate]


def print_summary(document: dict[str, Any], console: Console) -> None:
    total = document["totals"]
    console.print(
        f"{total['accepted']}/{total['families']} accepted, {total['creation_tokens']} tokens "
        f"(at most {total['max_family_tokens']} in one family); "
        f"by kind {total['by_kind']}; trivial accepted: {total['trivial_accepted'] or 'none'}",
        highlight=False,
    )


def write_outputs(
    rows: list[dict[str, Any]], settings: Settings, out: Path, store: str, model: str
) -> dict[str, Any]:
    """results.json, table.md, report.md/html, creation.png, manifest.json for ``rows``."""
    document = {
        "experiment": "exp003",
        "model": model,
        "complete": len(rows) == len(settings.families),
        "families_planned": list(settings.families),
        "families": rows,
        "totals": totals(rows),
        "latm_note": _latm_note(),
    }
    write_json(out / "results.json", document)
    sections = [Section(title, headers, rows) for title, headers, rows in tables(document)]
    markdown = [f"## {section.title}\n\n{markdown_table(section)}" for section in sections]
    (out / "table.md").write_text("\n".join(markdown), encoding="utf-8")
    plot = plot_accuracy_bars(
        out / "creation.png",
        [row["family"] for row in rows],
        [row["heldout_accuracy"] or 0.0 for row in rows],
        [tuple(row["heldout_ci"] or (0.0, 0.0)) for row in rows],
        baselines=[row["majority_baseline"] for row in rows],
        title=f"exp003: held-out accuracy of the chosen candidate, {model}",
    )
    status = "complete" if document["complete"] else "PARTIAL: not every planned family ran"
    note = f"{len(rows)} of {len(settings.families)} planned families ({status}). {_latm_note()}"
    write_report(
        out,
        f"exp003 skill creation with {model}",
        [Section("Run", [], [], note), *sections],
        [plot],
    )
    write_manifest(
        out,
        experiment="exp003",
        model=model,
        seed=settings.seed,
        settings={**settings._asdict(), "families": list(settings.families)},
        budget=settings.budget().to_dict(),
        prompt_version=prompts.PROMPT_VERSION,
        prompt_hash=prompts.template_hash(),
        portfolio=list(prompts.PORTFOLIO_SLOTS),
        verifier=VerifierConfig(seed=settings.seed).to_dict(),
        splits={r["family"]: {"n_shown": r["n_shown"], "n_heldout": r["n_heldout"]} for r in rows},
        ledger_runs={r["family"]: r["run_id"] for r in rows},
        skill_store=store,
    )
    return document


def _latm_note() -> str:
    return (
        "LATM column: Cai et al. 2023's published accuracy with GPT-4 as tool maker (GPT-3.5 "
        "Turbo as tool user), only where the search tool found the figure (Dyck languages, "
        "0.922); the others were not found and are not quoted from memory."
    )


def parse_settings(argv: list[str] | None) -> tuple[Settings, Path | None, bool]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="creator model spec")
    parser.add_argument("--families", default=None, help="comma-separated families")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--difficulty", default="medium", help="for generated families")
    parser.add_argument("--shown", type=int, default=16, help="shown examples per family")
    parser.add_argument("--heldout", type=int, default=200, help="held-out examples per family")
    parser.add_argument("--prompt-examples", type=int, default=6)
    parser.add_argument("--token-budget", type=int, default=8000, help="per family")
    parser.add_argument("--rounds", type=int, default=1, help="repair rounds per candidate")
    parser.add_argument("--max-tokens", type=int, default=400, help="per model call")
    parser.add_argument("--candidates", type=int, default=50, help="cap on candidates")
    parser.add_argument("--fresh", type=int, default=100, help="fresh-sample tasks per family")
    parser.add_argument("--quick", action="store_true", help="tiny run for CI")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the outputs from the finished families; run no new one",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder (default: a new run folder)"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        model=args.model,
        families=tuple(args.families.split(",")) if args.families else DEFAULT_FAMILIES,
        seed=args.seed,
        difficulty=args.difficulty,
        n_shown=args.shown,
        n_heldout=args.heldout,
        prompt_examples=args.prompt_examples,
        token_budget=args.token_budget,
        repair_rounds=args.rounds,
        max_tokens_per_call=args.max_tokens,
        max_candidates=args.candidates,
        fresh_n=args.fresh,
        quick=args.quick,
    )
    if args.quick:
        settings = settings._replace(
            families=tuple((args.families or QUICK_FAMILIES).split(",")),
            n_shown=6,
            n_heldout=20,
            prompt_examples=4,
            token_budget=min(args.token_budget, 1500),
            max_tokens_per_call=min(args.max_tokens, 200),
            fresh_n=min(args.fresh, 30),
        )
    return settings, args.out, args.report_only


def main(argv: list[str] | None = None) -> None:
    settings, out, report_only = parse_settings(argv)
    run(settings, run_dir("exp003", out), report_only=report_only)


if __name__ == "__main__":
    main()
