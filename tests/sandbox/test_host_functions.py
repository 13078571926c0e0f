"""Host-answered functions and REPL cells: the sandbox's generic request channel."""

from __future__ import annotations

import time
from typing import Any

import pytest

from self_distill.errors import UsageError
from self_distill.sandbox import HostFunctionError, Sandbox


def answer(function: str, args: list[Any]) -> Any:
    if function == "double":
        return args[0] * 2
    if function == "slow":
        time.sleep(1.2)
        return "late"
    raise HostFunctionError(f"{function} refused")


@pytest.fixture(scope="module")
def box() -> Any:
    with Sandbox(timeout_s=1.0, kill_grace_s=0.25) as sandbox:
        yield sandbox


def test_cells_share_a_namespace_and_show_the_last_expression(box: Sandbox) -> None:
    handle = box.load("", variables={"context": "a\nb\nc"})
    first = box.execute(handle, "lines = context.split('\\n')\nprint('n =', len(lines))")
    assert first.ok and first.printed == "n = 3\n"
    second = box.execute(handle, "[line.upper() for line in lines]")
    assert second.ok and second.printed == "['A', 'B', 'C']\n"


def test_print_inside_a_function_defined_earlier_reaches_the_cell_output(box: Sandbox) -> None:
    handle = box.load("")
    assert box.execute(handle, "def shout(x):\n    print(x.upper())\n").ok
    assert box.execute(handle, "shout('hi')").printed == "HI\n"


def test_host_function_answers_come_back_and_errors_raise_runtime_error(box: Sandbox) -> None:
    handle = box.load("", host_functions=["double", "nope"])
    assert box.execute(handle, "double(21)", answer).printed == "42\n"
    caught = box.execute(
        handle, "try:\n    nope()\nexcept RuntimeError as e:\n    print('caught', e)", answer
    )
    assert caught.printed == "caught nope refused\n"


def test_time_the_host_spends_answering_does_not_count_against_the_cell(box: Sandbox) -> None:
    handle = box.load("", host_functions=["slow"])
    result = box.execute(handle, "slow()", answer, timeout_s=1.0)
    assert result.ok, result.error
    assert result.printed == "'late'\n"


def test_without_a_handler_a_host_function_fails_inside_the_code(box: Sandbox) -> None:
    handle = box.load("def solve(t):\n    return double(t)\n", host_functions=["double"])
    assert box.call(handle, "solve", "ab").error_kind == "exception"
    assert box.call(handle, "solve", "ab", answer).output == "abab"


def test_a_cell_is_held_to_its_timeout_and_the_policy(box: Sandbox) -> None:
    handle = box.load("")
    assert box.execute(handle, "while True:\n    pass\n").error_kind == "timeout"
    assert box.execute(handle, "().__class__").error_kind == "policy"
    assert box.execute(handle, "import os").error_kind == "exception"
    assert box.execute(handle, "1 +").error_kind == "syntax"


def test_a_lost_worker_reloads_the_handle_with_its_variables() -> None:
    with Sandbox(timeout_s=0.5, kill_grace_s=0.1) as box:
        handle = box.load("", variables={"context": "kept"})
        box.execute(handle, "x = 1")
        lost = box.execute(
            handle,
            "while True:\n    try:\n        while True:\n            pass\n"
            "    except:\n        pass\n",
        )
        assert lost.error_kind == "timeout" and lost.restarted
        after = box.execute(handle, "print(context)\nx")
        assert after.printed.startswith("kept\n") and after.error_kind == "exception"


def test_private_and_invalid_names_cannot_be_bound(box: Sandbox) -> None:
    with pytest.raises(UsageError):
        box.load("", variables={"_secret": 1})
    with pytest.raises(UsageError):
        box.load("", host_functions=["not a name"])
