"""The manifest stored next to every skill version: where it came from and what it cost.

Like a peft adapter's config beside its weights, ``manifest.json`` makes a skill traceable: which
cluster or family it serves, which model and prompt wrote it, how many tokens its creation took,
which version it replaces, and its lifecycle status.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, Literal

from self_distill import __version__
from self_distill.errors import SkillError

MANIFEST_FORMAT_VERSION = 2
"""2: ``format_version`` and ``package_version`` recorded. 1 (no ``format_version`` field): a
manifest written before them, read the same way."""

SkillStatus = Literal["candidate", "active", "rejected", "retired"]
STATUSES: tuple[str, ...] = ("candidate", "active", "rejected", "retired")
"""candidate: stored, not yet judged; active: verified and in use; rejected: failed verification
(kept with its reasons); retired: taken out of use by a person or by a newer active version."""

_SKILL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def utc_timestamp() -> str:
    """Now, as an ISO-8601 UTC timestamp with seconds precision."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def slugify(name: str) -> str:
    """A valid skill id from any name: lower case, runs of other characters become ``-``."""
    slug = re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-_")[:64].rstrip("-_")
    if not slug:
        raise SkillError(f"cannot derive a skill id from {name!r}; pass a name with letters")
    return slug


def check_skill_id(skill_id: str) -> str:
    """Return ``skill_id`` when valid, else raise :class:`SkillError` saying what is allowed."""
    if not _SKILL_ID.match(skill_id):
        raise SkillError(
            f"invalid skill id {skill_id!r}: use 1-64 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return skill_id


@dataclass(frozen=True)
class SkillManifest:
    """Everything recorded about one skill version.

    ``creation_tokens`` is the sum of input and output tokens of this version's own model calls
    (its sample and its repairs; 0 for hand-written code or a chain of other candidates); the
    whole creation run's total is ``creation["run_tokens"]``. ``parent`` is the version this one
    was made from, None for an independent sample. ``creation`` holds the per-candidate record;
    ``status_reason`` says why the status last changed.
    """

    id: str
    version: int
    status: SkillStatus
    creator_model: str
    prompt_version: str
    prompt_hash: str
    creation_tokens: int
    created_at: str
    updated_at: str
    parent: str | None = None
    cluster: str | None = None
    family: str | None = None
    answer_format: str = "exact"
    code_sha256: str = ""
    run_id: str | None = None
    seed: int | None = None
    status_reason: str = ""
    creation: dict[str, Any] = field(default_factory=dict)
    format_version: int = MANIFEST_FORMAT_VERSION
    package_version: str | None = __version__

    def __post_init__(self) -> None:
        check_skill_id(self.id)
        if self.status not in STATUSES:
            raise SkillError(f"unknown skill status {self.status!r}; use one of {STATUSES}")
        if self.version < 1:
            raise SkillError(f"skill version must be >= 1, got {self.version}")
        if self.format_version > MANIFEST_FORMAT_VERSION:
            raise SkillError(
                f"{self.ref}: manifest format {self.format_version} comes from a newer "
                f"self-distill (this one reads up to {MANIFEST_FORMAT_VERSION}); upgrade it"
            )

    @property
    def ref(self) -> str:
        """``id@version``: how the CLI and parents name one version."""
        return f"{self.id}@{self.version}"

    def with_status(self, status: SkillStatus, reason: str) -> SkillManifest:
        """A copy with a new status, its reason and a fresh ``updated_at``, in the current format
        (it is about to be written by this version)."""
        return replace(
            self,
            status=status,
            status_reason=reason,
            updated_at=utc_timestamp(),
            format_version=MANIFEST_FORMAT_VERSION,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], where: str) -> SkillManifest:
        """Rebuild from ``to_dict`` output of any known format; ``where`` names the file in
        error messages. A manifest without ``format_version`` is format 1."""
        values = {"format_version": 1, "package_version": None, **values}
        known = {f.name for f in fields(cls)}
        required = {
            f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
        }
        missing = sorted(required - set(values))
        unknown = sorted(set(values) - known)
        if missing or unknown:
            raise SkillError(
                f"{where}: malformed manifest (missing {missing or 'nothing'}, unknown "
                f"{unknown or 'nothing'}); restore it from the index or delete the version folder"
            )
        for name, value in values.items():
            if not _has_type(value, _FIELD_TYPES[name]):
                raise SkillError(
                    f"{where}: malformed manifest ({name} is {value!r}, expected "
                    f"{_FIELD_TYPES[name]}); restore it from the index or delete the version folder"
                )
        return cls(**values)


_FIELD_TYPES: dict[str, str] = {f.name: str(f.type) for f in fields(SkillManifest)}


def _has_type(value: Any, declared: str) -> bool:
    """Whether ``value`` fits a manifest field's declared type (the few shapes they use)."""
    optional = declared.endswith("| None")
    if value is None:
        return optional
    base = declared.removesuffix("| None").strip()
    if base == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if base.startswith("dict"):
        return isinstance(value, dict)
    return isinstance(value, str)
