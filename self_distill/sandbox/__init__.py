"""Run untrusted code (model-written skills) behind layered isolation.

The sandbox knows nothing about skills: it loads source code, calls named functions on text,
and hands back plain JSON values. Layers, each known to fail alone: RestrictedPython with
guarded, curated globals; a worker process forked from a clean zygote that enters a new network
namespace, sets rlimits, confines itself with Landlock, drops to an unprivileged uid, sets
no_new_privs and loads a seccomp filter; and a host that speaks size-capped JSON, enforces
timeouts with a hard kill, and restarts dead workers.
"""

from self_distill.errors import CodeRejectedError, SandboxError
from self_distill.sandbox.host import (
    MAX_CODE_BYTES,
    CellResult,
    Handle,
    HostFunctionError,
    JSONValue,
    RequestHandler,
    Result,
    Sandbox,
)
from self_distill.sandbox.layers import ALL_LAYERS_DEFAULT, OS_LAYERS, IsolationLayer

__all__ = [
    "ALL_LAYERS_DEFAULT",
    "MAX_CODE_BYTES",
    "OS_LAYERS",
    "CellResult",
    "CodeRejectedError",
    "Handle",
    "HostFunctionError",
    "IsolationLayer",
    "JSONValue",
    "RequestHandler",
    "Result",
    "Sandbox",
    "SandboxError",
]
