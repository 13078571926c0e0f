"""A student adapter folder, read and checked once: PEFT LoRA files plus ``student.json``.

Training writes the folder (PEFT ``save_pretrained``, and a manifest naming the base it was
trained on); export and the torch student read it through :func:`read_adapter`, and
:func:`check_fits_base` compares every LoRA matrix with the base's weights. A missing, corrupted
or mismatched adapter so fails here with one line naming the file, before llama.cpp's converter
or peft meet it with a traceback.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from self_distill.distill.base import StudentBase
from self_distill.errors import StudentError

MANIFEST = "student.json"
CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
FORMAT_VERSION = 1
LORA_PREFIX = "base_model.model."
LORA_SUFFIXES = (".lora_A.weight", ".lora_B.weight")


@dataclass(frozen=True)
class StudentAdapter:
    """A checked adapter folder: the base it was trained on and its LoRA matrices' shapes."""

    folder: Path
    base: str
    manifest: dict[str, Any]
    shapes: dict[str, tuple[int, ...]]


def _json_object(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise StudentError(f"{path} is missing: {what}; train the student again") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise StudentError(f"{path} is corrupted ({error}); train the student again") from None
    if not isinstance(data, dict):
        raise StudentError(f"{path} is not a JSON object; train the student again")
    return data


def _manifest(folder: Path) -> dict[str, Any]:
    manifest = _json_object(folder / MANIFEST, "the student's manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StudentError(f"{folder / MANIFEST} has no integer format_version")
    if version > FORMAT_VERSION:
        raise StudentError(
            f"{folder / MANIFEST} has format_version {version}, newer than this self-distill "
            f"reads ({FORMAT_VERSION}); upgrade self-distill"
        )
    if not isinstance(manifest.get("base"), str) or not manifest["base"]:
        raise StudentError(f"{folder / MANIFEST} names no base model")
    return manifest


def _lora_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape, after checking that all are LoRA matrices with finite values."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(path)
    except FileNotFoundError:
        raise StudentError(f"{path} is missing: the adapter weights") from None
    except (SafetensorError, OSError) as error:
        raise StudentError(f"{path} is corrupted ({error}); train the student again") from None
    if not tensors:
        raise StudentError(f"{path} holds no tensors; train the student again")
    for name, tensor in tensors.items():
        if not name.startswith(LORA_PREFIX) or not name.endswith(LORA_SUFFIXES):
            raise StudentError(
                f"{path} holds {name!r}, which is not a LoRA matrix; a student adapts only "
                "attention and MLP projections"
            )
        if not math.isfinite(float(tensor.float().abs().sum())):
            raise StudentError(f"{path}: {name} holds NaN or infinite values; train again")
    return {name: tuple(tensor.shape) for name, tensor in tensors.items()}


def read_adapter(folder: Path) -> StudentAdapter:
    """The adapter in ``folder``; a :class:`StudentError` naming the bad file otherwise."""
    if not folder.is_dir():
        raise StudentError(f"{folder} is not a student adapter folder (no such folder)")
    manifest = _manifest(folder)
    config = _json_object(folder / CONFIG, "the PEFT adapter config")
    if config.get("peft_type") != "LORA":
        raise StudentError(f"{folder / CONFIG} is not a LoRA adapter config")
    return StudentAdapter(folder, manifest["base"], manifest, _lora_shapes(folder / WEIGHTS))


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
        raise StudentError(
            f"{adapter.folder} was trained on {adapter.base}, not on {base.name}; export or "
            f"serve it with its own base"
        )
    weights = _base_shapes(base)
    for name, shape in adapter.shapes.items():
        module = name.removeprefix(LORA_PREFIX)
        for suffix in LORA_SUFFIXES:
            module = module.removesuffix(suffix)
        wanted = weights.get(f"{module}.weight")
        if wanted is None:
            raise StudentError(
                f"{adapter.folder} adapts {module}, which {base.name} does not have: it was "
                "trained on another base"
            )
        fits = shape[1] == wanted[1] if name.endswith(".lora_A.weight") else shape[0] == wanted[0]
        if len(shape) != 2 or not fits:
            raise StudentError(
                f"{adapter.folder}: {module} has shape {shape}, which does not fit {base.name}'s "
                f"{wanted}: the adapter was trained on another base"
            )
