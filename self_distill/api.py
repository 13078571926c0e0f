"""The Python API: what the CLI, the experiments and users call, each job through one door.

::

    import self_distill as sd

    tasks = sd.load_tasks("word_sort", n=60, seed=1)
    outcome = sd.create_skill(tasks, model="embedded:qwen2.5-coder-1.5b")
    verdict = sd.verify_skill(outcome.skill.path / "skill.py", tasks)

Every function takes plain values (specs, paths, task lists) and fills in the rest from the
settings (:func:`~self_distill.config.load_settings`: ``self-distill.toml``, environment): the
ledger every model call is written to, the skill store, the default models. Pass ``settings=``
to use other settings; pass objects (a generator, a store, an open ledger) to share them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from self_distill.config import Settings, load_settings
from self_distill.errors import CodeRejectedError, UsageError
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM, ModelEvaluation, evaluate_answers
from self_distill.ledger import Ledger, RecordedModel
from self_distill.models import TextGenerator
from self_distill.models import load_model as _load_generator
from self_distill.sandbox import Sandbox
from self_distill.skills.contract import ENTRY_POINT
from self_distill.skills.creation.creator import Progress
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import (
    CreationOutcome,
    CreationRequest,
    run_creation,
    verdict_status,
)
from self_distill.skills.examples import DEFAULT_SHOWN, SkillData, load_skill_data
from self_distill.skills.store.manifest import SkillManifest, check_skill_id, slugify
from self_distill.skills.store.skill_store import CODE_FILE, SkillStore, StoredSkill
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.record import VerificationRecord
from self_distill.skills.verification.verdict import Verdict
from self_distill.skills.verification.verifier import verify_skill as _verify_code
from self_distill.tasks import ONEOFF_FAMILY, Task, load_jsonl, load_tasks
from self_distill.tasks.jsonl import parse_jsonl
from self_distill.tasks.loaders import tasks_from_rows

if TYPE_CHECKING:
    from self_distill.agent.agent import Answer
    from self_distill.agent.config import AgentConfig
    from self_distill.agent.student_tier import StudentLoader
    from self_distill.distill.dataset import CuratedExample, CuratedSet
    from self_distill.distill.evaluate import StudentEvaluation
    from self_distill.distill.train import StepLog, TrainConfig, TrainResult
    from self_distill.evidence import ClusterConfig, EvidenceResult
    from self_distill.rlm import EventHandler, RlmAnswer, RlmLimits

TaskData = str | Path | Sequence[Task]
"""Labelled data for a skill: a task source (family name, ``bbh:<task>``, ``cola``, a file) or a
list of tasks."""

ModelLike = str | TextGenerator


def load_model(spec: str | None = None, *, settings: Settings | None = None) -> TextGenerator:
    """The generator for ``spec`` (default: the settings' ``default_model``), behind the
    response cache unless the settings turn it off."""
    settings = settings or load_settings()
    return _load_generator(spec or settings.default_model, settings)


def open_store(path: str | Path | None = None, *, settings: Settings | None = None) -> SkillStore:
    """The skill store at ``path`` (default: the settings' ``skills_store``)."""
    if path is not None:
        return SkillStore(Path(path).expanduser())
    return SkillStore((settings or load_settings()).skills_store)


@contextmanager
def open_ledger(
    ledger: Ledger | str | Path | None = None, *, settings: Settings | None = None
) -> Iterator[Ledger]:
    """``ledger`` itself when it is open, else the ledger file it names (default: the
    settings' ``ledger_path``, keeping prompts and responses up to ``log_max_chars``), closed
    on exit."""
    if isinstance(ledger, Ledger):
        yield ledger
        return
    settings = settings or load_settings()
    path = Path(ledger) if ledger is not None else settings.ledger_path
    with Ledger(path, max_text_chars=settings.log_max_chars) as opened:
        yield opened


def _split(data: TaskData | SkillData, **options: Any) -> SkillData:
    """``data`` itself when already split, else split by ``load_skill_data(data, **options)``."""
    return data if isinstance(data, SkillData) else load_skill_data(data, **options)


def _generator(model: ModelLike | None, default: str, settings: Settings) -> TextGenerator:
    if model is None or isinstance(model, str):
        return _load_generator(model or default, settings)
    return model


def create_skill(
    data: TaskData | SkillData,
    *,
    model: ModelLike | None = None,
    store: SkillStore | str | Path | None = None,
    ledger: Ledger | str | Path | None = None,
    skill_id: str | None = None,
    family: str | None = None,
    candidates: int = 6,
    rounds: int = 0,
    seed: int = 0,
    n_shown: int = DEFAULT_SHOWN,
    max_heldout: int | None = 200,
    token_budget: int | None = None,
    max_tokens: int = 400,
    prompt_examples: int = 12,
    difficulty: str = "medium",
    verifier: VerifierConfig | None = None,
    allow_missing_layers: bool = False,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> CreationOutcome:
    """Write, verify and store a skill for the one family in ``data``.

    The creator (``model``, default: the settings' ``creator_model``) sees only the shown split;
    the verifier judges on the held-out split; every candidate with code is stored (``store``,
    default: the settings' store), the accepted one as ``active``. Every model call goes to the
    ledger under one ``create`` run. ``data`` and the split options are read by
    :func:`~self_distill.skills.examples.load_skill_data`; data already split is used as is.
    """
    settings = settings or load_settings()
    split = _split(
        data,
        family=family,
        n_shown=n_shown,
        max_heldout=max_heldout,
        seed=seed,
        difficulty=difficulty,
    )
    request = CreationRequest(
        skill_id=check_skill_id(skill_id) if skill_id else slugify(split.family),
        shown=split.shown,
        heldout=split.heldout,
        answer_format=split.answer_format,
        family=split.family,
        budget=CreationBudget(
            candidates=candidates,
            repair_rounds=rounds,
            token_budget=token_budget,
            max_tokens_per_call=max_tokens,
            prompt_examples=prompt_examples,
            seed=seed,
        ),
        verifier=verifier or VerifierConfig(seed=seed),
    )
    generator = _generator(model, settings.creator_model, settings)
    skills = store if isinstance(store, SkillStore) else open_store(store, settings=settings)
    options = {"allow_missing_layers": True} if allow_missing_layers else None
    with open_ledger(ledger, settings=settings) as opened:
        outcome = run_creation(
            request, generator, opened, skills, sandbox_options=options, progress=progress
        )
    return replace(outcome, data=split.describe())


HAND_WRITTEN = "hand-written"
"""The ``creator_model`` and ``prompt_version`` of a skill added with :func:`add_skill`."""


def add_skill(
    skill: str | Path,
    data: TaskData | SkillData,
    *,
    skill_id: str | None = None,
    family: str | None = None,
    parent: str | None = None,
    seed: int = 0,
    n_shown: int = DEFAULT_SHOWN,
    max_heldout: int | None = 200,
    difficulty: str = "medium",
    store: SkillStore | str | Path | None = None,
    allow_missing_layers: bool = False,
    settings: Settings | None = None,
) -> StoredSkill:
    """Verify hand-written or hand-fixed code exactly as :func:`create_skill` verifies a created
    candidate, and store it with the status the verdict gives (``active`` or ``rejected``).

    The split (``data``, ``seed``, ``n_shown``, ``max_heldout``, ``difficulty``) and the
    verifier's settings are create's defaults, so a skill fixed from a rejected candidate is
    judged on the same held-out examples its original was. ``parent`` names the stored version
    it was fixed from. Its creation cost 0 model tokens. The verdict is the stored version's
    ``verification()``.
    """
    settings = settings or load_settings()
    split = _split(
        data,
        family=family,
        n_shown=n_shown,
        max_heldout=max_heldout,
        seed=seed,
        difficulty=difficulty,
    )
    code = read_skill_code(skill)
    skills = store if isinstance(store, SkillStore) else open_store(store, settings=settings)
    if parent is not None:
        parent = skills.get(parent).ref
    verdict = verify_skill(code, split, seed=seed, allow_missing_layers=allow_missing_layers)
    status, reason = verdict_status(verdict)
    draft = SkillManifest(
        id=check_skill_id(skill_id) if skill_id else slugify(split.family),
        version=1,
        status=status,
        creator_model=HAND_WRITTEN,
        prompt_version=HAND_WRITTEN,
        prompt_hash="",
        creation_tokens=0,
        created_at="",
        updated_at="",
        family=split.family,
        answer_format=split.answer_format,
        seed=seed,
        status_reason=reason,
        creation={
            "source": None if skill == code else str(skill),
            "n_shown": len(split.shown),
            "n_heldout": len(split.heldout),
            "data": split.describe(),
        },
    )
    return skills.add(
        draft,
        code,
        verification=VerificationRecord.now(verdict, split.answer_format),
        examples=split.with_splits(),
        parent=parent,
    )


def skill_file(
    skill: str | Path,
    *,
    store: SkillStore | str | Path | None = None,
    settings: Settings | None = None,
) -> Path:
    """The ``skill.py`` that ``skill`` names: a ``.py`` file, a stored version's folder (as
    ``create --json`` prints in ``skill_path``), or a store reference (``word_sort`` for its
    active version, ``word_sort@2``) looked up in ``store`` (default: the settings' store)."""
    path = Path(skill).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        if (path / CODE_FILE).is_file():
            return path / CODE_FILE
        raise UsageError(f"{path} is a folder without a {CODE_FILE}; give a skill version folder")
    text = str(skill)
    if isinstance(skill, Path) or "/" in text or text.endswith(".py"):
        raise UsageError(
            f"{text}: no such skill file or folder; give a .py file, a version folder, or a "
            "store reference such as word_sort or word_sort@2"
        )
    skills = store if isinstance(store, SkillStore) else open_store(store, settings=settings)
    return skills.get(text).path / CODE_FILE


def read_skill_code(skill: str | Path, *, store: SkillStore | str | Path | None = None) -> str:
    """Skill code from ``skill``: the code itself, or what :func:`skill_file` finds (a file, a
    version folder, a store reference)."""
    if isinstance(skill, str) and ("\n" in skill or "def " in skill):
        return skill
    path = skill_file(skill, store=store)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text ({error.reason}); save it as UTF-8") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read the skill ({error.strerror})") from None


def run_skill(
    skill: str | Path,
    text: str,
    *,
    function: str = ENTRY_POINT,
    store: SkillStore | str | Path | None = None,
    timeout_s: float = 2.0,
    memory_mb: int = 512,
    allow_missing_layers: bool = False,
    sandbox: Sandbox | None = None,
) -> dict[str, Any]:
    """Call ``function(text)`` (default ``solve``) of a skill (anything :func:`read_skill_code`
    reads) once in the sandbox: ``{"ok", "output", "error", "duration_s", "layers"}``. Code the
    sandbox refuses is a failed result, not an exception."""
    code = read_skill_code(skill, store=store)
    box = sandbox or Sandbox(
        timeout_s=timeout_s, memory_mb=memory_mb, allow_missing_layers=allow_missing_layers
    )
    try:
        try:
            handle = box.load(code)
        except CodeRejectedError as rejection:
            result: dict[str, Any] = {
                "ok": False,
                "output": None,
                "error": str(rejection),
                "duration_s": 0.0,
            }
        else:
            result = box.call(handle, function, text).to_dict()
        return {**result, "layers": list(box.layers)}
    finally:
        if sandbox is None:
            box.close()


def verify_skill(
    skill: str | Path,
    data: TaskData | SkillData,
    *,
    family: str | None = None,
    answer_format: str | None = None,
    seed: int = 0,
    n_shown: int | None = None,
    shown_fraction: float = 0.5,
    max_heldout: int | None = None,
    other_inputs: Sequence[str] = (),
    config: VerifierConfig | None = None,
    sandbox: Sandbox | None = None,
    allow_missing_layers: bool = False,
) -> Verdict:
    """Judge a skill (a ``.py`` path or its code) on labelled ``data``; returns the verdict.

    ``data`` is split as for creation (:func:`~self_distill.skills.examples.load_skill_data`),
    showing ``n_shown`` examples, else ``shown_fraction`` of them, unless its rows carry their
    own split; with the same data, seed and split sizes as a ``create_skill`` call, the split
    and so the held-out accuracy are the same as that creation's. ``answer_format``
    (default: the data's own, as ``create`` uses) picks the scorer. ``other_inputs`` are other
    clusters' inputs for the ``trigger_leak`` check. ``sandbox`` reuses a running sandbox.
    """
    code = read_skill_code(skill)
    split = _split(
        data,
        family=family,
        n_shown=DEFAULT_SHOWN if n_shown is None else n_shown,
        shown_fraction=None if n_shown is not None else shown_fraction,
        max_heldout=max_heldout,
        seed=seed,
        answer_format=answer_format,
    )
    config = config or VerifierConfig(seed=seed)
    box = sandbox or Sandbox(
        timeout_s=config.call_timeout_s, allow_missing_layers=allow_missing_layers
    )
    try:
        return _verify_code(
            code,
            split.shown,
            split.heldout,
            answer_format=answer_format or split.answer_format,
            config=config,
            other_cluster_inputs=other_inputs,
            sandbox=box,
        )
    finally:
        if sandbox is None:
            box.close()


def cluster_tasks(
    tasks: TaskData,
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    config: ClusterConfig | None = None,
    score_families: bool = True,
    oneoff_family: str = ONEOFF_FAMILY,
    cache_path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvidenceResult:
    """Embed and cluster ``tasks`` (a list or a task source) and report what recurs.

    ``score_families`` treats the tasks' families as ground truth (purity, ARI; tasks of
    ``oneoff_family`` should land in noise). Embeddings are cached in the embedding cache
    (default: the per-user one).
    """
    from self_distill.evidence import ClusterConfig, Embedder, EmbeddingCache
    from self_distill.evidence import cluster_tasks as _cluster

    task_list = load_tasks(tasks) if isinstance(tasks, str | Path) else list(tasks)
    settings = config or ClusterConfig(min_cluster_size=min_cluster_size, min_samples=min_samples)
    with EmbeddingCache(cache_path) as cache:
        return _cluster(
            task_list,
            Embedder(cache),
            settings,
            score_families=score_families,
            oneoff_family=oneoff_family,
            progress=progress,
        )


def evaluate_model(
    model: ModelLike | None,
    tasks: TaskData,
    *,
    ledger: Ledger | str | Path | None = None,
    system: str = DIRECT_ANSWER_SYSTEM,
    max_tokens: int = 48,
    seed: int = 0,
    run_params: dict[str, Any] | None = None,
    progress: Callable[[Task], None] | None = None,
    settings: Settings | None = None,
) -> ModelEvaluation:
    """Ask ``model`` (default: the settings' ``default_model``) every task directly and score it:
    per-family accuracy with 95% intervals beside the majority baseline, tokens and latency.

    The calls are recorded in the ledger under one ``evaluate`` run (``run_params`` added to it).
    """
    settings = settings or load_settings()
    generator = _generator(model, settings.default_model, settings)
    task_list = load_tasks(tasks) if isinstance(tasks, str | Path) else list(tasks)
    params = {"model": generator.spec, "n_tasks": len(task_list), **(run_params or {})}
    with open_ledger(ledger, settings=settings) as opened:
        run_id = opened.start_run("evaluate", params)
        status = "failed"
        try:
            evaluation = evaluate_answers(
                RecordedModel(generator, opened, run_id),
                task_list,
                system=system,
                max_tokens=max_tokens,
                seed=seed,
                progress=progress,
            )
            status = "completed"
        finally:
            opened.finish_run(run_id, status)
    return evaluation


@dataclass(frozen=True)
class AgentRun:
    """A finished agent run: its summary (from the ledger), the tasks and their answers, and
    the stream lines that were skipped as malformed."""

    summary: dict[str, Any]
    tasks: tuple[Task, ...]
    answers: tuple[Answer, ...]
    skipped_lines: tuple[str, ...] = ()

    def rows(self) -> list[dict[str, Any]]:
        """One row per task (the ``--out`` JSONL)."""
        from self_distill.agent.agent import answers_of

        return answers_of(self.tasks, self.answers)


def read_stream(
    source: str | Path | Sequence[Task], *, skip_bad_lines: bool = False
) -> tuple[list[Task], list[str]]:
    """The tasks of a stream (a task source, ``-`` for JSONL on standard input, or a list) and
    the messages of lines skipped as malformed (only with ``skip_bad_lines``)."""
    skipped: list[str] | None = [] if skip_bad_lines else None
    if not isinstance(source, str | Path):
        return list(source), []
    if str(source) == "-":
        rows = parse_jsonl(sys.stdin.read(), "<stdin>", skipped=skipped)
        tasks = tasks_from_rows(rows, Path("stdin"), skipped=skipped)
    elif str(source).lower().endswith(".jsonl"):
        tasks = load_jsonl(source, skipped=skipped)
    else:
        tasks = load_tasks(source)
    if not tasks:
        raise UsageError(f"{source}: the stream holds no tasks")
    return tasks, list(skipped or [])


def run_agent(
    stream: str | Path | Sequence[Task],
    *,
    model: ModelLike | None = None,
    creator: ModelLike | None = None,
    labels: str = "feedback",
    config: AgentConfig | None = None,
    store: SkillStore | str | Path | None = None,
    ledger: Ledger | str | Path | None = None,
    run_id: str | None = None,
    resume: str | None = None,
    skip_bad_lines: bool = False,
    allow_missing_layers: bool = False,
    progress: Callable[[Answer], None] | None = None,
    student_loader: StudentLoader | None = None,
    student_training: TrainConfig | None = None,
    cluster_config: ClusterConfig | None = None,
    settings: Settings | None = None,
) -> AgentRun:
    """Answer every task of ``stream`` with the agent (skills, students, the model), learning
    skills online; every call and route is in the ledger under one ``agent`` run.

    ``labels`` is ``feedback`` (the data's targets), ``teacher`` (the model's answers) or
    ``none``. ``resume`` continues a killed run (same stream, same order): answered tasks are
    replayed from the ledger and no model call is made or recorded twice. With
    ``config.student_every`` set, students are trained as the run goes (``student_training``:
    their LoRA settings); ``student_loader`` chooses how an adapter is served.
    ``cluster_config`` replaces the clustering's defaults (a resumed run needs the same).
    """
    from self_distill.agent.agent import Agent
    from self_distill.agent.config import AgentConfig
    from self_distill.agent.summary import run_summary

    settings = settings or load_settings()
    tasks, skipped = read_stream(stream, skip_bad_lines=skip_bad_lines)
    agent_config = config or AgentConfig(labels=labels)  # type: ignore[arg-type]
    generator = _generator(model, settings.default_model, settings)
    writer = _generator(creator, settings.creator_model, settings) if creator else generator
    skills = store if isinstance(store, SkillStore) else open_store(store, settings=settings)
    options = {"allow_missing_layers": True} if allow_missing_layers else None
    with open_ledger(ledger, settings=settings) as opened:
        if resume is not None:
            agent_config = AgentConfig(**opened.run_params(resume)["config"])
        with Agent(
            generator,
            ledger=opened,
            store=skills,
            creator=writer,
            config=agent_config,
            run_id=run_id,
            resume=resume,
            sandbox_options=options,
            student_loader=student_loader,
            student_training=student_training,
            cluster_config=cluster_config,
            params={"stream": str(stream) if isinstance(stream, str | Path) else "tasks"},
        ) as agent:
            answers = agent.run(tasks, progress=progress)
            agent.save_router()
            run = agent.run_id
        summary = run_summary(opened, run)
    summary["skipped_lines"] = skipped
    return AgentRun(summary, tuple(tasks), tuple(answers), tuple(skipped))


def answer(
    text: str,
    *,
    model: ModelLike | None = None,
    store: SkillStore | str | Path | None = None,
    ledger: Ledger | str | Path | None = None,
    allow_missing_layers: bool = False,
    settings: Settings | None = None,
) -> Answer:
    """Route one task with the current store: the skill an agent run left for its cluster, or
    the model (default: the settings' ``default_model``)."""
    from self_distill.agent.single import answer_once

    settings = settings or load_settings()
    generator = _generator(model, settings.default_model, settings)
    skills = store if isinstance(store, SkillStore) else open_store(store, settings=settings)
    options = {"allow_missing_layers": True} if allow_missing_layers else None
    with open_ledger(ledger, settings=settings) as opened:
        return answer_once(text, generator, store=skills, ledger=opened, sandbox_options=options)


def rlm_answer(
    text: str,
    *,
    model: ModelLike | None = None,
    sub_model: ModelLike | None = None,
    query: str | None = None,
    max_depth: int | None = None,
    max_iterations: int | None = None,
    limits: RlmLimits | None = None,
    context_tokens: int | None = None,
    sub_context_tokens: int | None = None,
    ledger: Ledger | str | Path | None = None,
    allow_missing_layers: bool = False,
    on_event: EventHandler | None = None,
    run_params: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> RlmAnswer:
    """Answer ``text`` in RLM mode: ``model`` (default: the settings' ``creator_model``, a coder)
    works on it as ``context`` in the sandboxed REPL; ``sub_model`` (default: ``model``) answers
    its ``llm_query`` calls. Returns the answer, tokens, every call and the trajectory.

    ``query`` is shown as the task when ``text`` is data only. ``max_depth`` and
    ``max_iterations`` override those fields of ``limits`` (default :class:`RlmLimits`).
    ``context_tokens``/``sub_context_tokens`` give the models' windows when their backend does
    not report one. Every call is recorded under one ``rlm`` ledger run with purpose
    ``rlm_root`` or ``rlm_sub``, its parent call and depth. ``on_event`` sees the run live.
    """
    from self_distill.rlm import RlmLimits, RlmModels, model_window, run_rlm

    if type(text) is not str:
        raise UsageError(f"rlm_answer takes the input as a str, not {type(text).__name__}")
    settings = settings or load_settings()
    chosen = limits or RlmLimits()
    overrides = {
        key: value
        for key, value in (("max_depth", max_depth), ("max_iterations", max_iterations))
        if value is not None
    }
    chosen = replace(chosen, **overrides)
    root = _generator(model, settings.creator_model, settings)
    sub = root if sub_model is None else _generator(sub_model, settings.creator_model, settings)
    params = {
        "model": root.spec,
        "sub_model": sub.spec,
        "input_chars": len(text),
        "limits": chosen.to_dict(),
        **(run_params or {}),
    }
    with open_ledger(ledger, settings=settings) as opened:
        run_id = opened.start_run("rlm", params)
        status = "failed"
        try:
            models = RlmModels(
                root=RecordedModel(root, opened, run_id),
                sub=RecordedModel(sub, opened, run_id),
                root_window=model_window(root, context_tokens),
                sub_window=model_window(sub, sub_context_tokens),
            )
            answer = run_rlm(
                text,
                models,
                query=query,
                limits=chosen,
                sandbox_options={"allow_missing_layers": True} if allow_missing_layers else None,
                on_event=on_event,
            )
            status = "completed"
        finally:
            opened.finish_run(run_id, status)
    return answer


def curate_dataset(
    *,
    runs: Sequence[str] = (),
    data: TaskData | None = None,
    exclude: TaskData | None = None,
    ledger: Ledger | str | Path | None = None,
    settings: Settings | None = None,
) -> CuratedSet:
    """The curated set a student learns from: the verified answers of agent ``runs`` in the
    ledger, or a labelled ``data`` source the user vouches for, without any input of
    ``exclude`` (held-out and test items), BIG-Bench data, empty answers or repeats."""
    from self_distill.distill.dataset import curate_runs, curate_tasks

    if bool(runs) == (data is not None):
        raise UsageError("give agent runs or a labelled data source for the curated set, not both")
    held_out = [task.input for task in _tasks(exclude)] if exclude is not None else []
    if data is not None:
        return curate_tasks(
            _tasks(data), str(data) if isinstance(data, str | Path) else "tasks", held_out
        )
    with open_ledger(ledger, settings=settings) as opened:
        return curate_runs(opened, list(runs), held_out)


def _tasks(data: TaskData) -> list[Task]:
    return load_tasks(data) if isinstance(data, str | Path) else list(data)


def train_student(
    data: CuratedSet | Sequence[CuratedExample] | str | Path,
    out: str | Path,
    *,
    config: TrainConfig | None = None,
    base: str = "smollm2-135m",
    on_step: Callable[[StepLog, int], None] | None = None,
) -> TrainResult:
    """Train a LoRA student on ``data`` (a curated set, its examples, or a curated/labelled
    JSONL file) into folder ``out``; a killed run started again resumes from its checkpoint."""
    from self_distill.distill.base import prepare_base
    from self_distill.distill.dataset import CuratedSet, read_curated
    from self_distill.distill.train import train_student as train

    if isinstance(data, CuratedSet):
        examples = data.examples
    elif isinstance(data, str | Path):
        examples = read_curated(Path(data))
    else:
        examples = list(data)
    return train(examples, Path(out), config, base=prepare_base(base), on_step=on_step)


def evaluate_student(
    adapter: str | Path,
    data: TaskData,
    *,
    base: str = "smollm2-135m",
    threads: int | None = None,
) -> StudentEvaluation:
    """The base and the student on the same tasks with the same prompt: per family accuracy
    with 95% intervals beside the majority baseline, and their paired difference."""
    from self_distill.distill.base import prepare_base
    from self_distill.distill.evaluate import compare_students
    from self_distill.distill.torch_student import TorchStudent

    student_base = prepare_base(base)
    return compare_students(
        TorchStudent(student_base, threads=threads),
        TorchStudent(student_base, Path(adapter), threads=threads),
        _tasks(data),
    )
