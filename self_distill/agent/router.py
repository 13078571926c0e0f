"""The router: a task goes down the tiers until one answers it.

1. a verified skill of the task's cluster (0 tokens): only when the task's embedding is inside
   the cluster's calibrated membership threshold, the skill's ``applies`` (if any) agrees, and
   ``solve`` returns a non-empty answer in time;
2. a verified local student for the cluster (0 API tokens; see
   :mod:`self_distill.agent.student_tier`), when the task is inside the cluster's threshold;
3. RLM mode (:mod:`self_distill.agent.rlm_tier`), for an input longer than the model's window
   or a cluster where held-out tasks showed RLM clearly better (tokens, in the ledger); a long
   input RLM found no answer for is answered "" rather than sent cut to the model;
4. the model, asked directly (tokens, in the ledger).

A tier that cannot answer says why (``noise``, ``outside_threshold``, ``applies_false``,
``skill_timeout``...); the reasons travel with the answer into the ledger.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from self_distill.evaluation import direct_messages
from self_distill.evidence import Assignment
from self_distill.ledger import RecordedModel
from self_distill.models.base import Completion
from self_distill.sandbox import Handle, Sandbox
from self_distill.skills.contract import ENTRY_POINT, TRIGGER

if TYPE_CHECKING:
    from self_distill.agent.rlm_tier import RlmTier

TOO_LONG = "too_long"
"""The RLM tier's reason for an input longer than the model's window (see ``rlm_tier``)."""

ROUTES: tuple[str, ...] = ("skill", "student", "rlm", "model")
"""Where an answer can come from; ``rlm`` is the recursive-model tier's name in reports."""


@dataclass(frozen=True)
class Route:
    """Who answered, why earlier tiers did not, and what it cost."""

    route: str
    answer: str
    reason: str
    ref: str | None
    tokens: int
    latency_s: float


@dataclass(frozen=True)
class ActiveSkill:
    """A verified skill loaded in the router's sandbox for one cluster."""

    ref: str
    cluster: int
    handle: Handle
    verified_low: float
    family: str | None


class Student(Protocol):
    """A local model that answers one cluster's tasks (None: it abstains)."""

    ref: str

    def answer(self, text: str) -> str | None: ...


class SkillTier:
    """Active skills by cluster, run in one hardened sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.by_cluster: dict[int, ActiveSkill] = {}

    def activate(
        self, cluster: int, ref: str, code: str, verified_low: float, family: str | None
    ) -> ActiveSkill:
        skill = ActiveSkill(ref, cluster, self.sandbox.load(code), verified_low, family)
        self.by_cluster[cluster] = skill
        return skill

    def deactivate(self, cluster: int) -> ActiveSkill | None:
        return self.by_cluster.pop(cluster, None)

    def solve(self, cluster: int, text: str) -> str | None:
        """What the cluster's active skill answers ``text`` (None: no skill, it failed or
        abstained); no membership test, for judging tasks already labelled."""
        skill = self.by_cluster.get(cluster)
        return None if skill is None else self._run(skill, text)[0]

    def _run(self, skill: ActiveSkill, text: str) -> tuple[str | None, str]:
        """``solve``'s answer and ``"skill"``, or None and why there is none."""
        result = self.sandbox.call(skill.handle, ENTRY_POINT, text)
        if not result.ok:
            return None, f"skill_{result.error_kind}"
        if not isinstance(result.output, str) or not result.output.strip():
            return None, "skill_abstained"
        return result.output, "skill"

    def answer(
        self, text: str, assignment: Assignment | None
    ) -> tuple[str | None, str, str | None]:
        """(answer or None, reason, skill ref)."""
        if assignment is None:
            return None, "warmup", None
        if assignment.cluster_id < 0:
            return None, "noise", None
        skill = self.by_cluster.get(assignment.cluster_id)
        if skill is None:
            return None, "no_skill", None
        if not assignment.belongs:
            return None, "outside_threshold", skill.ref
        if TRIGGER in skill.handle.functions:
            fired = self.sandbox.call(skill.handle, TRIGGER, text)
            if not fired.ok:
                return None, f"applies_{fired.error_kind}", skill.ref
            if fired.output is not True:
                return None, "applies_false", skill.ref
        answer, reason = self._run(skill, text)
        return answer, reason, skill.ref


class Router:
    """Tiers in order: skill, student, RLM, model. The model tier always answers (or raises)."""

    def __init__(
        self,
        skills: SkillTier,
        model: RecordedModel,
        *,
        students: dict[int, Student] | None = None,
        rlm: RlmTier | None = None,
        max_tokens: int = 48,
        seed: int = 0,
    ) -> None:
        self.skills = skills
        self.model = model
        self.students: dict[int, Student] = students if students is not None else {}
        self.rlm = rlm
        self.max_tokens = max_tokens
        self.seed = seed

    def ask_model(self, text: str, purpose: str = "solve") -> Completion:
        """The model's direct answer: the same prompt the plain-model baseline sends."""
        return self.model.complete(
            direct_messages(text), purpose=purpose, max_tokens=self.max_tokens, seed=self.seed
        )

    def route(self, text: str, assignment: Assignment | None) -> Route:
        started = time.perf_counter()
        answer, why_not_skill, ref = self.skills.answer(text, assignment)
        if answer is not None:
            return Route("skill", answer, "skill", ref, 0, time.perf_counter() - started)
        reasons = [why_not_skill]
        cluster = assignment.cluster_id if assignment is not None else -1
        student = self.students.get(cluster)
        if student is not None and assignment is not None and assignment.belongs:
            local = student.answer(text)
            if local:
                return Route(
                    "student", local, "student", student.ref, 0, time.perf_counter() - started
                )
            reasons.append("student_abstained")
        rlm_tokens = 0
        if self.rlm is not None and (why_rlm := self.rlm.reason(text, cluster)) is not None:
            result = self.rlm.answer(text)
            rlm_tokens = result.tokens
            stopped = f"rlm_{result.trajectory.stop_reason}"
            if result.text or why_rlm == TOO_LONG:
                reason = why_rlm if result.text else f"{why_rlm};{stopped}"
                latency = time.perf_counter() - started
                return Route("rlm", result.text or "", reason, None, rlm_tokens, latency)
            reasons.append(stopped)
        completion = self.ask_model(text)
        return Route(
            "model",
            completion.text,
            ";".join(reasons),
            ref,
            rlm_tokens + completion.input_tokens + completion.output_tokens,
            time.perf_counter() - started,
        )
