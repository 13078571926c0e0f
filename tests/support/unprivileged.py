"""Run a function in a forked child as an unprivileged user, so file permissions apply.

The suite often runs as root (the sandbox tests need it to drop privileges), and root ignores
read-only folders; a child that drops to uid 65534 meets them as a user would. The child needs
no new interpreter (the venv's may lie in a folder that user cannot read): it is a fork.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = 65534


def run_unprivileged(function: Callable[[], str]) -> str:
    """``function()``'s return value, computed in a child running as uid 65534 (when root), or
    ``"<ExceptionType>: <message>"`` when it raised."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                answer = {"value": function()}
            except BaseException as error:
                answer = {"error": f"{type(error).__name__}: {error}"}
            os.write(write_end, json.dumps(answer).encode("utf-8", "surrogatepass"))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    answer = json.loads(data.decode("utf-8", "surrogatepass"))
    return answer.get("value", answer.get("error", ""))


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A fresh folder under /tmp that the unprivileged child can reach (tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="self-distill-test-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)
