"""Shared fixtures for the sandbox tests: hardened sandboxes, a benign skill, attack outcomes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from self_distill.sandbox import (
    ALL_LAYERS_DEFAULT,
    CodeRejectedError,
    Handle,
    IsolationLayer,
    Sandbox,
)

BENIGN_CODE = """
import re

def solve(text):
    return " ".join(sorted(re.findall(r"\\w+", text), key=str.lower))
"""
BENIGN_INPUT = "pear Apple fig"
BENIGN_OUTPUT = "Apple fig pear"

HOST_SECRET = "host-secret-6c1f0e2a"
"""Put into the host's environment: no sandboxed code may ever see it."""

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILE = REPO_ROOT / "pyproject.toml"

LEAK_MARKERS = ("ESCAPED", "root:x:0:0", HOST_SECRET, "[project]")
"""Strings whose presence in any output or error means an attack got through."""

ATTACK_TIMEOUT_S = 0.5
ATTACK_GRACE_S = 0.25


@dataclass(frozen=True)
class Outcome:
    """What an attempt produced: a load rejection (kind syntax/policy/runtime) or a call Result
    (kind ok or the error kind)."""

    kind: str
    output: Any
    error: str | None

    def leaked(self) -> list[str]:
        text = repr(self.output) + (self.error or "")
        return [marker for marker in LEAK_MARKERS if marker in text]


def attempt(box: Sandbox, code: str, text: str = "x") -> Outcome:
    """Load ``code`` and call its ``solve(text)``; report what happened without raising."""
    try:
        handle = box.load(code)
    except CodeRejectedError as rejection:
        return Outcome(rejection.kind, None, rejection.message)
    result = box.call(handle, "solve", text)
    return Outcome(result.error_kind or "ok", result.output, result.error)


@dataclass
class Armed:
    """A running sandbox plus a benign handle used to show it still serves after an attack."""

    box: Sandbox
    benign: Handle

    def assert_still_serves(self) -> None:
        result = self.box.call(self.benign, "solve", BENIGN_INPUT)
        assert result.ok, result.error
        assert result.output == BENIGN_OUTPUT


@pytest.fixture(scope="session", autouse=True)
def host_secret_in_environment() -> Iterator[None]:
    previous = os.environ.get("SELF_DISTILL_TEST_SECRET")
    os.environ["SELF_DISTILL_TEST_SECRET"] = HOST_SECRET
    yield
    if previous is None:
        os.environ.pop("SELF_DISTILL_TEST_SECRET", None)
    else:
        os.environ["SELF_DISTILL_TEST_SECRET"] = previous


def _armed(**settings: Any) -> Iterator[Armed]:
    with Sandbox(timeout_s=ATTACK_TIMEOUT_S, kill_grace_s=ATTACK_GRACE_S, **settings) as box:
        yield Armed(box, box.load(BENIGN_CODE))


@pytest.fixture(scope="module")
def restricted() -> Iterator[Armed]:
    """A fully hardened sandbox (every layer required), shared by a test module."""
    yield from _armed()


@pytest.fixture(scope="module")
def os_layers_only() -> Iterator[Armed]:
    """RestrictedPython switched off by the test-only setting; every OS layer still required."""
    yield from _armed(
        required_layers=ALL_LAYERS_DEFAULT - {IsolationLayer.RESTRICTED_PYTHON},
        _test_disabled_layers={IsolationLayer.RESTRICTED_PYTHON},
    )
