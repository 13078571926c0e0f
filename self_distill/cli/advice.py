"""What to try next after a rejection, printed by ``create`` and ``skills add``.

A rejected creation is not the end: more candidates, repair rounds, a stronger creator, or a
person fixing the best candidate and keeping it with ``skills add`` can each get a skill. The
advice is chosen from what the creation or the verdict shows, so it names the likeliest fix
first.
"""

from __future__ import annotations

from pathlib import Path

from self_distill.skills.creation.run import CreationOutcome
from self_distill.skills.verification.verdict import Verdict

STRONGER_CREATORS = "anthropic:<model-id> or openai:<model>"


def after_creation(outcome: CreationOutcome, data: Path) -> list[str]:
    """Next steps after ``create`` accepted no skill, most promising first."""
    result, request = outcome.result, outcome.request
    kinds = {
        candidate.best.failure_kind
        for candidate in result.candidates
        if candidate.best is not None and candidate.best.failure_kind
    }
    steps = []
    if result.stop_reason == "token_budget":
        steps.append("a larger budget: --token-budget (the budget ended the sampling)")
    else:
        more = max(2 * request.budget.candidates, 12)
        steps.append(f"more candidates: --candidates {more} (each prompt of the portfolio again)")
    if request.budget.repair_rounds == 0 and kinds:
        steps.append(
            f"repair: --rounds 1 (the candidates failed by {', '.join(sorted(kinds))}; a repair "
            "shows the error or the phrasings a candidate did not read)"
        )
    steps.append(f"a stronger creator: --model {STRONGER_CREATORS}")
    skill = outcome.skill
    if skill is not None:
        steps.append(
            f"fix the best candidate by hand and keep it: self-distill skills show {skill.ref} "
            f"> fixed.py, edit it, then self-distill skills add fixed.py --data {data} "
            f"--id {skill.manifest.id} --parent {skill.ref}"
        )
    return steps


def after_rejected_skill(verdict: Verdict, skill: Path | str, data: Path) -> list[str]:
    """Next steps after ``skills add`` judged a hand-written skill and rejected it."""
    steps = []
    if {"crash", "timeout"} & set(verdict.reasons):
        steps.append(
            f"see the inputs it fails on: self-distill verify {skill} --data {data} --json "
            "(the crash and timeout checks name them)"
        )
    if {"low_accuracy", "below_baseline"} & set(verdict.reasons):
        steps.append("check the rule on the held-out examples it gets wrong, fix it, add it again")
    steps.append(f"or let a model write one: self-distill create --data {data}")
    return steps
