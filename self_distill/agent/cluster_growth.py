"""Growing a served cluster on the evidence of its skill (``AgentConfig.adopt_solved_noise``).

HDBSCAN leaves rare phrasings of a kind of task in noise, and a cluster's centroid threshold
describes only its members' spread, so tasks a verified skill would answer right go to the model
(exp009: 13-24 word-sorting tasks per 1,000-task stream). Distance alone cannot tell them from
one-offs; the skill can, on tasks that are already labelled:

- :func:`adopt_solved_noise`: labelled noise tasks that the nearest served cluster's skill
  answers right join that cluster;
- :func:`widen_to_evidence`: a served cluster's threshold grows to :data:`EVIDENCE_MARGIN` of
  the distance of its nearest remembered non-member that the skill is not known to answer right
  (a task of another kind, a one-off, anything unlabelled).

Both run the skill in the sandbox (0 tokens) and change only the clusterer's labels and
thresholds, so a resumed run that replays the same tasks computes the same again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from self_distill.agent.router import SkillTier
from self_distill.evidence import TaskClusterer
from self_distill.skills.verification.checks import score_output
from self_distill.tasks import scorer_for

Solved = Callable[[int, int], bool]
"""``solved(cluster, task index)``: whether the cluster's skill is known to answer that task
right (the agent: :meth:`Remembered.solved_by`; exp009: a stand-in by task kind)."""

EVIDENCE_MARGIN = 0.9
"""How close to its nearest counter-example a served cluster's threshold may grow (exp009: 0.9
let one one-off in on seeds 0 and 1 and none on seed 2; exp005's agent on seed 0, none)."""


@dataclass(frozen=True)
class Remembered:
    """The agent's remembered tasks, in stream order: text, label (None: unlabelled), format."""

    texts: Sequence[str]
    labels: Sequence[str | None]
    formats: Sequence[str]

    def solved_by(self, skills: SkillTier, cluster: int, index: int) -> bool:
        """Whether the cluster's skill answers task ``index`` as its label says (an unlabelled
        task is no evidence either way, so it counts as not solved)."""
        label = self.labels[index]
        if label is None:
            return False
        answer = skills.solve(cluster, self.texts[index])
        scorer = scorer_for(self.formats[index])
        return answer is not None and score_output(scorer, answer, label) >= 1.0


def served_clusters(clusterer: TaskClusterer, skills: SkillTier) -> list[int]:
    """The current clusters that an active skill answers."""
    return [c for c in clusterer.cluster_ids if c in skills.by_cluster]


def adopt_solved_noise(
    clusterer: TaskClusterer, served: Sequence[int], solved: Solved
) -> dict[int, int]:
    """Make each noise task that the nearest of the ``served`` clusters is known to solve a
    member of that cluster; returns ``{task index: cluster}``."""
    noise = [int(i) for i in np.flatnonzero(clusterer.labels < 0)]
    if not served or not noise:
        return {}
    membership = clusterer.membership
    rows = [membership.cluster_ids.index(c) for c in served]
    nearest = np.argmin(membership.distances(clusterer.vectors[noise])[:, rows], axis=1)
    adopted = {
        index: served[int(row)]
        for index, row in zip(noise, nearest, strict=True)
        if solved(served[int(row)], index)
    }
    clusterer.adopt(adopted)
    return adopted


def widen_to_evidence(
    clusterer: TaskClusterer, served: Sequence[int], solved: Solved
) -> dict[int, tuple[float, float]]:
    """Widen each of the ``served`` clusters to just inside its nearest counter-example (the
    nearest remembered non-member it is not known to solve) where that is wider than its
    calibrated threshold; returns ``{cluster: (new threshold, calibrated one)}``."""
    membership = clusterer.membership
    labels = clusterer.labels
    distances = membership.distances(clusterer.vectors)
    radii = {}
    for cluster in served:
        row = membership.cluster_ids.index(cluster)
        outsiders = (int(i) for i in np.argsort(distances[:, row]) if labels[i] != cluster)
        first = next((i for i in outsiders if not solved(cluster, i)), None)
        if first is None:
            continue
        radius = EVIDENCE_MARGIN * float(distances[first, row])
        if radius > float(membership.thresholds[row]):
            radii[cluster] = (radius, float(membership.thresholds[row]))
    clusterer.widen({cluster: radius for cluster, (radius, _) in radii.items()})
    return radii
