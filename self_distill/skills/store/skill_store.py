"""The skill store: one folder per skill version on disk, written atomically, with an index.

Layout under the store root (``skills/`` in the data home by default)::

    index.json                  every version: id, version, status, family, accuracy, path
    <id>/v<N>/skill.py          the code
    <id>/v<N>/manifest.json     provenance and status (:class:`SkillManifest`)
    <id>/v<N>/verification.json the verdict that set the status, and earlier verdicts
    <id>/v<N>/examples.jsonl    the labelled examples it was judged on (split shown/heldout),
                                so ``skills reverify`` can judge it again

A version folder is written complete in a temporary folder and renamed into place, files are
replaced with ``os.replace``, and every change holds an exclusive lock on ``.lock``, so a crash or
a concurrent writer never leaves a half-written version or a stale index. Rejected versions are
kept with their reasons: they are data for reports and repair prompts. The index is derived from
the manifests and can always be rebuilt; a broken version folder is reported, never fatal to the
rest of the store.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from self_distill.errors import DataError, SkillError
from self_distill.skills.examples import LabelledExample
from self_distill.skills.store.manifest import (
    SkillManifest,
    SkillStatus,
    check_skill_id,
    utc_timestamp,
)
from self_distill.skills.verification.record import VerificationRecord
from self_distill.tasks import SPLITS, read_jsonl
from self_distill.tasks.jsonl import jsonl_text

INDEX_FILE = "index.json"
LOCK_FILE = ".lock"
CODE_FILE = "skill.py"
MANIFEST_FILE = "manifest.json"
VERIFICATION_FILE = "verification.json"
EXAMPLES_FILE = "examples.jsonl"


@dataclass(frozen=True)
class StoredSkill:
    """One version on disk: its manifest and folder."""

    manifest: SkillManifest
    path: Path

    @property
    def ref(self) -> str:
        return self.manifest.ref

    def code(self) -> str:
        return _read_text(self.path / CODE_FILE)

    def verification(self) -> VerificationRecord | None:
        """The stored verification record, or None when the version was never verified."""
        path = self.path / VERIFICATION_FILE
        if not path.exists():
            return None
        return VerificationRecord.from_dict(_read_json(path), str(path))

    def examples(self) -> list[tuple[LabelledExample, str]]:
        """The stored labelled examples with their split (``shown`` or ``heldout``)."""
        path = self.path / EXAMPLES_FILE
        if not path.exists():
            raise SkillError(
                f"{self.ref}: no {EXAMPLES_FILE} in {self.path}; it cannot be re-verified without "
                "its examples (create it again from the data)"
            )
        rows: list[tuple[LabelledExample, str]] = []
        try:
            for row in read_jsonl(path):
                record = row.record
                if not (
                    isinstance(record.get("input"), str)
                    and isinstance(record.get("target"), str)
                    and record.get("split") in SPLITS
                ):
                    raise SkillError(
                        f"{row.where}: malformed example row; expected string input and target "
                        f"and a split in {SPLITS}"
                    )
                rows.append((LabelledExample(record["input"], record["target"]), record["split"]))
        except DataError as error:
            raise SkillError(str(error)) from error
        return rows

    def index_entry(self) -> dict[str, Any]:
        """The version's row in ``index.json``; an unreadable verification record leaves the
        verdict fields empty and is named under ``problem`` instead of failing the index."""
        problem = None
        try:
            record = self.verification()
        except SkillError as error:
            record, problem = None, str(error)
        verdict = record.verdict.to_dict() if record else {}
        m = self.manifest
        return {
            "id": m.id,
            "version": m.version,
            "status": m.status,
            "status_reason": m.status_reason,
            "family": m.family,
            "cluster": m.cluster,
            "creator_model": m.creator_model,
            "creation_tokens": m.creation_tokens,
            "heldout_accuracy": verdict.get("heldout_accuracy"),
            "heldout_ci": verdict.get("heldout_ci"),
            "reasons": verdict.get("reasons", []),
            "created_at": m.created_at,
            "updated_at": m.updated_at,
            "path": str(self.path),
            "problem": problem,
        }


@dataclass(frozen=True)
class StoreScan:
    """Every readable version, and one message per version folder that could not be read."""

    skills: tuple[StoredSkill, ...]
    problems: tuple[str, ...]


def code_sha256(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class SkillStore:
    """The skill library at ``root`` (created on first write)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def add(
        self,
        draft: SkillManifest,
        code: str,
        *,
        verification: VerificationRecord | None = None,
        examples: Sequence[tuple[LabelledExample, str]] = (),
        parent: str | None = None,
    ) -> StoredSkill:
        """Store ``code`` as the next version of ``draft.id``; returns the stored version.

        ``draft.version`` is ignored: the store assigns the next free number. ``parent`` is the
        version this code was made from (a repaired or hand-fixed skill's original), None for an
        independent sample: a version number says only what was stored before. A new *active*
        version retires the previous active one, so each id has at most one active version.
        """
        check_skill_id(draft.id)
        with self._locked():
            existing = self._versions_unlocked(draft.id)
            active = [s for s in existing if s.manifest.status == "active"]
            version = self._last_version_number(draft.id) + 1
            now = utc_timestamp()
            manifest = replace(
                draft,
                version=version,
                parent=parent,
                code_sha256=code_sha256(code),
                created_at=now,
                updated_at=now,
            )
            stored = self._write_version(manifest, code, verification, examples)
            if manifest.status == "active":
                for previous in active:
                    self._write_manifest(
                        previous,
                        previous.manifest.with_status("retired", f"superseded by {stored.ref}"),
                    )
            self._write_index_unlocked()
        return stored

    def get(self, ref: str) -> StoredSkill:
        """The version ``ref`` names: ``id@N`` exactly, or ``id`` for its active (else newest
        readable) version. A version whose files are corrupt is named with what is wrong."""
        skill_id, _, number = ref.partition("@")
        versions = self._versions_unlocked(check_skill_id(skill_id))
        if number and not number.isdigit():
            raise SkillError(f"bad skill reference {ref!r}; use ID or ID@VERSION (e.g. sort@2)")
        if number:
            for stored in versions:
                if stored.manifest.version == int(number):
                    return stored
            folder = self.root / skill_id / f"v{int(number)}"
            if folder.is_dir():
                load_version(folder)
        if not versions:
            unreadable = self._last_version_number(skill_id)
            detail = f" ({unreadable} unreadable version folders)" if unreadable else ""
            raise SkillError(
                f"no skill {skill_id!r} in {self.root}{detail}; see `self-distill skills list`"
            )
        if not number:
            active = [s for s in versions if s.manifest.status == "active"]
            return (active or versions)[-1]
        known = ", ".join(s.ref for s in versions)
        raise SkillError(f"no version {number} of {skill_id!r} in {self.root}; known: {known}")

    def versions(self, skill_id: str) -> list[StoredSkill]:
        """All readable versions of ``skill_id``, oldest first."""
        return self._versions_unlocked(check_skill_id(skill_id))

    def scan(self) -> StoreScan:
        """Read every version folder's manifest; unreadable folders become problems."""
        skills: list[StoredSkill] = []
        problems: list[str] = []
        if not self.root.is_dir():
            return StoreScan((), ())
        for skill_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if skill_dir.name.startswith("."):
                continue
            for folder in _version_folders(skill_dir):
                try:
                    skills.append(load_version(folder))
                except SkillError as error:
                    problems.append(str(error))
        return StoreScan(tuple(skills), tuple(problems))

    def active(self) -> list[StoredSkill]:
        return [s for s in self.scan().skills if s.manifest.status == "active"]

    def set_status(self, ref: str, status: SkillStatus, reason: str) -> StoredSkill:
        """Change one version's status; making one active retires the id's other active one."""
        with self._locked():
            stored = self.get(ref)
            updated = self._write_manifest(stored, stored.manifest.with_status(status, reason))
            if status == "active":
                for other in self._versions_unlocked(stored.manifest.id):
                    if other.manifest.status == "active" and other.ref != stored.ref:
                        self._write_manifest(
                            other, other.manifest.with_status("retired", f"superseded by {ref}")
                        )
            self._write_index_unlocked()
        return updated

    def retire(self, ref: str, reason: str = "retired by user") -> StoredSkill:
        return self.set_status(ref, "retired", reason)

    def record_verification(self, ref: str, record: VerificationRecord) -> StoredSkill:
        """Replace a version's verification record, keeping earlier ones under ``history``."""
        with self._locked():
            stored = self.get(ref)
            latest = record.superseding(stored.verification())
            _write_json(stored.path / VERIFICATION_FILE, latest.to_dict())
            self._write_index_unlocked()
        return stored

    def index(self) -> list[dict[str, Any]]:
        """The index entries; the index is rebuilt when missing or unreadable."""
        path = self.root / INDEX_FILE
        try:
            entries = _read_json(path)["skills"]
            if isinstance(entries, list):
                return entries
        except (SkillError, KeyError, TypeError):
            pass
        if not self.root.is_dir():
            return []
        with self._locked():
            return self._write_index_unlocked()

    def rebuild_index(self) -> list[dict[str, Any]]:
        with self._locked():
            return self._write_index_unlocked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = (self.root / LOCK_FILE).open("a")
        except OSError as error:
            raise SkillError(
                f"cannot open the skill store at {self.root}: {error.strerror}; pass --store "
                "with a writable folder"
            ) from error
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _last_version_number(self, skill_id: str) -> int:
        """The highest version number with a folder, readable or not: a corrupt version keeps its
        number, so the next version never collides with it."""
        skill_dir = self.root / skill_id
        if not skill_dir.is_dir():
            return 0
        return max((int(p.name[1:]) for p in _version_folders(skill_dir)), default=0)

    def _versions_unlocked(self, skill_id: str) -> list[StoredSkill]:
        skill_dir = self.root / skill_id
        if not skill_dir.is_dir():
            return []
        versions = []
        for folder in _version_folders(skill_dir):
            try:
                versions.append(load_version(folder))
            except SkillError:
                continue
        return versions

    def _write_version(
        self,
        manifest: SkillManifest,
        code: str,
        verification: VerificationRecord | None,
        examples: Sequence[tuple[LabelledExample, str]],
    ) -> StoredSkill:
        skill_dir = self.root / manifest.id
        skill_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".v{manifest.version}-", dir=skill_dir))
        try:
            staging.chmod(0o755)
            _write_file(staging / CODE_FILE, code)
            _write_json(staging / MANIFEST_FILE, manifest.to_dict())
            if verification is not None:
                _write_json(staging / VERIFICATION_FILE, verification.to_dict())
            if examples:
                rows = ({"input": e.input, "target": e.target, "split": s} for e, s in examples)
                _write_file(staging / EXAMPLES_FILE, jsonl_text(rows))
            final = skill_dir / f"v{manifest.version}"
            os.rename(staging, final)
        except (OSError, SkillError) as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise SkillError(
                f"cannot write {manifest.ref} under {skill_dir}: {error}; check space and "
                "permissions (nothing was stored)"
            ) from error
        return StoredSkill(manifest, final)

    def _write_manifest(self, stored: StoredSkill, manifest: SkillManifest) -> StoredSkill:
        _write_json(stored.path / MANIFEST_FILE, manifest.to_dict())
        return StoredSkill(manifest, stored.path)

    def _write_index_unlocked(self) -> list[dict[str, Any]]:
        scan = self.scan()
        entries = [s.index_entry() for s in scan.skills]
        _write_json(
            self.root / INDEX_FILE,
            {"updated_at": utc_timestamp(), "skills": entries, "problems": list(scan.problems)},
        )
        return entries


