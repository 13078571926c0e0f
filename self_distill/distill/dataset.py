"""The curated set a student learns from: verified answers only, each input once.

What counts as verified (TensorZero's curated behaviour cloning, not the solver's own labels):

- ``skill``: an answer of an active verified skill in an agent run, unless that skill was
  demoted later in the run (its answers are no longer trusted);
- ``label``: a model answer that the run's feedback label confirmed (``--labels feedback`` and
  scored correct). Teacher-mode labels are the model's own answers and confirm nothing;
- ``file``: a labelled JSONL file the user vouches for (``distill train --data``).

Every source then goes through the same filters, each counted in the manifest: BIG-Bench data
(its canary forbids training on it), inputs the caller excludes (held-out and test items), empty
answers, and repeats of an input already taken (by :func:`normalise_text`). Rows keep the task
(input, answer, family, answer format) apart from the prompt, so a set can be re-rendered for
another base; the manifest records the system prompt and chat template the student is trained
and served with.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from self_distill.errors import DataError
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.ledger import Ledger
from self_distill.ledger.agent_journal import AgentJournal
from self_distill.ledger.migrations import utc_now
from self_distill.tasks import Task, normalise_text
from self_distill.tasks.jsonl import jsonl_text, read_jsonl
from self_distill.tasks.sources import load_tasks

FORMAT_VERSION = 1
BIG_BENCH_MARKERS: tuple[str, ...] = ("canary GUID", "BENCHMARK DATA SHOULD NEVER APPEAR")
"""Text that marks BIG-Bench data, whose canary forbids it in any training set."""


@dataclass(frozen=True)
class CuratedExample:
    """One verified answer: the task, its answer, and where the answer came from."""

    id: str
    family: str
    input: str
    answer: str
    answer_format: str
    source: str
    origin: str
    cluster: int | None = None

    def task(self) -> Task:
        """The example as a task whose target is the verified answer (for evaluation)."""
        answer_format = self.answer_format if self.answer_format != "free" else "exact"
        return Task(self.id, self.family, self.input, self.answer, answer_format)


@dataclass
class CuratedSet:
    """Examples that passed every filter, and how many each filter dropped."""

    examples: list[CuratedExample]
    sources: list[str]
    dropped: Counter[str] = field(default_factory=Counter)

    def counts_by_family(self) -> dict[str, int]:
        return dict(sorted(Counter(example.family for example in self.examples).items()))

    def manifest(self, chat_template: str | None = None) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "created_at": utc_now(),
            "sources": self.sources,
            "examples": len(self.examples),
            "counts_by_family": self.counts_by_family(),
            "counts_by_source": dict(Counter(example.source for example in self.examples)),
            "filters": {
                "big_bench": "dropped (canary)",
                "excluded": "inputs the caller holds out (test and held-out items)",
                "empty_answer": "dropped",
                "duplicate": "dropped (normalised input already taken)",
                "demoted_skill": "answers of a skill demoted later in its run",
                "unconfirmed": "model answers no feedback label confirmed",
                "no_input": "journal rows written before inputs were recorded",
            },
            "dropped": dict(sorted(self.dropped.items())),
            "system_prompt": DIRECT_ANSWER_SYSTEM,
            "chat_template": chat_template,
        }

    def write(self, path: Path, chat_template: str | None = None) -> Path:
        """Write the JSONL rows to ``path`` and the manifest beside it; return the manifest."""
        if not self.examples:
            raise DataError(f"the curated set for {path} is empty: {self.describe_drops()}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(jsonl_text(asdict(example) for example in self.examples))
        manifest_path = path.with_name(path.stem + ".manifest.json")
        manifest_path.write_text(json.dumps(self.manifest(chat_template), indent=2) + "\n")
        return manifest_path

    def describe_drops(self) -> str:
        if not self.dropped:
            return "no verified answers in the sources"
        return "dropped " + ", ".join(f"{n} {reason}" for reason, n in self.dropped.items())


def _filtered(
    candidates: Iterable[CuratedExample | str], exclude: Iterable[str], sources: list[str]
) -> CuratedSet:
    """Apply the shared filters; a plain string in ``candidates`` is a drop reason."""
    excluded = {normalise_text(text) for text in exclude}
    kept: list[CuratedExample] = []
    seen: set[str] = set()
    dropped: Counter[str] = Counter()
    for candidate in candidates:
        if isinstance(candidate, str):
            dropped[candidate] += 1
            continue
        key = normalise_text(candidate.input)
        if candidate.family.startswith("bbh:") or any(
            marker in candidate.input for marker in BIG_BENCH_MARKERS
        ):
            dropped["big_bench"] += 1
        elif key in excluded:
            dropped["excluded"] += 1
        elif not candidate.answer.strip():
            dropped["empty_answer"] += 1
        elif key in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(key)
            kept.append(candidate)
    return CuratedSet(kept, sources, dropped)


def curate_runs(ledger: Ledger, run_ids: Sequence[str], exclude: Iterable[str] = ()) -> CuratedSet:
    """The verified answers of agent runs ``run_ids`` (see the module docstring)."""
    return _filtered(
        (candidate for run_id in run_ids for candidate in _run_candidates(ledger, run_id)),
        exclude,
        [f"ledger:{run_id}" for run_id in run_ids],
    )


def _run_candidates(ledger: Ledger, run_id: str) -> Iterable[CuratedExample | str]:
    labels_mode = (ledger.run_params(run_id).get("config") or {}).get("labels")
    journal = AgentJournal(ledger, run_id)
    demoted = {event.skill for event in journal.events() if event.kind == "demoted"}
    for task in journal.tasks():
        if task.input is None:
            yield "no_input"
        elif task.route == "skill" and task.skill is not None:
            if task.skill in demoted:
                yield "demoted_skill"
            else:
                yield _from_task(run_id, task, "skill")
        elif task.route == "model" and labels_mode == "feedback" and task.correct == 1.0:
            yield _from_task(run_id, task, "label")
        else:
            yield "unconfirmed"


def _from_task(run_id: str, task: Any, source: str) -> CuratedExample:
    return CuratedExample(
        id=task.task_id or f"{run_id}:{task.seq}",
        family=task.family or f"cluster:{task.cluster}",
        input=task.input,
        answer=task.answer,
        answer_format=task.answer_format or "exact",
        source=source,
        origin=f"{run_id}:{task.seq}",
        cluster=task.cluster,
    )


def curate_tasks(tasks: Sequence[Task], source: str, exclude: Iterable[str] = ()) -> CuratedSet:
    """Labelled tasks the user vouches for (a file, or generated tasks in an experiment)."""
    candidates: list[CuratedExample | str] = []
    for task in tasks:
        if not task.scorable:
            candidates.append("unlabelled")
            continue
        candidates.append(
            CuratedExample(
                task.id, task.family, task.input, task.target, task.answer_format, "file", source
            )
        )
    return _filtered(candidates, exclude, [source])


def curate_file(path: Path, exclude: Iterable[str] = ()) -> CuratedSet:
    """A labelled task file (``input``, ``target``, optional ``family``) as a curated set."""
    return curate_tasks(load_tasks(path), str(path), exclude)


def read_curated(path: Path) -> list[CuratedExample]:
    """Rows written by :meth:`CuratedSet.write` (or a labelled task file: ``target`` is read as
    the answer), with a file:line error for a malformed row."""
    examples = []
    for row in read_jsonl(path):
        data = row.record
        answer = data.get("answer", data.get("target"))
        if not isinstance(data.get("input"), str) or not isinstance(answer, str):
            raise DataError(f"{row.where}: needs string fields 'input' and 'answer' (or 'target')")
        examples.append(
            CuratedExample(
                id=str(data.get("id", row.where)),
                family=str(data.get("family") or "default"),
                input=data["input"],
                answer=answer,
                answer_format=str(data.get("answer_format") or "exact"),
                source=str(data.get("source") or "file"),
                origin=str(data.get("origin") or row.where),
                cluster=data.get("cluster"),
            )
        )
    if not examples:
        raise DataError(f"{path}: holds no examples")
    return examples
