"""Mixed task streams for the agent: recurring families in set proportions plus one-off noise.

A stream is what the agent sees over time. Generated families and loaded task lists (``extra``,
e.g. BIG-Bench-Hard files) recur; a share ``noise`` of the stream consists of one-off requests
(family ``"oneoff"``) that never recur, so experiments can measure how many of them end up in
the clustering noise. The same arguments always give the same stream.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence

from self_distill.errors import DataError, UsageError
from self_distill.tasks.generators import FAMILIES, MIXED, generate
from self_distill.tasks.oneoff import ONEOFF_FAMILY, generate_oneoff
from self_distill.tasks.task import Task


def allocate(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Split ``total`` over ``weights`` in proportion, rounding by largest remainder."""
    weight_sum = sum(weights.values())
    exact = {name: total * weight / weight_sum for name, weight in weights.items()}
    counts = {name: int(share) for name, share in exact.items()}
    by_remainder = sorted(weights, key=lambda name: (counts[name] - exact[name], name))
    for name in by_remainder[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


def _check(
    families: Mapping[str, float], n: int, noise: float, extra: Mapping[str, Sequence[Task]]
) -> None:
    if n < 0:
        raise UsageError(f"stream length must be >= 0, got {n}")
    if not 0 <= noise <= 1:
        raise UsageError(f"noise must be a share between 0 and 1, got {noise}")
    if not families and noise < 1:
        raise UsageError("no families given; name at least one family or set noise to 1")
    for name, weight in families.items():
        if not weight > 0:
            raise UsageError(f"family {name!r} has weight {weight}; weights must be > 0")
        if name not in FAMILIES and name not in extra:
            raise UsageError(
                f"unknown family {name!r}: not generated ({', '.join(FAMILIES)}) "
                "and not among the loaded extra task lists"
            )
        if name == ONEOFF_FAMILY:
            raise UsageError(f"{ONEOFF_FAMILY!r} is reserved for noise; use the noise share")


def build_stream(
    families: Mapping[str, float],
    n: int,
    noise: float = 0.1,
    seed: int = 0,
    extra: Mapping[str, Sequence[Task]] | None = None,
    difficulty: str = MIXED,
) -> list[Task]:
    """A shuffled stream of ``n`` tasks.

    ``families`` maps a family name to its weight (weights are normalised); a name is either a
    generated family (``FAMILIES``, made at ``difficulty``) or a key of ``extra``, whose tasks
    are sampled without repetition and relabelled with that key as their family. Keys of
    ``extra`` not named in ``families`` are ignored. ``round(n * noise)`` tasks are one-offs.
    """
    pools = dict(extra or {})
    _check(families, n, noise, pools)
    noise_count = round(n * noise)
    counts = allocate(families, n - noise_count) if families else {}
    stream: list[Task] = []
    for name, count in counts.items():
        if name in pools:
            pool = list(pools[name])
            if count > len(pool):
                raise UsageError(
                    f"family {name!r} needs {count} tasks but only {len(pool)} were loaded; "
                    "lower n or its weight"
                )
            chosen = random.Random(f"stream|{seed}|{name}").sample(pool, count)
            stream += [
                task if task.family == name else dataclasses.replace(task, family=name)
                for task in chosen
            ]
        else:
            stream += generate(name, count, seed=seed, difficulty=difficulty)
    stream += generate_oneoff(noise_count, seed=seed)
    ids = [task.id for task in stream]
    if len(set(ids)) != len(ids):
        duplicate = next(task_id for task_id in ids if ids.count(task_id) > 1)
        raise DataError(f"stream has duplicate task id {duplicate!r}; give loaded tasks unique ids")
    random.Random(f"stream|{seed}").shuffle(stream)
    return stream
