"""The host side: :class:`Sandbox` starts a hardened worker, loads code, calls it, survives it.

The host never executes or compiles untrusted code. It checks the worker's handshake against the
required isolation layers before sending any code, enforces each call's timeout with a hard kill
of the worker's process group after a grace period, restarts a worker that died or was killed
(reloading every handle, so later calls are unaffected), and receives results as size-capped
JSON only, so what comes back is exact str/int/float/bool/None/list/dict. Expected answers never
enter the worker: the API has no way to send them, and comparing outputs is the caller's business.

Loaded code may be given *variables* (plain JSON values bound in its namespace) and *host
functions*: names that, called in the worker, send a request the host answers through the
``on_request`` callback of the call or cell in progress. The sandbox knows nothing of what the
callback does; it checks that a request names a declared function, pauses the call's timeout
while the callback runs, and sends back its value (or the message of a :class:`HostFunctionError`).
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import shutil
import signal
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from self_distill.errors import CodeRejectedError, SandboxError, UsageError
from self_distill.sandbox import protocol
from self_distill.sandbox.config import NOBODY_ID, WorkerConfig
from self_distill.sandbox.layers import (
    ALL_LAYERS_DEFAULT,
    LAYER_ORDER,
    IsolationLayer,
    parse_layers,
)
from self_distill.sandbox.zygote_client import SpawnedWorker, ZygoteClient, shared_zygote

logger = logging.getLogger(__name__)

JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]

MAX_CODE_BYTES = 256 * 1024
"""Largest source text :meth:`Sandbox.load` accepts."""

_HANDSHAKE_TIMEOUT_S = 30.0
_LOAD_COMPILE_ALLOWANCE_S = 10.0
_WRITE_SLACK_S = 5.0
_EXIT_WAIT_S = 0.2
_BATCH_BYTES = 4 * 1024 * 1024
_FIRST_BATCH = 1
_BATCH_GROWTH = 4
NOT_RUN_ERROR = "not_run: an earlier call timed out"

RequestHandler = Callable[[str, list[Any]], Any]
"""Answers a host-function request: ``(function name, plain JSON args) -> plain JSON value``."""


class HostFunctionError(Exception):
    """Raised by a request handler: the code's call fails with this message (a RuntimeError)."""


@dataclass(frozen=True)
class Loaded:
    """What a handle was loaded with, so a restarted worker gets the same namespace back."""

    code: str
    variables: dict[str, Any]
    host_functions: tuple[str, ...]


@dataclass(frozen=True)
class CellResult:
    """The outcome of one REPL cell (:meth:`Sandbox.execute`).

    ``printed`` is what the cell printed plus the repr of a last expression's value (kept even
    when the cell failed). ``error`` starts with a kind as in :class:`Result` (``syntax`` and
    ``policy`` for a cell that was refused); ``restarted`` is true when the worker was lost and
    the handle reloaded, so names defined by earlier cells are gone.
    """

    ok: bool
    printed: str
    error: str | None
    duration_s: float
    restarted: bool = False

    @property
    def error_kind(self) -> str | None:
        """The part of ``error`` before the first colon, or None for a successful cell."""
        return None if self.error is None else self.error.split(":", 1)[0]


