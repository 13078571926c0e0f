"""Export a student for llama.cpp and Ollama: a GGUF LoRA adapter, its base, and a Modelfile.

The GGUF adapter is written by llama.cpp's own ``convert_lora_to_gguf.py``. It ships only in the
llama-cpp-python *source* distribution (``vendor/llama.cpp/``, with the ``conversion`` package
and ``gguf-py`` it imports), not in the wheel, so the sdist of the installed version is kept in
the wheel cache (``make setup`` fetches it) and the three parts are extracted once into
``~/.cache/self-distill/``. The vendored ``gguf-py`` is used, not the pip ``gguf`` package: both
say 0.19.0, but the converter of 0.3.36 needs ``gguf.LazyChunkedTensor``, which only the vendored
copy has. The adapter is written in float32, so serving adds no rounding of its own.

An export folder is all a server needs, and moves as one piece::

    adapter.gguf                       the LoRA adapter (GGUF)
    SmolLM2-135M-Instruct.Q4_1.gguf    the quantized base it adapts (a copy)
    tokenizer/                         the base's tokenizer and chat template (student_prompt)
    Modelfile                          ``ollama create <name> -f Modelfile``
    export.json                        what was exported from where, read by read_export
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from self_distill.distill.adapter import StudentAdapter, check_fits_base, read_adapter
from self_distill.distill.base import StudentBase, load_tokenizer, prepare_base
from self_distill.errors import DataError, ExportError
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.paths import ensure_directory

CONVERTER = "convert_lora_to_gguf.py"
CONVERTER_PARTS = (CONVERTER, "conversion/", "gguf-py/gguf/")
ADAPTER_GGUF = "adapter.gguf"
MODELFILE = "Modelfile"
EXPORT_MANIFEST = "export.json"
TOKENIZER_DIR = "tokenizer"
CONVERTER_TIMEOUT_S = 600

OLLAMA_TEMPLATE = (
    "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n{{ .Response }}<|im_end|>\n"
)
"""The ChatML chat template of the base in Ollama's Go-template syntax: with the Modelfile's
system prompt and a task as the prompt, Ollama renders exactly what
:func:`~self_distill.distill.prompt.student_prompt` renders, up to where the answer begins."""


@dataclass(frozen=True)
class StudentExport:
    """An export folder's files, as :func:`export_student` wrote them."""

    folder: Path
    base: str
    adapter_gguf: Path
    base_gguf: Path
    tokenizer: Path
    modelfile: Path
    system: str = DIRECT_ANSWER_SYSTEM


def cache_dir() -> Path:
    """Where downloaded and extracted build inputs live: outside the checkout and the data home,
    beside the Makefile's wheel cache."""
    return Path.home() / ".cache" / "self-distill"


def llama_cpp_version() -> str:
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        raise ExportError(
            "llama-cpp-python is not installed; run `make setup` (it compiles from source)"
        ) from None


def sdist_path(version: str) -> Path:
    """Where ``make setup`` keeps the llama-cpp-python source distribution."""
    return cache_dir() / "wheels" / f"llama_cpp_python-{version}.tar.gz"


