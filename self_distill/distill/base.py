"""The student's base model: an embedded GGUF, dequantized once into a cached torch folder.

transformers reads a GGUF by dequantizing it (``GgufConfig(dequantize=True)``; without it,
transformers >= 5.20 refuses to train or save a "quantized" model). That takes ~20 s, so the
result is kept beside the assembled models, in ``<models folder>/student-bases/<name>/`` (see
:func:`~self_distill.paths.models_dir`; shared like the models themselves): float32 weights, the
tokenizer with its chat template, and a ``config.json`` with ``architectures`` set and no
``quantization_config``, which is also what llama.cpp's LoRA converter needs. A ``source.json``
ties the folder to the GGUF it came from (size and mtime), so a changed GGUF is converted again.
Before a conversion is kept, :func:`~self_distill.distill.check.check_base` compares it with
the GGUF under llama.cpp on rendered prompts of the generated families (token ids, logits); the
report is kept as ``check.json`` and a base that fails is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from self_distill.errors import ModelFileError
from self_distill.models.embedded import embedded_model, resolve_embedded_path
from self_distill.paths import data_home, ensure_directory, models_dir

DEFAULT_BASE = "smollm2-135m"
SOURCE_FILE = "source.json"
CHECK_FILE = "check.json"
CHECK_FAMILIES: tuple[str, ...] = ("word_sort", "arith", "email_extract", "date_normalise")
"""Families whose rendered prompts check a new conversion (two tasks each)."""


@dataclass(frozen=True)
class StudentBase:
    """A converted base: the torch folder and the GGUF it came from (served by llama.cpp)."""

    name: str
    folder: Path
    gguf: Path

    @property
    def spec(self) -> str:
        return f"embedded:{self.name}"


def students_dir() -> Path:
    """Where adapters and their checkpoints live (not created here)."""
    return data_home() / "students"


def bases_dir() -> Path:
    """Where converted bases live (not created here)."""
    return models_dir() / "student-bases"


def _source_record(gguf: Path) -> dict[str, Any]:
    stat = gguf.stat()
    return {"gguf": str(gguf), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _is_current(folder: Path, gguf: Path) -> bool:
    try:
        recorded = json.loads((folder / SOURCE_FILE).read_text())
    except (OSError, ValueError):
        return False
    wanted = _source_record(gguf)
    return recorded.get("size") == wanted["size"] and recorded.get("mtime_ns") == wanted["mtime_ns"]


def prepare_base(name: str = DEFAULT_BASE, cache: Path | None = None) -> StudentBase:
    """The converted base for embedded model ``name``, converting it on first use.

    The conversion is written to a temporary folder and renamed into place, so a killed
    conversion leaves no half-written base behind.
    """
    embedded_model(name)
    gguf = resolve_embedded_path(name)
    root = ensure_directory(cache or bases_dir(), "the student bases folder")
    folder = root / name
    if _is_current(folder, gguf):
        return StudentBase(name, folder, gguf)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        _convert(gguf, staging)
        _check(StudentBase(name, staging, gguf))
        (staging / SOURCE_FILE).write_text(json.dumps(_source_record(gguf), indent=2) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return StudentBase(name, folder, gguf)


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent),
        gguf_file=gguf.name,
        quantization_config=GgufConfig(dequantize=True),
        dtype=torch.float32,
    )
    if getattr(model.config, "quantization_config", None) is not None:
        raise ModelFileError(f"{gguf} still loads as a quantized model; cannot train on it")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    config = json.loads((out / "config.json").read_text())
    if not config.get("architectures"):
        raise ModelFileError(f"{gguf} gave a config without architectures; cannot export LoRA")


def _check(base: StudentBase) -> None:
    """Refuse a conversion that llama.cpp does not read as the same model; keep the report."""
    from dataclasses import asdict

    from self_distill.distill.check import check_base
    from self_distill.distill.prompt import student_prompt
    from self_distill.tasks.sources import load_tasks

    tokenizer = load_tokenizer(base)
    prompts = [
        student_prompt(tokenizer, task.input)
        for family in CHECK_FAMILIES
        for task in load_tasks(family, n=2, seed=0)
    ]
    report = check_base(base, prompts)
    (base.folder / CHECK_FILE).write_text(json.dumps(asdict(report), indent=2) + "\n")
    if not report.passed:
        raise ModelFileError(
            f"{base.gguf} did not convert faithfully: {'; '.join(report.problems())}"
        )


def load_tokenizer(base: StudentBase) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base.folder))


def load_model(base: StudentBase) -> Any:
    """The base in float32 (CPU training and evaluation)."""
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(str(base.folder), dtype=torch.float32)
