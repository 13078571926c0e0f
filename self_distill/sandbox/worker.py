"""The worker: hardens itself, reports its layers, then loads and calls code on request.

Lives in a process forked from the zygote and never returns to it. Requests arrive on one pipe
and results leave on another, as length-prefixed JSON frames. Each call runs under a SIGALRM
timer; everything that touches objects the code made (the call, converting its result,
describing its exception) happens inside that window, so the only ways past the timer are code
that swallows the alarm or loops in C, and for those the host holds a hard kill. A per-call CPU
rlimit is a second backstop should the host itself stall.

Code may call *host functions*, names the host declared when it loaded the code: each call sends
a ``request`` frame and blocks until the host's ``reply`` (or ``reply_error``) frame. The call's
timer is paused while the host answers, so a timeout measures the code's own time. A handle can
also run *cells* (``exec``): statements run in the handle's namespace, printed output and the
value of a last expression come back as text, as in an interactive interpreter.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import sys
import time
import types
from typing import Any, NoReturn

from self_distill.sandbox import hardening, outputs, policy, protocol
from self_distill.sandbox.config import WorkerConfig
from self_distill.sandbox.layers import LAYER_ORDER, IsolationLayer
from self_distill.sandbox.linux import IS_LINUX_X86_64, PR_SET_PDEATHSIG, prctl

MAX_ERROR_CHARS = 500
COMPILE_TIMEOUT_S = 10.0
_FD_CEILING = 1 << 20
_FD_PROBE_LIMIT = 1024
_SETUP_FAILED_STATUS = 70


class CallTimeout(BaseException):
    """Raised by the SIGALRM handler inside running code.

    A ``BaseException``, so ``except Exception`` does not swallow it; a bare ``except`` can, and
    for that the host's hard kill is the answer.
    """


class _Alarm:
    """A one-shot SIGALRM timer that raises :class:`CallTimeout` in whatever code is running."""

    def __init__(self) -> None:
        self.fired = False
        signal.signal(signal.SIGALRM, self._on_alarm)

    def _on_alarm(self, signum: int, frame: types.FrameType | None) -> None:
        self.fired = True
        raise CallTimeout()

    def arm(self, seconds: float) -> None:
        self.fired = False
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    @staticmethod
    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _code_line(error: BaseException) -> int | None:
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == policy.SKILL_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def describe_exception(error: BaseException) -> str:
    """``"<TypeName>: <message> (line N)"``, bounded in length; never raises."""
    name = type(error).__name__
    try:
        text = str(error)
    except Exception:
        text = "<unprintable message>"
    line = _code_line(error)
    description = f"{name}: {text}" if text else name
    if len(description) > MAX_ERROR_CHARS:
        description = description[:MAX_ERROR_CHARS] + "..."
    return description + (f" (line {line})" if line is not None else "")


def _limit_cpu_for_call(timeout_s: float) -> None:
    """Lower the CPU soft limit to what this call may use (plus a second of slack)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    wanted = int(usage.ru_utime + usage.ru_stime) + math.ceil(timeout_s) + 1
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if wanted != soft:
        resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))


def _timeout_cause(timed_out: str, error: str | None) -> str:
    """The error of a call or load whose alarm fired, whatever the code made of the alarm.

    Code can swallow :class:`CallTimeout` (a bare ``except``) or turn it into another error
    (``except BaseException`` raises NameError, since the name is not in the sandbox): the
    cause is still the timeout, and that is what the host must hear.
    """
    if error is None:
        return f"{timed_out} (the code swallowed the alarm)"
    if error == timed_out:
        return error
    return f"{timed_out} (the code raised {error.removeprefix('exception: ')} on the alarm)"


def _public_name(name: object) -> str:
    """A name the host binds in a namespace: an identifier, never private (``_``)."""
    text = str(name)
    if not text.isidentifier() or text.startswith("_"):
        raise protocol.ProtocolError(f"cannot bind the name {text!r} in the sandbox")
    return text


