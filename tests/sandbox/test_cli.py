"""``self-distill sandbox run|layers`` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import REPO
from tests.support.cli import invoke_cli as run_cli

SKILL = (
    "import re\n\ndef solve(text):\n    return sorted(re.findall(r'\\w+', text), key=str.lower)\n"
)


def write(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "skill.py"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def test_run_prints_one_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["sandbox", "run", write(tmp_path, SKILL), "--input", "b A c", "--json"], capsys
    )
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"ok", "output", "error", "duration_s", "layers"}
    assert (payload["ok"], payload["output"], payload["error"]) == (True, ["A", "b", "c"], None)
    assert "seccomp" in payload["layers"] and "restricted_python" in payload["layers"]


@pytest.mark.parametrize(
    ("source", "error_start"),
    [
        ("def solve(text):\n    return 1 / 0\n", "exception: ZeroDivisionError"),
        ("def solve(text):\n    return text.__class__\n", "policy: "),
        ("def solve(text)\n", "syntax: "),
        ("def other(text):\n    return 1\n", "missing_function: "),
        ("def solve(text):\n    while True:\n        pass\n", "timeout: "),
    ],
)
def test_skill_failures_exit_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, error_start: str
) -> None:
    args = ["sandbox", "run", write(tmp_path, source), "--input", "x", "--json", "--timeout", "0.3"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["ok"] is False and payload["output"] is None
    assert payload["error"].startswith(error_start)


def test_human_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["sandbox", "run", write(tmp_path, SKILL), "--input", "z y"], capsys)
    assert code == 0
    assert "ok" in out and "['y', 'z']" in out and "landlock" in out


def test_bad_usage_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["sandbox", "run", str(tmp_path / "absent.py"), "--input", "x"], capsys)[0] == 2
    code, _, err = run_cli(
        ["sandbox", "run", write(tmp_path, b"\xff\xfe not utf-8"), "--input", "x"], capsys
    )
    assert code == 2
    assert "UTF-8" in err


def test_layers_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["sandbox", "layers", "--json"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert [row["layer"] for row in payload["layers"]][:2] == ["restricted_python", "clean_process"]
    assert payload["all_required_active"] is True


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_json_output_stays_valid_utf8_for_undecodable_input(tmp_path: Path, locale: str) -> None:
    """A non-UTF-8 ``--input`` byte comes back in the answer as a lone surrogate; under a C
    locale it used to reach stdout as a raw 0xFF byte, which is not UTF-8 and so not JSON."""
    skill = write(tmp_path, "def solve(text):\n    return text + '!'\n")
    undecodable = b"caf\xff".decode("utf-8", "surrogateescape")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "self_distill",
            "sandbox",
            "run",
            skill,
            "--json",
            "--input",
            undecodable,
        ],
        capture_output=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "LC_ALL": locale, "PYTHONUTF8": "0"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout.decode("utf-8"))
    assert payload["output"] == "caf\udcff!"
    assert b"\xff" not in result.stdout
