"""A run's figures, read back from the ledger: routes, tokens, accuracy, creations, skill reuses,
students, demotions.

``tokens`` is the input plus output tokens of every model call the run made (answers, creation,
drift checks), the same figure ``self-distill ledger summary --run`` gives.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from self_distill.ledger import Ledger
from self_distill.ledger.agent_journal import AgentJournal, EventRecord
from self_distill.stats import wilson_interval
from self_distill.tasks import ONEOFF_FAMILY


def run_summary(ledger: Ledger, run_id: str) -> dict[str, Any]:
    """Everything a user asks of a finished (or interrupted) agent run."""
    journal = AgentJournal(ledger, run_id)
    tasks = journal.tasks()
    events = journal.events()
    scored = [t.correct for t in tasks if t.correct is not None]
    correct = sum(scored)
    usage = ledger.usage(run_id)
    by_purpose: dict[str, int] = defaultdict(int)
    for row in usage:
        by_purpose[row.purpose] += row.input_tokens + row.output_tokens
    skill_family: dict[str, str | None] = {
        e.skill: e.detail.get("family") for e in events if e.kind == "activated" and e.skill
    }
    foreign = [
        t
        for t in tasks
        if t.route == "skill" and t.skill is not None and t.family != skill_family.get(t.skill)
    ]
    verified = verified_families(events)
    unverified = [t for t in foreign if (t.family or "-") not in verified.get(t.skill or "", ())]
    creations = [e for e in events if e.kind in ("activated", "creation_failed")]
    routes_by_family: dict[str, Counter[str]] = defaultdict(Counter)
    for t in tasks:
        routes_by_family[t.family or "-"][t.route] += 1
    return {
        "run_id": run_id,
        "tasks": len(tasks),
        "routes": dict(Counter(t.route for t in tasks)),
        "routes_by_family": {f: dict(c) for f, c in sorted(routes_by_family.items())},
        "tokens": journal.tokens(),
        "tokens_by_purpose": dict(by_purpose),
        "accuracy": correct / len(scored) if scored else None,
        "accuracy_ci95": list(wilson_interval(correct, len(scored))) if scored else None,
        "n_scored": len(scored),
        "creations_tried": len(creations),
        "creations_accepted": sum(e.kind == "activated" for e in creations),
        "creations": [
            {
                "seq": e.seq,
                "cluster": e.cluster,
                "accepted": e.kind == "activated",
                "skill": e.skill,
                "tokens": e.tokens,
                "family": e.detail.get("family"),
                "reasons": e.detail.get("reasons"),
                "heldout_accuracy": e.detail.get("heldout_accuracy"),
            }
            for e in creations
        ],
        "demotions": [
            {"seq": e.seq, "cluster": e.cluster, "skill": e.skill, **e.detail}
            for e in events
            if e.kind == "demoted"
        ],
        "reuses": [
            {"seq": e.seq, "cluster": e.cluster, "skill": e.skill, **e.detail}
            for e in events
            if e.kind == "reused"
        ],
        "students": [
            {"seq": e.seq, "kind": e.kind, "cluster": e.cluster, **e.detail}
            for e in events
            if e.kind
            in ("student_trained", "student_activated", "student_rejected", "student_demoted")
        ],
        "drift_checks": sum(e.kind == "drift_check" for e in events),
        "skill_answers_outside_their_family": len(foreign),
        "skill_answers_outside_their_verified_families": len(unverified),
        "skill_answers_to_oneoffs": sum(t.family == ONEOFF_FAMILY for t in foreign),
    }


def verified_families(events: Iterable[EventRecord]) -> dict[str, set[str]]:
    """Per skill ref: the families of the tasks it was created and verified on, or judged on
    when reused, as the agent recorded them (``example_families``), with the cluster's
    commonest family (the only one runs recorded before ``example_families`` existed).

    A skill's answers to these families were checked against labels before it answered any;
    "its family" in the summary is the commonest one alone."""
    families: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.kind in ("activated", "reused") and event.skill:
            families[event.skill].update(event.detail.get("example_families") or {})
            families[event.skill].add(event.detail.get("family") or "-")
    return dict(families)
