"""Who runs a run: enough about a process to tell later, and safely, that it is gone.

A pid alone is not enough: pids are reused, hosts share ledgers over network folders, and
containers on one machine see different pid namespaces. A run therefore records its pid, its host
name and a start stamp ``<boot id>/<pid namespace>/<start time in clock ticks>`` read from
``/proc``. A run is judged gone only when that is certain: same host, and either the machine has
rebooted since, or (same pid namespace) no process with that pid and start time exists. Anything
else (another host, another namespace, no ``/proc``) is "cannot tell", and the run keeps its status.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    """A process as recorded in a run row; ``start`` is ``None`` where ``/proc`` is missing."""

    pid: int
    start: str | None
    host: str


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _start_ticks(pid: int) -> str | None:
    """Field 22 of ``/proc/<pid>/stat`` (after the command name, which may hold spaces)."""
    stat = _read(_PROC / str(pid) / "stat")
    if stat is None:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def _pid_namespace() -> str | None:
    try:
        return os.readlink(_PROC / "self" / "ns" / "pid")
    except OSError:
        return None


def _boot_id() -> str | None:
    return _read(_PROC / "sys" / "kernel" / "random" / "boot_id")


def current_process() -> ProcessIdentity:
    """This process, as a run row records it."""
    pid = os.getpid()
    boot, namespace, ticks = _boot_id(), _pid_namespace(), _start_ticks(pid)
    start = f"{boot}/{namespace}/{ticks}" if boot and namespace and ticks else None
    return ProcessIdentity(pid, start, socket.gethostname())


def is_gone(process: ProcessIdentity) -> bool:
    """True only when ``process`` has certainly ended (see the module docstring)."""
    if process.host != socket.gethostname() or process.start is None:
        return False
    boot, namespace, ticks = process.start.split("/", 2)
    if boot != _boot_id():
        return True
    if namespace != _pid_namespace():
        return False
    return _start_ticks(process.pid) != ticks
