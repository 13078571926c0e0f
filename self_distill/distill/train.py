"""LoRA training of a student on a curated set, on CPU, resumable.

The loss covers the answer and its end-of-turn token only: the prompt (system text, template,
the task) is masked, so the student learns to answer rather than to repeat a prompt it is given
anyway. Prompt and answer are tokenized separately, the prompt exactly as it is tokenized when
the student serves (:func:`student_prompt`).

A run writes into its output folder: ``checkpoint/`` every ``checkpoint_every`` steps (adapter,
optimizer, step), ``training_log.jsonl`` (one row per step), and at the end the PEFT adapter
with ``student.json`` (the config, the base, the families, the figures). A killed run started
again with the same folder, data and config goes on from its last checkpoint; the batch order
is a function of the seed, so the resumed run sees the batches the killed one would have. A
finished run asked again with the same data and settings returns its recorded result at once.
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from self_distill.distill.base import DEFAULT_BASE, StudentBase, load_model, load_tokenizer
from self_distill.distill.dataset import CuratedExample
from self_distill.distill.prompt import answer_completion, student_prompt
from self_distill.errors import ConfigError, DataError, UsageError
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM

STUDENT_FILE = "student.json"
LOG_FILE = "training_log.jsonl"
CHECKPOINT_DIR = "checkpoint"
FORMAT_VERSION = 1
PROJECTIONS: tuple[str, ...] = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
)
"""The attention and MLP projections of llama-style models: the only modules LoRA may target
(llama.cpp's converter and the served adapter expect them; ``lm_head`` is never trained)."""
IGNORE = -100


@dataclass(frozen=True)
class TrainConfig:
    """How a student is trained; saved beside the adapter.

    ``rank``/``alpha``/``dropout``: the LoRA update's size, scale (alpha / rank) and dropout.
    ``target_modules``: a subset of :data:`PROJECTIONS`. ``learning_rate``: AdamW's, decayed
    linearly to zero after ``warmup_steps``. ``epochs`` passes over the set in ``batch_size``
    examples; an example longer than ``max_length`` tokens is left out (and counted), never cut,
    since a cut prompt or answer teaches the wrong thing. ``seed`` fixes initialisation, dropout
    and batch order. ``threads`` caps torch's CPU threads (None: torch's default).
    """

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = PROJECTIONS
    learning_rate: float = 1e-3
    warmup_steps: int = 5
    epochs: int = 2
    batch_size: int = 8
    max_length: int = 256
    seed: int = 0
    checkpoint_every: int = 25
    threads: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.target_modules) - set(PROJECTIONS)
        if unknown or not self.target_modules:
            raise ConfigError(
                f"target_modules must be a non-empty subset of {', '.join(PROJECTIONS)}; "
                f"got {', '.join(sorted(unknown)) or 'none'}"
            )
        positive = ("rank", "alpha", "epochs", "batch_size", "max_length", "checkpoint_every")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.dropout < 1 or self.learning_rate <= 0:
            raise ConfigError("dropout must be in [0, 1) and learning_rate above 0")

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["target_modules"] = list(self.target_modules)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {name for name in cls.__dataclass_fields__}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown training settings: {', '.join(sorted(unknown))}")
        if "target_modules" in values:
            values = {**values, "target_modules": tuple(values["target_modules"])}
        return cls(**values)


@dataclass(frozen=True)
class StepLog:
    """One optimizer step: the mean loss over its answer tokens and what it took."""

    step: int
    epoch: int
    loss: float
    learning_rate: float
    answer_tokens: int
    tokens: int
    seconds: float


@dataclass
class TrainResult:
    """What a finished training run left and measured."""

    adapter: Path
    steps: int
    examples: int
    skipped_too_long: int
    final_loss: float | None
    seconds: float
    tokens_per_second: float
    seconds_per_step: float
    peak_memory_mb: float
    resumed_from: int
    families: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Encoded:
    input_ids: list[int]
    labels: list[int]


def data_fingerprint(examples: Sequence[CuratedExample], system: str) -> str:
    """A hash of the training pairs and system prompt: a checkpoint is resumed only onto the
    same data."""
    digest = hashlib.sha256(system.encode())
    for example in examples:
        digest.update(json.dumps([example.input, example.answer]).encode())
    return digest.hexdigest()[:16]


def encode_example(
    tokenizer: Any, example: CuratedExample, system: str = DIRECT_ANSWER_SYSTEM
) -> _Encoded:
    """Prompt ids (masked) then answer ids (learned), tokenized as at serving time."""
    prompt = tokenizer(student_prompt(tokenizer, example.input, system), add_special_tokens=False)
    answer = tokenizer(answer_completion(tokenizer, example.answer), add_special_tokens=False)
    prompt_ids = list(prompt["input_ids"])
    answer_ids = list(answer["input_ids"])
    return _Encoded(prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids)


