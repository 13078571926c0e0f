"""Assembly of a chunked model from small synthetic chunk packages made by the test."""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import pytest

from self_distill.errors import ModelFileError
from self_distill.models.chunked_assembly import ChunkedModelSource, assemble, is_verified

PARTS = [bytes([i]) * (1000 + i) for i in range(1, 5)]
PREFIX = "sd_test_chunk_part"


def make_packages(root: Path, parts: list[bytes]) -> None:
    for index, payload in enumerate(parts, start=1):
        package = root / f"{PREFIX}{index}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{index:02d}.bin").write_bytes(payload)


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
