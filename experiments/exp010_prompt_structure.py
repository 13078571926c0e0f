"""exp010: does a structured contract help a small coder on everyday work?

exp003 found the 1.5B coder finding the data but not writing the normalisation, or handling one
layout only. Two contracts that structure the program are compared with the shipped one
(``create-v4`` without a demonstration, ``none``), each asked for the same candidates (same
seeds, temperatures and shown examples) on each everyday family:

- ``steps``: the program must be three functions, ``find`` (the part of the text that holds
  the data, in every layout), ``convert`` (the answer from that part) and ``solve`` joining
  them: locate, then transform;
- ``plan``: the shipped contract, but ``solve`` must begin with comments listing every way the
  tests write the data and the rule for each, before any code.

Each candidate is run in the sandbox on the family's 16 shown examples and its up to 200
held-out ones (exp003's split, seed 0). Reported per contract: candidates whose code loads,
candidates right on every shown example, held-out accuracy per family (best candidate, with
its Wilson interval, beside the majority answer's share), and the paired difference of each
structured contract from ``none`` over (family, candidate) pairs. Writes ``summary.json``,
``candidates.jsonl`` (the code), ``heldout.png``, ``report.md``/``report.html`` and
``manifest.json``.

    python experiments/exp010_prompt_structure.py [--families F,G] [--candidates N]
        [--max-tokens T] [--model SPEC] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from self_distill.api import load_model, open_ledger
from self_distill.ledger import RecordedModel
from self_distill.models import TextGenerator
from self_distill.models.base import Message
from self_distill.report.artifacts import plot_accuracy_bars, run_dir, write_json, write_manifest
from self_distill.report.pages import Section, write_report
from self_distill.sandbox import Sandbox
from self_distill.skills.creation import prompts
from self_distill.skills.creation.extraction import extract_code
from self_distill.skills.creation.missing_imports import add_missing_imports
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import SandboxShownRunner
from self_distill.skills.examples import LabelledExample, load_skill_data
from self_distill.skills.verification.checks import best_constant_answer, score_output
from self_distill.skills.verification.config import VerifierConfig
from self_distill.stats import paired_difference, wilson_interval
from self_distill.tasks import scorer_for
from self_distill.tasks.generators import family_names

DEFAULT_MODEL = "embedded:qwen2.5-coder-1.5b"

STEPS_TEMPLATE = """\
Write a Python program that passes these tests:

```python
{examples}
```

