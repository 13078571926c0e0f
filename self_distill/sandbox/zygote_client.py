"""Host side of the zygote: start it once per host process, ask it for workers, reap them.

One zygote serves every :class:`~self_distill.sandbox.host.Sandbox` of a host process; it is
started lazily, restarted when it has died, and replaced when the host itself has forked (a
forked host must not share the parent's control socket).
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from self_distill.errors import SandboxError

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys\n"
    f"sys.path.insert(0, {_PACKAGE_PARENT!r})\n"
    "from self_distill.sandbox.zygote import serve\n"
    "serve(int(sys.argv[1]))\n"
)
_MAX_CONTROL_MESSAGE = 1 << 16
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class SpawnedWorker:
    """Descriptors the host keeps for one worker: where to write requests, where to read
    results, and a pidfd to signal it without pid-reuse races."""

    pid: int
    pidfd: int
    request_fd: int
    response_fd: int


class ZygoteClient:
    """A running zygote process and its control socket."""

    def __init__(self) -> None:
        host_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()
        self._control = host_end
        self.owner_pid = os.getpid()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, str(zygote_end.fileno())],
                pass_fds=(zygote_end.fileno(),),
                env={},
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        finally:
            zygote_end.close()
        self._control.settimeout(_START_TIMEOUT_S)
        try:
            ready = self._receive()[0]
        except (OSError, SandboxError) as error:
            self._fail_start(error)
        if not ready.get("ready"):
            self._fail_start(SandboxError(f"unexpected first message {ready!r}"))
        self._control.settimeout(None)
        assert self._process.stderr is not None
        self._process.stderr.close()

    def _fail_start(self, error: BaseException) -> None:
        self._process.kill()
        _, stderr = self._process.communicate(timeout=10)
        detail = stderr.decode(errors="replace").strip().splitlines()[-1:] if stderr else []
        raise SandboxError(
            "the sandbox zygote process failed to start "
            f"({error}{'; ' + detail[0] if detail else ''}); check that RestrictedPython is "
            f"installed for {sys.executable}"
        ) from None

    def _receive(self) -> tuple[dict[str, Any], list[int]]:
        message, fds, _, _ = socket.recv_fds(self._control, _MAX_CONTROL_MESSAGE, 1)
        if not message:
            raise SandboxError("the sandbox zygote process exited")
        return json.loads(message), fds

    def alive(self) -> bool:
        return self._process.poll() is None and self.owner_pid == os.getpid()

    def spawn(self, config: dict[str, Any]) -> SpawnedWorker:
        """Fork a worker; the caller owns the returned descriptors."""
        request_read, request_write = os.pipe2(os.O_CLOEXEC)
        response_read, response_write = os.pipe2(os.O_CLOEXEC)
        try:
            with self._lock:
                payload = json.dumps({"op": "spawn", "config": config}).encode()
                socket.send_fds(self._control, [payload], [request_read, response_write])
                reply, fds = self._receive()
        except (OSError, SandboxError) as error:
            for fd in (request_write, response_read):
                os.close(fd)
            raise SandboxError(f"could not start a sandbox worker: {error}") from None
        finally:
            os.close(request_read)
            os.close(response_write)
        if "pid" not in reply or len(fds) != 1:
            for fd in (*fds, request_write, response_read):
                os.close(fd)
            raise SandboxError(f"the sandbox zygote refused to start a worker: {reply}")
        return SpawnedWorker(int(reply["pid"]), fds[0], request_write, response_read)

    def reap(self, pid: int) -> int | None:
        """Collect an exited (or killed) worker's wait status; None when it cannot be known."""
        try:
            with self._lock:
                self._control.send(json.dumps({"op": "reap", "pid": pid}).encode())
                reply, fds = self._receive()
        except (OSError, SandboxError):
            return None
        for fd in fds:
            os.close(fd)
        status = reply.get("status")
        return status if isinstance(status, int) else None

    def close(self) -> None:
        """Ask the zygote to exit (by closing its socket) and wait for it briefly."""
        self._control.close()
        if self.owner_pid != os.getpid():
            return
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


_shared: ZygoteClient | None = None
_shared_lock = threading.Lock()


def shared_zygote() -> ZygoteClient:
    """The host process's zygote, started or restarted as needed."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.alive():
            if _shared is not None and _shared.owner_pid == os.getpid():
                _shared.close()
            _shared = ZygoteClient()
        return _shared


def _close_shared() -> None:
    if _shared is not None and _shared.owner_pid == os.getpid():
        _shared.close()


atexit.register(_close_shared)