def _version_folders(skill_dir: Path) -> list[Path]:
    folders = [
        p for p in skill_dir.iterdir() if p.is_dir() and p.name[:1] == "v" and p.name[1:].isdigit()
    ]
    return sorted(folders, key=lambda p: int(p.name[1:]))


def load_version(folder: Path) -> StoredSkill:
    """The version stored in ``folder`` (``<store>/<id>/v<N>``); a SkillError when unreadable."""
    where = folder / MANIFEST_FILE
    values = _read_json(where)
    if not isinstance(values, dict):
        raise SkillError(f"{where}: malformed manifest (not a JSON object)")
    manifest = SkillManifest.from_dict(values, str(where))
    if folder.name != f"v{manifest.version}" or folder.parent.name != manifest.id:
        raise SkillError(
            f"{where}: manifest says {manifest.ref} but the folder is "
            f"{folder.parent.name}/{folder.name}; move the folder or fix the manifest"
        )
    if not (folder / CODE_FILE).is_file():
        raise SkillError(f"{folder}: {CODE_FILE} is missing; the version cannot be used")
    return StoredSkill(manifest, folder)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SkillError(f"cannot read {path}: {error}") from error


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise SkillError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from error


def _write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file in the same folder, then rename."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SkillError(
            f"cannot write {path}: {error.strerror}; check space and permissions (the previous "
            "file, if any, is unchanged)"
        ) from error


def _write_json(path: Path, payload: Any) -> None:
    _write_file(path, json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