def batch_order(count: int, config: TrainConfig) -> list[list[int]]:
    """Every step's example indices, for all epochs: a pure function of the seed."""
    steps = []
    for epoch in range(config.epochs):
        order = list(range(count))
        random.Random(f"batches|{config.seed}|{epoch}").shuffle(order)
        steps.extend(
            order[start : start + config.batch_size] for start in range(0, count, config.batch_size)
        )
    return steps


def train_student(
    examples: Sequence[CuratedExample],
    out: Path,
    config: TrainConfig | None = None,
    *,
    base: StudentBase | None = None,
    system: str = DIRECT_ANSWER_SYSTEM,
    on_step: Callable[[StepLog, int], None] | None = None,
) -> TrainResult:
    """Train a LoRA student on ``examples`` into ``out``, resuming a checkpoint there.

    ``system`` is the system prompt of every training prompt, kept in the student's record so
    it serves with the same. ``on_step(log, total_steps)`` follows the run (the CLI draws a
    progress bar with it).
    """
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    from self_distill.distill.base import prepare_base

    config = config or TrainConfig()
    if not examples:
        raise DataError("cannot train a student on an empty curated set")
    base = base or prepare_base(DEFAULT_BASE)
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    tokenizer = load_tokenizer(base)
    encoded_all = [encode_example(tokenizer, example, system) for example in examples]
    kept = [
        (example, encoded)
        for example, encoded in zip(examples, encoded_all, strict=True)
        if len(encoded.input_ids) <= config.max_length
    ]
    skipped = len(examples) - len(kept)
    if not kept:
        raise DataError(f"every example is longer than max_length={config.max_length} tokens")
    fingerprint = data_fingerprint([example for example, _ in kept], system)
    out.mkdir(parents=True, exist_ok=True)
    finished = _finished(out, config, fingerprint, base)
    if finished is not None:
        return finished
    checkpoint = out / CHECKPOINT_DIR
    state = _read_checkpoint(checkpoint, config, fingerprint, base)

    model = get_peft_model(
        load_model(base),
        LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            lora_dropout=config.dropout,
            target_modules=list(config.target_modules),
            task_type="CAUSAL_LM",
        ),
    )
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.0)
    steps = batch_order(len(kept), config)
    total = len(steps)
    per_epoch = total // config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: _lr_factor(step, config.warmup_steps, total)
    )
    start = 0
    if state is not None:
        set_peft_model_state_dict(model, load_file(str(checkpoint / "adapter_model.safetensors")))
        optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt", weights_only=True))
        scheduler.load_state_dict(torch.load(checkpoint / "scheduler.pt", weights_only=True))
        start = int(state["step"])
        torch.set_rng_state(torch.load(checkpoint / "rng.pt", weights_only=True))
    elif (out / LOG_FILE).exists():
        (out / LOG_FILE).unlink()

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model.train()
    started = time.perf_counter()
    tokens_seen = 0
    last_loss: float | None = None
    with (out / LOG_FILE).open("a", encoding="utf-8") as log_file:
        for step in range(start, total):
            step_started = time.perf_counter()
            batch = [kept[index][1] for index in steps[step]]
            input_ids, labels, mask = _collate(batch, pad, torch)
            output = model(input_ids=input_ids, attention_mask=mask, labels=labels)
            output.loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            last_loss = float(output.loss.detach())
            tokens_seen += int(mask.sum())
            entry = StepLog(
                step=step + 1,
                epoch=step // per_epoch,
                loss=round(last_loss, 5),
                learning_rate=scheduler.get_last_lr()[0],
                answer_tokens=int((labels != IGNORE).sum()),
                tokens=int(mask.sum()),
                seconds=round(time.perf_counter() - step_started, 3),
            )
            log_file.write(json.dumps(asdict(entry)) + "\n")
            log_file.flush()
            if on_step is not None:
                on_step(entry, total)
            if (step + 1) % config.checkpoint_every == 0 and step + 1 < total:
                _write_checkpoint(
                    checkpoint,
                    model,
                    optimizer,
                    scheduler,
                    step + 1,
                    config,
                    fingerprint,
                    base,
                    torch,
                )
    seconds = time.perf_counter() - started
    ran = total - start
    families = dict(sorted(Counter(example.family for example, _ in kept).items()))
    result = TrainResult(
        adapter=out,
        steps=total,
        examples=len(kept),
        skipped_too_long=skipped,
        final_loss=last_loss,
        seconds=round(seconds, 2),
        tokens_per_second=round(tokens_seen / seconds, 1) if seconds > 0 else 0.0,
        seconds_per_step=round(seconds / ran, 3) if ran else 0.0,
        peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        resumed_from=start,
        families=families,
    )
    model.save_pretrained(out)
    _write_student_record(out, base, config, fingerprint, result, system)
    shutil.rmtree(checkpoint, ignore_errors=True)
    return result


