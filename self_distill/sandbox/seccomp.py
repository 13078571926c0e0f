"""A hand-assembled classic BPF seccomp filter: a denylist of dangerous system calls.

Python itself needs a broad set of calls after the filter is loaded (memory management, futexes,
reads and writes on the channel, clocks, signals for its own timer), so the filter allows by
default and refuses, with ``EPERM``, the calls that would let a compromised worker reach the
network, start or signal processes, trace or read other processes, change the mount table or
namespaces, gain privileges, or talk to the kernel through side doors (io_uring, bpf, keys).
``clone`` is allowed only with ``CLONE_THREAD`` (a thread, never a new process); ``clone3``,
whose flags live in memory the filter cannot read, answers ``ENOSYS`` so that the C library falls
back to ``clone``. A foreign architecture or the x32 ABI is refused outright.
"""

from __future__ import annotations

import ctypes
import errno

from self_distill.sandbox.linux import PR_SET_SECCOMP, prctl_pointer

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
CLONE_THREAD = 0x00010000

SECCOMP_MODE_FILTER = 2
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

_OFFSET_NR = 0
_OFFSET_ARCH = 4
_OFFSET_ARG0_LOW = 16

SYSCALL_CLONE = 56
SYSCALL_CLONE3 = 435

DENIED_SYSCALLS: dict[str, int] = {
    # network
    "socket": 41,
    "connect": 42,
    "accept": 43,
    "sendto": 44,
    "recvfrom": 45,
    "sendmsg": 46,
    "recvmsg": 47,
    "shutdown": 48,
    "bind": 49,
    "listen": 50,
    "getsockname": 51,
    "getpeername": 52,
    "socketpair": 53,
    "setsockopt": 54,
    "getsockopt": 55,
    "accept4": 288,
    "recvmmsg": 299,
    "sendmmsg": 307,
    # process creation and program execution
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "execveat": 322,
    # signals to other processes
    "kill": 62,
    "tkill": 200,
    "tgkill": 234,
    "rt_sigqueueinfo": 129,
    "rt_tgsigqueueinfo": 297,
    "pidfd_open": 434,
    "pidfd_send_signal": 424,
    "pidfd_getfd": 438,
    # tracing and reading other processes
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "process_madvise": 440,
    "process_mrelease": 448,
    # mounts, namespaces, root changes
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    # identity and privilege
    "setuid": 105,
    "setgid": 106,
    "setreuid": 113,
    "setregid": 114,
    "setgroups": 116,
    "setresuid": 117,
    "setresgid": 119,
    "setfsuid": 122,
    "setfsgid": 123,
    "capset": 126,
    "prctl": 157,
    "personality": 135,
    "seccomp": 317,
    # kernel side doors
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "fanotify_init": 300,
    "modify_ldt": 154,
    "iopl": 172,
    "ioperm": 173,
    "syslog": 103,
    "vhangup": 153,
    "acct": 163,
    "quotactl": 179,
    "quotactl_fd": 443,
    "mknod": 133,
    "mknodat": 259,
    # system administration
    "reboot": 169,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "swapon": 167,
    "swapoff": 168,
    "settimeofday": 164,
    "clock_settime": 227,
    "clock_adjtime": 305,
    "adjtimex": 159,
    "sethostname": 170,
    "setdomainname": 171,
}
"""x86_64 numbers of the calls the filter refuses with ``EPERM`` (besides ``clone`` without
``CLONE_THREAD``)."""


class _SockFilter(ctypes.Structure):
    _fields_ = (
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    )


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter)))


Instruction = tuple[int, str | int, str | int, int]
"""``(code, jump-if-true, jump-if-false, k)``; jumps are label names or 0 (fall through)."""


def _program() -> tuple[list[Instruction], dict[str, int]]:
    deny_eperm = RET_ERRNO | errno.EPERM
    instructions: list[Instruction] = [
        (_LD_W_ABS, 0, 0, _OFFSET_ARCH),
        (_JEQ_K, 0, "kill", AUDIT_ARCH_X86_64),
        (_LD_W_ABS, 0, 0, _OFFSET_NR),
        (_JGE_K, "deny", 0, X32_SYSCALL_BIT),
        (_JEQ_K, "enosys", 0, SYSCALL_CLONE3),
        (_JEQ_K, "clone", 0, SYSCALL_CLONE),
    ]
    instructions += [(_JEQ_K, "deny", 0, number) for number in sorted(DENIED_SYSCALLS.values())]
    labels: dict[str, int] = {}
    instructions.append((_RET_K, 0, 0, RET_ALLOW))
    labels["clone"] = len(instructions)
    instructions.append((_LD_W_ABS, 0, 0, _OFFSET_ARG0_LOW))
    instructions.append((_JSET_K, "allow", "deny", CLONE_THREAD))
    for label, action in (
        ("allow", RET_ALLOW),
        ("deny", deny_eperm),
        ("enosys", RET_ERRNO | errno.ENOSYS),
        ("kill", RET_KILL_PROCESS),
    ):
        labels[label] = len(instructions)
        instructions.append((_RET_K, 0, 0, action))
    return instructions, labels


def assemble() -> list[tuple[int, int, int, int]]:
    """The filter as raw ``(code, jt, jf, k)`` tuples with jump labels resolved."""
    instructions, labels = _program()
    assembled = []
    for index, (code, jump_true, jump_false, k) in enumerate(instructions):
        offsets = []
        for jump in (jump_true, jump_false):
            offset = jump if isinstance(jump, int) else labels[jump] - index - 1
            if not 0 <= offset <= 255:
                raise ValueError(f"seccomp jump from {index} to {jump!r} does not fit in 8 bits")
            offsets.append(offset)
        assembled.append((code, offsets[0], offsets[1], k))
    return assembled


def install() -> str:
    """Load the filter into this process (irrevocably); return a one-line description.

    Requires ``no_new_privs``; raise ``OSError`` if the kernel refuses the filter.
    """
    program = assemble()
    filters = (_SockFilter * len(program))(*(_SockFilter(*instruction) for instruction in program))
    fprog = _SockFprog(len(program), filters)
    prctl_pointer(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.pointer(fprog))
    return f"{len(DENIED_SYSCALLS)} system calls refused, clone only for threads"