def _cell_reply(printed: str, error: str | None, duration_s: float) -> dict[str, Any]:
    return {"ok": error is None, "printed": printed, "error": error, "duration_s": duration_s}


def _error_result(error: str, duration_s: float = 0.0) -> dict[str, Any]:
    return {"ok": False, "output": None, "error": error, "duration_s": duration_s}


class Worker:
    """The request loop. One instance per worker process."""

    def __init__(self, request_fd: int, response_fd: int, config: WorkerConfig) -> None:
        self._request_fd = request_fd
        self._response_fd = response_fd
        self._config = config
        self._alarm = _Alarm()
        self._namespaces: dict[int, dict[str, Any]] = {}
        self._printers: dict[int, policy.PrintCollector] = {}
        self._max_frame = config.max_output_bytes + protocol.FRAME_OVERHEAD_BYTES
        self._requests = protocol.FrameBuffer(config.max_request_bytes)

    def send(self, message: dict[str, Any]) -> None:
        protocol.write_all(self._response_fd, protocol.encode_frame(message, self._max_frame))

    def serve(self) -> None:
        """Answer requests until the host closes the channel."""
        while True:
            try:
                request = protocol.read_frame_blocking(self._request_fd, self._requests)
            except protocol.PeerClosedError:
                return
            operation = request.get("op")
            if operation == "load":
                self.send(self._load(request))
            elif operation == "call":
                self._call_many(request)
            elif operation == "exec":
                self.send(self._exec(request))
            else:
                raise protocol.ProtocolError(f"unknown operation {operation!r}")

    def _compile(self, code: str) -> types.CodeType:
        """Compile under the policy, bounded by :data:`COMPILE_TIMEOUT_S`."""
        try:
            self._alarm.arm(COMPILE_TIMEOUT_S)
            try:
                return policy.compile_code(code, restricted=self._config.restricted)
            finally:
                self._alarm.disarm()
        except CallTimeout:
            raise policy.CodeRejected(
                "syntax", f"compiling took longer than {COMPILE_TIMEOUT_S:g} s"
            ) from None

    def _namespace(self, handle: int, request: dict[str, Any]) -> dict[str, Any]:
        """Fresh globals with the request's variables, host functions and a shared printer."""
        printer = policy.PrintCollector()
        if self._config.restricted:
            namespace = policy.restricted_globals()
            namespace["_print_"] = lambda _getattr_=None: printer
            namespace["_print"] = printer
        else:
            namespace = policy.unrestricted_globals()
            namespace["print"] = printer._call_print
        for name, value in dict(request.get("variables") or {}).items():
            namespace[_public_name(name)] = value
        for name in request.get("host_functions") or ():
            namespace[_public_name(name)] = self._host_function(str(name))
        self._printers[handle] = printer
        return namespace

    def _host_function(self, name: str) -> Any:
        ask = self._ask_host

        def host_function(*args: Any) -> Any:
            return ask(name, args)

        return host_function

    def _ask_host(self, name: str, args: tuple[Any, ...]) -> Any:
        """Send one host-function request and wait for the answer, the call's timer paused.

        Arguments travel as plain JSON (:func:`outputs.to_plain`); a refused argument or an
        error the host sends back raises ``ValueError`` or ``RuntimeError`` in the code.
        """
        try:
            plain = outputs.to_plain(list(args), self._config.max_output_bytes)
        except outputs.OutputRejected as rejection:
            raise ValueError(
                f"{name}: arguments cannot be sent to the host ({rejection})"
            ) from None
        try:
            frame = protocol.encode_frame(
                {"request": {"function": name, "args": plain}}, self._max_frame
            )
        except protocol.ProtocolError:
            limit = self._config.max_output_bytes
            raise ValueError(f"{name}: arguments exceed {limit} bytes") from None
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        self._alarm.disarm()
        try:
            protocol.write_all(self._response_fd, frame)
            reply = protocol.read_frame_blocking(self._request_fd, self._requests)
        finally:
            if remaining > 0:
                self._alarm.arm(remaining)
        if "reply_error" in reply:
            raise RuntimeError(str(reply["reply_error"]))
        return reply.get("reply")

    def _load(self, request: dict[str, Any]) -> dict[str, Any]:
        handle, code = int(request["handle"]), str(request["code"])
        timeout_s = float(request["timeout_s"])
        try:
            compiled = self._compile(code)
        except policy.CodeRejected as rejection:
            return {"ok": False, "kind": rejection.kind, "message": rejection.message}
        namespace = self._namespace(handle, request)
        timed_out = f"timeout: module-level code ran longer than {timeout_s:g} s"
        message: str | None = None
        try:
            _limit_cpu_for_call(timeout_s)
            self._alarm.arm(timeout_s)
            try:
                exec(compiled, namespace)
                functions = policy.defined_functions(namespace)
            except CallTimeout:
                message = timed_out
            except BaseException as error:
                message = f"exception: {describe_exception(error)}"
            finally:
                self._alarm.disarm()
        except CallTimeout:
            message = timed_out
        if self._alarm.fired:
            message = _timeout_cause(timed_out, message)
        if message is not None:
            return {"ok": False, "kind": "runtime", "message": message}
        self._namespaces[handle] = namespace
        return {"ok": True, "functions": list(functions)}

    def _exec(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one cell in a handle's namespace; reply with what it printed and its error."""
        timeout_s = float(request["timeout_s"])
        handle = int(request["handle"])
        namespace, printer = self._namespaces.get(handle), self._printers.get(handle)
        if namespace is None or printer is None:
            return _cell_reply("", f"missing_handle: no code loaded as handle {handle}", 0.0)
        try:
            self._alarm.arm(COMPILE_TIMEOUT_S)
            try:
                body, last = policy.compile_cell(str(request["code"]), self._config.restricted)
            finally:
                self._alarm.disarm()
        except CallTimeout:
            return _cell_reply("", f"syntax: compiling took longer than {COMPILE_TIMEOUT_S:g} s", 0)
        except policy.CodeRejected as rejection:
            return _cell_reply("", f"{rejection.kind}: {rejection.message}", 0.0)
        printer.clear()
        error: str | None = None
        timed_out = f"timeout: cell exceeded {timeout_s:g} s"
        start = time.perf_counter()
        try:
            _limit_cpu_for_call(timeout_s)
            self._alarm.arm(timeout_s)
            try:
                exec(body, namespace)
                if last is not None:
                    value = eval(last, namespace)
                    if value is not None:
                        printer.write(repr(value) + "\n")
            except CallTimeout:
                error = timed_out
            except BaseException as raised:
                error = f"exception: {describe_exception(raised)}"
            finally:
                self._alarm.disarm()
        except CallTimeout:
            error = timed_out
        duration = time.perf_counter() - start
        if self._alarm.fired:
            error = _timeout_cause(timed_out, error)
        return _cell_reply(printer(), error, duration)

    def _call_many(self, request: dict[str, Any]) -> None:
        timeout_s = float(request["timeout_s"])
        inputs = request["inputs"]
        namespace = self._namespaces.get(int(request["handle"]))
        name = str(request["function"])
        function = namespace.get(name) if namespace is not None else None
        if function is None or name not in policy.defined_functions({name: function}):
            missing = _error_result(f"missing_function: the code defines no function {name!r}")
            for _ in inputs:
                self.send(missing)
            return
        for text in inputs:
            self.send(self._call_one(function, str(text), timeout_s))

    def _call_one(self, function: Any, text: str, timeout_s: float) -> dict[str, Any]:
        error: str | None = None
        output: Any = None
        timed_out = f"timeout: call exceeded {timeout_s:g} s"
        start = time.perf_counter()
        try:
            _limit_cpu_for_call(timeout_s)
            self._alarm.arm(timeout_s)
            try:
                output = outputs.to_plain(function(text), self._config.max_output_bytes)
            except CallTimeout:
                error = timed_out
            except outputs.OutputRejected as rejection:
                error = str(rejection)
            except BaseException as raised:
                error = f"exception: {describe_exception(raised)}"
            finally:
                self._alarm.disarm()
        except CallTimeout:
            error = timed_out
        duration = time.perf_counter() - start
        if self._alarm.fired:
            error = _timeout_cause(timed_out, error)
        if error is not None:
            return _error_result(error, duration)
        result = {"ok": True, "output": output, "error": None, "duration_s": duration}
        try:
            protocol.encode_frame(result, self._max_frame)
        except (protocol.ProtocolError, ValueError):
            limit = self._config.max_output_bytes
            return _error_result(f"output_too_large: output exceeds {limit} bytes", duration)
        return result


def _keep_only_fds(keep: set[int]) -> None:
    """Close every descriptor except ``keep``; point 0, 1 and 2 at /dev/null."""
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        if null != target:
            os.dup2(null, target)
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, _FD_CEILING)