def converter_dir(sdist: Path | None = None, cache: Path | None = None) -> Path:
    """The folder holding llama.cpp's LoRA converter for the installed llama-cpp-python,
    extracted from its sdist on first use (into a temporary folder renamed into place, so a
    killed extraction leaves nothing half-written, and a concurrent one loses the race
    harmlessly)."""
    version = llama_cpp_version()
    root = cache or cache_dir()
    folder = root / f"llama-cpp-convert-{version}"
    if (folder / CONVERTER).is_file():
        return folder
    sdist = sdist or sdist_path(version)
    if not sdist.is_file():
        raise ExportError(
            f"llama.cpp's LoRA converter comes from the llama-cpp-python {version} source "
            f"distribution, not found at {sdist}; run `make setup`, or `pip download --no-deps "
            f"--no-binary :all: llama-cpp-python=={version} -d {sdist.parent}`"
        )
    ensure_directory(root, "the self-distill cache folder")
    staging = Path(tempfile.mkdtemp(prefix=".llama-cpp-convert-", dir=root))
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/"
    try:
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                part = member.name.removeprefix(prefix)
                if member.name.startswith(prefix) and part.startswith(CONVERTER_PARTS):
                    member.name = part
                    archive.extract(member, staging, filter="data")
        if not (staging / CONVERTER).is_file():
            raise ExportError(f"{sdist} holds no vendor/llama.cpp/{CONVERTER}; download it again")
    except (tarfile.TarError, OSError, EOFError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportError(f"{sdist} cannot be read ({error}); download it again") from None
    try:
        os.replace(staging, folder)
    except OSError:
        if not (folder / CONVERTER).is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _convert_adapter(adapter: StudentAdapter, base: StudentBase, out: Path) -> None:
    """Write ``adapter`` as a float32 GGUF LoRA adapter at ``out`` with llama.cpp's converter
    (a subprocess: it puts its own ``gguf`` and ``conversion`` first on ``sys.path``)."""
    converter = converter_dir()
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    environment.pop("NO_LOCAL_GGUF", None)
    command = [
        sys.executable,
        str(converter / CONVERTER),
        "--base",
        str(base.folder),
        "--outtype",
        "f32",
        "--outfile",
        str(out),
        str(adapter.folder),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=CONVERTER_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise ExportError(
            f"llama.cpp's LoRA converter ran over {CONVERTER_TIMEOUT_S} s on {adapter.folder}"
        ) from None
    if done.returncode != 0 or not out.is_file():
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise ExportError(f"llama.cpp's LoRA converter failed on {adapter.folder}: {reason}")


def modelfile_text(
    base_gguf: str, adapter_gguf: str, stop: str, system: str = DIRECT_ANSWER_SYSTEM
) -> str:
    """An Ollama Modelfile serving the adapter on the base with the student's prompt (its
    ``system`` prompt, the one it was trained with), greedy, stopping at ``stop`` (the base's
    end-of-turn token)."""
    return (
        f"FROM {base_gguf}\n"
        f"ADAPTER {adapter_gguf}\n"
        f'TEMPLATE """{OLLAMA_TEMPLATE}"""\n'
        f'SYSTEM """{system}"""\n'
        f'PARAMETER stop "{stop}"\n'
        "PARAMETER temperature 0\n"
    )


def export_student(
    adapter_dir: Path, out_dir: Path, *, base: StudentBase | None = None
) -> StudentExport:
    """Export the adapter in ``adapter_dir`` into ``out_dir`` (see the module docstring).

    ``base`` defaults to the base the adapter's manifest names; a base of another name or
    shape is refused. Files are written into a temporary folder first and moved in one by one,
    so a failed export never leaves a Modelfile naming a missing adapter.
    """
    adapter = read_adapter(adapter_dir)
    base = base or prepare_base(adapter.base)
    check_fits_base(adapter, base)
    ensure_directory(out_dir, "the export folder")
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out_dir) as staging_name:
        staging = Path(staging_name)
        _convert_adapter(adapter, base, staging / ADAPTER_GGUF)
        shutil.copyfile(base.gguf, staging / base.gguf.name)
        tokenizer = load_tokenizer(base)
        tokenizer.save_pretrained(staging / TOKENIZER_DIR)
        modelfile = modelfile_text(
            f"./{base.gguf.name}",
            f"./{ADAPTER_GGUF}",
            tokenizer.eos_token,
            str(adapter.record.get("system") or DIRECT_ANSWER_SYSTEM),
        )
        (staging / MODELFILE).write_text(modelfile)
        manifest = {
            "format_version": 1,
            "base": base.name,
            "base_gguf": base.gguf.name,
            "adapter_gguf": ADAPTER_GGUF,
            "source_adapter": str(adapter.folder.resolve()),
            "student": adapter.record,
            "llama_cpp_python": llama_cpp_version(),
        }
        (staging / EXPORT_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for name in (ADAPTER_GGUF, base.gguf.name, TOKENIZER_DIR, MODELFILE, EXPORT_MANIFEST):
            target = out_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(staging / name, target)
    return read_export(out_dir)


def read_export(folder: Path) -> StudentExport:
    """The export in ``folder``, every file it names checked to exist."""
    path = folder / EXPORT_MANIFEST
    try:
        manifest = json.loads(path.read_text())
        export = StudentExport(
            folder=folder,
            base=str(manifest["base"]),
            adapter_gguf=folder / str(manifest["adapter_gguf"]),
            base_gguf=folder / str(manifest["base_gguf"]),
            tokenizer=folder / TOKENIZER_DIR,
            modelfile=folder / MODELFILE,
            system=str(manifest.get("student", {}).get("system") or DIRECT_ANSWER_SYSTEM),
        )
    except FileNotFoundError:
        raise DataError(
            f"{folder} is not a student export (no {EXPORT_MANIFEST}); run "
            "`self-distill distill export --adapter DIR --out DIR`"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path} is corrupted ({error!r}); export the student again") from None
    for part in (export.adapter_gguf, export.base_gguf, export.tokenizer, export.modelfile):
        if not part.exists():
            raise DataError(f"{part} is missing from the export; export the student again")
    return export
