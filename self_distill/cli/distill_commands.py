"""``self-distill distill export``: a trained student made ready for llama.cpp and Ollama.

One click group, ``distill``, holds the student commands (``dataset``, ``train``, ``eval``,
``export``); each is a thin layer over :mod:`self_distill.distill`.
"""

from __future__ import annotations

from pathlib import Path

import click

from self_distill.cli.output import console, print_json

_FOLDER = click.Path(file_okay=False, path_type=Path)


@click.group()
def distill() -> None:
    """Distil verified answers into small local students, and export them."""


@distill.command("export")
@click.option(
    "--adapter",
    "adapter_dir",
    required=True,
    type=_FOLDER,
    help="The trained adapter folder (PEFT files and student.json).",
)
@click.option("--out", "out_dir", required=True, type=_FOLDER, help="Folder to write into.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def export(adapter_dir: Path, out_dir: Path, as_json: bool) -> None:
    """Write the GGUF LoRA adapter, its base GGUF, the tokenizer and an Ollama Modelfile."""
    from self_distill.distill.export import export_student

    exported = export_student(adapter_dir, out_dir)
    files = {
        "adapter_gguf": exported.adapter_gguf,
        "base_gguf": exported.base_gguf,
        "modelfile": exported.modelfile,
    }
    if as_json:
        print_json({"base": exported.base, **{key: str(path) for key, path in files.items()}})
        return
    for key, path in files.items():
        console.print(f"{key}: {path}", soft_wrap=True, markup=False)
    console.print(
        f"serve it with Ollama: ollama create <name> -f {exported.modelfile}",
        soft_wrap=True,
        markup=False,
    )
