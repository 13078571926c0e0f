"""exp009: which tasks can reach a skill? The router's membership rule, replayed without a model.

A skill answers a task only when HDBSCAN's online assignment puts the task in the skill's cluster
and its embedding lies within the cluster's calibrated centroid threshold (``product`` below).
exp005 found that this, not creation or reuse, keeps word sorting above the issue's 5% of the
baseline's tokens after activation: of 80 later word_sort tasks, 17 were assigned to noise and 7
fell outside the threshold. This experiment replays the agent's clustering schedule (fit after
the warm-up, assign every task, re-cluster every ``--recluster-every``) on exp005's seeded
streams, with embeddings only, and counts per kind of task the share of its tasks after
``--start`` that land inside a cluster of their own kind, and the one-offs (all, and those
inside a cluster of the studied kind, which its skill would answer) and other kinds' tasks that
land inside any cluster, under these rules:

- ``product``: the router's rule as shipped;
- ``small_clusters``: the shipped rule, with the smallest cluster capped at the fewest labelled
  tasks a reuse is judged on (16), so a rare phrasing can form a cluster of its own that the
  agent gives the skill by reuse (counted as served as soon as it forms: an upper bound);
- ``min_samples_2``: the shipped rule with HDBSCAN's ``min_samples`` at 2, so sparse points
  join clusters instead of being noise;
- ``wider_threshold``: the shipped rule with the membership threshold at four scaled MADs
  beyond the median distance instead of three;
- ``nearest_centroid``: a task HDBSCAN calls noise goes to the nearest cluster whose centroid
  threshold contains it;
- ``nearest_member``: a task outside its cluster goes to the cluster of its nearest clustered
  task when closer than that cluster's own typical nearest-neighbour distance (median plus
  three scaled MADs of its members' leave-one-out distances);
- ``keep_served``: ``nearest_centroid``, and at a re-cluster the members of a cluster of the
  kind under study that HDBSCAN would drop to noise keep their cluster;
- ``adopt_solved``: ``nearest_centroid``, and at a re-cluster every noise task of the kind under
  study joins the nearest cluster of that kind: a stand-in for adopting the labelled noise tasks
  that the cluster's skill answers right (evidence a one-off cannot give), which widens the
  threshold only with tasks of the kind;
- ``adopt_widen``: ``adopt_solved``, and each cluster of the kind under study widens its
  threshold to ``EVIDENCE_MARGIN`` of the distance of its nearest remembered non-member of
  another kind (the agent's ``adopt_solved_noise``: the nearest task its skill is not known
  to answer right), both through the agent's own :mod:`~self_distill.agent.cluster_growth`.

``--max-seq-length`` embeds only the first word pieces of each task (default 128, the shipped
embedder's), to test whether the instruction at a task's head groups its phrasings better than the
whole text does.

A cluster's kind is the commonest kind among its members at that moment (the experiment knows the
families; the agent does not). ``--same-kind`` names families that are one kind of task (the
generated word_sort and BIG-Bench-Hard word_sorting). Writes ``summary.json``, ``report.md``,
``report.html``, ``inside.png`` and ``manifest.json`` under ``--out``.

    python experiments/exp009_membership_rules.py [--seeds 0,1,2] [--n 1000]
        [--max-seq-length 128] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from self_distill.agent.cluster_growth import adopt_solved_noise, widen_to_evidence
from self_distill.evidence import ClusterConfig, Embedder, EmbeddingCache, TaskClusterer
from self_distill.evidence.cache import default_embedding_cache_path
from self_distill.evidence.membership import MAD_TO_SIGMA, MembershipIndex, unit_rows
from self_distill.report.artifacts import run_dir, write_json, write_manifest
from self_distill.report.pages import Section, write_report
from self_distill.skills.verification.config import VerifierConfig
from self_distill.stats import wilson_interval
from self_distill.tasks import ONEOFF_FAMILY, family_names

CLUSTER_SETTINGS: dict[str, dict[str, Any]] = {
    "small_clusters": {},
    "min_samples_2": {"min_samples": 2},
    "wider_threshold": {"membership_mads": 4.0},
}
"""Rules that keep the shipped routing and change only how HDBSCAN or the threshold is set
(``small_clusters`` caps the smallest cluster at the 16 labelled tasks a reuse needs)."""
RULES = (
    "product",
    *CLUSTER_SETTINGS,
    "nearest_centroid",
    "nearest_member",
    "keep_served",
    "adopt_solved",
    "adopt_widen",
)
NOISE_TO_CENTROID = ("nearest_centroid", "keep_served", "adopt_solved", "adopt_widen")
WORD_SORTING = "word_sort,bbh:word_sorting"
NN_MADS = 3.0


def _exp005() -> Any:
    """exp005's stream builder, so both experiments see the very same tasks."""
    path = Path(__file__).with_name("exp005_token_cost.py")
    spec = importlib.util.spec_from_file_location("exp005_token_cost", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("exp005_token_cost", module)
    spec.loader.exec_module(module)
    return module


def nearest_neighbour_thresholds(vectors: np.ndarray, labels: np.ndarray) -> dict[int, float]:
    """Per cluster: median plus ``NN_MADS`` scaled MADs of its members' distances to their
    nearest other member (a cluster of one gets 0: nothing is near enough to join it)."""
    thresholds = {}
    for cluster in (int(c) for c in np.unique(labels) if c >= 0):
        members = vectors[labels == cluster]
        if len(members) < 2:
            thresholds[cluster] = 0.0
            continue
        similarity = members @ members.T
        np.fill_diagonal(similarity, -np.inf)
        distances = 1.0 - similarity.max(axis=1)
        median = float(np.median(distances))
        spread = MAD_TO_SIGMA * float(np.median(np.abs(distances - median)))
        thresholds[cluster] = median + NN_MADS * spread
    return thresholds


def replay(
    vectors: np.ndarray,
    kinds: Sequence[str],
    rule: str,
    *,
    warmup: int,
    recluster_every: int,
    start: int,
    served: str,
    config: ClusterConfig,
) -> list[tuple[str, str | None]]:
    """For each task from ``start``: (its kind, the kind of the cluster it lands inside, None
    when it lands in none), following the agent's schedule under ``rule``."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    vectors = unit_rows(vectors.astype(np.float32))
    if rule in NOISE_TO_CENTROID:
        config = dataclasses.replace(config, noise_to_nearest=True)
    if rule in CLUSTER_SETTINGS:
        config = dataclasses.replace(config, **CLUSTER_SETTINGS[rule])
    if rule == "small_clusters":
        smallest = VerifierConfig(seed=config.seed).fewest_heldout()
        config = dataclasses.replace(config, max_auto_cluster_size=smallest)
    clusterer: TaskClusterer | None = None
    cluster_kind: dict[int, str] = {}
    member_reach: dict[int, float] = {}
    landed: list[tuple[str, str | None]] = []
    for seq, vector in enumerate(vectors):
        if clusterer is not None:
            inside = _place(clusterer, vector, rule, member_reach)
            if seq >= start:
                landed.append((kinds[seq], cluster_kind.get(inside) if inside >= 0 else None))
        count = seq + 1
        if clusterer is None and count >= warmup:
            clusterer = TaskClusterer(config)
            clusterer.fit(vectors[:count])
        elif clusterer is not None and count % recluster_every == 0:
            previous = clusterer.labels.copy()
            clusterer.recluster()
            if rule == "keep_served":
                _keep_served(clusterer, previous, cluster_kind, served)
            if rule in ("adopt_solved", "adopt_widen"):
                _grow(clusterer, kinds, served, widen=rule == "adopt_widen")
        else:
            continue
        labels = clusterer.labels
        cluster_kind = {
            c: Counter(kinds[i] for i in np.flatnonzero(labels == c)).most_common(1)[0][0]
            for c in clusterer.cluster_ids
        }
        if rule == "nearest_member":
            member_reach = nearest_neighbour_thresholds(clusterer.vectors, labels)
    return landed


def _place(
    clusterer: TaskClusterer, vector: np.ndarray, rule: str, member_reach: dict[int, float]
) -> int:
    """Assign one task as the agent does (it is remembered; the rules that send noise to the
    nearest centroid do it through ``ClusterConfig.noise_to_nearest``); return the cluster it
    lands inside under ``rule``, -1 for none."""
    known = clusterer.labels.copy()
    assignment = clusterer.assign(vector[None, :])[0]
    if assignment.belongs:
        return assignment.cluster_id
    if rule == "nearest_member":
        clustered = np.flatnonzero(known >= 0)
        if len(clustered):
            similarity = clusterer.vectors[clustered] @ vector
            nearest = int(np.argmax(similarity))
            cluster = int(known[clustered[nearest]])
            if 1.0 - similarity[nearest] <= member_reach.get(cluster, 0.0):
                return cluster
    return -1


def _grow(clusterer: TaskClusterer, kinds: Sequence[str], served: str, *, widen: bool) -> None:
    """The agent's :mod:`~self_distill.agent.cluster_growth` on the clusters of the ``served``
    kind, with a task "solved" when it is of that kind (the stand-in for its skill's answer
    matching the label)."""
    clusters = [
        c
        for c in clusterer.cluster_ids
        if Counter(kinds[i] for i in np.flatnonzero(clusterer.labels == c)).most_common(1)[0][0]
        == served
    ]

    def solved(cluster: int, index: int) -> bool:
        return kinds[index] == served

    adopt_solved_noise(clusterer, clusters, solved)
    if widen:
        widen_to_evidence(clusterer, clusters, solved)


def _keep_served(
    clusterer: TaskClusterer, previous: np.ndarray, cluster_kind: dict[int, str], served: str
) -> None:
    """Members of clusters of the ``served`` kind that the re-cluster dropped to noise keep
    their cluster (when it still exists); the membership index is calibrated again."""
    kept = [c for c, kind in cluster_kind.items() if kind == served]
    alive = set(clusterer.cluster_ids)
    keep = (clusterer.labels < 0) & np.isin(previous, [c for c in kept if c in alive])
    if keep.any():
        clusterer.labels = np.where(keep, previous, clusterer.labels)
        clusterer.membership = MembershipIndex.calibrate(
            clusterer.vectors, clusterer.labels, mads=clusterer.config.membership_mads
        )


def figures(landed: Sequence[tuple[str, str | None]], studied: str) -> dict[str, Any]:
    """Per kind: tasks, landed inside a cluster of their own kind, of another kind; one-offs
    inside any cluster; the studied kind's share inside its own kind with a Wilson interval."""
    per_kind: dict[str, dict[str, int]] = {}
    for kind, cluster in landed:
        row = per_kind.setdefault(kind, {"tasks": 0, "own": 0, "other": 0})
        row["tasks"] += 1
        if cluster is not None:
            row["own" if cluster == kind else "other"] += 1
    row = per_kind.get(studied, {"tasks": 0, "own": 0})
    share = row["own"] / row["tasks"] if row["tasks"] else None
    interval = list(wilson_interval(row["own"], row["tasks"])) if row["tasks"] else None
    oneoffs = per_kind.get(ONEOFF_FAMILY, {"other": 0})["other"]
    oneoffs_studied = sum(kind == ONEOFF_FAMILY and cluster == studied for kind, cluster in landed)
    foreign = sum(r["other"] for k, r in per_kind.items() if k != ONEOFF_FAMILY)
    return {
        "kinds": per_kind,
        "studied_inside_share": share,
        "studied_inside_ci95": interval,
        "studied_missed": row["tasks"] - row["own"],
        "oneoffs_inside": oneoffs,
        "oneoffs_inside_studied": oneoffs_studied,
        "other_kinds_inside_wrong_cluster": foreign,
    }


def plot(path: Path, summary: dict[str, Any], seeds: Sequence[int], studied: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(seeds)
    for offset, seed in enumerate(seeds):
        shares = [summary["rules"][rule][str(seed)]["studied_inside_share"] or 0 for rule in RULES]
        positions = [i + offset * width for i in range(len(RULES))]
        ax.bar(positions, shares, width, label=f"seed {seed}")
        for x, rule in zip(positions, RULES, strict=True):
            oneoffs = summary["rules"][rule][str(seed)]["oneoffs_inside"]
            ax.annotate(str(oneoffs), (x, 0.02), ha="center", fontsize=8, color="white")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(RULES))], RULES)
    ax.set_ylim(0, 1.2)
    ax.set_ylabel(f"share of {studied} tasks inside their kind's cluster")
    ax.set_title("membership rules (white: one-offs let inside a cluster)")
    ax.legend(loc="upper center", ncol=len(seeds))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="stream seeds (exp005's streams)")
    parser.add_argument("--n", type=int, default=1000, help="stream length")
    parser.add_argument("--noise", type=float, default=0.1, help="share of one-off tasks")
    parser.add_argument("--warmup", type=int, default=60, help="as AgentConfig.warmup")
    parser.add_argument("--recluster-every", type=int, default=100)
    parser.add_argument("--start", type=int, default=230, help="count tasks from here on")
    parser.add_argument("--same-kind", default=WORD_SORTING, help="families that are one kind")
    parser.add_argument(
        "--max-seq-length", type=int, default=128, help="word pieces embedded per task"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    same = args.same_kind.split(",")
    studied = same[0]
    exp005 = _exp005()
    families = [*family_names("puzzle"), exp005.BBH_FAMILY]
    out = run_dir("exp009", args.out)
    console = Console(width=150)
    summary: dict[str, Any] = {"rules": {rule: {} for rule in RULES}, "studied_kind": studied}
    with EmbeddingCache(default_embedding_cache_path()) as cache:
        embedder = Embedder(cache, max_seq_length=args.max_seq_length)
        for seed in seeds:
            tasks = exp005.build(families, args.n, args.noise, seed)
            vectors = embedder.embed([task.input for task in tasks])
            kinds = [studied if task.family in same else task.family for task in tasks]
            for rule in RULES:
                landed = replay(
                    vectors,
                    kinds,
                    rule,
                    warmup=args.warmup,
                    recluster_every=args.recluster_every,
                    start=args.start,
                    served=studied,
                    config=ClusterConfig(seed=seed),
                )
                summary["rules"][rule][str(seed)] = figures(landed, studied)
                console.print(f"seed {seed} {rule}: done")
    headers = [
        "rule",
        "seed",
        f"{studied} inside [95% CI]",
        "missed",
        "one-offs inside (in the studied kind's)",
        "other kinds in a wrong cluster",
    ]
    rows = []
    for rule in RULES:
        for seed in seeds:
            f = summary["rules"][rule][str(seed)]
            low, high = f["studied_inside_ci95"] or (0.0, 0.0)
            share = f"{f['studied_inside_share']:.3f} [{low:.3f}, {high:.3f}]"
            rows.append(
                [
                    rule,
                    seed,
                    share,
                    f["studied_missed"],
                    f"{f['oneoffs_inside']} ({f['oneoffs_inside_studied']})",
                    f["other_kinds_inside_wrong_cluster"],
                ]
            )
    table = Table(title=f"exp009: where {studied} tasks land after task {args.start}")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*map(str, row))
    console.print(table)
    image = plot(out / "inside.png", summary, seeds, studied)
    settings = {k: v for k, v in vars(args).items() if k != "out"}
    write_report(
        out, "exp009: membership rules", [Section("Where tasks land", headers, rows)], [image]
    )
    write_json(out / "summary.json", {"settings": settings, **summary})
    write_manifest(out, experiment="exp009", settings=settings, families=families)
    console.print(f"results in {out}/ (summary.json, report.html, inside.png)")
    return summary


if __name__ == "__main__":
    main()
