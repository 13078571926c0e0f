"""Run the real ``self-distill`` command: in a subprocess as a user would, or in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from self_distill.cli import main

REPO = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    cwd: Path | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m self_distill ARGS`` with the test's environment (and overrides);
    ``input_text`` is piped to its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "self_distill", *args],
        capture_output=True,
        input=input_text,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def invoke_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI's ``main`` in this process; return (exit status, stdout, stderr)."""
    try:
        main(argv)
        code = 0
    except SystemExit as exit_request:
        code = int(exit_request.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
