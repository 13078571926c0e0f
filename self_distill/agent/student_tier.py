"""The agent's student tier: verified answers of the run distilled into a LoRA student.

Every ``student_every`` tasks the agent reads its own run's curated set from the ledger
(:func:`~self_distill.distill.dataset.curate_runs`: skill answers and label-confirmed model
answers only), and for each cluster that has no skill and at least ``student_min_examples``
curated examples outside its held-out share, trains one fresh adapter on all such clusters.
Each cluster is then judged on its held-out tasks (a seeded ``student_heldout`` share of its
labelled tasks, never trained on) against the model's own answers to the same tasks
(:func:`~self_distill.distill.verify.verify_student`); the clusters that pass take their traffic
in the router's student tier, at 0 API tokens. A new adapter replaces the old one, and a cluster
whose student was demoted by the drift watch is not given to a student again in the run.

Every step is an event in the journal (``student_trained``, ``student_activated``,
``student_rejected``, ``student_demoted``), so a resumed run reloads the adapter instead of
training again.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from self_distill.agent.config import AgentConfig
from self_distill.distill.base import students_dir
from self_distill.distill.dataset import curate_runs
from self_distill.distill.train import TrainConfig, train_student
from self_distill.distill.verify import verify_student
from self_distill.ledger import Ledger
from self_distill.ledger.agent_journal import EventRecord
from self_distill.tasks import normalise_text, scorer_for


class ServedStudent(Protocol):
    """An adapter loaded for answering (llama.cpp or torch)."""

    ref: str

    def answer_many(self, texts: Sequence[str]) -> list[str]: ...


StudentLoader = Callable[[Path], ServedStudent]


@dataclass
class ClusterStudent:
    """The student as it answers one cluster in the router (the :class:`Student` protocol)."""

    served: ServedStudent
    cluster: int
    verified_low: float

    @property
    def ref(self) -> str:
        return f"{self.served.ref}#c{self.cluster}"

    def answer(self, text: str) -> str | None:
        answer = self.served.answer_many([text])[0].strip()
        return answer or None


@dataclass(frozen=True)
class StudentEvidence:
    """What the tier reads of the stream so far, indexed by task sequence number."""

    clusters: np.ndarray
    texts: Sequence[str]
    labels: Sequence[str | None]
    formats: Sequence[str]
    routes: Sequence[str]
    scores: Sequence[float | None]


STUDENT_EVENTS: frozenset[str] = frozenset(
    {"student_trained", "student_activated", "student_rejected", "student_demoted"}
)


def held_out(seed: int, seq: int, share: float) -> bool:
    """Whether task ``seq`` judges students (never trains one): a seeded hash, so a resumed run
    holds out the same tasks."""
    digest = hashlib.sha256(f"student-heldout|{seed}|{seq}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def default_loader(adapter: Path) -> ServedStudent:
    """Export the adapter beside itself and serve it with llama.cpp on the quantized base, as
    a user's deployment would (the export is reused when it exists)."""
    from self_distill.distill.export import export_student, read_export
    from self_distill.distill.served import LlamaStudent
    from self_distill.errors import DataError

    folder = adapter / "export"
    try:
        read_export(folder)
    except DataError:
        export_student(adapter, folder)
    return LlamaStudent(folder, ref=f"student:{adapter.name}")


class StudentTier:
    """Trains, verifies, activates and demotes the run's students (one adapter at a time)."""

    def __init__(
        self,
        config: AgentConfig,
        ledger: Ledger,
        run_id: str,
        loader: StudentLoader | None = None,
        training: TrainConfig | None = None,
    ) -> None:
        self.config = config
        self.training = training or TrainConfig(epochs=config.student_epochs, seed=config.seed)
        self.ledger = ledger
        self.run_id = run_id
        self.loader = loader or default_loader
        self.by_cluster: dict[int, ClusterStudent] = {}
        self.demoted: set[int] = set()
        self._loaded: dict[str, ServedStudent] = {}

    def due(self, count: int) -> bool:
        every = self.config.student_every
        return every > 0 and count % every == 0

    def distill(
        self, seq: int, evidence: StudentEvidence, skill_clusters: set[int]
    ) -> list[EventRecord]:
        """Train a fresh student on the clusters that qualify and judge it on each of them."""
        config = self.config
        curated = curate_runs(self.ledger, [self.run_id])
        by_cluster: dict[int, list] = {}
        for example in curated.examples:
            task_seq = int(example.origin.rsplit(":", 1)[1])
            if task_seq >= len(evidence.clusters) or held_out(
                config.seed, task_seq, config.student_heldout
            ):
                continue
            cluster = int(evidence.clusters[task_seq])
            if cluster >= 0 and cluster not in skill_clusters and cluster not in self.demoted:
                by_cluster.setdefault(cluster, []).append(example)
        chosen = {
            c: rows for c, rows in by_cluster.items() if len(rows) >= config.student_min_examples
        }
        if not chosen:
            return []
        adapter = students_dir() / "agent" / self.run_id / f"after-{seq + 1}"
        started = time.perf_counter()
        trained = train_student(
            [row for rows in chosen.values() for row in rows],
            adapter,
            self.training,
        )
        events = [
            EventRecord(
                seq,
                "student_trained",
                None,
                str(adapter),
                0,
                {
                    "adapter": str(adapter),
                    "clusters": sorted(chosen),
                    "examples": trained.examples,
                    "steps": trained.steps,
                    "seconds": round(time.perf_counter() - started, 1),
                },
            )
        ]
        served = self._load(adapter)
        for cluster in sorted(chosen):
            events.append(self._judge(seq, cluster, served, adapter, evidence))
        return events

    def _judge(
        self,
        seq: int,
        cluster: int,
        served: ServedStudent,
        adapter: Path,
        evidence: StudentEvidence,
    ) -> EventRecord:
        members = [
            i
            for i in np.flatnonzero(evidence.clusters == cluster)
            if held_out(self.config.seed, int(i), self.config.student_heldout)
            and evidence.labels[i] is not None
            and evidence.routes[i] == "model"
            and evidence.scores[i] is not None
        ]
        answers = served.answer_many([evidence.texts[i] for i in members]) if members else []
        student_scores = [
            float(scorer_for(evidence.formats[i])(answer, evidence.labels[i] or ""))
            for i, answer in zip(members, answers, strict=True)
        ]
        model_scores = [float(evidence.scores[i] or 0.0) for i in members]
        counts = Counter(normalise_text(evidence.labels[i] or "") for i in members)
        majority = counts.most_common(1)[0][1] / len(members) if members else 1.0
        verdict = verify_student(student_scores, model_scores, majority)
        kind = "student_activated" if verdict.accepted else "student_rejected"
        return EventRecord(
            seq, kind, cluster, served.ref, 0, {"adapter": str(adapter), **verdict.to_dict()}
        )

    def apply(self, event: EventRecord) -> None:
        """Change the tier as ``event`` says (live, or replaying a resumed run)."""
        if event.kind == "student_trained":
            self.by_cluster.clear()
        elif event.kind == "student_activated" and event.cluster is not None:
            served = self._load(Path(event.detail["adapter"]))
            low = float(event.detail["ci95"][0])
            self.by_cluster[event.cluster] = ClusterStudent(served, event.cluster, low)
        elif event.kind == "student_demoted" and event.cluster in self.by_cluster:
            del self.by_cluster[event.cluster]
            self.demoted.add(event.cluster)

    def _load(self, adapter: Path) -> ServedStudent:
        key = str(adapter)
        if key not in self._loaded:
            self._loaded = {key: self.loader(adapter)}
        return self._loaded[key]
