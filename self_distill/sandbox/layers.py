"""Names of the isolation layers a sandbox worker can have, and the default requirement.

Each layer is known to fail on its own; the sandbox stacks them. The worker reports which ones it
managed to activate, and the host refuses to run untrusted code while a required one is missing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class IsolationLayer(enum.StrEnum):
    """One independent defence around untrusted code; the value is the name reported to users."""

    RESTRICTED_PYTHON = "restricted_python"
    """Code is compiled by RestrictedPython and runs with guarded access and curated builtins."""

    CLEAN_PROCESS = "clean_process"
    """A separate process forked from an isolated (``python -I``) zygote: empty environment,
    no descriptors but the two channel pipes, the host's memory never mapped."""

    NETWORK_NAMESPACE = "network_namespace"
    """The worker lives in a fresh network namespace with no interface but a down loopback."""

    RLIMITS = "rlimits"
    """Address space, CPU time, open files and file size are capped; core dumps are off."""

    LANDLOCK = "landlock"
    """The filesystem is reduced to the worker's scratch directory (and TCP, signals scoped)."""

    UNPRIVILEGED_UID = "unprivileged_uid"
    """The worker runs as an unprivileged user with no supplementary groups or capabilities."""

    NO_NEW_PRIVS = "no_new_privs"
    """The worker and anything it could start can never gain privileges (setuid bits ignored)."""

    SECCOMP = "seccomp"
    """A syscall filter refuses sockets, exec, new processes, signals to others, ptrace, mount."""


ALL_LAYERS_DEFAULT: frozenset[IsolationLayer] = frozenset(IsolationLayer)
"""What a :class:`~self_distill.sandbox.Sandbox` requires unless the caller lowers it."""

OS_LAYERS: frozenset[IsolationLayer] = ALL_LAYERS_DEFAULT - {IsolationLayer.RESTRICTED_PYTHON}
"""The layers the operating system provides (everything but the Python-level policy)."""


LAYER_ORDER: tuple[IsolationLayer, ...] = tuple(IsolationLayer)
"""The order in which layers are listed to users (Python policy first, then process, OS)."""


def parse_layers(names: Iterable[IsolationLayer | str]) -> frozenset[IsolationLayer]:
    """Turn layer names into layers; raise ``ValueError`` naming an unknown one."""
    if isinstance(names, str):
        raise ValueError(f"expected a collection of layer names, got the string {names!r}")
    layers = set()
    for name in names:
        try:
            layers.add(IsolationLayer(name))
        except ValueError:
            known = ", ".join(layer.value for layer in IsolationLayer)
            raise ValueError(f"unknown isolation layer {name!r}; known layers: {known}") from None
    return frozenset(layers)
