"""The zygote: a clean, pre-warmed interpreter that forks one worker per sandbox.

Started by the host as ``python -I -c ...`` with an empty environment, no inherited
descriptors but its control socket, ``/`` as working directory and its own session. It imports
RestrictedPython and the curated modules once and warms them up (every lazy import the workers
could need happens here, because after Landlock a worker cannot read a single library file).
Forking it costs a few milliseconds, where a fresh interpreter plus imports costs well over
100 ms.

Control protocol (one JSON object per ``SOCK_SEQPACKET`` message):

* ``{"op": "spawn", "config": {...}}`` with two descriptors attached (the worker's request
  read end and response write end) -> ``{"pid": N}`` with a pidfd attached;
* ``{"op": "reap", "pid": N}`` -> ``{"status": wait_status}`` (the host only asks after the
  worker has exited or been killed).

The zygote exits when the host closes the socket, and dies with the host (``PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import signal
import socket
import sys
from typing import Any

from self_distill.sandbox import outputs, policy, protocol, worker
from self_distill.sandbox.linux import IS_LINUX_X86_64, PR_SET_PDEATHSIG, prctl

_MAX_CONTROL_MESSAGE = 1 << 16

PRELOADED_MODULES = ("_strptime", "time", "calendar", "locale", "unicodedata")
"""Modules the standard library imports lazily from C while running sandboxed code (for
example ``datetime.strptime``); they must already be loaded, since the curated import only
acknowledges modules that are present and a Landlocked worker cannot read library files."""

PRELOADED_ENCODINGS = ("ascii", "latin-1", "utf-16", "utf-32", "cp1252", "utf-8-sig", "idna")

_WARM_UP_SKILL = """
import re, json, math, datetime, itertools, collections, string
from collections import Counter

class Box:
    def __init__(self, value):
        self.value = value

def solve(text):
    words = sorted(re.findall(r"[a-z]+", text.lower()), key=str.lower)
    pattern = re.compile(r"(\\w+)@(\\w+)", re.IGNORECASE)
    match = pattern.match("a@b")
    day = datetime.date(2024, 1, 31) + datetime.timedelta(days=1)
    parsed = datetime.datetime.strptime("2024-02-03", "%Y-%m-%d")
    stamp = parsed.strftime("%A %d %B %Y") + "{:>5}".format(len(words))
    counts = Counter(words).most_common(2)
    perms = list(itertools.permutations("ab"))
    total = 0
    for key, value in counts:
        total += value
    blob = json.loads(json.dumps({"w": words, "d": day.isoformat()}))
    text.encode("utf-8").decode("latin-1").encode("utf-16")
    print(stamp)
    head = f"{blob['w']}{match.group(1)}{parsed:%d}{math.sqrt(4)}"
    return f"{head}{string.ascii_lowercase[:2]}{perms}{total}{Box(1).value}{printed}"
"""


def _warm_up() -> None:
    """Run a representative skill once so every lazy import happens before any fork."""
    for module in PRELOADED_MODULES:
        importlib.import_module(module)
    for encoding in PRELOADED_ENCODINGS:
        "warm".encode(encoding).decode(encoding)
    namespace = policy.restricted_globals()
    exec(policy.compile_code(_WARM_UP_SKILL), namespace)
    output = outputs.to_plain(namespace["solve"]("Hello hello world"), 1 << 16)
    protocol.decode_body(protocol.encode_frame({"output": output}, 1 << 16)[4:])
    exec(policy.compile_code("x = 1", restricted=False), policy.unrestricted_globals())
    with contextlib.suppress(policy.CodeRejected):
        policy.compile_code("def broken(:\n")
    try:
        raise ValueError("warm")
    except ValueError as error:
        worker.describe_exception(error)


def _send(control: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    payload = json.dumps(message).encode()
    if fds:
        socket.send_fds(control, [payload], fds)
    else:
        control.send(payload)


def _spawn(control: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        _send(control, {"error": "spawn needs exactly two descriptors"})
        return
    request_fd, response_fd = fds
    pid = os.fork()
    if pid == 0:
        control.close()
        worker.run(request_fd, response_fd, request["config"])
    os.close(request_fd)
    os.close(response_fd)
    pidfd = os.pidfd_open(pid)
    try:
        _send(control, {"pid": pid}, [pidfd])
    finally:
        os.close(pidfd)


def _reap(control: socket.socket, request: dict[str, Any]) -> None:
    try:
        _, status = os.waitpid(int(request["pid"]), 0)
    except ChildProcessError:
        _send(control, {"status": None})
        return
    _send(control, {"status": status})


def serve(control_fd: int) -> None:
    """Main loop of the zygote process."""
    if IS_LINUX_X86_64:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=control_fd)
    if os.getppid() == 1:
        sys.exit(0)
    _warm_up()
    gc.collect()
    gc.freeze()
    _send(control, {"ready": True, "pid": os.getpid()})
    while True:
        message, fds, _, _ = socket.recv_fds(control, _MAX_CONTROL_MESSAGE, 2)
        if not message:
            return
        request = json.loads(message)
        operation = request.get("op")
        if operation == "spawn":
            _spawn(control, request, fds)
        elif operation == "reap":
            _reap(control, request)
        else:
            for fd in fds:
                os.close(fd)
            _send(control, {"error": f"unknown operation {operation!r}"})
