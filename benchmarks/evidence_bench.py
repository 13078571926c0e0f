"""Speed of the evidence layer: embedding throughput, clustering time, online assignment latency.

Targets (2 CPU cores): embedding >= 200 tasks/s; clustering 10k tasks <= 30 s; assigning one new
task <= 20 ms. Clustering is timed on real MiniLM embeddings of distinct generated tasks; they
are kept in an embedding cache (``--cache``), so only the first run pays for embedding the
largest set (50k tasks take several minutes). The throughput figure is always measured on fresh
texts with no cache. The load average is printed because the machine may be shared.

Run: ``python benchmarks/evidence_bench.py [--sizes 1000,10000,50000] [--embed-n 2000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from self_distill.evidence import Embedder, EmbeddingCache, TaskClusterer
from self_distill.tasks import build_stream, family_names

STREAM_CHUNK = 8000
EMBED_TARGET = 200.0
CLUSTER_10K_TARGET_S = 30.0
ASSIGN_TARGET_MS = 20.0


def distinct_texts(count: int, first_seed: int) -> list[str]:
    """``count`` distinct task inputs from mixed streams (10 % one-offs), in stream order.

    The streams hold the puzzle families only, so the figures stay comparable with earlier runs.
    """
    weights = {family: 1.0 for family in family_names("puzzle")}
    seen: dict[str, None] = {}
    seed = first_seed
    while len(seen) < count:
        for task in build_stream(weights, STREAM_CHUNK, 0.1, seed):
            seen.setdefault(task.input)
        seed += 1
    return list(seen)[:count]


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def bench_embedding(texts: list[str], console: Console, threads: int | None) -> dict[str, Any]:
    """Throughput on fresh texts: no cache, model load timed separately.

    Besides wall-clock throughput, reports texts per CPU-second of this process: on a shared
    machine that figure does not drop when other processes take the cores.
    """
    embedder = Embedder(None, threads=threads)
    started = time.perf_counter()
    embedder.embed(["warm-up"])
    load_s = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.embed(texts)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    console.print(
        f"embedded {len(texts)} fresh texts in {elapsed:.1f} s ({cpu:.1f} CPU-s) "
        f"with {embedder.threads} torch thread(s), batch size {embedder.batch_size}"
    )
    return {
        "model": embedder.info.model,
        "threads": embedder.threads,
        "batch_size": embedder.batch_size,
        "model_load_s": load_s,
        "texts": len(texts),
        "mean_chars": statistics.fmean(len(text) for text in texts),
        "tasks_per_s": len(texts) / elapsed,
        "tasks_per_cpu_s": len(texts) / cpu,
    }


def cached_vectors(
    texts: list[str], cache_path: Path | None, console: Console, threads: int | None
) -> np.ndarray:
    """Embeddings of ``texts`` from the cache, embedding (and caching) whatever is missing."""
    with EmbeddingCache(cache_path) as cache:
        embedder = Embedder(cache, threads=threads)
        with Progress(
            TextColumn("embedding the clustering sets (cached after the first run)"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            bar = progress.add_task("embed", total=len(texts))
            vectors = embedder.embed(texts, progress=lambda done: progress.advance(bar, done))
        console.print(
            f"clustering sets: {len(texts)} vectors, {embedder.texts_encoded} newly embedded, "
            f"cache {cache.path}"
        )
    return vectors


def bench_clustering(vectors: np.ndarray, sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        clusterer = TaskClusterer()
        started = time.perf_counter()
        labels = clusterer.fit(vectors[:size])
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "tasks": size,
                "cluster_s": elapsed,
                "clusters": len(clusterer.cluster_ids),
                "noise_fraction": float((labels < 0).mean()),
                "min_cluster_size": clusterer.sizes[0],
            }
        )
    return rows


def bench_assign(
    vectors: np.ndarray, fit_size: int, new_texts: list[str], trials: int, threads: int | None
) -> dict[str, Any]:
    """Latency of placing one new task: from its vector, and from its text (embed + assign)."""
    clusterer = TaskClusterer()
    clusterer.fit(vectors[:fit_size])
    fresh = vectors[fit_size : fit_size + trials]
    vector_ms = []
    for row in fresh:
        started = time.perf_counter()
        clusterer.assign(row[None, :], remember=False)
        vector_ms.append(1000.0 * (time.perf_counter() - started))
    embedder = Embedder(None, threads=threads)
    embedder.embed(["warm-up"])
    text_ms = []
    for text in new_texts[:trials]:
        started = time.perf_counter()
        clusterer.assign(embedder.embed([text]), remember=False)
        text_ms.append(1000.0 * (time.perf_counter() - started))
    return {
        "fitted_tasks": fit_size,
        "trials": len(vector_ms),
        "vector_median_ms": statistics.median(vector_ms),
        "vector_p95_ms": float(np.percentile(vector_ms, 95)),
        "text_median_ms": statistics.median(text_ms),
        "text_p95_ms": float(np.percentile(text_ms, 95)),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="clustering set sizes")
    parser.add_argument("--embed-n", type=int, default=2000, help="fresh texts for throughput")
    parser.add_argument("--assign-trials", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache for the sets")
    parser.add_argument("--json-out", type=Path, default=None, help="also write figures here")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: the Embedder's choice)"
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.sizes.split(",") if size)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console()
    console.print(f"load average at start: {load_average()}")
    largest = max(args.sizes)
    texts = distinct_texts(largest + args.assign_trials, first_seed=0)
    fresh = distinct_texts(args.embed_n + args.assign_trials, first_seed=10_000)
    known = set(texts)
    fresh = [text for text in fresh if text not in known]
    embedding = bench_embedding(fresh[: args.embed_n], console, args.threads)
    vectors = cached_vectors(texts, args.cache, console, args.threads)
    clustering = bench_clustering(vectors, args.sizes)
    fit_size = min(args.sizes, key=lambda size: abs(size - 10_000))
    assign = bench_assign(
        vectors, fit_size, fresh[args.embed_n :], args.assign_trials, args.threads
    )
    figures = {
        "embedding": embedding,
        "clustering": clustering,
        "assign": assign,
        "load_average_end": load_average(),
    }
    table = Table(title="evidence benchmark")
    for column in ("measure", "value", "target"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    table.add_row(
        f"embedding ({embedding['model']}, {embedding['threads']} thread(s))",
        f"{embedding['tasks_per_s']:.0f} tasks/s",
        f">= {EMBED_TARGET:.0f} tasks/s",
    )
    table.add_row(
        "embedding per CPU-second of this process",
        f"{embedding['tasks_per_cpu_s']:.0f} tasks/CPU-s",
        "",
    )
    for row in clustering:
        target = f"<= {CLUSTER_10K_TARGET_S:.0f} s" if row["tasks"] == 10_000 else ""
        table.add_row(
            f"cluster {row['tasks']} tasks ({row['clusters']} clusters)",
            f"{row['cluster_s']:.2f} s",
            target,
        )
    table.add_row(
        f"assign 1 task, vector (fit on {fit_size})",
        f"{assign['vector_median_ms']:.2f} ms (p95 {assign['vector_p95_ms']:.2f})",
        f"<= {ASSIGN_TARGET_MS:.0f} ms",
    )
    table.add_row(
        "assign 1 task, text (embed + assign)",
        f"{assign['text_median_ms']:.1f} ms (p95 {assign['text_p95_ms']:.1f})",
        f"<= {ASSIGN_TARGET_MS:.0f} ms",
    )
    console.print(table)
    console.print(
        f"model load {embedding['model_load_s']:.1f} s; load average at end: "
        f"{figures['load_average_end']}"
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
