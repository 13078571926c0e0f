"""``self-distill experiment list|run``: the numbered scripts in ``experiments/``.

Each experiment is a standalone script (``python experiments/exp003_....py``) with a
``main(argv)`` function; the CLI finds it by number or name and passes the remaining arguments.
A non-zero integer returned by ``main`` (a missed target) becomes the exit status.
Experiments live in the source tree, so this command works from a checkout (editable install).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import click

from self_distill.cli.output import Column, print_json, print_listing
from self_distill.errors import UsageError

EXPERIMENTS_DIR = Path(__file__).resolve().parents[2] / "experiments"


def experiment_files() -> list[Path]:
    return sorted(EXPERIMENTS_DIR.glob("exp[0-9][0-9][0-9]_*.py"))


def find_experiment(name: str) -> Path:
    matches = [p for p in experiment_files() if p.stem == name or p.stem.startswith(name + "_")]
    if len(matches) != 1:
        known = ", ".join(p.stem for p in experiment_files()) or "none"
        raise UsageError(
            f"no single experiment matches {name!r} in {EXPERIMENTS_DIR}; known: {known}"
        )
    return matches[0]


def summary_line(path: Path) -> str:
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def load_experiment(name: str) -> ModuleType:
    """The experiment script ``name`` (number or full name) imported as a module with ``main``.

    The module is registered under its file name, since dataclasses and pickling look their
    module up in ``sys.modules``.
    """
    path = find_experiment(name)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load experiment {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise UsageError(f"experiment {path} defines no main(argv)")
    return module


@click.group()
def experiment() -> None:
    """Run the numbered, seeded experiments."""


@experiment.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def list_experiments(as_json: bool) -> None:
    """Every experiment with its one-line purpose."""
    rows = [[path.stem, summary_line(path)] for path in experiment_files()]
    if as_json:
        print_json(
            {
                "folder": str(EXPERIMENTS_DIR),
                "experiments": [{"name": name, "purpose": purpose} for name, purpose in rows],
            }
        )
        return
    print_listing(
        [Column("name", identifier=True), Column("purpose")],
        rows,
        title=f"experiments in {EXPERIMENTS_DIR}",
    )


@experiment.command(
    "run",
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("name", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_experiment(ctx: click.Context, name: str | None, args: tuple[str, ...]) -> None:
    """Run experiment NAME (e.g. exp003 or exp003_skill_creation) with its own ARGS.

    Everything after NAME belongs to the experiment: `run exp003 --help` shows its options.
    """
    if name is None or name in ("--help", "-h"):
        click.echo(ctx.get_help())
        return
    status = load_experiment(name).main(list(args))
    if isinstance(status, int) and status != 0:
        raise click.exceptions.Exit(status)
