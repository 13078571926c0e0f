"""The agent: answers a stream of tasks, learns skills while it goes, and keeps the books.

For each task: embed it, place it in a cluster (after a warm-up the stream is clustered with
HDBSCAN, new tasks are assigned, everything is re-clustered now and then with stable ids), route
it (:mod:`self_distill.agent.router`), collect its label (the data's target, the model's answer,
or none), and write it to the ledger's agent journal. Between tasks it creates skills where the
savings test says they pay (:func:`~self_distill.agent.policy.creation_case`), backs off where a
creator failed, and checks a sample of skill answers, demoting a skill that drifts.

A run lives in the ledger: ``Agent(..., resume=RUN_ID)`` replays the journal (no model call, no
sandbox call) to rebuild the clusters, skills and counters, then goes on from the first task not
answered. Calls made after the last journal row before a kill are not recorded twice.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from self_distill.agent.cluster_growth import (
    Remembered,
    adopt_solved_noise,
    served_clusters,
    widen_to_evidence,
)
from self_distill.agent.config import AgentConfig
from self_distill.agent.policy import creation_case, drift_sampled, drifted
from self_distill.agent.rlm_tier import RlmTier
from self_distill.agent.router import Route, Router, SkillTier, Student
from self_distill.agent.router_state import RouterState, save_router_state
from self_distill.agent.student_tier import (
    STUDENT_EVENTS,
    StudentEvidence,
    StudentLoader,
    StudentTier,
)
from self_distill.distill.train import TrainConfig
from self_distill.errors import ModelError, SelfDistillError, SkillError, UsageError
from self_distill.evaluation import score_answer
from self_distill.evidence import ClusterConfig, Embedder, EmbeddingCache, TaskClusterer
from self_distill.ledger import Ledger, RecordedModel
from self_distill.ledger.agent_journal import AgentJournal, EventRecord, TaskRecord
from self_distill.models import TextGenerator
from self_distill.rlm import RlmLimits
from self_distill.rlm.routing import RlmComparison
from self_distill.sandbox import Sandbox
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import CreationRequest, run_creation
from self_distill.skills.examples import LabelledExample, SkillData, split_examples
from self_distill.skills.store.skill_store import SkillStore, StoredSkill
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.verifier import verify_skill
from self_distill.tasks import Task, is_valid_target, normalise_text

CREATION_CHECK_EVERY = 10
"""Tasks between two looks for clusters worth a skill (and at every re-clustering)."""

MODEL_RETRIES = 3


@dataclass(frozen=True)
class Answer:
    """The agent's answer to one task and how it came about."""

    text: str
    route: str
    skill: str | None
    tokens: int
    latency_s: float
    reason: str = ""
    cluster: int | None = None
    correct: float | None = None
    seq: int = 0


@dataclass
class _Seen:
    """Everything the loop keeps per task, in stream order."""

    texts: list[str] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    families: list[str | None] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    model_tokens: list[int | None] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    scores: list[float | None] = field(default_factory=list)


