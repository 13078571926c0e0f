"""Sandbox speed: zygote start, worker start, per-call overhead, a verification-like run.

* zygote start: the first sandbox of a process pays for one ``python -I`` interpreter that
  imports RestrictedPython and warms up (once per host process);
* worker start: ``Sandbox().start()`` with the zygote warm: fork, harden (all layers), handshake;
* per-call overhead: one ``call`` of ``solve(text) -> text`` in a warm worker, round trip;
* verification-like run: start a sandbox, load a word-sort skill, ``run_many`` on 300 inputs
  twice (the determinism check), close; start included.

    python benchmarks/sandbox_bench.py [--starts 20] [--calls 1000] [--runs 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from rich.console import Console
from rich.table import Table

from self_distill.sandbox import Sandbox

ECHO = "def solve(text):\n    return text\n"
WORD_SORT = """
def solve(text):
    words = text.split()
    return " ".join(sorted(words, key=str.lower))
"""


def _inputs(count: int) -> list[str]:
    vocabulary = ["pear", "Apple", "fig", "kiwi", "Banana", "date", "grape", "Lemon", "lime"]
    return [
        " ".join(vocabulary[(index * 7 + offset) % len(vocabulary)] for offset in range(6))
        for index in range(count)
    ]


def zygote_start_ms() -> float:
    started = time.perf_counter()
    with Sandbox():
        elapsed = time.perf_counter() - started
    return elapsed * 1000


def worker_start_ms(starts: int) -> float:
    samples = []
    for _ in range(starts):
        box = Sandbox()
        started = time.perf_counter()
        box.start()
        samples.append(time.perf_counter() - started)
        box.close()
    return statistics.median(samples) * 1000


def call_overhead_us(calls: int) -> float:
    samples = []
    with Sandbox() as box:
        handle = box.load(ECHO)
        for _ in range(20):
            box.call(handle, "solve", "warm")
        for _ in range(calls):
            started = time.perf_counter()
            box.call(handle, "solve", "some text")
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def verification_run_ms(runs: int) -> float:
    inputs = _inputs(300)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with Sandbox() as box:
            handle = box.load(WORD_SORT)
            first = box.run_many(handle, "solve", inputs)
            second = box.run_many(handle, "solve", inputs)
        samples.append(time.perf_counter() - started)
        outputs = [result.output for result in first]
        if not all(result.ok for result in first) or outputs != [r.output for r in second]:
            raise RuntimeError("the word-sort skill failed or was not deterministic")
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = {
        "zygote_start_ms": zygote_start_ms(),
        "worker_start_ms": worker_start_ms(args.starts),
        "call_overhead_us": call_overhead_us(args.calls),
        "run_300_ms": verification_run_ms(args.runs),
    }
    with Sandbox() as box:
        layers = list(box.layers)
    if args.json:
        print(json.dumps({**figures, "layers": layers}))
        return
    table = Table(title="Sandbox speed (medians)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("zygote start, once per process", f"{figures['zygote_start_ms']:.1f} ms", "-")
    table.add_row(
        f"worker start (median of {args.starts})", f"{figures['worker_start_ms']:.1f} ms", "150 ms"
    )
    table.add_row(
        f"per-call overhead, warm (median of {args.calls})",
        f"{figures['call_overhead_us']:.0f} µs",
        "200 µs",
    )
    table.add_row(
        f"300-example run x2, start included (median of {args.runs})",
        f"{figures['run_300_ms']:.1f} ms",
        "250 ms",
    )
    console = Console()
    console.print(table)
    console.print("layers active: " + ", ".join(layers))


if __name__ == "__main__":
    main()
