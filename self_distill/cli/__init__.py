"""The ``self-distill`` command: a thin layer over the Python API.

Subcommands live in one module each and are imported lazily, so ``self-distill --help`` does not
pay for torch or llama.cpp. Every :class:`~self_distill.errors.SelfDistillError` becomes a
one-line message and a non-zero exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys

import click

from self_distill import __version__
from self_distill.errors import SelfDistillError

# command name -> "module:attribute" of the click command implementing it
LAZY_COMMANDS: dict[str, str] = {
    "ask": "self_distill.cli.ask_command:ask",
    "models": "self_distill.cli.models_commands:models",
    "ledger": "self_distill.cli.ledger_commands:ledger",
    "sandbox": "self_distill.cli.sandbox_commands:sandbox",
    "verify": "self_distill.cli.verify_command:verify",
    "tasks": "self_distill.cli.tasks_commands:tasks",
    "evidence": "self_distill.cli.evidence_commands:evidence",
    "create": "self_distill.cli.create_command:create",
    "skills": "self_distill.cli.skills_commands:skills",
    "experiment": "self_distill.cli.experiment_commands:experiment",
    "agent": "self_distill.cli.agent_commands:agent",
    "answer": "self_distill.cli.agent_commands:answer_command",
    "report": "self_distill.cli.agent_commands:report",
    "rlm": "self_distill.cli.rlm_command:rlm",
    "distill": "self_distill.cli.distill_commands:distill",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="self-distill")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """self-distill: turn recurring LLM work into verified code and small local models."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn package errors into clean exits."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        status = cli.main(args=args, prog_name="self-distill", standalone_mode=False)
    except SelfDistillError as error:
        if debug:
            raise
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as exit_request:
        sys.exit(exit_request.exit_code)
    if isinstance(status, int) and status:
        sys.exit(status)  # click returns, not raises, a command's Exit without standalone mode
