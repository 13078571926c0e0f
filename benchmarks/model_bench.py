"""Generation and prompt speed of the embedded models, in tokens per second.

Prompt speed comes from a 1-token completion; generation speed from the extra time a long
completion takes over that, divided by the extra tokens. The response cache is bypassed, and every
request carries its own request number so llama.cpp cannot reuse a cached prompt prefix.

    python benchmarks/model_bench.py [--models embedded:smollm2-135m,...] [--tokens 128] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics

from rich.console import Console
from rich.table import Table

from self_distill.models import Message, build_generator

PROMPT = (
    "Write a Python function solve(text) that returns the words of text sorted alphabetically, "
    "joined by single spaces. Explain each line in detail."
)


def measure(spec: str, tokens: int, runs: int) -> dict[str, float]:
    model = build_generator(spec)

    def request(number: int) -> list[Message]:
        return [{"role": "user", "content": f"Request {number}. {PROMPT}"}]

    model.complete(request(10_000), max_tokens=1, seed=0)  # load the model
    prompt_rates, generation_rates = [], []
    for run in range(runs):
        short = model.complete(request(2 * run), max_tokens=1, seed=run)
        long = model.complete(request(2 * run + 1), max_tokens=tokens, seed=run)
        prompt_rates.append(short.input_tokens / short.latency_s)
        extra_tokens = long.output_tokens - short.output_tokens
        generation_rates.append(extra_tokens / max(long.latency_s - short.latency_s, 1e-9))
    return {
        "prompt_tokens_per_s": statistics.median(prompt_rates),
        "generation_tokens_per_s": statistics.median(generation_rates),
        "output_tokens": long.output_tokens,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="embedded:smollm2-135m,embedded:qwen2.5-coder-1.5b")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    table = Table(title="embedded model speed (median of runs)")
    for column in ("model", "prompt tok/s", "generation tok/s", "tokens generated"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for spec in args.models.split(","):
        figures = measure(spec, args.tokens, args.runs)
        table.add_row(
            spec,
            f"{figures['prompt_tokens_per_s']:.0f}",
            f"{figures['generation_tokens_per_s']:.1f}",
            str(int(figures["output_tokens"])),
        )
    Console().print(table)


if __name__ == "__main__":
    main()