def _finished(
    out: Path, config: TrainConfig, fingerprint: str, base: StudentBase
) -> TrainResult | None:
    """The result of a finished run of the same data and settings in ``out``, if there is one
    (training it again would give the same adapter)."""
    if not (out / STUDENT_FILE).is_file() or not (out / "adapter_model.safetensors").is_file():
        return None
    record = read_student_record(out)
    recorded = {key: record.get(key) for key in ("config", "data", "base")}
    if recorded != _identity(config, fingerprint, base):
        return None
    figures = {**record["result"], "adapter": out}
    return TrainResult(**figures)


def _lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(total - warmup, 1))


def _collate(batch: Sequence[_Encoded], pad: int, torch: Any) -> tuple[Any, Any, Any]:
    width = max(len(item.input_ids) for item in batch)
    ids = [item.input_ids + [pad] * (width - len(item.input_ids)) for item in batch]
    labels = [item.labels + [IGNORE] * (width - len(item.labels)) for item in batch]
    mask = [[1] * len(item.input_ids) + [0] * (width - len(item.input_ids)) for item in batch]
    return torch.tensor(ids), torch.tensor(labels), torch.tensor(mask)


def _identity(config: TrainConfig, fingerprint: str, base: StudentBase) -> dict[str, Any]:
    return {"config": config.to_dict(), "data": fingerprint, "base": base.name}


def _read_checkpoint(
    checkpoint: Path, config: TrainConfig, fingerprint: str, base: StudentBase
) -> dict[str, Any] | None:
    """The checkpoint's state if it belongs to this run; a different run's is an error."""
    state_file = checkpoint / "state.json"
    if not state_file.exists():
        return None
    try:
        state = json.loads(state_file.read_text())
    except ValueError:
        raise DataError(f"{state_file}: unreadable checkpoint; delete {checkpoint}") from None
    if state.get("identity") != _identity(config, fingerprint, base):
        raise UsageError(
            f"{checkpoint} belongs to a run with other data or settings; train into another "
            f"folder or delete {checkpoint} to start over"
        )
    return dict(state)


def _write_checkpoint(
    checkpoint: Path,
    model: Any,
    optimizer: Any,
    scheduler: Any,
    step: int,
    config: TrainConfig,
    fingerprint: str,
    base: StudentBase,
    torch: Any,
) -> None:
    """Write the checkpoint beside the old one and swap it in, so a kill mid-write leaves the
    previous checkpoint whole."""
    staging = checkpoint.with_name(CHECKPOINT_DIR + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    torch.save(optimizer.state_dict(), staging / "optimizer.pt")
    torch.save(scheduler.state_dict(), staging / "scheduler.pt")
    torch.save(torch.get_rng_state(), staging / "rng.pt")
    state = {"step": step, "identity": _identity(config, fingerprint, base)}
    (staging / "state.json").write_text(json.dumps(state, indent=2) + "\n")
    old = checkpoint.with_name(CHECKPOINT_DIR + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if checkpoint.exists():
        checkpoint.rename(old)
    staging.rename(checkpoint)
    shutil.rmtree(old, ignore_errors=True)


def _write_student_record(
    out: Path,
    base: StudentBase,
    config: TrainConfig,
    fingerprint: str,
    result: TrainResult,
    system: str,
) -> None:
    record = {
        "format_version": FORMAT_VERSION,
        "base": base.name,
        "system": system,
        "base_gguf": str(base.gguf),
        "config": config.to_dict(),
        "data": fingerprint,
        "result": {**asdict(result), "adapter": str(result.adapter)},
    }
    (out / STUDENT_FILE).write_text(json.dumps(record, indent=2) + "\n")


def read_student_record(adapter: Path) -> dict[str, Any]:
    """The ``student.json`` of an adapter folder, with a clear error when it is not one."""
    path = adapter / STUDENT_FILE
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{adapter}: not a student adapter (no {STUDENT_FILE})") from None
    except ValueError:
        raise DataError(f"{path}: corrupted (not JSON); train the student again") from None
    if not isinstance(record, dict) or record.get("format_version") != FORMAT_VERSION:
        raise DataError(f"{path}: unknown format; train the student again")
    return record


def student_system(adapter: Path) -> str:
    """The system prompt a student was trained with (and must be served with)."""
    return str(read_student_record(adapter).get("system") or DIRECT_ANSWER_SYSTEM)
