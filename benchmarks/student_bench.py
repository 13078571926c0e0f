"""Student speed: LoRA training on CPU, then a trained adapter exported and answering through
llama.cpp.

* training (unless ``--no-training``): a fresh rank-16 run of ``--train-steps`` steps of 8
  examples (the default training settings) on generated tasks of ``--families``: seconds per
  step, tokens per second (prompt and answer tokens through forward and backward), and the
  process's peak memory (measured before serving starts, so it is training's);
* export: seconds for :func:`export_student` (llama.cpp's converter, the base copy, the
  Modelfile), into a temporary folder;
* serving: :class:`LlamaStudent` (the quantized base GGUF with the GGUF adapter, greedy, the
  ``llama_threads`` setting) answers ``--n`` generated tasks of ``--families`` one at a time as
  the router asks it. Reported: answer latency p50 and p95 (the model loads before timing),
  prompt and answer tokens per answer, and answer tokens/s (answer tokens over the time spent
  answering, prompt processing included).

    python benchmarks/student_bench.py --adapter DIR [--families agreement,...] [--n 50]
        [--train-steps 6] [--threads T] [--no-training] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from self_distill.distill.dataset import curate_tasks
from self_distill.distill.export import export_student
from self_distill.distill.served import LlamaStudent
from self_distill.distill.train import TrainConfig, train_student
from self_distill.tasks.sources import load_tasks


def measure_training(families: list[str], steps: int, threads: int | None) -> dict[str, Any]:
    """Seconds per step, tokens/s and peak memory of a short run with the default settings."""
    config = TrainConfig(epochs=1, threads=threads)
    per_family = -(-steps * config.batch_size // len(families))
    tasks = [task for f in families for task in load_tasks(f, n=per_family, seed=11)]
    examples = curate_tasks(tasks, "bench").examples[: steps * config.batch_size]
    with tempfile.TemporaryDirectory() as folder:
        result = train_student(examples, Path(folder), config)
    return {
        "train_steps": result.steps,
        "train_seconds_per_step": result.seconds_per_step,
        "train_tokens_per_s": result.tokens_per_second,
        "train_peak_memory_mb": result.peak_memory_mb,
    }


def measure(adapter: Path, families: list[str], n: int, max_tokens: int) -> dict[str, Any]:
    per_family = -(-n // len(families))
    texts = [task.input for f in families for task in load_tasks(f, n=per_family, seed=7)][:n]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        exported = export_student(adapter, Path(folder))
        export_s = time.perf_counter() - started
        student = LlamaStudent(exported.folder, max_tokens=max_tokens)
        student.completion(texts[0])  # load the model and the adapter
        completions = [student.completion(text) for text in texts]
    latencies = sorted(c.latency_s for c in completions)
    answer_tokens = sum(c.output_tokens for c in completions)
    return {
        "export_s": export_s,
        "answers": len(completions),
        "threads": student.n_threads,
        "latency_p50_s": statistics.median(latencies),
        "latency_p95_s": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))],
        "prompt_tokens_mean": statistics.mean(c.input_tokens for c in completions),
        "answer_tokens_mean": answer_tokens / len(completions),
        "answer_tokens_per_s": answer_tokens / sum(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, required=True, help="A trained adapter folder.")
    parser.add_argument("--families", default="agreement,meeting_conflict,order_id_extract")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--train-steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (training)")
    parser.add_argument("--no-training", action="store_true", help="Serving figures only.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    families = args.families.split(",")
    figures: dict[str, Any] = {}
    if not args.no_training:
        figures.update(measure_training(families, args.train_steps, args.threads))
    figures.update(measure(args.adapter, families, args.n, args.max_tokens))
    if args.json:
        print(json.dumps(figures))
        return
    table = Table(title=f"student training and serving ({figures['threads']} llama.cpp threads)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    if "train_steps" in figures:
        table.add_row("training steps (8 examples each)", str(figures["train_steps"]))
        table.add_row("training s/step", f"{figures['train_seconds_per_step']:.2f}")
        table.add_row("training tokens/s", f"{figures['train_tokens_per_s']:.0f}")
        table.add_row("training peak memory (MB)", f"{figures['train_peak_memory_mb']:.0f}")
    table.add_row("export (s)", f"{figures['export_s']:.1f}")
    table.add_row("answers", str(figures["answers"]))
    table.add_row("latency p50 (ms)", f"{1000 * figures['latency_p50_s']:.0f}")
    table.add_row("latency p95 (ms)", f"{1000 * figures['latency_p95_s']:.0f}")
    table.add_row("prompt tokens / answer", f"{figures['prompt_tokens_mean']:.0f}")
    table.add_row("answer tokens / answer", f"{figures['answer_tokens_mean']:.1f}")
    table.add_row("answer tokens/s", f"{figures['answer_tokens_per_s']:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
