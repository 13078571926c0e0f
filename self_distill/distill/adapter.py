"""A trained adapter folder checked before anything is built from it: the PEFT LoRA files and
``student.json`` (:func:`~self_distill.distill.train.read_student_record`).

Export reads the folder through :func:`read_adapter`, and :func:`check_fits_base` compares every
LoRA matrix with the base's weights, so a corrupted adapter or one made for another base fails
here with one line naming the file, before llama.cpp's converter meets it with a traceback (or,
worse, converts a mislabelled adapter that llama.cpp then refuses at serving time).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from self_distill.distill.base import StudentBase
from self_distill.distill.train import read_student_record
from self_distill.errors import DataError, UsageError

CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
LORA_PREFIX = "base_model.model."
LORA_SUFFIXES = (".lora_A.weight", ".lora_B.weight")


@dataclass(frozen=True)
class StudentAdapter:
    """A checked adapter folder: its ``student.json`` and its LoRA matrices' shapes."""

    folder: Path
    record: dict[str, Any]
    shapes: dict[str, tuple[int, ...]]

    @property
    def base(self) -> str:
        return str(self.record.get("base"))


def _lora_config(path: Path) -> None:
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{path} is missing; train the student again") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise DataError(f"{path} is corrupted ({error}); train the student again") from None
    if not isinstance(config, dict) or config.get("peft_type") != "LORA":
        raise DataError(f"{path} is not a LoRA adapter config; train the student again")


def _lora_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape, after checking that all are LoRA matrices with finite values."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(path)
    except FileNotFoundError:
        raise DataError(f"{path} is missing; train the student again") from None
    except (SafetensorError, OSError) as error:
        raise DataError(f"{path} is corrupted ({error}); train the student again") from None
    if not tensors:
        raise DataError(f"{path} holds no tensors; train the student again")
    for name, tensor in tensors.items():
        if not name.startswith(LORA_PREFIX) or not name.endswith(LORA_SUFFIXES):
            raise DataError(
                f"{path} holds {name!r}, which is not a LoRA matrix; a student adapts only "
                "attention and MLP projections"
            )
        if not math.isfinite(float(tensor.float().abs().sum())):
            raise DataError(f"{path}: {name} holds NaN or infinite values; train again")
    return {name: tuple(tensor.shape) for name, tensor in tensors.items()}


def read_adapter(folder: Path) -> StudentAdapter:
    """The adapter in ``folder``; a one-line error naming the missing or corrupted file."""
    if not folder.is_dir():
        raise DataError(f"{folder} is not a student adapter folder (no such folder)")
    record = read_student_record(folder)
    _lora_config(folder / CONFIG)
    return StudentAdapter(folder, record, _lora_shapes(folder / WEIGHTS))


def _base_shapes(base: StudentBase) -> dict[str, tuple[int, ...]]:
    from safetensors import safe_open

    shapes: dict[str, tuple[int, ...]] = {}
    for path in sorted(base.folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as weights:
            for name in weights.keys():  # noqa: SIM118 (safe_open is not a mapping)
                shapes[name] = tuple(weights.get_slice(name).get_shape())
    return shapes


def check_fits_base(adapter: StudentAdapter, base: StudentBase) -> None:
    """Refuse an adapter made for another base: by name, then matrix by matrix (a LoRA pair
    ``B @ A`` must have its base weight's shape), so a mislabelled adapter is caught too."""
    if adapter.base != base.name:
        raise UsageError(
            f"{adapter.folder} was trained on base {adapter.base!r}, not {base.name!r}; use the "
            "base it was trained on"
        )
    weights = _base_shapes(base)
    for name, shape in adapter.shapes.items():
        module = name.removeprefix(LORA_PREFIX)
        for suffix in LORA_SUFFIXES:
            module = module.removesuffix(suffix)
        wanted = weights.get(f"{module}.weight")
        if wanted is None:
            raise UsageError(
                f"{adapter.folder} adapts {module}, which {base.name} does not have: it was "
                "trained on another base"
            )
        is_a = name.endswith(".lora_A.weight")
        fits = len(shape) == 2 and (shape[1] == wanted[1] if is_a else shape[0] == wanted[0])
        if not fits:
            raise UsageError(
                f"{adapter.folder}: {module} has a LoRA matrix of shape {shape}, which does not "
                f"fit {base.name}'s {wanted}: the adapter was trained on another base"
            )
