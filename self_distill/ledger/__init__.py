"""The SQLite ledger: runs, model calls and (in later layers) outcomes, clusters and skills."""

from self_distill.ledger.recording import RecordedModel, prompt_hash
from self_distill.ledger.store import PURPOSES, CallLog, Ledger, UsageRow

__all__ = ["PURPOSES", "CallLog", "Ledger", "RecordedModel", "UsageRow", "prompt_hash"]
