"""Long-input question families with exact answers: questions over generated service logs.

Each task is one question followed by a log (and, for joins, a user-to-team table) of a chosen
length, so the same question can be asked below, at and far beyond a model's context window.
Answers are computed from the generated records, never by a model. The families are not in
the generated-family registry (:mod:`self_distill.tasks.generators`): their inputs are tens of
thousands of characters and are made only where asked for (RLM experiments and tests).

Kinds (family ``logs_<kind>``): ``count_level`` (fixed question), ``max_latency`` (fixed),
``top_user`` (fixed), ``count_service_level`` (service and level vary), ``team_errors``
(a join of the log with the team table; the team varies).
"""

from __future__ import annotations

import random
from collections import Counter

from self_distill.errors import UsageError
from self_distill.tasks.task import Task

LOG_KINDS: tuple[str, ...] = (
    "count_level",
    "max_latency",
    "top_user",
    "count_service_level",
    "team_errors",
)
LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")
SERVICES = ("auth", "billing", "search", "orders", "mailer", "gateway")
TEAMS = ("red", "blue", "green", "amber")
PATHS = ("/api/login", "/api/orders", "/api/search", "/api/pay", "/health", "/api/user")

QUESTIONS = {
    "count_level": "How many log lines have the level ERROR? Answer with a number.",
    "max_latency": "What is the highest latency_ms value in the log? Answer with a number.",
    "top_user": "Which user appears in the most log lines? Answer with the user id only.",
    "count_service_level": (
        "How many {level} lines come from the service {service}? Answer with a number."
    ),
    "team_errors": (
        "The table maps each user to a team. How many ERROR lines come from users of the team "
        "{team}? Answer with a number."
    ),
}
_FORMATS = {"top_user": "exact"}


def family_name(kind: str) -> str:
    return f"logs_{kind}"


def long_input_tasks(kind: str, n: int, target_chars: int, seed: int = 0) -> list[Task]:
    """``n`` tasks of ``kind`` whose inputs are about ``target_chars`` characters long."""
    if kind not in LOG_KINDS:
        raise UsageError(f"unknown long-input kind {kind!r}; use one of {', '.join(LOG_KINDS)}")
    if n < 1 or target_chars < 200:
        raise UsageError("long_input_tasks needs n >= 1 and target_chars >= 200")
    rng = random.Random(f"{kind}:{target_chars}:{seed}")
    return [_task(kind, index, target_chars, rng, seed) for index in range(n)]


def _task(kind: str, index: int, target_chars: int, rng: random.Random, seed: int) -> Task:
    users = [f"u{rng.randrange(1000, 9999)}" for _ in range(24)]
    users = sorted(set(users))
    teams = {user: rng.choice(TEAMS) for user in users}
    params = {"level": rng.choice(("WARN", "ERROR")), "service": rng.choice(SERVICES)}
    params["team"] = rng.choice(TEAMS)
    question = QUESTIONS[kind].format(**params)
    header = question + "\n\n"
    if kind == "team_errors":
        header += "Users and teams:\n" + "\n".join(f"{u} {teams[u]}" for u in users) + "\n\n"
    header += "Log:\n"
    records, lines, size = [], [], len(header)
    clock = rng.randrange(0, 86_400 - 1)
    while size < target_chars or not records:
        clock = (clock + rng.randrange(1, 20)) % 86_400
        record = {
            "time": f"{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}",
            "level": rng.choice(LEVELS),
            "service": rng.choice(SERVICES),
            "user": rng.choice(users),
            "latency": rng.randrange(3, 2000),
            "status": rng.choice((200, 200, 200, 201, 404, 500)),
            "path": rng.choice(PATHS),
        }
        line = (
            f"2024-05-{1 + index % 28:02d} {record['time']} {record['level']} "
            f"{record['service']} user={record['user']} path={record['path']} "
            f"status={record['status']} latency_ms={record['latency']}"
        )
        records.append(record)
        lines.append(line)
        size += len(line) + 1
    if kind == "top_user":
        _make_unique_top_user(records, lines, rng)
    target = _answer(kind, records, params, teams)
    return Task(
        id=f"{family_name(kind)}-{target_chars}-{seed}-{index}",
        family=family_name(kind),
        input=header + "\n".join(lines),
        target=target,
        answer_format=_FORMATS.get(kind, "numeric"),
        meta={"kind": kind, "chars": target_chars, "lines": len(lines), "params": params},
    )


def _make_unique_top_user(records: list[dict], lines: list[str], rng: random.Random) -> None:
    """Give the most frequent user one extra line when two users tie for the most."""
    counts = Counter(record["user"] for record in records).most_common(2)
    if len(counts) == 2 and counts[0][1] == counts[1][1]:
        index = rng.randrange(len(records))
        old = records[index]["user"]
        records[index]["user"] = counts[0][0]
        lines[index] = lines[index].replace(f"user={old}", f"user={counts[0][0]}")


def _answer(kind: str, records: list[dict], params: dict, teams: dict[str, str]) -> str:
    if kind == "count_level":
        return str(sum(r["level"] == "ERROR" for r in records))
    if kind == "max_latency":
        return str(max(r["latency"] for r in records))
    if kind == "top_user":
        return Counter(r["user"] for r in records).most_common(1)[0][0]
    if kind == "count_service_level":
        return str(
            sum(
                r["level"] == params["level"] and r["service"] == params["service"] for r in records
            )
        )
    return str(sum(r["level"] == "ERROR" and teams[r["user"]] == params["team"] for r in records))