Each `text` is a whole task: an instruction (worded differently each time) and its data (laid \
out differently each time). Write three functions:
- `find(text: str) -> str` returns the part of `text` that holds what the instruction asks \
about (a labelled field's value, a sentence, a block), in every layout the tests show; "" when \
it is missing.
- `convert(part: str) -> str` makes the answer from that part, exactly as the tests expect.
- `solve(text: str) -> str` returns `convert(find(text))`, or "" when `find` found nothing.
Never hard-code the tests. Imports allowed: {imports}; exec and other modules are not \
available, and eval only evaluates arithmetic on numbers.

Reply with one ```python block only."""
"""Locate, then transform: the structure exp003's failures suggest (data found, no
normalisation; one layout handled)."""

PLAN_SENTENCE = (
    "Begin `solve` with comments that list each different way the tests write the data (its "
    "label or sentence, its format) and the rule that turns it into the answer; then write code "
    "that handles every one of them."
)
PLAN_TEMPLATE = prompts.CREATE_TEMPLATE.replace(
    "Begin `solve` with a comment saying what the rule is; then write the code.", PLAN_SENTENCE
)
"""The shipped contract, asking for a plan over the layouts before the code."""

CONTRACTS = ("none", "steps", "plan")


def contract_messages(contract: str, examples: list[LabelledExample]) -> list[Message]:
    """The prompt of one contract: ``none`` is exactly the creator's prompt without a
    demonstration; the others change only the contract text around the same tests."""
    if contract == "none":
        return prompts.create_messages(examples, None)
    template = {"steps": STEPS_TEMPLATE, "plan": PLAN_TEMPLATE}[contract]
    rendered = "\n".join(
        prompts.EXAMPLE_TEMPLATE.format(
            input=prompts.quote(e.input, 600), target=prompts.quote(e.target, 600)
        )
        for e in examples
    )
    content = template.format(imports=", ".join(prompts.ALLOWED_IMPORTS), examples=rendered)
    return [
        {"role": "system", "content": prompts.SYSTEM_PROMPT},
        {"role": "user", "content": content},
    ]


def correct_count(
    runner: SandboxShownRunner, code: str, examples: tuple[LabelledExample, ...], scorer: str
) -> tuple[int, str | None]:
    """(examples answered right, why the code did not load or None)."""
    run = runner.run(code, [e.input for e in examples])
    if run.load_error is not None:
        return 0, run.load_error
    right = sum(
        call.ok and score_output(scorer, call.output, e.target) >= 1.0
        for call, e in zip(run.calls, examples, strict=True)
    )
    return right, None


def candidate_row(
    model: RecordedModel,
    runner: SandboxShownRunner,
    family: str,
    contract: str,
    index: int,
    *,
    data: Any,
    budget: CreationBudget,
) -> dict[str, Any]:
    """One candidate: the model's reply to ``contract`` with the creator's seed and temperature
    for candidate ``index``, and how its code does on the shown and held-out examples."""
    scorer = scorer_for(data.answer_format)
    completion = model.complete(
        contract_messages(contract, list(data.shown[: budget.prompt_examples])),
        purpose="create",
        max_tokens=budget.max_tokens_per_call,
        temperature=budget.temperature_for(index),
        seed=budget.seed_for(index, 0),
    )
    row: dict[str, Any] = {
        "family": family,
        "contract": contract,
        "candidate": index,
        "tokens": completion.input_tokens + completion.output_tokens,
        "output_tokens": completion.output_tokens,
        "shown_total": len(data.shown),
        "heldout_total": len(data.heldout),
    }
    extraction = extract_code(completion.text)
    if extraction.code is None:
        return {**row, "loads": False, "shown": 0, "heldout": 0, "problem": extraction.problem}
    code, _ = add_missing_imports(extraction.code)
    shown, problem = correct_count(runner, code, data.shown, scorer)
    heldout, _ = correct_count(runner, code, data.heldout, scorer)
    return {
        **row,
        "loads": problem is None,
        "shown": shown,
        "heldout": heldout,
        "problem": problem,
        "code": code,
    }


def summarise(rows: list[dict[str, Any]], majority: dict[str, float]) -> dict[str, Any]:
    """Per contract: counts, per-family best held-out accuracy, and the paired difference of
    held-out accuracy from ``none`` over the (family, candidate) pairs both have."""
    by_key = {(r["family"], r["contract"], r["candidate"]): r for r in rows}
    contracts: dict[str, Any] = {}
    for contract in CONTRACTS:
        own = [r for r in rows if r["contract"] == contract]
        if not own:
            continue
        families: dict[str, Any] = {}
        for family in sorted({r["family"] for r in own}):
            best = max(
                (r for r in own if r["family"] == family), key=lambda r: (r["heldout"], r["shown"])
            )
            n = best["heldout_total"]
            families[family] = {
                "best_heldout_accuracy": best["heldout"] / n,
                "best_heldout_ci95": list(wilson_interval(best["heldout"], n)),
                "best_shown": f"{best['shown']}/{best['shown_total']}",
                "majority": majority[family],
            }
        figures: dict[str, Any] = {
            "candidates": len(own),
            "code_loads": sum(r["loads"] for r in own),
            "passed_every_shown": sum(r["shown"] == r["shown_total"] for r in own),
            "tokens": sum(r["tokens"] for r in own),
            "families": families,
        }
        if contract != "none":
            pairs = [
                (r, by_key[(r["family"], "none", r["candidate"])])
                for r in own
                if (r["family"], "none", r["candidate"]) in by_key
            ]
            if pairs:
                mean, interval = paired_difference(
                    [r["heldout"] / r["heldout_total"] for r, _ in pairs],
                    [b["heldout"] / b["heldout_total"] for _, b in pairs],
                )
                figures["heldout_difference_from_none"] = {
                    "pairs": len(pairs),
                    "mean": mean,
                    "ci95": list(interval),
                }
        contracts[contract] = figures
    return contracts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="creator model spec")
    parser.add_argument("--families", default=",".join(family_names("everyday")))
    parser.add_argument("--contracts", default=",".join(CONTRACTS))
    parser.add_argument("--candidates", type=int, default=2, help="per family and contract")
    parser.add_argument("--max-tokens", type=int, default=600, help="per reply, every contract")
    parser.add_argument("--shown", type=int, default=16)
    parser.add_argument("--heldout", type=int, default=200)
    parser.add_argument("--prompt-examples", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    return run(args, load_model(args.model))


def run(args: argparse.Namespace, generator: TextGenerator) -> dict[str, Any]:
    """The experiment with ``generator`` (tests pass a scripted one)."""
    families = args.families.split(",")
    contracts = args.contracts.split(",")
    unknown = sorted(set(contracts) - set(CONTRACTS))
    if unknown:
        raise SystemExit(f"unknown contract(s) {', '.join(unknown)}; known: {CONTRACTS}")
    budget = CreationBudget(
        candidates=args.candidates,
        max_tokens_per_call=args.max_tokens,
        prompt_examples=args.prompt_examples,
        seed=args.seed,
    )
    out = run_dir("exp010", args.out)
    console = Console(width=140)
    rows: list[dict[str, Any]] = []
    majority: dict[str, float] = {}
    with (
        open_ledger() as ledger,
        Sandbox(timeout_s=VerifierConfig().call_timeout_s) as box,
        Progress(console=console, transient=True) as progress,
    ):
        run_id = ledger.start_run("experiment", {"experiment": "exp010", **vars(args)})
        model = RecordedModel(generator, ledger, run_id)
        runner = SandboxShownRunner(box)
        bar = progress.add_task(
            "candidates", total=len(families) * len(contracts) * budget.candidates
        )
        for family in families:
            data = load_skill_data(
                family, n_shown=args.shown, max_heldout=args.heldout, seed=args.seed
            )
            targets = [e.target for e in data.heldout]
            _, majority[family] = best_constant_answer(targets, scorer_for(data.answer_format))
            for contract in contracts:
                for index in range(budget.candidates):
                    rows.append(
                        candidate_row(
                            model, runner, family, contract, index, data=data, budget=budget
                        )
                    )
                    progress.advance(bar)
        ledger.finish_run(run_id)
    summary = {
        "experiment": "exp010",
        "model": generator.spec,
        "ledger_run": run_id,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "contracts": summarise(rows, majority),
    }
    write_outputs(out, summary, rows, families, console)
    return summary


def write_outputs(
    out: Path,
    summary: dict[str, Any],
    rows: list[dict[str, Any]],
    families: list[str],
    console: Console,
) -> None:
    write_json(out / "summary.json", summary)
    (out / "candidates.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    contracts = summary["contracts"]
    headers = ["contract", "candidates", "code loads", "right on every shown", "tokens"]
    headers += ["held-out vs none (paired) [95% CI]"]
    overall = []
    for name, figures in contracts.items():
        gap = figures.get("heldout_difference_from_none")
        overall.append(
            [
                name,
                figures["candidates"],
                figures["code_loads"],
                figures["passed_every_shown"],
                figures["tokens"],
                "-"
                if gap is None
                else f"{gap['mean']:+.3f} [{gap['ci95'][0]:+.3f}, {gap['ci95'][1]:+.3f}]",
            ]
        )
    per_family = []
    labels, accuracies, intervals, baselines = [], [], [], []
    for family in families:
        for name, figures in contracts.items():
            f = figures["families"][family]
            low, high = f["best_heldout_ci95"]
            per_family.append(
                [
                    family,
                    name,
                    f["best_shown"],
                    f"{f['best_heldout_accuracy']:.3f} [{low:.3f}, {high:.3f}]",
                    f"{f['majority']:.3f}",
                ]
            )
            labels.append(f"{family}\n{name}")
            accuracies.append(f["best_heldout_accuracy"])
            intervals.append((low, high))
            baselines.append(f["majority"])
    image = plot_accuracy_bars(
        out / "heldout.png",
        labels,
        accuracies,
        intervals,
        baselines=baselines,
        title="exp010: best candidate's held-out accuracy by contract (marker: majority)",
    )
    write_report(
        out,
        f"exp010: prompt structure ({summary['model']})",
        [
            Section("Contracts", headers, overall),
            Section(
                "Best candidate per family",
                ["family", "contract", "shown right", "held-out [95% CI]", "majority"],
                per_family,
            ),
        ],
        [image],
    )
    write_manifest(out, experiment="exp010", model=summary["model"], settings=summary["settings"])
    for row in overall:
        console.print(" | ".join(str(value) for value in row))
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
