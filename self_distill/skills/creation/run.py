"""One skill creation end to end: ledger run, sandbox, creator, verifier, store.

The CLI ``create`` command and experiments call :func:`run_creation`; it owns the wiring so both
do exactly the same thing. The held-out examples go only into the verifier's closure: the
creator never receives them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from self_distill.errors import CodeRejectedError
from self_distill.ledger import Ledger, RecordedModel
from self_distill.models.base import TextGenerator
from self_distill.sandbox import Sandbox
from self_distill.skills.contract import ENTRY_POINT
from self_distill.skills.creation.creator import Progress, SkillCreator
from self_distill.skills.creation.prompts import Demonstration, template_hash
from self_distill.skills.creation.records import (
    CallOutcome,
    CandidateRecord,
    CreationBudget,
    CreationResult,
    ShownRun,
)
from self_distill.skills.examples import LabelledExample
from self_distill.skills.store.manifest import SkillManifest, SkillStatus
from self_distill.skills.store.skill_store import CODE_FILE, SkillStore, StoredSkill
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.record import VerificationRecord
from self_distill.skills.verification.verdict import Verdict
from self_distill.skills.verification.verifier import verify_skill


class SandboxShownRunner:
    """Runs candidate code on shown inputs in a running :class:`Sandbox`.

    Calls stop after the first timeout (:meth:`Sandbox.run_until_timeout`), so a looping
    candidate costs one timeout, not one per example; inputs not run count as failed calls.
    """

    def __init__(self, box: Sandbox) -> None:
        self.box = box

    def run(self, code: str, inputs: Sequence[str]) -> ShownRun:
        try:
            handle = self.box.load(code)
        except CodeRejectedError as error:
            return ShownRun(f"the code was rejected: {error}")
        if ENTRY_POINT not in handle.functions:
            found = ", ".join(handle.functions) or "none"
            return ShownRun(
                f"it defines no top-level {ENTRY_POINT}(text) function (functions found: {found})"
            )
        results = self.box.run_until_timeout(handle, ENTRY_POINT, inputs)
        return ShownRun(None, tuple(CallOutcome(r.ok, r.output, r.error) for r in results))


@dataclass(frozen=True)
class CreationRequest:
    """What to create: a skill id, the two splits, how to score, how much to spend.

    ``other_cluster_inputs`` feed the verifier's ``trigger_leak`` check for skills that define
    ``applies``. ``seeded_candidates`` is code from another source (lifted RLM trajectories),
    tried before the model writes any.
    """

    skill_id: str
    shown: tuple[LabelledExample, ...]
    heldout: tuple[LabelledExample, ...]
    answer_format: str = "exact"
    family: str | None = None
    cluster: str | None = None
    budget: CreationBudget = field(default_factory=CreationBudget)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    other_cluster_inputs: tuple[str, ...] = ()
    seeded_candidates: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {
            "skill_id": self.skill_id,
            "family": self.family,
            "cluster": self.cluster,
            "answer_format": self.answer_format,
            "n_shown": len(self.shown),
            "n_heldout": len(self.heldout),
            "budget": self.budget.to_dict(),
            "verifier": self.verifier.to_dict(),
        }


@dataclass(frozen=True)
class CreationOutcome:
    """A finished creation: the creator's record, the ledger run, what was stored.

    ``skill`` is the stored version the verdict decided on (the active one when accepted, the
    best rejected one otherwise); None when no candidate produced code or nothing was stored.
    ``data`` describes where the examples came from and how they were split, when known.
    """

    request: CreationRequest
    result: CreationResult
    model: str
    run_id: str
    wall_s: float
    stored: tuple[StoredSkill, ...] = ()
    skill: StoredSkill | None = None
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``create --json`` document."""
        verdict = self.result.verdict
        return {
            "accepted": self.result.accepted,
            "skill_id": self.skill.ref if self.skill else None,
            "skill_path": str(self.skill.path) if self.skill else None,
            "skill_file": str(self.skill.path / CODE_FILE) if self.skill else None,
            "verdict": verdict.to_dict() if verdict else None,
            "creation_tokens": self.result.creation_tokens,
            "candidates": [c.to_dict() for c in self.result.candidates],
            "stored": [s.ref for s in self.stored],
            "model": self.model,
            "run_id": self.run_id,
            "prompt_version": self.result.prompt_version,
            "prompt_hash": self.result.prompt_hash,
            "stop_reason": self.result.stop_reason,
            "calls": self.result.calls,
            "repairs": self.result.repairs,
            "wall_s": self.wall_s,
            "request": self.request.describe(),
            "data": self.data,
        }