@dataclass(frozen=True)
class Result:
    """The outcome of one call.

    ``error`` starts with a stable kind followed by ``": "``: ``timeout``, ``crash``,
    ``exception``, ``output_too_large``, ``bad_output_type``, ``missing_function``, or
    ``not_run`` (:meth:`Sandbox.run_until_timeout` stopped before this input).
    ``output`` is None whenever ``ok`` is False. ``duration_s`` is the call's time as measured
    in the worker (for a killed call: the host's wait).
    """

    ok: bool
    output: JSONValue
    error: str | None
    duration_s: float

    @property
    def error_kind(self) -> str | None:
        """The part of ``error`` before the first colon, or None for a successful call."""
        return None if self.error is None else self.error.split(":", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the field names."""
        return asdict(self)


@dataclass(frozen=True)
class Handle:
    """Code loaded into one sandbox. ``functions`` are the top-level functions it defines."""

    id: int
    functions: tuple[str, ...]
    sandbox_id: int


class _WorkerLost(Exception):
    """The worker has to be killed or has died; ``error`` is the Result error to report."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _describe_status(status: int | None) -> str:
    if status is None:
        return "worker died (exit status unknown)"
    if os.WIFSIGNALED(status):
        name = _signal_name(os.WTERMSIG(status))
        hint = {
            "SIGXCPU": " (CPU time limit)",
            "SIGKILL": " (killed: CPU hard limit or out of memory)",
            "SIGSYS": " (forbidden system call)",
        }.get(name, "")
        return f"worker killed by {name}{hint}"
    if os.WIFEXITED(status):
        return f"worker exited with status {os.WEXITSTATUS(status)}"
    return f"worker stopped (status {status})"


def _death_error(status: int | None, timeout_s: float) -> str:
    """The Result error for a worker that died during a call."""
    if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
        return f"timeout: call used more than {timeout_s:g} s of CPU; worker killed by SIGXCPU"
    return f"crash: {_describe_status(status)}"


class _WorkerProcess:
    """One live worker as the host sees it: pipes, pidfd, and the frame reader."""

    def __init__(self, zygote: ZygoteClient, spawned: SpawnedWorker, max_frame: int) -> None:
        self.zygote = zygote
        self.pid = spawned.pid
        self._pidfd = spawned.pidfd
        self._request_fd = spawned.request_fd
        self._response_fd = spawned.response_fd
        os.set_blocking(self._request_fd, False)
        self.reader = protocol.FrameReader(spawned.response_fd, max_frame)
        self.alive = True

    def send(self, message: dict[str, Any], deadline: float) -> None:
        """Write one request; a worker that stops reading until ``deadline`` counts as lost.

        Raises :class:`protocol.ProtocolError` (before writing anything) if the frame is too big.
        """
        view = memoryview(protocol.encode_frame(message, protocol.MAX_REQUEST_BYTES))
        poller = select.poll()
        poller.register(self._request_fd, select.POLLOUT)
        try:
            while view:
                remaining_ms = int((deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0 or not poller.poll(remaining_ms):
                    raise _WorkerLost("crash: the worker stopped reading requests")
                try:
                    view = view[os.write(self._request_fd, view) :]
                except BlockingIOError:
                    continue
        except OSError as error:
            raise _WorkerLost(f"crash: could not write to the worker ({error})") from None

    def exited(self) -> bool:
        """Whether the worker process has already ended (killed from outside, crashed)."""
        return self._exited_within(0)

    def _exited_within(self, seconds: float) -> bool:
        poller = select.poll()
        poller.register(self._pidfd, select.POLLIN)
        return bool(poller.poll(int(seconds * 1000)))

    def kill(self) -> None:
        """SIGKILL the worker's process group (it is a session leader and cannot fork)."""
        if self._exited_within(0):
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def finish(self, *, wait_s: float) -> int | None:
        """Close the pipes, give the worker ``wait_s`` to exit, kill it otherwise, reap it."""
        if not self.alive:
            return None
        self.alive = False
        os.close(self._request_fd)
        if not self._exited_within(wait_s):
            self.kill()
        status = self.zygote.reap(self.pid)
        os.close(self._response_fd)
        os.close(self._pidfd)
        return status


def _make_scratch() -> str:
    scratch = tempfile.mkdtemp(prefix="self-distill-sandbox-")
    if os.geteuid() == 0:
        os.chown(scratch, NOBODY_ID, NOBODY_ID)
    return scratch


def _cleanup(state: dict[str, Any]) -> None:
    worker: _WorkerProcess | None = state.get("worker")
    if worker is not None:
        worker.finish(wait_s=_EXIT_WAIT_S)
        state["worker"] = None
    scratch = state.get("scratch")
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
        state["scratch"] = None


def _result_from_frame(frame: dict[str, Any]) -> Result:
    ok = frame.get("ok")
    error = frame.get("error")
    duration = frame.get("duration_s")
    if (
        set(frame) != {"ok", "output", "error", "duration_s"}
        or type(ok) is not bool
        or not (error is None or type(error) is str)
        or type(duration) not in (int, float)
        or not 0 <= duration < float("inf")
        or (ok and error is not None)
        or (not ok and (error is None or frame["output"] is not None))
    ):
        raise protocol.ProtocolError("malformed result frame")
    return Result(ok, frame["output"], error, float(duration))


class Sandbox:
    """Run untrusted code in a hardened worker process.

    Use as a context manager::

        with Sandbox(timeout_s=2.0) as box:
            handle = box.load(code)
            result = box.call(handle, "solve", "some text")

    ``required_layers`` lists the isolation layers that must be active (all by default); the
    sandbox refuses to start otherwise, naming what is missing and why. To run on a machine
    lacking a layer, lower the requirement explicitly
    (``required_layers=ALL_LAYERS_DEFAULT - {IsolationLayer.LANDLOCK}``, or ``frozenset()``) or
    pass ``allow_missing_layers=True``; either way a warning naming the missing layers is logged.

    ``_test_disabled_layers`` switches layers off (RestrictedPython or any OS layer) so the test
    suite can show what the remaining layers stop on their own. It is private and test-only,
    never exposed on the CLI, and a switched-off layer is reported missing, so it also needs a
    lowered ``required_layers``.

    Not thread-safe: use one sandbox per thread.
    """

    def __init__(
        self,
        timeout_s: float = 2.0,
        required_layers: Iterable[IsolationLayer | str] = ALL_LAYERS_DEFAULT,
        memory_mb: int = 512,
        *,
        allow_missing_layers: bool = False,
        kill_grace_s: float = 0.5,
        max_output_bytes: int = 1_000_000,
        _test_disabled_layers: Iterable[IsolationLayer | str] = (),
    ) -> None:
        if not (timeout_s > 0 and kill_grace_s >= 0 and memory_mb >= 64 and max_output_bytes > 0):
            raise UsageError(
                "invalid sandbox settings: timeout_s must be > 0, kill_grace_s >= 0, "
                "memory_mb >= 64 and max_output_bytes >= 1"
            )
        try:
            self.required_layers = parse_layers(required_layers)
            disabled = parse_layers(_test_disabled_layers)
        except ValueError as error:
            raise UsageError(f"invalid sandbox layers: {error}") from None
        if IsolationLayer.CLEAN_PROCESS in disabled:
            raise UsageError("the clean_process layer cannot be switched off")
        self.timeout_s = float(timeout_s)
        self.kill_grace_s = float(kill_grace_s)
        self.allow_missing_layers = allow_missing_layers
        self.max_output_bytes = max_output_bytes
        self.memory_mb = memory_mb
        self.restarts = 0
        self._disabled = tuple(sorted(layer.value for layer in disabled))
        if disabled:
            logger.warning("sandbox layers switched OFF by a test-only setting: %s", self._disabled)
        self._layers: tuple[str, ...] = ()
        self._missing: dict[str, str] = {}
        self._details: dict[str, str] = {}
        self._codes: dict[int, Loaded] = {}
        self._functions: dict[int, tuple[str, ...]] = {}
        self._broken: dict[int, str] = {}
        self._ids = itertools.count(1)
        self._state: dict[str, Any] = {"worker": None, "scratch": None}
        self._finalizer = weakref.finalize(self, _cleanup, self._state)
        self._closed = False

    # lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker now (otherwise the first load does).

        Raises :class:`SandboxError` when a required layer is missing.
        """
        self._worker()

    def close(self) -> None:
        """Stop the worker and delete the scratch directory. Idempotent."""
        self._closed = True
        self._finalizer()

    @property
    def layers(self) -> tuple[str, ...]:
        """Names of the isolation layers active in the current worker."""
        return self._layers

    @property
    def missing_layers(self) -> dict[str, str]:
        """Inactive layers and the reason the worker gave for each."""
        return dict(self._missing)

    @property
    def layer_details(self) -> dict[str, str]:
        """What each active layer enforces, as the worker described it."""
        return dict(self._details)

    @property
    def scratch_dir(self) -> str | None:
        """The only directory the worker may read or write (None before start)."""
        return self._state["scratch"]

    @property
    def worker_pid(self) -> int | None:
        """Process id of the current worker (None when none is running)."""
        worker: _WorkerProcess | None = self._state["worker"]
        return worker.pid if worker is not None and worker.alive else None

    def _worker(self) -> _WorkerProcess:
        """The live worker, spawning one (and reloading every handle into it) if needed."""
        if self._closed:
            raise SandboxError("this sandbox is closed; create a new Sandbox")
        while True:
            worker: _WorkerProcess | None = self._state["worker"]
            if worker is not None and worker.alive:
                if not worker.exited():
                    return worker
                self._lose(worker, kill=False)
            if self._state["scratch"] is None:
                self._state["scratch"] = _make_scratch()
            worker = self._spawn()
            self._state["worker"] = worker
            try:
                self._reload_handles(worker)
            except _WorkerLost:
                continue
            return worker

    def _spawn(self) -> _WorkerProcess:
        config = WorkerConfig(
            scratch_dir=self._state["scratch"],
            memory_mb=self.memory_mb,
            max_output_bytes=self.max_output_bytes,
            max_request_bytes=protocol.MAX_REQUEST_BYTES,
            disabled_layers=self._disabled,
        )
        zygote = shared_zygote()
        worker = _WorkerProcess(
            zygote,
            zygote.spawn(config.to_dict()),
            self.max_output_bytes + protocol.FRAME_OVERHEAD_BYTES,
        )
        try:
            hello = worker.reader.read(time.monotonic() + _HANDSHAKE_TIMEOUT_S)
            self._accept_hello(hello)
        except (protocol.FrameTimeoutError, protocol.ProtocolError) as error:
            status = worker.finish(wait_s=0)
            raise SandboxError(
                f"sandbox worker failed its handshake ({error}; {_describe_status(status)})"
            ) from None
        except BaseException:
            worker.finish(wait_s=0)
            raise
        return worker

    def _accept_hello(self, message: dict[str, Any]) -> None:
        if "fatal" in message:
            raise SandboxError(f"sandbox worker could not start: {message['fatal']}")
        hello = message.get("hello")
        if not isinstance(hello, dict):
            raise SandboxError(f"sandbox worker sent no handshake but {message!r}")
        active = parse_layers(hello.get("active", []))
        missing = {
            IsolationLayer(name): str(reason) for name, reason in hello.get("missing", {}).items()
        }
        for layer in IsolationLayer:
            if layer not in active and layer not in missing:
                missing[layer] = "not reported by the worker"
        unmet = [layer for layer in LAYER_ORDER if layer in missing]
        required_unmet = [layer for layer in unmet if layer in self.required_layers]
        if required_unmet and not self.allow_missing_layers:
            reasons = "; ".join(f"{layer.value} ({missing[layer]})" for layer in required_unmet)
            raise SandboxError(
                f"refusing to run untrusted code: required isolation layers are missing: "
                f"{reasons}. Run on a machine that provides them, or lower the requirement "
                f"explicitly with Sandbox(required_layers=...) or allow_missing_layers=True"
            )
        if unmet:
            logger.warning(
                "sandbox running WITHOUT isolation layers: %s",
                "; ".join(f"{layer.value} ({missing[layer]})" for layer in unmet),
            )
        self._layers = tuple(layer.value for layer in LAYER_ORDER if layer in active)
        self._missing = {layer.value: missing[layer] for layer in unmet}
        self._details = {str(key): str(value) for key, value in hello.get("details", {}).items()}

    def _lose(self, worker: _WorkerProcess, *, kill: bool) -> int | None:
        """Take a worker out of service; returns its wait status (None if unknown)."""
        if kill:
            worker.kill()
        status = worker.finish(wait_s=_EXIT_WAIT_S)
        self._state["worker"] = None
        self.restarts += 1
        return status

    def _reload_handles(self, worker: _WorkerProcess) -> None:
        for handle_id, loaded in self._codes.items():
            if handle_id in self._broken:
                continue
            try:
                reply = self._request_load(worker, handle_id, loaded)
            except _WorkerLost as lost:
                self._broken[handle_id] = (
                    f"crash: code could not be reloaded after a worker restart ({lost.error})"
                )
                raise
            if not reply.get("ok"):
                self._broken[handle_id] = (
                    "crash: code could not be reloaded after a worker restart "
                    f"({reply.get('kind')}: {reply.get('message')})"
                )

    # loading ---------------------------------------------------------------------------------

    def _request_load(
        self, worker: _WorkerProcess, handle_id: int, loaded: Loaded
    ) -> dict[str, Any]:
        budget = _LOAD_COMPILE_ALLOWANCE_S + self.timeout_s + self.kill_grace_s
        message: dict[str, Any] = {
            "op": "load",
            "handle": handle_id,
            "code": loaded.code,
            "timeout_s": self.timeout_s,
        }
        if loaded.variables:
            message["variables"] = loaded.variables
        if loaded.host_functions:
            message["host_functions"] = list(loaded.host_functions)
        try:
            worker.send(message, time.monotonic() + budget + _WRITE_SLACK_S)
        except protocol.ProtocolError:
            raise UsageError(
                f"the code and variables are too large to send to the sandbox "
                f"(at most {protocol.MAX_REQUEST_BYTES} bytes per message)"
            ) from None
        except _WorkerLost:
            self._lose(worker, kill=True)
            raise
        try:
            reply = self._read(worker, time.monotonic() + budget, loaded, None)
        except protocol.FrameTimeoutError:
            self._lose(worker, kill=True)
            raise _WorkerLost(
                f"timeout: module-level code ran longer than {self.timeout_s:g} s "
                "and ignored the alarm; worker killed"
            ) from None
        except protocol.PeerClosedError:
            status = self._lose(worker, kill=False)
            raise _WorkerLost(_death_error(status, self.timeout_s)) from None
        except protocol.ProtocolError as error:
            status = self._lose(worker, kill=True)
            raise _WorkerLost(f"crash: {_describe_status(status)} ({error})") from None
        if not _valid_load_reply(reply):
            status = self._lose(worker, kill=True)
            raise _WorkerLost(f"crash: {_describe_status(status)} (malformed load reply)")
        return reply

    def load(
        self,
        code: str,
        *,
        variables: dict[str, JSONValue] | None = None,
        host_functions: Iterable[str] = (),
    ) -> Handle:
        """Compile and run ``code``'s module level in the worker; return a handle to it.

        ``variables`` are bound in the code's namespace first (plain JSON values, any size up to
        the request cap); ``host_functions`` names functions the host answers (see
        :meth:`execute` and :meth:`run_many`'s ``on_request``). Names must be identifiers that do
        not start with ``_``.

        Raises :class:`CodeRejectedError` with kind ``syntax`` (does not parse), ``policy`` (the
        sandbox policy refuses it, or it is over :data:`MAX_CODE_BYTES`) or ``runtime`` (its
        module-level code raised, timed out or crashed the worker).
        """
        if type(code) is not str:
            raise UsageError(f"code must be a str, not {type(code).__name__}")
        size = len(code.encode("utf-8", "surrogatepass"))
        if size > MAX_CODE_BYTES:
            raise CodeRejectedError(
                "policy", f"the code is {size} bytes; the sandbox accepts at most {MAX_CODE_BYTES}"
            )
        names = tuple(host_functions)
        bound = dict(variables or {})
        for name in (*names, *bound):
            if type(name) is not str or not name.isidentifier() or name.startswith("_"):
                raise UsageError(f"cannot bind {name!r}: use identifiers not starting with _")
        loaded = Loaded(code, bound, names)
        worker = self._worker()
        handle_id = next(self._ids)
        try:
            reply = self._request_load(worker, handle_id, loaded)
        except _WorkerLost as lost:
            raise CodeRejectedError("runtime", lost.error) from None
        if not reply["ok"]:
            raise CodeRejectedError(reply["kind"], reply["message"])
        functions = tuple(reply["functions"])
        self._codes[handle_id] = loaded
        self._functions[handle_id] = functions
        return Handle(handle_id, functions, id(self))

    # calling ---------------------------------------------------------------------------------

    def call(
        self, handle: Handle, fn_name: str, text: str, on_request: RequestHandler | None = None
    ) -> Result:
        """Call ``fn_name(text)`` from the loaded code; never raises for the code's failures."""
        return self.run_many(handle, fn_name, [text], on_request)[0]

    def run_many(
        self,
        handle: Handle,
        fn_name: str,
        inputs: Sequence[str],
        on_request: RequestHandler | None = None,
    ) -> list[Result]:
        """Call ``fn_name`` on every input, in order, sending the batch as one message.

        A call that times out or kills the worker yields an error Result; the worker is
        restarted and the remaining inputs continue in the new one. ``on_request`` answers the
        handle's host functions (without it, they fail in the code).
        """
        if handle.sandbox_id != id(self) or handle.id not in self._codes:
            raise UsageError("this handle was not loaded by this sandbox")
        if type(fn_name) is not str:
            raise UsageError(f"fn_name must be a str, not {type(fn_name).__name__}")
        texts = list(inputs)
        for text in texts:
            if type(text) is not str:
                raise UsageError(f"inputs must be str, not {type(text).__name__}")
        if fn_name not in self._functions[handle.id]:
            defined = ", ".join(self._functions[handle.id]) or "none"
            error = (
                f"missing_function: the code defines no function {fn_name!r} (defines: {defined})"
            )
            return [Result(False, None, error, 0.0) for _ in texts]
        results: list[Result] = []
        failed_sends = 0
        while len(results) < len(texts):
            worker = self._worker()
            if handle.id in self._broken:
                error = self._broken[handle.id]
                results += [Result(False, None, error, 0.0)] * (len(texts) - len(results))
                break
            try:
                results += self._run_batch(
                    worker, handle.id, fn_name, texts[len(results) :], on_request
                )
                failed_sends = 0
            except _WorkerLost as lost:
                self._lose(worker, kill=True)
                failed_sends += 1
                if failed_sends >= 2:
                    results.append(Result(False, None, lost.error, 0.0))
        return results

    def run_until_timeout(
        self,
        handle: Handle,
        fn_name: str,
        inputs: Sequence[str],
        on_request: RequestHandler | None = None,
    ) -> list[Result]:
        """Call ``fn_name`` on every input in batches of 1, 4, 16, ...; stop after a timeout.

        One Result per input, in order. After a batch with a timeout the remaining inputs are not
        run and get a ``not_run`` Result, so code that hangs costs one timeout, not one per input.
        """
        texts = list(inputs)
        results: list[Result] = []
        size = _FIRST_BATCH
        while len(results) < len(texts):
            batch = self.run_many(
                handle, fn_name, texts[len(results) : len(results) + size], on_request
            )
            results += batch
            if any(result.error_kind == "timeout" for result in batch):
                results += [Result(False, None, NOT_RUN_ERROR, 0.0)] * (len(texts) - len(results))
            size *= _BATCH_GROWTH
        return results

    def execute(
        self,
        handle: Handle,
        code: str,
        on_request: RequestHandler | None = None,
        *,
        timeout_s: float | None = None,
    ) -> CellResult:
        """Run ``code`` as a REPL cell in ``handle``'s namespace (names persist between cells).

        The cell is compiled under the same policy as loaded code, runs under ``timeout_s``
        (default: the sandbox's) with the same hard kill, and never raises for its own failures.
        If the worker is lost, the handle is reloaded from its code and variables in a new one
        and the result says ``restarted``.
        """
        if handle.sandbox_id != id(self) or handle.id not in self._codes:
            raise UsageError("this handle was not loaded by this sandbox")
        if type(code) is not str:
            raise UsageError(f"code must be a str, not {type(code).__name__}")
        if len(code.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
            return CellResult(False, "", f"policy: a cell may hold {MAX_CODE_BYTES} bytes", 0.0)
        limit = self.timeout_s if timeout_s is None else float(timeout_s)
        restarts = self.restarts
        worker = self._worker()
        if handle.id in self._broken:
            return CellResult(False, "", self._broken[handle.id], 0.0, True)
        message = {"op": "exec", "handle": handle.id, "code": code, "timeout_s": limit}
        budget = _LOAD_COMPILE_ALLOWANCE_S + limit + self.kill_grace_s
        started = time.monotonic()
        try:
            worker.send(message, started + budget + _WRITE_SLACK_S)
            frame = self._read(worker, started + budget, self._codes[handle.id], on_request)
        except _WorkerLost as lost:
            self._lose(worker, kill=True)
            return self._lost_cell(lost.error, started)
        except protocol.FrameTimeoutError:
            self._lose(worker, kill=True)
            error = f"timeout: cell exceeded {limit:g} s and ignored the alarm; worker killed"
            return self._lost_cell(error, started)
        except protocol.PeerClosedError:
            return self._lost_cell(_death_error(self._lose(worker, kill=False), limit), started)
        except protocol.ProtocolError as problem:
            status = self._lose(worker, kill=True)
            error = f"crash: {_describe_status(status)} (protocol violation: {problem})"
            return self._lost_cell(error, started)
        result = _cell_from_frame(frame)
        if result is None:
            status = self._lose(worker, kill=True)
            error = f"crash: {_describe_status(status)} (malformed cell reply)"
            return self._lost_cell(error, started)
        return replace(result, restarted=self.restarts != restarts)

    def _lost_cell(self, error: str, started: float) -> CellResult:
        """The result of a cell whose worker was lost; the next use reloads every handle."""
        return CellResult(False, "", error, time.monotonic() - started, True)

    def _read(
        self,
        worker: _WorkerProcess,
        deadline: float,
        loaded: Loaded,
        on_request: RequestHandler | None,
    ) -> dict[str, Any]:
        """The next frame that is not a host-function request, answering requests on the way.

        Time the handler spends is added to ``deadline``: the code's own time is what is
        limited. A request for an undeclared function is a protocol violation; an exception
        other than :class:`HostFunctionError` from the handler kills the worker and propagates.
        """
        while True:
            frame = worker.reader.read(deadline)
            if "request" not in frame:
                return frame
            request = frame["request"]
            if (
                set(frame) != {"request"}
                or type(request) is not dict
                or set(request) != {"function", "args"}
                or request["function"] not in loaded.host_functions
                or type(request["args"]) is not list
            ):
                raise protocol.ProtocolError("malformed host-function request")
            asked = time.monotonic()
            reply: dict[str, Any]
            if on_request is None:
                reply = {"reply_error": f"{request['function']} is not available here"}
            else:
                try:
                    reply = {"reply": on_request(request["function"], request["args"])}
                except HostFunctionError as error:
                    reply = {"reply_error": str(error)}
                except BaseException:
                    self._lose(worker, kill=True)
                    raise
            deadline += time.monotonic() - asked
            try:
                worker.send(reply, deadline + _WRITE_SLACK_S)
            except protocol.ProtocolError:
                worker.send({"reply_error": "the answer is too large for the sandbox"}, deadline)

    def _send_batch(
        self, worker: _WorkerProcess, handle_id: int, fn_name: str, texts: list[str]
    ) -> int:
        """Send as many of ``texts`` as fit in one frame; returns how many were sent."""
        count, size = 0, 0
        for text in texts:
            size += len(text) * 4 + 8
            if count and size > _BATCH_BYTES:
                break
            count += 1
        deadline = time.monotonic() + self.timeout_s + self.kill_grace_s + _WRITE_SLACK_S
        while True:
            message = {
                "op": "call",
                "handle": handle_id,
                "function": fn_name,
                "inputs": texts[:count],
                "timeout_s": self.timeout_s,
            }
            try:
                worker.send(message, deadline)
                return count
            except protocol.ProtocolError:
                if count == 1:
                    raise UsageError(
                        f"an input is too large to send to the sandbox "
                        f"(at most {protocol.MAX_REQUEST_BYTES} bytes per message)"
                    ) from None
                count = max(1, count // 2)

    def _run_batch(
        self,
        worker: _WorkerProcess,
        handle_id: int,
        fn_name: str,
        texts: list[str],
        on_request: RequestHandler | None,
    ) -> list[Result]:
        """Run one batch until it ends or the worker is lost; returns the results it produced.

        Raises :class:`_WorkerLost` when the request could not even be sent.
        """
        results: list[Result] = []
        sent = self._send_batch(worker, handle_id, fn_name, texts)
        budget = self.timeout_s + self.kill_grace_s
        for _ in range(sent):
            started = time.monotonic()
            try:
                frame = self._read(worker, started + budget, self._codes[handle_id], on_request)
                results.append(_result_from_frame(frame))
            except _WorkerLost as lost:
                self._lose(worker, kill=True)
                results.append(Result(False, None, lost.error, time.monotonic() - started))
                break
            except protocol.FrameTimeoutError:
                self._lose(worker, kill=True)
                error = (
                    f"timeout: call exceeded {self.timeout_s:g} s and ignored the alarm; "
                    "worker killed"
                )
                results.append(Result(False, None, error, time.monotonic() - started))
                break
            except protocol.PeerClosedError:
                error = _death_error(self._lose(worker, kill=False), self.timeout_s)
                results.append(Result(False, None, error, time.monotonic() - started))
                break
            except protocol.ProtocolError as problem:
                status = self._lose(worker, kill=True)
                error = f"crash: {_describe_status(status)} (protocol violation: {problem})"
                results.append(Result(False, None, error, time.monotonic() - started))
                break
        return results


def _cell_from_frame(frame: dict[str, Any]) -> CellResult | None:
    ok, printed, error, duration = (
        frame.get(key) for key in ("ok", "printed", "error", "duration_s")
    )
    if (
        set(frame) != {"ok", "printed", "error", "duration_s"}
        or type(ok) is not bool
        or type(printed) is not str
        or not (error is None or type(error) is str)
        or ok != (error is None)
        or type(duration) not in (int, float)
        or not 0 <= duration < float("inf")
    ):
        return None
    return CellResult(ok, printed, error, float(duration))


def _valid_load_reply(reply: dict[str, Any]) -> bool:
    if reply.get("ok") is True:
        functions = reply.get("functions")
        return (
            set(reply) == {"ok", "functions"}
            and type(functions) is list
            and all(type(name) is str for name in functions)
        )
    return (
        set(reply) == {"ok", "kind", "message"}
        and reply["ok"] is False
        and reply["kind"] in ("syntax", "policy", "runtime")
        and type(reply["message"]) is str
    )
