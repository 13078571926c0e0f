"""The hand-assembled seccomp program: structure checked here, effect checked by the attacks."""

from __future__ import annotations

import errno

from self_distill.sandbox.seccomp import (
    AUDIT_ARCH_X86_64,
    CLONE_THREAD,
    DENIED_SYSCALLS,
    RET_ALLOW,
    RET_ERRNO,
    RET_KILL_PROCESS,
    SYSCALL_CLONE,
    SYSCALL_CLONE3,
    assemble,
)

LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06


def run_filter(nr: int, arch: int = AUDIT_ARCH_X86_64, arg0: int = 0) -> int:
    """Interpret the assembled classic-BPF program for one syscall (enough of BPF for it)."""
    program = assemble()
    data = {0: nr, 4: arch, 16: arg0 & 0xFFFFFFFF}
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == LD:
            accumulator = data[k]
            pc += 1
        elif code == RET:
            return k
        else:
            taken = {JEQ: accumulator == k, JSET: bool(accumulator & k), 0x35: accumulator >= k}
            pc += 1 + (jt if taken[code] else jf)


def test_jumps_only_go_forward_and_stay_inside_the_program() -> None:
    program = assemble()
    for index, (code, jt, jf, _) in enumerate(program):
        if code not in (LD, RET):
            assert index + 1 + max(jt, jf) < len(program)
    assert program[-1][0] == RET


def test_every_denied_call_gets_eperm() -> None:
    for name, number in DENIED_SYSCALLS.items():
        assert run_filter(number) == RET_ERRNO | errno.EPERM, name


def test_ordinary_calls_are_allowed() -> None:
    for number in (0, 1, 3, 9, 11, 12, 13, 14, 202, 228, 231, 38, 257):
        assert run_filter(number) == RET_ALLOW


def test_clone_only_for_threads_and_clone3_falls_back() -> None:
    assert run_filter(SYSCALL_CLONE, arg0=CLONE_THREAD | 0x100) == RET_ALLOW
    assert run_filter(SYSCALL_CLONE, arg0=0x11) == RET_ERRNO | errno.EPERM
    assert run_filter(SYSCALL_CLONE3) == RET_ERRNO | errno.ENOSYS


def test_foreign_architecture_and_x32_are_refused() -> None:
    assert run_filter(0, arch=0x40000003) == RET_KILL_PROCESS
    assert run_filter(0x40000000 | 41) == RET_ERRNO | errno.EPERM


def test_the_dangerous_families_are_on_the_list() -> None:
    for name in ("socket", "connect", "execve", "fork", "kill", "ptrace", "mount", "unshare"):
        assert name in DENIED_SYSCALLS
    for name in ("bpf", "io_uring_setup", "setuid", "process_vm_readv", "userfaultfd"):
        assert name in DENIED_SYSCALLS
