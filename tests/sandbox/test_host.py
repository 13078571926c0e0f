"""The host API: loading, calling, batching, failures that must not poison later calls,
layer requirements, and the protocol the host speaks."""

from __future__ import annotations

import logging
import os
import select
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from self_distill.errors import SandboxError, UsageError
from self_distill.sandbox import (
    ALL_LAYERS_DEFAULT,
    MAX_CODE_BYTES,
    CodeRejectedError,
    IsolationLayer,
    Result,
    Sandbox,
)
from self_distill.sandbox import host as host_module
from self_distill.sandbox.zygote_client import shared_zygote
from tests.sandbox.conftest import BENIGN_CODE, BENIGN_INPUT, BENIGN_OUTPUT

ECHO = "def solve(text):\n    return text.upper()\n"
LOOP_ON_DEMAND = (
    "def solve(text):\n    if text == 'loop':\n        while True:\n            try:\n"
    "                while True:\n                    pass\n            except:\n"
    "                pass\n    return text\n"
)


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(timeout_s=0.5, kill_grace_s=0.25) as sandbox:
        yield sandbox


@pytest.fixture
def sent_messages(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every request the host writes to a worker during the test."""
    sent: list[dict[str, Any]] = []
    original = host_module._WorkerProcess.send

    def spy(self: Any, message: dict[str, Any], deadline: float) -> None:
        sent.append(message)
        original(self, message, deadline)

    monkeypatch.setattr(host_module._WorkerProcess, "send", spy)
    return sent


def test_every_layer_is_active_on_this_machine(box: Sandbox) -> None:
    assert set(box.layers) == {layer.value for layer in IsolationLayer}
    assert box.missing_layers == {}
    assert "ABI" in box.layer_details["landlock"]


def test_load_reports_the_functions_the_code_defines(box: Sandbox) -> None:
    code = "from re import escape\n\ndef solve(t):\n    return t\n\ndef applies(t):\n    return 1\n"
    assert box.load(code).functions == ("applies", "solve")


def test_call_and_run_many(box: Sandbox) -> None:
    handle = box.load(ECHO)
    result = box.call(handle, "solve", "abc")
    assert result == Result(True, "ABC", None, result.duration_s)
    assert 0 <= result.duration_s < 0.5
    assert [r.output for r in box.run_many(handle, "solve", ["x", "y", "z"])] == ["X", "Y", "Z"]
    assert box.run_many(handle, "solve", []) == []
    assert result.to_dict() == {
        "ok": True,
        "output": "ABC",
        "error": None,
        "duration_s": result.duration_s,
    }


def test_missing_function_is_a_result_not_an_exception(box: Sandbox) -> None:
    handle = box.load(ECHO)
    result = box.call(handle, "applies", "x")
    assert (result.ok, result.error_kind) == (False, "missing_function")
    assert "solve" in (result.error or "")


@pytest.mark.parametrize(
    ("code", "kind", "detail"),
    [
        ("def solve(t) return t\n", "syntax", "line 1"),
        ("def solve(t):\n    return t.__class__\n", "policy", "__class__"),
        ("raise ValueError('bad module')\n", "runtime", "ValueError: bad module (line 1)"),
        ("x = 1 / 0\n", "runtime", "ZeroDivisionError"),
    ],
)
def test_load_rejections(box: Sandbox, code: str, kind: str, detail: str) -> None:
    restarts = box.restarts
    with pytest.raises(CodeRejectedError) as caught:
        box.load(code)
    assert caught.value.kind == kind
    assert detail in caught.value.message
    assert box.restarts == restarts


def test_code_over_the_size_cap_is_refused_before_the_worker(box: Sandbox) -> None:
    with pytest.raises(CodeRejectedError) as caught:
        box.load("#" * (MAX_CODE_BYTES + 1))
    assert caught.value.kind == "policy"


def test_exceptions_name_type_message_and_line(box: Sandbox) -> None:
    handle = box.load("def solve(t):\n    x = 1\n    return {}[t]\n")
    result = box.call(handle, "solve", "missing")
    assert result.error == "exception: KeyError: 'missing' (line 3)"


@pytest.mark.slow
def test_timeout_does_not_poison_later_calls_or_other_handles(box: Sandbox) -> None:
    other = box.load(BENIGN_CODE)
    looping = box.load(LOOP_ON_DEMAND)
    restarts = box.restarts
    results = box.run_many(looping, "solve", ["a", "loop", "b"])
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error_kind == "timeout"
    assert "worker killed" in (results[1].error or "")
    assert [results[0].output, results[2].output] == ["a", "b"]
    assert box.restarts == restarts + 1
    assert box.call(other, "solve", BENIGN_INPUT).output == BENIGN_OUTPUT


def test_worker_killed_between_calls_is_replaced_silently(box: Sandbox) -> None:
    handle = box.load(ECHO)
    pid = box.worker_pid
    assert pid is not None
    pidfd = os.pidfd_open(pid)
    os.kill(pid, signal.SIGKILL)
    assert select.select([pidfd], [], [], 5)[0] == [pidfd]
    os.close(pidfd)
    result = box.call(handle, "solve", "still here")
    assert result.output == "STILL HERE"
    assert box.worker_pid != pid


def test_batch_goes_in_one_message_and_carries_no_expected_answers(
    box: Sandbox, sent_messages: list[dict[str, Any]]
) -> None:
    handle = box.load(ECHO)
    inputs = [f"input {n}" for n in range(300)]
    results = box.run_many(handle, "solve", inputs)
    assert [r.output for r in results] == [text.upper() for text in inputs]
    calls = [message for message in sent_messages if message["op"] == "call"]
    assert len(calls) == 1
    assert calls[0]["inputs"] == inputs
    for message in sent_messages:
        assert set(message) <= {"op", "handle", "code", "function", "inputs", "timeout_s"}


def test_large_batches_are_split_under_the_frame_cap(
    box: Sandbox, sent_messages: list[dict[str, Any]]
) -> None:
    handle = box.load("def solve(text):\n    return len(text)\n")
    inputs = ["x" * 1_500_000, "y" * 1_500_000, "z"]
    assert [r.output for r in box.run_many(handle, "solve", inputs)] == [1_500_000, 1_500_000, 1]
    assert len([m for m in sent_messages if m["op"] == "call"]) >= 2


def test_output_cap_is_configurable() -> None:
    with Sandbox(max_output_bytes=100) as small:
        handle = small.load("def solve(t):\n    return t * 40\n")
        assert small.call(handle, "solve", "ab").ok
        assert small.call(handle, "solve", "abc").error_kind == "output_too_large"


def test_handles_do_not_share_globals(box: Sandbox) -> None:
    code = "seen = []\n\ndef solve(t):\n    seen.append(t)\n    return len(seen)\n"
    first, second = box.load(code), box.load(code)
    assert [box.call(first, "solve", "a").output for _ in range(3)] == [1, 2, 3]
    assert box.call(second, "solve", "a").output == 1


def test_sandboxes_are_separate_workers() -> None:
    with Sandbox() as one, Sandbox() as two:
        assert one.worker_pid != two.worker_pid
        assert one.scratch_dir != two.scratch_dir


def test_dead_zygote_is_restarted() -> None:
    zygote = shared_zygote()
    zygote._process.kill()
    zygote._process.wait()
    with Sandbox() as fresh:
        handle = fresh.load(ECHO)
        assert fresh.call(handle, "solve", "z").output == "Z"
    assert shared_zygote() is not zygote


def test_missing_required_layer_refuses_to_run() -> None:
    box = Sandbox(_test_disabled_layers={IsolationLayer.LANDLOCK})
    with pytest.raises(SandboxError) as caught:
        box.start()
    message = str(caught.value)
    assert "landlock" in message and "allow_missing_layers" in message
    box.close()


def test_allow_missing_layers_runs_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="self_distill.sandbox.host")
    with Sandbox(
        allow_missing_layers=True, _test_disabled_layers={IsolationLayer.SECCOMP}
    ) as lowered:
        assert "seccomp" not in lowered.layers
        assert "seccomp" in lowered.missing_layers
        assert lowered.call(lowered.load(ECHO), "solve", "a").output == "A"
    assert any("WITHOUT isolation layers: seccomp" in record.message for record in caplog.records)


def test_lowered_requirement_runs_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="self_distill.sandbox.host")
    disabled = {IsolationLayer.NETWORK_NAMESPACE}
    with Sandbox(
        required_layers=ALL_LAYERS_DEFAULT - disabled, _test_disabled_layers=disabled
    ) as lowered:
        assert lowered.missing_layers == {
            "network_namespace": "switched off by a test-only setting"
        }
    assert any("network_namespace" in record.message for record in caplog.records)


def test_close_removes_scratch_and_refuses_further_use() -> None:
    sandbox = Sandbox()
    sandbox.start()
    scratch = sandbox.scratch_dir
    assert scratch is not None and Path(scratch).is_dir()
    sandbox.close()
    sandbox.close()
    assert not Path(scratch).exists()
    with pytest.raises(SandboxError, match="closed"):
        sandbox.load(ECHO)


def test_bad_arguments_are_usage_errors(box: Sandbox) -> None:
    handle = box.load(ECHO)
    with pytest.raises(UsageError):
        box.load(b"def solve(t): return t")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        box.call(handle, "solve", 7)  # type: ignore[arg-type]
    with Sandbox() as other, pytest.raises(UsageError, match="not loaded by this sandbox"):
        other.call(handle, "solve", "x")
    for settings in ({"timeout_s": 0}, {"memory_mb": 8}, {"required_layers": ["bogus"]}):
        with pytest.raises(UsageError):
            Sandbox(**settings)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="clean_process"):
        Sandbox(_test_disabled_layers={IsolationLayer.CLEAN_PROCESS})