def run_creation(
    request: CreationRequest,
    generator: TextGenerator | RecordedModel,
    ledger: Ledger,
    store: SkillStore | None = None,
    *,
    sandbox_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> CreationOutcome:
    """Create, verify and (when ``store`` is given) store a skill; the calls are in ``ledger``.

    Given a plain generator, the creation is a ledger run of its own (kind ``create``, marked
    ``failed`` if anything propagates); given a :class:`RecordedModel`, its calls join that
    model's run (an agent creating skills as part of its own run). Every candidate with code is
    stored: the accepted one as ``active``, the others as ``rejected`` with their reasons.
    ``sandbox_options`` go to :class:`Sandbox` (e.g. lowered ``required_layers`` on a machine
    that lacks one); ``progress`` is called after every model call. Model and sandbox start-up
    errors propagate.
    """
    if isinstance(generator, RecordedModel):
        return _create(request, generator, store, sandbox_options, progress)
    params = {**request.describe(), "model": generator.spec, "prompt_hash": template_hash()}
    run_id = ledger.start_run("create", params)
    status = "failed"
    try:
        recorded = RecordedModel(generator, ledger, run_id)
        outcome = _create(request, recorded, store, sandbox_options, progress)
        status = "completed"
        return outcome
    finally:
        ledger.finish_run(run_id, status)


def _create(
    request: CreationRequest,
    model: RecordedModel,
    store: SkillStore | None,
    sandbox_options: dict[str, Any] | None,
    progress: Progress | None,
) -> CreationOutcome:
    started = time.perf_counter()
    options = {"timeout_s": request.verifier.call_timeout_s, **(sandbox_options or {})}
    demonstrations = store_demonstrations(store, request.family) if store is not None else ()
    with Sandbox(**options) as box:
        creator = SkillCreator(
            model,
            SandboxShownRunner(box),
            request.budget,
            request.answer_format,
            progress,
            demonstrations=demonstrations,
        )

        def verify(code: str) -> Verdict:
            return verify_skill(
                code,
                request.shown,
                request.heldout,
                answer_format=request.answer_format,
                config=request.verifier,
                other_cluster_inputs=request.other_cluster_inputs,
                sandbox=box,
            )

        result = creator.create(request.shown, verify, request.seeded_candidates)
    wall_s = time.perf_counter() - started
    outcome = CreationOutcome(request, result, model.spec, model.run_id, wall_s)
    return _store(outcome, store) if store is not None else outcome


MAX_DEMONSTRATION_CHARS = 1500
"""Longer skills are not offered as demonstrations: the small coder pays for every prompt token."""


def store_demonstrations(
    store: SkillStore, family: str | None, *, examples: int = 3
) -> tuple[Demonstration, ...]:
    """Active skills of other families as demonstrations (as Voyager and CRAFT retrieve from
    their skill libraries): each skill's code as the reply to ``examples`` of its own shown
    examples. A skill of ``family`` itself is left out: its examples may be this creation's
    held-out ones."""
    found = []
    for stored in store.active():
        code = stored.code()
        if stored.manifest.family == family and family is not None:
            continue
        if len(code) > MAX_DEMONSTRATION_CHARS:
            continue
        shown = [example for example, split in stored.examples() if split == "shown"]
        if not shown:
            continue
        found.append(
            Demonstration(
                name=f"store:{stored.ref}",
                formats=(stored.manifest.answer_format,),
                examples=tuple((e.input, e.target) for e in shown[:examples]),
                reply=f"```python\n{code.rstrip()}\n```",
            )
        )
    return tuple(found)


def _store(outcome: CreationOutcome, store: SkillStore) -> CreationOutcome:
    """Store every candidate with code (distinct code once), the chosen one last.

    Verified candidates carry their verdict; candidates that failed the shown examples were never
    judged on held-out data and are stored as rejected with the creator's reason.
    """
    result, request = outcome.result, outcome.request
    examples = [(e, "shown") for e in request.shown] + [(e, "heldout") for e in request.heldout]
    stored: list[StoredSkill] = []
    chosen: StoredSkill | None = None
    seen = {result.code}
    order = sorted(result.candidates, key=lambda c: (c.index == result.chosen, c.index))
    for candidate in order:
        code = candidate.best_code
        if code is None or (code in seen and candidate.index != result.chosen):
            continue
        seen.add(code)
        verdict = candidate.verdict
        verification = None
        if verdict is not None:
            verification = VerificationRecord.now(verdict, request.answer_format)
        saved = store.add(
            _draft(outcome, candidate), code, verification=verification, examples=examples
        )
        stored.append(saved)
        if candidate.index == result.chosen:
            chosen = saved
    return replace(outcome, stored=tuple(stored), skill=chosen)


def verdict_status(verdict: Verdict) -> tuple[SkillStatus, str]:
    """The store status a verdict gives a skill, and the reason recorded with it: the same for
    a created candidate and for code added by hand (``skills add``)."""
    if verdict.accepted:
        return "active", "accepted by the verifier"
    return "rejected", "rejected: " + ", ".join(verdict.reasons)


def _status(candidate: CandidateRecord) -> tuple[SkillStatus, str]:
    verdict = candidate.verdict
    if verdict is None:
        best = candidate.best
        detail = best.detail if best else "no code"
        return "rejected", f"not verified: failed the shown examples ({detail})"
    return verdict_status(verdict)


def _draft(outcome: CreationOutcome, candidate: CandidateRecord) -> SkillManifest:
    result, request = outcome.result, outcome.request
    status, reason = _status(candidate)
    return SkillManifest(
        id=request.skill_id,
        version=1,
        status=status,
        creator_model=outcome.model,
        prompt_version=result.prompt_version,
        prompt_hash=result.prompt_hash,
        creation_tokens=candidate.tokens,
        created_at="",
        updated_at="",
        cluster=request.cluster,
        family=request.family,
        answer_format=request.answer_format,
        run_id=outcome.run_id,
        seed=request.budget.seed,
        status_reason=reason,
        creation={
            "candidate": candidate.index,
            "prompt": candidate.prompt,
            "components": list(candidate.components),
            "run_tokens": result.creation_tokens,
            "repairs": candidate.repairs,
            "shown_correct": candidate.best_shown_correct,
            "calls": result.calls,
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "stop_reason": result.stop_reason,
            "budget": result.budget.to_dict(),
            "n_shown": len(request.shown),
            "n_heldout": len(request.heldout),
            "candidates": [c.summary().to_dict() for c in result.candidates],
        },
    )
