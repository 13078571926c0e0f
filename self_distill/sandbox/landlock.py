"""Landlock: reduce the worker's view of the filesystem to its scratch directory.

The ruleset handles every access right the running kernel knows (by Landlock ABI version) and
grants back only ordinary file work beneath the scratch directory: no execution, no device,
socket, FIFO or symlink creation. From ABI 4 on, TCP bind and connect are handled with no rule
(so refused), and from ABI 6 on, signals and abstract UNIX sockets are scoped to the sandbox, so
the worker cannot signal its parent even where other layers fail.
"""

from __future__ import annotations

import ctypes
import os

from self_distill.sandbox.linux import (
    SYS_LANDLOCK_ADD_RULE,
    SYS_LANDLOCK_CREATE_RULESET,
    SYS_LANDLOCK_RESTRICT_SELF,
    syscall,
)

CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1

ACCESS_FS_EXECUTE = 1 << 0
ACCESS_FS_WRITE_FILE = 1 << 1
ACCESS_FS_READ_FILE = 1 << 2
ACCESS_FS_READ_DIR = 1 << 3
ACCESS_FS_REMOVE_DIR = 1 << 4
ACCESS_FS_REMOVE_FILE = 1 << 5
ACCESS_FS_MAKE_CHAR = 1 << 6
ACCESS_FS_MAKE_DIR = 1 << 7
ACCESS_FS_MAKE_REG = 1 << 8
ACCESS_FS_MAKE_SOCK = 1 << 9
ACCESS_FS_MAKE_FIFO = 1 << 10
ACCESS_FS_MAKE_BLOCK = 1 << 11
ACCESS_FS_MAKE_SYM = 1 << 12
ACCESS_FS_REFER = 1 << 13
ACCESS_FS_TRUNCATE = 1 << 14
ACCESS_FS_IOCTL_DEV = 1 << 15

ACCESS_NET_BIND_TCP = 1 << 0
ACCESS_NET_CONNECT_TCP = 1 << 1

SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}

SCRATCH_ACCESS = (
    ACCESS_FS_WRITE_FILE
    | ACCESS_FS_READ_FILE
    | ACCESS_FS_READ_DIR
    | ACCESS_FS_REMOVE_DIR
    | ACCESS_FS_REMOVE_FILE
    | ACCESS_FS_MAKE_DIR
    | ACCESS_FS_MAKE_REG
    | ACCESS_FS_TRUNCATE
)
"""What the worker may do beneath its scratch directory: plain files and folders, nothing else."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def abi_version() -> int:
    """The kernel's Landlock ABI version; raise ``OSError`` when Landlock is unavailable."""
    return syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)


def handled_fs_rights(abi: int) -> int:
    """Every filesystem access right Landlock ABI ``abi`` can restrict."""
    return _FS_RIGHTS_BY_ABI[max(version for version in _FS_RIGHTS_BY_ABI if version <= abi)]


def confine_to(directory: str) -> str:
    """Restrict this process (irrevocably) to ``directory``; return a one-line description.

    Requires ``no_new_privs`` (or ``CAP_SYS_ADMIN``). Raise ``OSError`` if the kernel refuses.
    """
    abi = abi_version()
    handled_fs = handled_fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=handled_fs)
    size = ctypes.sizeof(ctypes.c_uint64)
    extras = []
    if abi >= 4:
        attr.handled_access_net = ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP
        size += ctypes.sizeof(ctypes.c_uint64)
        extras.append("TCP bind/connect refused")
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size += ctypes.sizeof(ctypes.c_uint64)
        extras.append("signals and abstract sockets scoped")
    ruleset_fd = syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    try:
        directory_fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            rule = _PathBeneathAttr(
                allowed_access=SCRATCH_ACCESS & handled_fs, parent_fd=directory_fd
            )
            syscall(SYS_LANDLOCK_ADD_RULE, ruleset_fd, RULE_PATH_BENEATH, ctypes.byref(rule), 0)
        finally:
            os.close(directory_fd)
        syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset_fd, 0)
    finally:
        os.close(ruleset_fd)
    return "; ".join([f"ABI {abi}, filesystem limited to the scratch directory", *extras])
