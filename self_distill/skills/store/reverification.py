"""Judge a stored skill version again, on the examples stored with it.

Why: the verifier, the sandbox or the scorers change, and an active skill must keep earning its
place. The stored verifier settings are reused, so old and new verdicts are comparable. Status
rules: an *active* or *candidate* version takes the new verdict (accepted -> active, otherwise
rejected with the reasons); a *rejected* or *retired* version keeps its status and only gains the
verdict (a person decides whether to bring it back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from self_distill.errors import ConfigError, SkillError
from self_distill.sandbox import Sandbox
from self_distill.skills.store.skill_store import SkillStore, StoredSkill
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.record import VerificationRecord
from self_distill.skills.verification.verdict import Verdict
from self_distill.skills.verification.verifier import verify_skill


@dataclass(frozen=True)
class Reverification:
    """One re-verified version: its status before and after, and the new verdict."""

    ref: str
    old_status: str
    new_status: str
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill_id": self.ref,
            "old_status": self.old_status,
            "new_status": self.new_status,
            "accepted": self.verdict.accepted,
            "reasons": list(self.verdict.reasons),
            "heldout_accuracy": self.verdict.heldout_accuracy,
            "heldout_ci": list(self.verdict.heldout_ci) if self.verdict.heldout_ci else None,
        }


def stored_config(stored: StoredSkill) -> VerifierConfig:
    """The verifier settings of the stored verdict, or the defaults when there is none."""
    record = stored.verification()
    values = record.verdict.config if record else None
    if not values:
        return VerifierConfig()
    try:
        return VerifierConfig.from_dict(dict(values))
    except (ConfigError, TypeError) as error:
        raise SkillError(
            f"{stored.ref}: stored verifier settings are unusable ({error}); fix "
            f"{stored.path / 'verification.json'}"
        ) from error


def reverify(
    store: SkillStore, ref: str, *, sandbox_options: dict[str, Any] | None = None
) -> Reverification:
    """Re-run the verifier on ``ref`` and record the verdict (earlier ones kept as history).

    ``sandbox_options`` go to :class:`Sandbox` (e.g. ``allow_missing_layers``)."""
    stored = store.get(ref)
    rows = stored.examples()
    shown = [example for example, split in rows if split == "shown"]
    heldout = [example for example, split in rows if split == "heldout"]
    if not heldout:
        raise SkillError(f"{stored.ref}: its stored examples have no held-out split to judge on")
    config = stored_config(stored)
    with Sandbox(**{"timeout_s": config.call_timeout_s, **(sandbox_options or {})}) as box:
        verdict = verify_skill(
            stored.code(),
            shown,
            heldout,
            answer_format=stored.manifest.answer_format,
            config=config,
            sandbox=box,
        )
    store.record_verification(
        stored.ref, VerificationRecord.now(verdict, stored.manifest.answer_format)
    )
    old = stored.manifest.status
    new = old
    if old in ("active", "candidate"):
        new = "active" if verdict.accepted else "rejected"
        reason = "re-verified" if verdict.accepted else "re-verified: " + ", ".join(verdict.reasons)
        if new != old or not verdict.accepted:
            store.set_status(stored.ref, new, reason)
    return Reverification(stored.ref, old, new, verdict)
