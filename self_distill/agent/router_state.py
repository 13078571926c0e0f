"""What a finished agent run leaves for later single answers: its clusters and their skills.

``router.json`` in the skill store holds the membership index (centroids and thresholds) of the
run's clusters and which active skill serves each, so ``self-distill answer TEXT`` can route one
task without re-clustering: to the skill of the nearest cluster whose threshold contains it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from self_distill.errors import DataError, SkillError
from self_distill.evidence import MembershipIndex

ROUTER_FILE = "router.json"
ROUTER_FORMAT_VERSION = 1


@dataclass(frozen=True)
class RouterState:
    """Clusters (membership index) and the skill ref serving each, from run ``run_id``."""

    run_id: str
    embedding_model: str
    membership: MembershipIndex
    skills: dict[int, str]

    def nearest(self, vector: np.ndarray) -> tuple[int, bool]:
        """The nearest cluster with a skill and whether the vector lies inside its threshold
        (-1, False when no cluster has a skill)."""
        served = [c for c in self.membership.cluster_ids if c in self.skills]
        if not served:
            return -1, False
        distances = self.membership.distances(vector[None, :])[0]
        rows = [self.membership.cluster_ids.index(c) for c in served]
        best = min(rows, key=lambda row: distances[row])
        cluster = self.membership.cluster_ids[best]
        return cluster, bool(distances[best] <= self.membership.thresholds[best])

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": ROUTER_FORMAT_VERSION,
            "run_id": self.run_id,
            "embedding_model": self.embedding_model,
            "membership": self.membership.to_dict(),
            "skills": {str(c): ref for c, ref in self.skills.items()},
        }


def save_router_state(store_root: Path, state: RouterState) -> Path:
    """Write ``router.json`` atomically into the store folder."""
    store_root.mkdir(parents=True, exist_ok=True)
    path = store_root / ROUTER_FILE
    temporary = path.with_name(f".{ROUTER_FILE}.tmp")
    temporary.write_text(json.dumps(state.to_dict()) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def load_router_state(store_root: Path) -> RouterState | None:
    """The saved state, or None when no agent run has written one."""
    path = store_root / ROUTER_FILE
    if not path.exists():
        return None
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        return RouterState(
            run_id=str(values["run_id"]),
            embedding_model=str(values["embedding_model"]),
            membership=MembershipIndex.from_dict(values["membership"]),
            skills={int(c): str(ref) for c, ref in values["skills"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, DataError) as error:
        raise SkillError(
            f"{path}: unreadable router state ({error}); run `self-distill agent run` again or "
            "delete the file"
        ) from error
