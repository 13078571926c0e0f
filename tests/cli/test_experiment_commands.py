"""``self-distill experiment``: help goes to the command or, after a name, to the experiment."""

from __future__ import annotations

from click.testing import CliRunner

from self_distill.cli import cli
from tests.support.cli import run_cli


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["experiment", *args], terminal_width=200)
    return result.exit_code, result.output


def test_help_after_an_experiment_name_is_the_experiments_own() -> None:
    code, output = _invoke("run", "exp003", "--help")
    assert code == 0
    assert "--token-budget" in output  # an exp003 option, unknown to the CLI


def test_run_without_a_name_shows_the_commands_help() -> None:
    for args in (("run",), ("run", "--help")):
        code, output = _invoke(*args)
        assert code == 0
        assert "Run experiment NAME" in output
        assert "--token-budget" not in output


def test_unknown_experiment_is_a_one_line_usage_error() -> None:
    result = run_cli("experiment", "run", "exp999")
    assert result.returncode == 2
    assert "no single experiment matches 'exp999'" in result.stderr
    assert "Traceback" not in result.stderr