def input_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Agent:
    """Routes tasks through skills, students and the model, learning skills online.

    ``model`` answers what no local tier can; ``creator`` writes skills (default: ``model``).
    With ``config.student_every`` set, a student is trained as the run goes
    (``student_training``: its LoRA settings, default rank 16 for ``student_epochs`` epochs;
    ``student_loader``: how an adapter is served).
    ``store`` keeps the skills, ``ledger`` every call and the run's journal. Use as a context
    manager (or call :meth:`close`); the run is finished on close.
    """

    def __init__(
        self,
        model: TextGenerator,
        *,
        ledger: Ledger,
        store: SkillStore,
        creator: TextGenerator | None = None,
        config: AgentConfig | None = None,
        embedder: Embedder | None = None,
        cluster_config: ClusterConfig | None = None,
        students: dict[int, Student] | None = None,
        student_loader: StudentLoader | None = None,
        student_training: TrainConfig | None = None,
        run_id: str | None = None,
        resume: str | None = None,
        sandbox_options: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        on_event: Callable[[EventRecord], None] | None = None,
    ) -> None:
        self.config = config or AgentConfig()
        self.ledger = ledger
        self.store = store
        self.creator_spec = (creator or model).spec
        self._cache: EmbeddingCache | None = None
        if embedder is None:
            self._cache = EmbeddingCache()
            embedder = Embedder(self._cache)
        self.embedder = embedder
        self.on_event = on_event
        if resume is not None:
            self.run_id = resume
            ledger.reopen_run(resume)
        else:
            run_params = {
                "model": model.spec,
                "creator": self.creator_spec,
                "config": self.config.to_dict(),
                **(params or {}),
            }
            self.run_id = ledger.start_run("agent", run_params, run_id=run_id)
        self.journal = AgentJournal(ledger, self.run_id)
        orphans = self.journal.orphan_calls() if resume is not None else Counter()
        self.sandbox = Sandbox(**{"timeout_s": 2.0, **(sandbox_options or {})})
        self._sandbox_options = sandbox_options
        self.skills = SkillTier(self.sandbox)
        self.model = RecordedModel(model, ledger, self.run_id, already_recorded=orphans)
        self.creator = RecordedModel(
            creator or model, ledger, self.run_id, already_recorded=orphans
        )
        self.students = StudentTier(
            self.config, ledger, self.run_id, student_loader, student_training
        )
        self.students.by_cluster.update(students or {})
        self.rlm = (
            RlmTier(
                self.model,
                RlmLimits(max_iterations=self.config.rlm_max_iterations),
                sandbox_options=sandbox_options,
            )
            if self.config.rlm
            else None
        )
        self.router = Router(
            self.skills,
            self.model,
            students=self.students.by_cluster,
            rlm=self.rlm,
            max_tokens=self.config.max_tokens,
            seed=self.config.seed,
        )
        self.clusterer: TaskClusterer | None = None
        base = cluster_config or ClusterConfig(seed=self.config.seed)
        self._cluster_config = replace(
            base, noise_to_nearest=base.noise_to_nearest or self.config.adopt_solved_noise
        )
        self.seen = _Seen()
        self.tried = 0
        self.accepted = 0
        self.spent = 0
        self.failed_at: dict[int, tuple[int, str]] = {}
        self.reuse_tried: dict[tuple[int, str], int] = {}
        self.drift: dict[str, deque[bool]] = {}
        self._replay_tasks = self.journal.tasks() if resume is not None else []
        self._replay_events = self.journal.events() if resume is not None else []
        for event in self._replay_events:
            if event.kind == "rlm_compared":  # a verdict per cluster, whenever it was made
                self._apply(event)
        self._closed = False

    # lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Agent:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close("completed" if exc_type is None else "failed")

    def close(self, status: str = "completed") -> None:
        if self._closed:
            return
        self._closed = True
        self.sandbox.close()
        if self._cache is not None:
            self._cache.close()
        self.ledger.finish_run(self.run_id, status)

    def save_router(self) -> RouterState | None:
        """Leave the clusters and their active skills in the store for single answers."""
        if self.clusterer is None:
            return None
        state = RouterState(
            self.run_id,
            self.embedder.info.model,
            self.clusterer.membership,
            {cluster: skill.ref for cluster, skill in self.skills.by_cluster.items()},
        )
        save_router_state(self.store.root, state)
        return state

    @property
    def answered(self) -> int:
        return len(self.seen.texts)

    # answering -------------------------------------------------------------------------------

    def answer(
        self,
        text: str,
        target: str | None = None,
        *,
        task_id: str | None = None,
        family: str | None = None,
        answer_format: str = "exact",
    ) -> Answer:
        """Answer one task (``target`` is its label in ``feedback`` mode and scores it)."""
        vector = self.embedder.embed([text])[0]
        return self._step(
            Task(
                task_id or f"task:{self.answered}",
                family or "",
                text,
                target or "",
                answer_format if target is not None else "free",
            ),
            vector,
            target is not None,
        )

    def run(
        self,
        tasks: Sequence[Task],
        *,
        progress: Callable[[Answer], None] | None = None,
    ) -> list[Answer]:
        """Answer ``tasks`` in order (those a resumed run already answered are replayed)."""
        vectors = self.embedder.embed([task.input for task in tasks])
        answers = []
        for task, vector in zip(tasks, vectors, strict=True):
            answer = self._step(task, vector, task.scorable)
            answers.append(answer)
            if progress is not None:
                progress(answer)
        return answers

    def _step(self, task: Task, vector: np.ndarray, labelled: bool) -> Answer:
        seq = self.answered
        assignment = None
        if self.clusterer is not None:
            assignment = self.clusterer.assign(vector[None, :])[0]
        cluster = assignment.cluster_id if assignment is not None else None
        target = task.target if labelled else None
        if seq < len(self._replay_tasks):
            record = self._replay(seq, task)
        else:
            route = self._route(task.input, assignment)
            correct = score_answer(task, route.answer) if labelled else None
            record = TaskRecord(
                seq=seq,
                task_id=task.id,
                family=task.family or None,
                input_sha=input_sha(task.input),
                cluster=cluster,
                route=route.route,
                reason=route.reason,
                skill=route.ref if route.route != "model" else None,
                answer=route.answer,
                target=target,
                label=self._label(route, target, task.answer_format),
                correct=correct,
                tokens=route.tokens,
                latency_s=route.latency_s,
                input=task.input,
                answer_format=task.answer_format,
            )
            if route.route in ("skill", "student") and route.ref is not None:
                self._watch(seq, task, route, assignment.cluster_id if assignment else -1)
            self.journal.record_task(record)
        self._remember(task, vector, record)
        self._after(seq)
        return Answer(
            record.answer,
            record.route,
            record.skill,
            record.tokens,
            record.latency_s,
            record.reason,
            record.cluster,
            record.correct,
            seq,
        )

    def _route(self, text: str, assignment: Any) -> Route:
        """The router's answer; a failing model call is retried with backoff, then recorded as
        an empty model answer so the run goes on."""
        for attempt in range(MODEL_RETRIES):
            try:
                return self.router.route(text, assignment)
            except ModelError as error:
                if attempt == MODEL_RETRIES - 1:
                    return Route("model", "", f"model_error: {error}", None, 0, 0.0)
                time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def _label(self, route: Route, target: str | None, answer_format: str) -> str | None:
        """The task's label: the data's target (``feedback``), or the model's own answer
        (``teacher``) when the task's scorer can use it as a target: a numeric answer stating
        two numbers, or entities that are not JSON, would make every judging on it fail."""
        if self.config.labels == "feedback":
            return target
        if self.config.labels == "teacher" and route.route == "model" and route.answer:
            usable = "exact" if answer_format == "free" else answer_format
            return route.answer if is_valid_target(usable, route.answer) else None
        return None

    def _replay(self, seq: int, task: Task) -> TaskRecord:
        record = self._replay_tasks[seq]
        if record.input_sha != input_sha(task.input):
            raise UsageError(
                f"task {seq} of the stream differs from the one run {self.run_id} answered; "
                "resume with the same data in the same order"
            )
        for event in self._events_at(seq, before_task=True):
            self._apply(event)
        return record

    def _events_at(self, seq: int, *, before_task: bool) -> list[EventRecord]:
        kinds = (
            {"drift_check"}
            if before_task
            else {
                "activated",
                "creation_failed",
                "demoted",
                "reused",
                "reuse_refused",
                *STUDENT_EVENTS,
            }
        )
        return [e for e in self._replay_events if e.seq == seq and e.kind in kinds]

    def _remember(self, task: Task, vector: np.ndarray, record: TaskRecord) -> None:
        self.seen.texts.append(task.input)
        self.seen.labels.append(record.label)
        self.seen.formats.append("exact" if task.answer_format == "free" else task.answer_format)
        self.seen.families.append(task.family or None)
        self.seen.vectors.append(vector)
        self.seen.model_tokens.append(record.tokens if record.route == "model" else None)
        self.seen.routes.append(record.route)
        self.seen.scores.append(record.correct)

    # between tasks ---------------------------------------------------------------------------

    def _after(self, seq: int) -> None:
        count = seq + 1
        reclustered = False
        if self.clusterer is None and count >= self.config.warmup:
            self.clusterer = TaskClusterer(self._cluster_config)
            self.clusterer.fit(np.stack(self.seen.vectors))
            reclustered = True
        elif self.clusterer is not None and count % self.config.recluster_every == 0:
            self.clusterer.recluster()
            reclustered = True
        replaying = seq < len(self._replay_tasks)
        events = self._events_at(seq, before_task=False) if replaying else []
        # a demotion was made while task seq was answered, before the adoption below
        for event in (e for e in events if e.kind == "demoted"):
            self._apply(event)
        if reclustered:
            if self.config.adopt_solved_noise:
                self._grow_served_clusters(seq)
            self._record_clusters(seq)
        for event in (e for e in events if e.kind != "demoted"):
            self._apply(event)
        live = not replaying or seq == len(self._replay_tasks) - 1
        due = reclustered or count % CREATION_CHECK_EVERY == 0
        if self.clusterer is not None and live and due:
            self._create_where_it_pays(seq)
        if self.clusterer is not None and live and self.students.due(count):
            self._distill(seq)

    def _grow_served_clusters(self, seq: int) -> None:
        """Adopt labelled noise the served clusters' skills answer right and widen their
        thresholds to the skills' evidence (:mod:`cluster_growth`); journalled as ``adopted``
        and ``widened`` events (a resumed run computes the same again and records nothing)."""
        assert self.clusterer is not None
        remembered = Remembered(self.seen.texts, self.seen.labels, self.seen.formats)
        served = served_clusters(self.clusterer, self.skills)
        solved = partial(remembered.solved_by, self.skills)
        adopted = adopt_solved_noise(self.clusterer, served, solved)
        radii = widen_to_evidence(self.clusterer, served, solved)
        if seq < len(self._replay_tasks):
            return
        details = [
            (cluster, "adopted", {"tasks": count})
            for cluster, count in sorted(Counter(adopted.values()).items())
        ] + [
            (cluster, "widened", {"threshold": round(radius, 6), "calibrated": round(low, 6)})
            for cluster, (radius, low) in sorted(radii.items())
        ]
        for cluster, kind, detail in details:
            skill = self.skills.by_cluster[cluster].ref
            self.journal.record_event(EventRecord(seq, kind, cluster, skill, 0, detail))

    def _distill(self, seq: int) -> None:
        """Train and judge a student on the clusters that qualify (see the student tier)."""
        assert self.clusterer is not None
        evidence = StudentEvidence(
            clusters=np.asarray(self.clusterer.labels),
            texts=self.seen.texts,
            labels=self.seen.labels,
            formats=self.seen.formats,
            routes=self.seen.routes,
            scores=self.seen.scores,
        )
        for event in self.students.distill(seq, evidence, set(self.skills.by_cluster)):
            self._apply(event)
            self.journal.record_event(event)
            if self.on_event is not None:
                self.on_event(event)

    def _record_clusters(self, seq: int) -> None:
        assert self.clusterer is not None
        labels = self.clusterer.labels
        membership = self.clusterer.membership
        sizes = {c: int((labels == c).sum()) for c in self.clusterer.cluster_ids}
        thresholds = dict(
            zip(membership.cluster_ids, map(float, membership.thresholds), strict=True)
        )
        if seq >= len(self._replay_tasks):
            self.journal.record_clusters(seq, sizes, thresholds)

    def _create_where_it_pays(self, seq: int) -> None:
        assert self.clusterer is not None
        labels = self.clusterer.labels
        for cluster in self.clusterer.cluster_ids:
            if cluster in self.skills.by_cluster:
                continue
            members = np.flatnonzero(labels == cluster)
            labelled = [i for i in members if self.seen.labels[i] is not None]
            if self._reuse_skill(seq, cluster, labelled, len(members)):
                continue
            tokens = [self.seen.model_tokens[i] for i in members]
            paid = [t for t in tokens if t]
            failed = self.failed_at.get(cluster)
            case = creation_case(
                labelled=len(labelled),
                size=len(members),
                seen=seq + 1,
                tokens_per_task=float(np.mean(paid)) if paid else 0.0,
                tried=self.tried,
                accepted=self.accepted,
                spent=self.spent,
                failed_at_size=failed[0] if failed and failed[1] == self.creator_spec else None,
                config=self.config,
            )
            if case.create:
                self._create(seq, cluster, labelled, case.figures)

    def _labelled_split(self, cluster: int, members: list[int]) -> tuple[str, list[int], SkillData]:
        """The cluster's labelled members of its commonest answer format, split into shown and
        held-out as every creation splits them."""
        formats = Counter(self.seen.formats[i] for i in members)
        answer_format = formats.most_common(1)[0][0]
        members = [i for i in members if self.seen.formats[i] == answer_format]
        tasks = [
            Task(
                f"seq:{i}",
                f"cluster-{cluster}",
                self.seen.texts[i],
                self.seen.labels[i] or "",
                answer_format,
            )
            for i in members
        ]
        data = split_examples(
            tasks,
            n_shown=self.config.n_shown,
            max_heldout=self.config.max_heldout,
            seed=self.config.seed,
            source=f"cluster {cluster}",
        )
        return answer_format, members, data

    def _reuse_skill(self, seq: int, cluster: int, labelled: list[int], size: int) -> bool:
        """Try the run's active skills on a cluster that has none, before paying for a creation:
        a family split over two clusters needs one skill. A skill is reused only when the
        verifier accepts it on the cluster's own labelled tasks, with the thresholds a new
        skill meets; a refusal is remembered until the cluster doubles.

        Reuse costs no model tokens, so it is judged as soon as the cluster holds enough
        labelled tasks for a skill right on all of them to pass
        (:meth:`VerifierConfig.fewest_heldout`), not after ``min_examples``, which sizes a
        creation's shown and held-out split. See :meth:`_reuse_data` for what is judged on."""
        verifier = VerifierConfig(seed=self.config.seed)
        if len(labelled) < verifier.fewest_heldout():
            return False
        for skill in {s.ref: s for s in self.skills.by_cluster.values()}.values():
            tried = self.reuse_tried.get((cluster, skill.ref))
            if tried is not None and size < tried * self.config.backoff_growth:
                continue
            stored = self.store.get(skill.ref)
            answer_format, heldout = self._reuse_data(stored, labelled)
            if len(heldout) < verifier.fewest_heldout():
                continue
            verdict = verify_skill(
                stored.code(),
                [],
                heldout,
                answer_format=answer_format,
                config=verifier,
                sandbox=self.sandbox,
            )
            detail = {
                "size": size,
                "family": skill.family,
                "example_families": self._example_families(labelled, heldout),
                "answer_format": answer_format,
                "n_heldout": len(heldout),
                "reasons": list(verdict.reasons),
                "heldout_accuracy": verdict.heldout_accuracy,
                "heldout_ci": list(verdict.heldout_ci) if verdict.heldout_ci else None,
            }
            kind = "reused" if verdict.accepted else "reuse_refused"
            event = EventRecord(seq, kind, cluster, skill.ref, 0, detail)
            self._apply(event)
            self.journal.record_event(event)
            if verdict.accepted:
                if self.on_event is not None:
                    self.on_event(event)
                return True
        return False

    def _reuse_data(
        self, stored: StoredSkill, labelled: list[int]
    ) -> tuple[str, list[LabelledExample]]:
        """What a reuse is judged on: (answer format, held-out examples).

        Held out are the cluster's labelled tasks of its commonest answer format, without
        duplicates and without any input the skill's creator was shown (a re-clustering can
        move those into this cluster), the latest ``max_heldout`` of them: none was used to
        write the skill, so all of them can judge it. Nothing is passed as shown: the checks
        that read shown examples (lookup table, crashes on them) gave their verdict on this
        code and those examples at creation. A skill stored without its examples is never
        reused, since what its creator saw cannot be left out."""
        try:
            examples = stored.examples()
        except SkillError:
            return "exact", []
        seen = {normalise_text(example.input) for example, split in examples if split == "shown"}
        answer_format = Counter(self.seen.formats[i] for i in labelled).most_common(1)[0][0]
        heldout: list[LabelledExample] = []
        for i in reversed(labelled):
            key = normalise_text(self.seen.texts[i])
            if self.seen.formats[i] != answer_format or key in seen:
                continue
            seen.add(key)
            heldout.append(LabelledExample(self.seen.texts[i], self.seen.labels[i] or ""))
        return answer_format, heldout[: self.config.max_heldout][::-1]

    def _example_families(
        self, members: Sequence[int], examples: Sequence[LabelledExample]
    ) -> dict[str, int]:
        """How many of the ``examples`` a skill is judged on (shown and held out) come from each
        family ("-" for tasks given without one). A cluster can mix families that are one kind
        of task (generated and BIG-Bench-Hard word sorting); the families a skill was verified on
        are the ones it is known to answer, which the summary checks its answers against."""
        family_of = {normalise_text(self.seen.texts[i]): self.seen.families[i] for i in members}
        counts = Counter(family_of.get(normalise_text(e.input)) or "-" for e in examples)
        return dict(sorted(counts.items()))

    def _create(self, seq: int, cluster: int, members: list[int], figures: dict[str, Any]) -> None:
        answer_format, members, data = self._labelled_split(cluster, members)
        assert self.clusterer is not None
        others = [i for i, label in enumerate(self.clusterer.labels) if label != cluster]
        family = Counter(self.seen.families[i] for i in members).most_common(1)[0][0]
        request = CreationRequest(
            skill_id=f"agent-{self.run_id[:8]}-c{cluster}".lower(),
            shown=data.shown,
            heldout=data.heldout,
            answer_format=answer_format,
            family=family,
            cluster=f"{self.run_id}:{cluster}",
            budget=CreationBudget(
                candidates=self.config.candidates,
                token_budget=self.config.creation_tokens,
                seed=self.config.seed + cluster,
            ),
            verifier=VerifierConfig(seed=self.config.seed),
            other_cluster_inputs=tuple(self.seen.texts[i] for i in others[-200:]),
        )
        before = self.journal.tokens()
        try:
            outcome = run_creation(
                request,
                self.creator,
                self.ledger,
                self.store,
                sandbox_options=self._sandbox_options,
            )
        except SelfDistillError as error:
            # the calls made before the error are paid for: they count against the budget
            failure = EventRecord(
                seq,
                "creation_failed",
                cluster,
                None,
                self.journal.tokens() - before,
                {
                    **figures,
                    "creator": self.creator_spec,
                    "family": family,
                    "reasons": ["model_error"],
                    "error": str(error),
                },
            )
            self._apply(failure)
            self.journal.record_event(failure)
            return
        result = outcome.result
        verdict = result.verdict
        detail = {
            **figures,
            "creator": self.creator_spec,
            "family": family,
            "example_families": self._example_families(members, data.shown + data.heldout),
            "answer_format": answer_format,
            "n_shown": len(data.shown),
            "n_heldout": len(data.heldout),
            "candidates": len(result.candidates),
            "reasons": list(verdict.reasons) if verdict else ["no_code"],
            "heldout_accuracy": verdict.heldout_accuracy if verdict else None,
            "heldout_ci": list(verdict.heldout_ci) if verdict and verdict.heldout_ci else None,
        }
        kind = "activated" if result.accepted and outcome.skill is not None else "creation_failed"
        ref = outcome.skill.ref if outcome.skill is not None else None
        event = EventRecord(seq, kind, cluster, ref, result.creation_tokens, detail)
        self._apply(event)
        self.journal.record_event(event)
        if self.on_event is not None:
            self.on_event(event)

    def _apply(self, event: EventRecord) -> None:
        """Change the state as ``event`` says (live, or replaying a resumed run)."""
        cluster = event.cluster if event.cluster is not None else -1
        if event.kind in STUDENT_EVENTS:
            self.students.apply(event)
            if event.kind == "student_activated" and event.skill is not None:
                self.drift[self.students.by_cluster[cluster].ref] = deque(
                    maxlen=self.config.drift_window
                )
            return
        if event.kind == "rlm_compared":
            if self.rlm is not None:
                detail = event.detail
                self.rlm.comparisons[cluster] = RlmComparison(
                    int(detail["n"]), float(detail["plain_correct"]), float(detail["rlm_correct"])
                )
            return
        if event.kind == "reuse_refused" and event.skill is not None:
            self.reuse_tried[(cluster, event.skill)] = int(event.detail.get("size", 0))
            return
        if event.kind == "reused" and event.skill is not None:
            stored = self.store.get(event.skill)
            ci = event.detail.get("heldout_ci") or [0.0, 0.0]
            self.skills.activate(
                cluster, stored.ref, stored.code(), float(ci[0]), event.detail.get("family")
            )
            self.drift.setdefault(stored.ref, deque(maxlen=self.config.drift_window))
            return
        if event.kind in ("activated", "creation_failed"):
            self.tried += 1
            self.spent += event.tokens
        if event.kind == "activated" and event.skill is not None:
            self.accepted += 1
            stored = self.store.get(event.skill)
            ci = event.detail.get("heldout_ci") or [0.0, 0.0]
            self.skills.activate(
                cluster, stored.ref, stored.code(), float(ci[0]), event.detail.get("family")
            )
            self.drift[stored.ref] = deque(maxlen=self.config.drift_window)
        elif event.kind == "creation_failed":
            self.failed_at[cluster] = (int(event.detail.get("size", 0)), event.detail["creator"])
        elif event.kind == "demoted":
            # a retired skill leaves every cluster it answered (it may have been reused)
            for other in [c for c, s in self.skills.by_cluster.items() if s.ref == event.skill]:
                self.skills.deactivate(other)
            self.skills.deactivate(cluster)
            self.failed_at[cluster] = (int(event.detail.get("size", 0)), self.creator_spec)
        elif event.kind == "drift_check" and event.skill is not None:
            window = self.drift.setdefault(event.skill, deque(maxlen=self.config.drift_window))
            window.append(bool(event.detail.get("agrees")))

    # RLM comparisons -------------------------------------------------------------------------

    def compare_rlm(self, cluster: int, tasks: Sequence[Task]) -> RlmComparison:
        """Run RLM mode and the plain call on labelled held-out ``tasks`` of ``cluster``; when
        RLM is clearly better, the cluster's tasks go to RLM from now on. Recorded in the
        journal (a resumed run keeps the verdict); every call's tokens count in the run."""
        if self.rlm is None:
            raise UsageError("compare_rlm needs the RLM tier (AgentConfig.rlm = True)")
        if not tasks or not all(task.scorable for task in tasks):
            raise UsageError("compare_rlm needs labelled tasks (a target and a scored format)")
        before = self.journal.tokens()
        comparison = self.rlm.compare(cluster, tasks, self.router.ask_model)
        tokens = self.journal.tokens() - before
        detail = {
            "n": comparison.n,
            "plain_correct": comparison.plain_correct,
            "rlm_correct": comparison.rlm_correct,
            "rlm_clearly_better": comparison.rlm_clearly_better,
        }
        seq = max(0, self.answered - 1)
        event = EventRecord(seq, "rlm_compared", cluster, None, tokens, detail)
        self.journal.record_event(event)
        if self.on_event is not None:
            self.on_event(event)
        return comparison

    # drift watch -----------------------------------------------------------------------------

    def _watch(self, seq: int, task: Task, route: Route, cluster: int) -> None:
        """Check a sample of skill and student answers: against the label, else the model."""
        if not drift_sampled(self.config.seed, seq, self.config.drift_sample):
            return
        if route.route == "skill":
            skill = self.skills.by_cluster.get(cluster)
            watched = (skill.ref, skill.verified_low) if skill is not None else None
        else:
            student = self.students.by_cluster.get(cluster)
            low = getattr(student, "verified_low", 0.0)
            watched = (student.ref, low) if student is not None else None
        if watched is None:
            return
        ref, verified_low = watched
        tokens = 0
        if self.config.labels == "feedback" and task.scorable:
            agrees = bool(score_answer(task, route.answer))
        else:
            completion = self.router.ask_model(task.input, purpose="shadow")
            tokens = completion.input_tokens + completion.output_tokens
            agrees = normalise_text(completion.text) == normalise_text(route.answer)
        check = EventRecord(
            seq,
            "drift_check",
            cluster,
            ref,
            tokens,
            {"agrees": agrees, "against": "label" if tokens == 0 else "model"},
        )
        self._apply(check)
        self.journal.record_event(check)
        window = self.drift[ref]
        checks, agreements = len(window), sum(window)
        if not drifted(checks, agreements, verified_low, self.config):
            return
        assert self.clusterer is not None
        size = int((self.clusterer.labels == cluster).sum())
        demotion = EventRecord(
            seq,
            "demoted" if route.route == "skill" else "student_demoted",
            cluster,
            ref,
            0,
            {
                "checks": checks,
                "agreements": agreements,
                "verified_low": verified_low,
                "size": size,
            },
        )
        if route.route == "skill":
            self.store.set_status(
                ref, "retired", f"drift: {agreements}/{checks} sampled answers agreed"
            )
        self._apply(demotion)
        self.journal.record_event(demotion)
        if self.on_event is not None:
            self.on_event(demotion)


def read_tasks(path: Path | str) -> list[Task]:
    """A stream file for the agent (any task file; one-off rows without targets are fine)."""
    from self_distill.tasks import load_task_file

    return load_task_file(Path(path))


def answers_of(tasks: Iterable[Task], answers: Iterable[Answer]) -> list[dict[str, Any]]:
    """One row per task: id, family, route, skill, answer, target, correct, tokens, latency."""
    return [
        {
            "id": task.id,
            "family": task.family,
            "route": answer.route,
            "skill": answer.skill,
            "answer": answer.text,
            "target": task.target if task.scorable else None,
            "correct": answer.correct,
            "tokens": answer.tokens,
            "latency_s": answer.latency_s,
        }
        for task, answer in zip(tasks, answers, strict=True)
    ]
