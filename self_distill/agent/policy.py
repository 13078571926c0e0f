"""The agent's decisions as plain functions: when a creation pays, when to back off, which skill
answers to check, when a skill has drifted. Each is testable with made-up numbers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from self_distill.agent.config import AgentConfig
from self_distill.stats import wilson_interval


def creator_success_rate(tried: int, accepted: int) -> float:
    """The creator's record so far with a uniform prior: (accepted + 1) / (tried + 2)."""
    return (accepted + 1) / (tried + 2)


@dataclass(frozen=True)
class CreationCase:
    """The savings test for one cluster, with every figure it used."""

    create: bool
    reason: str
    expected_savings: float
    expected_cost: int
    figures: dict[str, Any]


def creation_case(
    *,
    labelled: int,
    size: int,
    seen: int,
    tokens_per_task: float,
    tried: int,
    accepted: int,
    spent: int,
    failed_at_size: int | None,
    config: AgentConfig,
) -> CreationCase:
    """Whether to create a skill for a cluster of ``size`` tasks (``labelled`` of them with
    labels) after ``seen`` tasks of the stream.

    No: too few labels; backed off (a failed creation at ``failed_at_size`` and the cluster has
    not grown by ``backoff_growth``); the run's creation budget would be exceeded; or the
    expected savings over the horizon do not exceed one creation's cost.
    """
    p_success = creator_success_rate(tried, accepted)
    share = size / max(seen, 1)
    savings = p_success * share * config.horizon * tokens_per_task
    cost = config.creation_tokens
    figures = {
        "labelled": labelled,
        "size": size,
        "share": share,
        "tokens_per_task": tokens_per_task,
        "p_success": p_success,
        "spent": spent,
    }

    def case(create: bool, reason: str) -> CreationCase:
        return CreationCase(create, reason, savings, cost, figures)

    if labelled < config.min_examples:
        return case(False, "too_few_labels")
    if failed_at_size is not None and size < failed_at_size * config.backoff_growth:
        return case(False, "backed_off")
    if spent + cost > config.creation_budget:
        return case(False, "budget_spent")
    if savings <= cost:
        return case(False, "does_not_pay")
    return case(True, "pays")


def drift_sampled(seed: int, seq: int, rate: float) -> bool:
    """Whether the skill answer of task ``seq`` is checked: a seeded hash, so a resumed run
    checks exactly the tasks the first run would have."""
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(f"drift|{seed}|{seq}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def drifted(checks: int, agreements: int, verified_low: float, config: AgentConfig) -> bool:
    """Whether a skill's sampled agreement is clearly below what verification promised: at
    least ``drift_min_checks`` checks and the agreement's Wilson upper bound below the verified
    accuracy's lower bound minus ``drift_margin``."""
    if checks < config.drift_min_checks:
        return False
    _, upper = wilson_interval(agreements, checks)
    return upper < verified_low - config.drift_margin
