"""``verification.json``: the verdict that set a stored skill's status, and the earlier ones.

One typed record written by creation and re-verification alike, carrying a format version and
the package version that wrote it, so a store written by an older self-distill still loads and a
newer record can say what it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from self_distill import __version__
from self_distill.errors import SkillError
from self_distill.skills.verification.verdict import Verdict

VERIFICATION_FORMAT_VERSION = 2
"""2: typed record with ``format_version`` and ``package_version``. 1 (no ``format_version``
field): the plain dict written before them, read the same way."""


@dataclass(frozen=True)
class VerificationRecord:
    """One verification of a stored version; ``history`` holds earlier records, oldest first."""

    verdict: Verdict
    answer_format: str
    verified_at: str
    history: tuple[Mapping[str, Any], ...] = ()
    format_version: int = VERIFICATION_FORMAT_VERSION
    package_version: str | None = field(default=__version__)

    @classmethod
    def now(cls, verdict: Verdict, answer_format: str) -> VerificationRecord:
        """A record of ``verdict`` made now by this package version."""
        return cls(verdict, answer_format, datetime.now(UTC).isoformat(timespec="seconds"))

    def superseding(self, previous: VerificationRecord | None) -> VerificationRecord:
        """This record with ``previous`` (and its history) as history."""
        if previous is None:
            return self
        earlier = {**previous.to_dict(), "history": []}
        return replace(self, history=(*previous.history, earlier))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "verdict": self.verdict.to_dict(),
            "verified_at": self.verified_at,
            "answer_format": self.answer_format,
            "history": [dict(entry) for entry in self.history],
        }

    @classmethod
    def from_dict(cls, values: Any, where: str) -> VerificationRecord:
        """Read a record of any known format; ``where`` names the file in errors."""
        try:
            version = int(values.get("format_version", 1))
            if version > VERIFICATION_FORMAT_VERSION:
                raise SkillError(
                    f"{where}: written in verification format {version} by a newer self-distill "
                    f"(this one reads up to {VERIFICATION_FORMAT_VERSION}); upgrade self-distill"
                )
            return cls(
                verdict=Verdict.from_dict(values["verdict"]),
                answer_format=str(values.get("answer_format", "exact")),
                verified_at=str(values.get("verified_at", "")),
                history=tuple(values.get("history", ())),
                format_version=version,
                package_version=values.get("package_version"),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise SkillError(
                f"{where}: malformed verification record ({type(error).__name__}: {error}); "
                "run `self-distill skills reverify` to judge the version again"
            ) from error
