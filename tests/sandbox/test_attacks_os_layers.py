"""The same kinds of attack with RestrictedPython switched off (test-only setting).

Here attack code runs as ordinary Python: it can ``import os``, ``socket`` and ``ctypes`` for
real. What stops it is the operating system: the network namespace, rlimits, Landlock, the
unprivileged uid, no_new_privs and the seccomp filter. Each attack returns ``"ESCAPED..."`` if
the operation succeeded and ``"blocked: <error>"`` if the kernel refused it; the tests assert
the refusal and that the same sandbox then still answers a benign call.
"""

from __future__ import annotations

import errno
import os
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from self_distill.sandbox import ALL_LAYERS_DEFAULT, IsolationLayer, Sandbox
from tests.sandbox.conftest import HOST_SECRET, PROJECT_FILE, Armed, attempt

EPERM = f"errno {errno.EPERM}"
EACCES = f"errno {errno.EACCES}"


def blocked_if_raises(body: str) -> str:
    """Wrap ``body`` (which returns on success) so that an OSError becomes ``blocked: ...``."""
    return (
        "import os, socket, ctypes, errno, resource, subprocess\n\n"
        "def solve(t):\n"
        "    try:\n"
        f"{textwrap.indent(textwrap.dedent(body).rstrip(), ' ' * 8)}\n"
        "    except OSError as error:\n"
        "        return f'blocked: {type(error).__name__} errno {error.errno}'\n"
    )


