"""The operating-system layers a worker puts around itself before it accepts untrusted code.

:func:`harden` applies every layer it can, in the only order that works (namespaces need root,
Landlock and seccomp need ``no_new_privs``, seccomp must come last because it forbids the calls
the earlier steps make), and reports each layer as active or missing with a reason. It never
raises for a missing layer: deciding whether a missing layer is acceptable is the host's job.
"""

from __future__ import annotations

import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass

from self_distill.sandbox import landlock, seccomp
from self_distill.sandbox.config import WorkerConfig
from self_distill.sandbox.layers import IsolationLayer
from self_distill.sandbox.linux import (
    CLONE_NEWNET,
    CLONE_NEWUSER,
    IS_LINUX_X86_64,
    PR_GET_NO_NEW_PRIVS,
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    clear_capabilities,
    prctl,
    unshare,
)

MIB = 1024 * 1024


@dataclass(frozen=True)
class LayerStatus:
    """Whether one layer is in force, with a human-readable detail or the reason it is not."""

    active: bool
    detail: str


def enter_network_namespace() -> str:
    """Move into a fresh network namespace (with a user namespace when not root)."""
    if os.geteuid() == 0:
        unshare(CLONE_NEWNET)
        return "fresh network namespace, loopback only"
    unshare(CLONE_NEWUSER | CLONE_NEWNET)
    return "fresh user and network namespace, loopback only"


def set_rlimits(config: WorkerConfig) -> str:
    """Cap address space, CPU seconds, open files and file size; disable core dumps."""
    limits = {
        resource.RLIMIT_AS: (config.memory_mb * MIB, config.memory_mb * MIB),
        resource.RLIMIT_CPU: (config.cpu_limit_s, config.cpu_limit_s + 1),
        resource.RLIMIT_NOFILE: (config.max_open_files, config.max_open_files),
        resource.RLIMIT_FSIZE: (config.max_file_bytes, config.max_file_bytes),
        resource.RLIMIT_CORE: (0, 0),
    }
    for limit, values in limits.items():
        resource.setrlimit(limit, values)
        if resource.getrlimit(limit) != values:
            raise OSError(f"rlimit {limit} did not take effect")
    return (
        f"address space {config.memory_mb} MiB, CPU {config.cpu_limit_s} s, "
        f"{config.max_open_files} files, file size {config.max_file_bytes // MIB} MiB, no core"
    )


def _effective_capabilities() -> int:
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"CapEff:"):
                return int(line.split()[1], 16)
    raise OSError("no CapEff line in /proc/self/status")


def drop_privileges(uid: int, gid: int) -> str:
    """Become ``uid``/``gid`` with no supplementary groups and no capabilities.

    A host that is not root cannot change uid; its worker keeps the host's uid and clears the
    capabilities a fresh user namespace gave it.
    """
    if os.geteuid() != 0:
        clear_capabilities()
        detail = f"already unprivileged (uid {os.geteuid()})"
    else:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        detail = f"uid {uid}, gid {gid}, no supplementary groups"
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise OSError("a root id survived the privilege drop")
    if _effective_capabilities() != 0:
        raise OSError("capabilities survived the privilege drop")
    return detail + ", no capabilities"


def set_no_new_privs() -> str:
    """Forbid gaining privileges through execve (and allow unprivileged Landlock/seccomp)."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if prctl(PR_GET_NO_NEW_PRIVS) != 1:
        raise OSError("no_new_privs did not take effect")
    return "set"


def harden(config: WorkerConfig) -> dict[IsolationLayer, LayerStatus]:
    """Apply every OS layer this machine supports; return the status of each.

    Also makes the process non-dumpable (no ptrace attach, no core) and arranges for it to die
    with its parent; these are not optional and are not reported as layers.
    """
    statuses: dict[IsolationLayer, LayerStatus] = {}

    def attempt(layer: IsolationLayer, action: Callable[[], str]) -> None:
        if layer in config.disabled_layers:
            statuses[layer] = LayerStatus(False, "switched off by a test-only setting")
            return
        if not IS_LINUX_X86_64:
            statuses[layer] = LayerStatus(False, "needs Linux on x86_64")
            return
        try:
            statuses[layer] = LayerStatus(True, action())
        except OSError as error:
            statuses[layer] = LayerStatus(False, str(error))

    attempt(IsolationLayer.NETWORK_NAMESPACE, enter_network_namespace)
    attempt(IsolationLayer.RLIMITS, lambda: set_rlimits(config))
    attempt(IsolationLayer.UNPRIVILEGED_UID, lambda: drop_privileges(config.uid, config.gid))
    if IS_LINUX_X86_64:
        prctl(PR_SET_DUMPABLE, 0)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    attempt(IsolationLayer.NO_NEW_PRIVS, set_no_new_privs)
    attempt(IsolationLayer.LANDLOCK, lambda: landlock.confine_to(config.scratch_dir))
    attempt(IsolationLayer.SECCOMP, seccomp.install)
    return statuses
