"""The REPL is no weaker than the sandbox: the hostile suite's attacks, sent as a root model's
cells by a scripted model, are all contained, and the REPL still serves afterwards.

Each attack's code is one cell, ``FINAL(solve(context))`` the next, and a benign cell the last:
nothing may leak into any output or answer, and the benign cell must still run.
"""

from __future__ import annotations

from typing import Any

import pytest

from self_distill.rlm import RlmAnswer, RlmLimits
from self_distill.sandbox import ALL_LAYERS_DEFAULT, IsolationLayer
from tests.rlm.conftest import Harness, cell
from tests.sandbox.conftest import LEAK_MARKERS, PROJECT_FILE
from tests.sandbox.test_attacks_os_layers import (
    CRASHES,
    FILE_ATTACKS,
    LIMIT_ATTACKS,
    NETWORK_ATTACKS,
    PROCESS_ATTACKS,
    blocked_if_raises,
)
from tests.sandbox.test_attacks_restricted import ATTACKS, SLOW_ATTACKS, Attack

STILL_SERVES = "FINAL('still serving: ' + str(len(context)))"
LIMITS = RlmLimits(max_iterations=3, cell_timeout_s=0.5)
OS_LAYERS_ONLY: dict[str, Any] = {
    "required_layers": ALL_LAYERS_DEFAULT - {IsolationLayer.RESTRICTED_PYTHON},
    "_test_disabled_layers": {IsolationLayer.RESTRICTED_PYTHON},
}


def run_attack(harness: Harness, code: str, **options: Any) -> RlmAnswer:
    replies = [cell(code), cell("FINAL(solve(context))"), cell(STILL_SERVES)]
    return harness.run(replies, context="x", limits=LIMITS, sandbox_options=options or None)


def leaks(answer: RlmAnswer, *, printing_allowed: bool = False) -> list[str]:
    texts = [answer.text or ""]
    for step in answer.trajectory.steps:
        for one in step.cells:
            texts += [one.error or ""] + ([] if printing_allowed else [one.output])
    return [marker for marker in LEAK_MARKERS if any(marker in text for text in texts)]


def assert_contained(answer: RlmAnswer) -> None:
    assert answer.text is not None
    assert not answer.text.startswith("ESCAPED")
    if answer.text.startswith("still serving"):
        assert answer.text == "still serving: 1"
    assert not (PROJECT_FILE.parent / "escape.txt").exists()


@pytest.mark.parametrize("case", ATTACKS, ids=str)
def test_restricted_attack_as_a_cell_is_contained(harness: Harness, case: Attack) -> None:
    answer = run_attack(harness, case.code)
    assert leaks(answer) == [], answer.trajectory.to_dict()
    assert_contained(answer)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_ATTACKS, ids=str)
def test_slow_attack_as_a_cell_is_contained(harness: Harness, case: Attack) -> None:
    answer = run_attack(harness, case.code)
    flood = case.name == "print_flood"
    assert leaks(answer, printing_allowed=flood) == [], answer.trajectory.to_dict()
    assert_contained(answer)
    assert answer.text == "still serving: 1"
    if flood:
        shown = answer.trajectory.steps[1].cells[0].output
        assert len(shown) <= LIMITS.max_output_chars + 60


OS_ATTACKS = {**FILE_ATTACKS, **PROCESS_ATTACKS, **NETWORK_ATTACKS, **LIMIT_ATTACKS}


@pytest.mark.parametrize("body", OS_ATTACKS.values(), ids=OS_ATTACKS.keys())
def test_os_layer_attack_as_a_cell_is_contained(harness: Harness, body: str) -> None:
    answer = run_attack(harness, blocked_if_raises(body), **OS_LAYERS_ONLY)
    assert leaks(answer) == [], answer.trajectory.to_dict()
    assert_contained(answer)
    assert answer.text.startswith(("blocked:", "still serving")), answer.text


@pytest.mark.parametrize("case", CRASHES.values(), ids=CRASHES.keys())
def test_crash_as_a_cell_is_contained_and_the_repl_restarts(
    harness: Harness, case: tuple[str, str, str]
) -> None:
    answer = run_attack(harness, case[0], **OS_LAYERS_ONLY)
    assert leaks(answer) == []
    assert answer.text == "still serving: 1"
