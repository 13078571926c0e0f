"""Agent routing speed: the overhead a skill-answered task costs, and a stream answered by skills.

* routing overhead per task, one task at a time as ``self-distill answer`` would meet it: embed
  the text (MiniLM, not cached), assign it to a cluster (HDBSCAN prediction + membership
  threshold), run the skill in the hardened sandbox; p50 and p95 over the ``--probe`` tasks the
  skill answered (word sorting splits over several clusters; the skill is active on each of
  them, as the agent's reuse would make it);
* throughput: ``Agent.run`` on a stream of ``--n`` word-sorting tasks (all six phrasings). The
  first ``warmup`` tasks go to ``InstantModel`` (the agent has no skill yet); a creation follows,
  written by ``FixedSkillWriter`` (a benchmark stand-in that always replies with one known-good
  skill, so the figure measures routing, not a creator's luck); the skill is then reused by the
  family's other clusters, and answers every task that lands inside one of them. HDBSCAN noise
  and tasks outside a cluster's threshold go to the model by design, so no real stream is
  answered entirely by skills: ``InstantModel`` answers those at once, the throughput is the
  agent's own cost per task, and the skill's share is reported beside it. Reported: tasks/s
  after activation (embedding timed on its own, in one batch as ``run`` does), the share
  answered by the skill, the skill call's p50/p95, and the process's peak resident memory
  (no language model is loaded: add the model's own footprint, see ``model_bench.py``).

    python benchmarks/agent_bench.py [--n 10000] [--probe 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from self_distill.agent.agent import Agent
from self_distill.agent.config import AgentConfig
from self_distill.agent.router import SkillTier
from self_distill.evidence import Embedder, EmbeddingCache, TaskClusterer
from self_distill.ledger import Ledger
from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.sandbox import Sandbox
from self_distill.skills.store.skill_store import SkillStore
from self_distill.tasks import generate

SKILL = (
    "```python\nimport re\n\n\ndef solve(text: str) -> str:\n"
    '    data = re.split(r"[:\\n]", text)[-1]\n'
    '    return " ".join(sorted(re.findall(r"[A-Za-z]+", data)))\n```'
)


class FixedSkillWriter(TextGenerator):
    """Benchmark stand-in for a creator: every reply is the same correct word-sort skill."""

    spec = "bench:fixed-skill-writer"

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        return Completion(SKILL, 0, 0, 0.0, 0.0, self.spec)


class InstantModel(TextGenerator):
    """Benchmark stand-in for the answering model: an empty answer at once, so the tasks no
    skill takes cost the agent's bookkeeping and nothing else. It bills the prompt's words as
    input tokens, so the agent's savings test sees a family worth a skill."""

    spec = "bench:instant-model"

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        words = sum(len(message["content"].split()) for message in messages)
        return Completion("", words, 0, 0.0, 0.0, self.spec)


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share * 100))


def routing_overhead(probe: int, cache_dir: Path) -> dict[str, float]:
    """Per-task embed + assign + sandbox call, one task at a time, over the tasks the skill
    answered (the others skip the sandbox and would flatter the figure)."""
    fit = generate("word_sort", 300, seed=1) + generate("arith", 300, seed=1)
    probes = generate("word_sort", probe, seed=2)
    with EmbeddingCache(cache_dir / "fit.sqlite3") as cache:
        vectors = Embedder(cache).embed([task.input for task in fit])
    clusterer = TaskClusterer()
    labels = clusterer.fit(vectors)
    sort_clusters = sorted({int(label) for label in labels[:300] if label >= 0})
    timings: list[float] = []
    with Sandbox() as box, EmbeddingCache(cache_dir / "probe.sqlite3") as cache:
        tier = SkillTier(box)
        code = SKILL.split("```python\n")[1].split("```")[0]
        for cluster in sort_clusters:
            tier.activate(cluster, "bench@1", code, 0.95, "word_sort")
        embedder = Embedder(cache)
        embedder.embed(["warm up the embedding model"])
        for task in probes:
            started = time.perf_counter()
            vector = embedder.embed([task.input])
            assignment = clusterer.assign(vector, remember=False)[0]
            answer, _, _ = tier.answer(task.input, assignment)
            if answer is not None:
                timings.append(time.perf_counter() - started)
    return {
        "p50_ms": 1000 * percentile(timings, 0.5),
        "p95_ms": 1000 * percentile(timings, 0.95),
        "skill_share": len(timings) / probe,
        "sort_clusters": len(sort_clusters),
    }


def throughput(n: int, workdir: Path) -> dict[str, Any]:
    """Embed the stream (timed on its own), then let the agent answer it (embeddings cached)."""
    tasks = generate("word_sort", n, seed=3, difficulty="mixed")
    config = AgentConfig(
        warmup=200,
        min_examples=40,
        n_shown=12,
        recluster_every=10**6,
        candidates=1,
        drift_sample=0.0,
    )
    stamps: list[float] = []
    with (
        Ledger(workdir / "ledger.sqlite3") as ledger,
        EmbeddingCache(workdir / "e.sqlite3") as cache,
    ):
        embedder = Embedder(cache)
        started = time.perf_counter()
        embedder.embed([task.input for task in tasks])
        embed_s = time.perf_counter() - started
        agent = Agent(
            InstantModel(),
            creator=FixedSkillWriter(),
            ledger=ledger,
            store=SkillStore(workdir / "store"),
            config=config,
            embedder=embedder,
        )
        with agent:
            answers = agent.run(tasks, progress=lambda _: stamps.append(time.perf_counter()))
            skill_clusters = len(agent.skills.by_cluster)
    first_skill = next(a.seq for a in answers if a.route == "skill")
    after = answers[first_skill:]
    skill_latency = [a.latency_s for a in after if a.route == "skill"]
    route_s = stamps[-1] - stamps[first_skill]
    return {
        "tasks": n,
        "first_skill_answer": first_skill,
        "clusters_with_the_skill": skill_clusters,
        "skill_share_after_activation": sum(a.route == "skill" for a in after) / len(after),
        "skill_call_p50_ms": 1000 * statistics.median(skill_latency),
        "skill_call_p95_ms": 1000 * percentile(skill_latency, 0.95),
        "embed_tasks_per_s": n / embed_s,
        "route_tasks_per_s_after_activation": (len(after) - 1) / route_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--probe", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        results = {
            "routing_overhead": routing_overhead(args.probe, workdir),
            "throughput": throughput(args.n, workdir),
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return results
    table = Table(title="agent routing")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for group, figures in results.items():
        for key, value in figures.items():
            shown = f"{value:.2f}" if isinstance(value, float) else str(value)
            table.add_row(f"{group}: {key}", shown)
    Console().print(table)
    return results


if __name__ == "__main__":
    main()