@pytest.fixture(scope="module")
def tcp_listener() -> Iterator[int]:
    """A TCP server on the host's loopback that no worker must reach."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()[1]
    server.close()


def run_blocked(armed: Armed, body: str, *reasons: str) -> str:
    outcome = attempt(armed.box, blocked_if_raises(body))
    assert outcome.kind == "ok", outcome
    assert outcome.leaked() == [], outcome
    assert isinstance(outcome.output, str)
    assert outcome.output.startswith("blocked:"), outcome
    assert any(reason in outcome.output for reason in reasons), outcome
    armed.assert_still_serves()
    return outcome.output


FILE_ATTACKS = {
    "read_etc_passwd": "return 'ESCAPED ' + open('/etc/passwd').read()",
    "read_project_file": f"return 'ESCAPED ' + open({str(PROJECT_FILE)!r}).read()",
    "list_root_directory": "return 'ESCAPED ' + str(os.listdir('/'))",
    "read_host_environ_via_proc": "return 'ESCAPED ' + open('/proc/1/environ').read()",
    "write_outside_scratch": "open('/tmp/self-distill-escape', 'w').write('x')\nreturn 'ESCAPED'",
    "write_into_project": (
        f"open({str(PROJECT_FILE.parent / 'escape.txt')!r}, 'w').write('x')\nreturn 'ESCAPED'"
    ),
    "symlink_in_scratch": "os.symlink('/etc/passwd', 'link')\nreturn 'ESCAPED'",
    "fifo_in_scratch": "os.mkfifo('fifo')\nreturn 'ESCAPED'",
    "open_device": "open('/dev/null', 'rb')\nreturn 'ESCAPED'",
}


@pytest.mark.parametrize("body", FILE_ATTACKS.values(), ids=FILE_ATTACKS.keys())
def test_filesystem_attack_is_refused(os_layers_only: Armed, body: str) -> None:
    run_blocked(os_layers_only, body, EACCES, EPERM)


def test_project_file_was_not_created(os_layers_only: Armed) -> None:
    body = FILE_ATTACKS["write_into_project"]
    run_blocked(os_layers_only, body, EACCES, EPERM)
    assert not (PROJECT_FILE.parent / "escape.txt").exists()


def test_scratch_directory_is_usable(os_layers_only: Armed) -> None:
    code = (
        "import os\n\ndef solve(t):\n"
        "    with open('note.txt', 'w') as f:\n        f.write(t)\n"
        "    return open('note.txt').read() + ' in ' + os.getcwd()\n"
    )
    outcome = attempt(os_layers_only.box, code, "kept")
    assert outcome.kind == "ok", outcome
    assert outcome.output == f"kept in {os_layers_only.box.scratch_dir}"


PROCESS_ATTACKS = {
    "fork": "os.fork()\nreturn 'ESCAPED'",
    "execv_shell": "os.execv('/bin/sh', ['sh', '-c', 'true'])\nreturn 'ESCAPED'",
    "subprocess_run": "subprocess.run(['/bin/true'])\nreturn 'ESCAPED'",
    "posix_spawn": "os.posix_spawn('/bin/true', ['true'], {})\nreturn 'ESCAPED'",
    "kill_parent": "os.kill(os.getppid(), 9)\nreturn 'ESCAPED'",
    "kill_own_process_group": "os.killpg(0, 9)\nreturn 'ESCAPED'",
    "setuid_root_after_drop": "os.setuid(0)\nreturn 'ESCAPED'",
    "setresgid_root": "os.setresgid(0, 0, 0)\nreturn 'ESCAPED'",
    "ptrace_parent": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.ptrace(16, os.getppid(), 0, 0) != 0:\n"
        "    raise OSError(ctypes.get_errno(), 'ptrace')\n"
        "return 'ESCAPED'"
    ),
    "mount_tmpfs": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.mount(b'none', b'.', b'tmpfs', 0, None) != 0:\n"
        "    raise OSError(ctypes.get_errno(), 'mount')\n"
        "return 'ESCAPED'"
    ),
    "unshare_user_namespace": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.unshare(0x10000000) != 0:\n"
        "    raise OSError(ctypes.get_errno(), 'unshare')\n"
        "return 'ESCAPED'"
    ),
    "chroot": "os.chroot('.')\nreturn 'ESCAPED'",
    "bpf_syscall": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.syscall(321, 0, 0, 0) < 0:\n"
        "    raise OSError(ctypes.get_errno(), 'bpf')\n"
        "return 'ESCAPED'"
    ),
    "io_uring_setup": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.syscall(425, 1, ctypes.create_string_buffer(120)) < 0:\n"
        "    raise OSError(ctypes.get_errno(), 'io_uring')\n"
        "return 'ESCAPED'"
    ),
    "make_dumpable_again": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.prctl(4, 1, 0, 0, 0) != 0:\n"
        "    raise OSError(ctypes.get_errno(), 'prctl')\n"
        "return 'ESCAPED'"
    ),
}


@pytest.mark.parametrize("body", PROCESS_ATTACKS.values(), ids=PROCESS_ATTACKS.keys())
def test_process_and_privilege_attack_is_refused(os_layers_only: Armed, body: str) -> None:
    run_blocked(os_layers_only, body, EPERM, EACCES)


def test_kill_of_the_host_is_refused(os_layers_only: Armed) -> None:
    run_blocked(os_layers_only, f"os.kill({os.getpid()}, 9)\nreturn 'ESCAPED'", EPERM)


def test_worker_runs_unprivileged(os_layers_only: Armed) -> None:
    code = "import os\n\ndef solve(t):\n    return [os.getuid(), os.geteuid(), os.getgid()]\n"
    outcome = attempt(os_layers_only.box, code)
    assert outcome.kind == "ok", outcome
    assert 0 not in outcome.output


def test_threads_still_work(os_layers_only: Armed) -> None:
    code = (
        "import threading\n\ndef solve(t):\n    seen = []\n"
        "    worker = threading.Thread(target=lambda: seen.append(t))\n"
        "    worker.start()\n    worker.join()\n    return seen\n"
    )
    outcome = attempt(os_layers_only.box, code, "threaded")
    assert (outcome.kind, outcome.output) == ("ok", ["threaded"]), outcome


def test_tcp_connect_to_host_is_refused(os_layers_only: Armed, tcp_listener: int) -> None:
    body = (
        "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        f"s.connect(('127.0.0.1', {tcp_listener}))\nreturn 'ESCAPED'"
    )
    run_blocked(os_layers_only, body, EPERM)


NETWORK_ATTACKS = {
    "udp_sendto": (
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(b'x', ('8.8.8.8', 53))\nreturn 'ESCAPED'"
    ),
    "tcp_bind_listen": (
        "s = socket.socket()\ns.bind(('0.0.0.0', 0))\ns.listen(1)\nreturn 'ESCAPED'"
    ),
    "unix_abstract_socket": (
        "s = socket.socket(socket.AF_UNIX)\ns.connect('\\0some-abstract-name')\nreturn 'ESCAPED'"
    ),
    "raw_syscall_socket": (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.syscall(41, 2, 1, 0) < 0:\n"
        "    raise OSError(ctypes.get_errno(), 'socket')\n"
        "return 'ESCAPED'"
    ),
}


@pytest.mark.parametrize("body", NETWORK_ATTACKS.values(), ids=NETWORK_ATTACKS.keys())
def test_network_attack_is_refused(os_layers_only: Armed, body: str) -> None:
    run_blocked(os_layers_only, body, EPERM)


LIMIT_ATTACKS = {
    "file_larger_than_limit": (
        "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (32 * 1024 * 1024))\nreturn 'ESCAPED'"
    ),
    "too_many_open_files": (
        "handles = [open('many.txt', 'w') for _ in range(200)]\nreturn 'ESCAPED'"
    ),
    "raise_memory_limit": (
        "resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)\nreturn 'ESCAPED'"
    ),
}


@pytest.mark.parametrize("body", LIMIT_ATTACKS.values(), ids=LIMIT_ATTACKS.keys())
def test_resource_limit_holds(os_layers_only: Armed, body: str) -> None:
    outcome = attempt(os_layers_only.box, blocked_if_raises(body))
    assert outcome.leaked() == [], outcome
    if outcome.kind == "ok":
        assert outcome.output.startswith("blocked:"), outcome
    else:
        assert outcome.kind == "exception" and "ValueError" in (outcome.error or ""), outcome
    os_layers_only.assert_still_serves()


def test_core_dumps_are_off(os_layers_only: Armed) -> None:
    code = "import resource\n\ndef solve(t):\n    return resource.getrlimit(resource.RLIMIT_CORE)\n"
    assert attempt(os_layers_only.box, code).output == [0, 0]


def test_environment_holds_no_host_secret(os_layers_only: Armed) -> None:
    assert os.environ["SELF_DISTILL_TEST_SECRET"] == HOST_SECRET
    code = "import os\n\ndef solve(t):\n    return dict(os.environ)\n"
    outcome = attempt(os_layers_only.box, code)
    assert outcome.kind == "ok", outcome
    assert outcome.output == {}
    run_blocked(os_layers_only, f"return open('/proc/{os.getpid()}/environ').read()", EACCES)


def test_only_the_channel_descriptors_are_open(os_layers_only: Armed) -> None:
    code = (
        "import os\n\ndef solve(t):\n    open_fds = []\n    for fd in range(3, 256):\n"
        "        try:\n            os.fstat(fd)\n            open_fds.append(fd)\n"
        "        except OSError:\n            pass\n    return open_fds\n"
    )
    outcome = attempt(os_layers_only.box, code)
    assert outcome.kind == "ok", outcome
    assert len(outcome.output) == 2


CRASHES = {
    "os_exit": ("import os\n\ndef solve(t):\n    os._exit(3)\n", "crash", "status 3"),
    "segfault": (
        "import ctypes\n\ndef solve(t):\n    return ctypes.string_at(0)\n",
        "crash",
        "SIGSEGV",
    ),
    "abort": ("import os\n\ndef solve(t):\n    os.abort()\n", "crash", "worker"),
    "system_exit": ("def solve(t):\n    raise SystemExit(3)\n", "exception", "SystemExit"),
    "keyboard_interrupt": ("def solve(t):\n    raise KeyboardInterrupt\n", "exception", "Keyboard"),
    "memory_bomb": ("def solve(t):\n    return bytearray(2 * 1024 ** 3)\n", "exception", "Memory"),
}


@pytest.mark.parametrize("case", CRASHES.values(), ids=CRASHES.keys())
def test_crash_is_contained(os_layers_only: Armed, case: tuple[str, str, str]) -> None:
    code, kind, detail = case
    outcome = attempt(os_layers_only.box, code)
    assert outcome.kind == kind, outcome
    assert detail in (outcome.error or ""), outcome
    os_layers_only.assert_still_serves()


def test_garbage_on_the_result_channel_is_a_crash_not_a_result(os_layers_only: Armed) -> None:
    code = (
        "import os\n\ndef solve(t):\n    for fd in range(3, 16):\n        try:\n"
        "            os.write(fd, b'\\xff\\xff\\xff\\xff' + b'E' * 64)\n"
        "        except OSError:\n            pass\n    return 'ESCAPED'\n"
    )
    outcome = attempt(os_layers_only.box, code)
    assert outcome.kind == "crash", outcome
    assert "protocol" in (outcome.error or "")
    os_layers_only.assert_still_serves()


@pytest.mark.slow
def test_swallowed_alarm_in_c_is_killed(os_layers_only: Armed) -> None:
    code = (
        "import time\n\ndef solve(t):\n    while True:\n        try:\n"
        "            time.sleep(100)\n        except BaseException:\n            pass\n"
    )
    outcome = attempt(os_layers_only.box, code)
    assert outcome.kind == "timeout", outcome
    assert "worker killed" in (outcome.error or "")
    os_layers_only.assert_still_serves()


class TestSingleLayerAblations:
    """With one more layer switched off, the next one still stops the same attack."""

    def _box(self, *off: IsolationLayer) -> Sandbox:
        disabled = {IsolationLayer.RESTRICTED_PYTHON, *off}
        return Sandbox(
            timeout_s=2.0,
            required_layers=ALL_LAYERS_DEFAULT - disabled,
            _test_disabled_layers=disabled,
        )

    def test_without_seccomp_the_network_namespace_stops_tcp(self, tcp_listener: int) -> None:
        body = (
            "s = socket.socket()\ns.settimeout(1)\n"
            f"s.connect(('127.0.0.1', {tcp_listener}))\nreturn 'ESCAPED'"
        )
        with self._box(IsolationLayer.SECCOMP, IsolationLayer.LANDLOCK) as box:
            outcome = attempt(box, blocked_if_raises(body))
        assert outcome.kind == "ok" and outcome.output.startswith("blocked:"), outcome
        assert f"errno {errno.ECONNREFUSED}" in outcome.output or "errno 101" in outcome.output

    def test_without_landlock_the_uid_drop_stops_writes(self) -> None:
        target = Path("/etc/self-distill-escape")
        with self._box(IsolationLayer.LANDLOCK) as box:
            body = f"open({str(target)!r}, 'w').write('x')\nreturn 'ESCAPED'"
            outcome = attempt(box, blocked_if_raises(body))
        assert outcome.output == f"blocked: PermissionError {EACCES}", outcome
        assert not target.exists()

    def test_without_uid_drop_landlock_stops_reads(self) -> None:
        with self._box(IsolationLayer.UNPRIVILEGED_UID) as box:
            outcome = attempt(box, blocked_if_raises("return open('/etc/shadow').read()"))
        assert outcome.output == f"blocked: PermissionError {EACCES}", outcome

    def test_without_landlock_and_seccomp_reading_passwd_works(self) -> None:
        """The control: with both file layers off the same read succeeds, so the tests above
        measure the layers and not a broken attack."""
        with self._box(IsolationLayer.LANDLOCK, IsolationLayer.SECCOMP) as box:
            outcome = attempt(box, blocked_if_raises("return open('/etc/passwd').read()[:5]"))
        assert outcome.output == "root:", outcome
