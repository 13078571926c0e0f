"""Thin ctypes access to the Linux system calls the hardening layers need.

Only the standard C library is used (no compiled extension, no dependency), so the worker can
harden itself on any x86_64 Linux. Every helper raises ``OSError`` with the real errno on failure.
"""

from __future__ import annotations

import ctypes
import os
import platform

IS_LINUX_X86_64 = platform.system() == "Linux" and platform.machine() == "x86_64"

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

SYS_CAPSET = 126
SYS_UNSHARE = 272
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int
_libc.prctl.argtypes = [
    ctypes.c_int,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
]


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return result


def syscall(number: int, *args: int | ctypes._CData | None) -> int:
    """Invoke raw system call ``number``; integers are passed as C longs."""
    converted = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
    return _check(_libc.syscall(ctypes.c_long(number), *converted), f"syscall {number}")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    """Call ``prctl(2)``."""
    return _check(_libc.prctl(option, arg2, arg3, arg4, arg5), f"prctl({option})")


def prctl_pointer(option: int, arg2: int, pointer: ctypes._Pointer) -> int:
    """Call ``prctl(2)`` whose third argument is a pointer (``PR_SET_SECCOMP``)."""
    address = ctypes.cast(pointer, ctypes.c_void_p).value or 0
    return _check(_libc.prctl(option, arg2, address, 0, 0), f"prctl({option})")


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


_CAPABILITY_VERSION_3 = 0x20080522


def clear_capabilities() -> None:
    """Drop every effective, permitted and inheritable capability of this thread (``capset``)."""
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    syscall(SYS_CAPSET, ctypes.byref(header), data)


def unshare(flags: int) -> None:
    """Call ``unshare(2)`` with ``flags``."""
    syscall(SYS_UNSHARE, flags)
