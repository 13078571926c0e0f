"""One task routed with what an earlier agent run left in the store (``self-distill answer``).

The task goes to the skill of the nearest cluster whose membership threshold contains it, when
that skill is still active; otherwise to the model. The call (if any) is a ledger run of kind
``answer``.
"""

from __future__ import annotations

from typing import Any

from self_distill.agent.agent import Answer
from self_distill.agent.router import Router, SkillTier
from self_distill.agent.router_state import load_router_state
from self_distill.evidence import Assignment, Embedder, EmbeddingCache
from self_distill.ledger import Ledger, RecordedModel
from self_distill.models import TextGenerator
from self_distill.sandbox import Sandbox
from self_distill.skills.store.skill_store import SkillStore


def answer_once(
    text: str,
    model: TextGenerator,
    *,
    store: SkillStore,
    ledger: Ledger,
    sandbox_options: dict[str, Any] | None = None,
    max_tokens: int = 48,
) -> Answer:
    state = load_router_state(store.root)
    run_id = ledger.start_run("answer", {"model": model.spec, "store": str(store.root)})
    status = "failed"
    try:
        with Sandbox(**{"timeout_s": 2.0, **(sandbox_options or {})}) as box:
            skills = SkillTier(box)
            assignment = None
            if state is not None:
                with EmbeddingCache() as cache:
                    vector = Embedder(cache).embed([text])[0]
                cluster, inside = state.nearest(vector)
                if cluster >= 0:
                    ref = state.skills[cluster]
                    stored = store.get(ref)
                    if stored.manifest.status == "active":
                        record = stored.verification()
                        low = (
                            record.verdict.heldout_ci[0]
                            if record and record.verdict.heldout_ci
                            else 0.0
                        )
                        skills.activate(
                            cluster, stored.ref, stored.code(), low, stored.manifest.family
                        )
                    assignment = Assignment(cluster, 1.0, 0.0, inside)
            router = Router(skills, RecordedModel(model, ledger, run_id), max_tokens=max_tokens)
            route = router.route(text, assignment)
        status = "completed"
    finally:
        ledger.finish_run(run_id, status)
    cluster_id = assignment.cluster_id if assignment is not None else None
    return Answer(
        route.answer,
        route.route,
        route.ref,
        route.tokens,
        route.latency_s,
        route.reason,
        cluster_id,
    )