def _check_clean_process(keep: set[int]) -> str:
    os.environ.clear()
    if not sys.flags.isolated:
        raise OSError("the zygote interpreter was not started with -I")
    for fd in range(3, _FD_PROBE_LIMIT):
        if fd in keep:
            continue
        try:
            os.fstat(fd)
        except OSError:
            continue
        raise OSError(f"descriptor {fd} is still open")
    return "forked from an isolated interpreter, empty environment, only the channel pipes open"


def _layer_report(config: WorkerConfig, keep: set[int]) -> dict[str, Any]:
    """Harden the process and describe the outcome for the host's handshake."""
    statuses: dict[IsolationLayer, hardening.LayerStatus] = {}
    try:
        statuses[IsolationLayer.CLEAN_PROCESS] = hardening.LayerStatus(
            True, _check_clean_process(keep)
        )
    except OSError as error:
        statuses[IsolationLayer.CLEAN_PROCESS] = hardening.LayerStatus(False, str(error))
    statuses.update(hardening.harden(config))
    if config.restricted:
        statuses[IsolationLayer.RESTRICTED_PYTHON] = hardening.LayerStatus(
            True, "RestrictedPython compile, guarded access, curated builtins and imports"
        )
    else:
        statuses[IsolationLayer.RESTRICTED_PYTHON] = hardening.LayerStatus(
            False, "switched off by a test-only setting"
        )
    ordered = [(layer, statuses[layer]) for layer in LAYER_ORDER if layer in statuses]
    return {
        "pid": os.getpid(),
        "active": [layer.value for layer, status in ordered if status.active],
        "missing": {layer.value: status.detail for layer, status in ordered if not status.active},
        "details": {layer.value: status.detail for layer, status in ordered if status.active},
    }


def run(request_fd: int, response_fd: int, config_data: dict[str, Any]) -> NoReturn:
    """Entry point in the freshly forked child: harden, say hello, serve. Never returns."""
    status = 0
    try:
        os.setsid()
        if IS_LINUX_X86_64:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        keep = {request_fd, response_fd}
        _keep_only_fds(keep)
        try:
            config = WorkerConfig.from_dict(config_data)
            os.chdir(config.scratch_dir)
            hello = _layer_report(config, keep)
        except Exception as error:
            message = {"fatal": f"worker setup failed: {type(error).__name__}: {error}"}
            protocol.write_all(response_fd, protocol.encode_frame(message, 1 << 16))
            raise
        worker = Worker(request_fd, response_fd, config)
        worker.send({"hello": hello})
        worker.serve()
    except BaseException:
        status = _SETUP_FAILED_STATUS
    finally:
        os._exit(status)
