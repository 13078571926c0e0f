"""The everyday command line: readable at 80 columns and in pipes, one home, skill references.

Every run goes through a real ``self-distill`` subprocess whose stdout is a pipe, as in
``self-distill ... | cat``, with ``COLUMNS=80``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from self_distill.ledger import Ledger
from self_distill.models.base import Completion
from self_distill.models.embedded import CODER_FILENAME
from self_distill.paths import default_data_home
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import run_creation
from self_distill.skills.store.skill_store import SkillStore
from self_distill.tasks import generate, write_jsonl
from tests.support.cli import run_cli
from tests.support.ollama_standin import OllamaStandIn
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY, word_sort_request

NARROW = {"COLUMNS": "80"}
CONSTANT_REPLY = "```python\ndef solve(text: str) -> str:\n    return 'x'\n```"
LONG_SPEC = "embedded:qwen2.5-coder-1.5b"
LONG_LINE_SKILL = SORT_SKILL_REPLY.replace(
    "def solve(text: str) -> str:\n",
    "def solve(text: str) -> str:\n    # the words after the last colon or line break, sorted "
    "alphabetically and joined by single spaces\n",
)


@pytest.fixture
def store(isolated_data_home: Path) -> Path:
    """The default store (in the data home) with word-sort@1 (active, long code lines)."""
    request = word_sort_request(
        CreationBudget(candidates=1), count=40, seed=8, n_shown=10, max_heldout=30
    )
    root = isolated_data_home / "skills"
    with Ledger(isolated_data_home / "ledger.sqlite3") as ledger:
        outcome = run_creation(
            request,
            ScriptedFakeModel([LONG_LINE_SKILL], spec=LONG_SPEC),
            ledger,
            SkillStore(root),
        )
    assert outcome.result.accepted
    return root


@pytest.fixture
def busy_ledger(isolated_data_home: Path) -> Path:
    """The default ledger with a few runs and calls of a long model spec."""
    path = isolated_data_home / "ledger.sqlite3"
    with Ledger(path) as ledger:
        for kind in ("ask", "create"):
            run_id = ledger.start_run(kind)
            for number in range(2):
                messages = [{"role": "user", "content": f"question {number} of {kind}"}]
                completion = Completion(f"answer {number}", 12, 3, 0.5, 0.0, LONG_SPEC)
                ledger.record_call(
                    run_id,
                    "solve",
                    model=LONG_SPEC,
                    prompt_hash="h",
                    completion=completion,
                    cpu_s=0.4,
                    messages=messages,
                )
            ledger.finish_run(run_id)
    return path


def _piped(*args: str, cwd: Path | None = None, **env: str) -> str:
    result = run_cli(*args, env={**NARROW, **env}, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _json(*args: str, **env: str) -> Any:
    return json.loads(_piped(*args, "--json", **env))


def _identifiers(command: tuple[str, ...], tmp_path: Path) -> list[str]:
    """The identifiers a listing shows, read from its own --json output."""
    name = " ".join(command[:2])
    if name == "models list":
        payload = _json(*command)
        return [str(r[k]) for r in payload["embedded"] for k in ("spec", "path") if r[k]] + [
            r["spec"] for r in payload["other"]
        ]
    if name == "ledger summary":
        return [row["model"] for row in _json(*command)["rows"]] + [str(tmp_path)]
    if name == "ledger runs":
        return [row["id"] for row in _json(*command)["runs"]]
    if name == "skills list":
        payload = _json(*command)
        return [f"{e['id']}@{e['version']}" for e in payload["skills"]] + [payload["store"]]
    if name == "tasks list":
        return [family["name"] for family in _json(*command)["families"]]
    if name == "tasks sample":
        return [task["id"] for task in _json(*command)["tasks"]]
    if name == "tasks stream":
        return list(_json(*command)["families"])
    if name == "evidence cluster":
        payload = _json(*command)
        return [c["majority_family"] for c in payload["clusters"]]
    if name == "experiment list":
        return [e["name"] for e in _json(*command)["experiments"]]
    if name == "sandbox layers":
        return [row["layer"] for row in _json(*command)["layers"]]
    raise AssertionError(name)


def test_every_listing_keeps_identifiers_whole_at_80_columns_in_a_pipe(
    store: Path, busy_ledger: Path, tmp_path: Path
) -> None:
    data = tmp_path / "mixed.jsonl"
    write_jsonl(
        generate("pii_extract", 30, seed=1) + generate("order_id_extract", 30, seed=1), data
    )
    commands = [
        ("models", "list"),
        ("ledger", "summary"),
        ("ledger", "runs"),
        ("skills", "list"),
        ("tasks", "list"),
        ("tasks", "sample", "order_id_extract", "-n", "4"),
        ("tasks", "stream", "--families", "order_id_extract,meeting_conflict", "-n", "40"),
        ("evidence", "cluster", "--data", str(data), "--min-cluster-size", "5"),
        ("experiment", "list"),
        ("sandbox", "layers"),
    ]
    for command in commands:
        identifiers = _identifiers(command, tmp_path)
        assert identifiers, command
        shown = _piped(*command)
        missing = [identifier for identifier in identifiers if identifier not in shown]
        assert not missing, (command, missing, shown)
        assert "…" not in shown, command


def test_ledger_logs_and_create_run_ids_are_whole(busy_ledger: Path) -> None:
    runs = _json("ledger", "runs")["runs"]
    assert [run["kind"] for run in runs] == ["create", "ask"]
    assert runs[0]["calls"] == 2 and runs[0]["input_tokens"] == 24
    logs = _piped("ledger", "logs", "-n", "1")
    assert runs[0]["id"] in logs and LONG_SPEC in logs
    assert "question 1 of create" in logs and "answer 1" in logs
    every = _json("ledger", "logs", "--run", runs[1]["id"], "-n", "0")["calls"]
    assert [call["response"] for call in every] == ["answer 1", "answer 0"]


def test_skills_show_prints_the_code_whole(store: Path) -> None:
    code = SkillStore(store).get("word-sort").code()
    assert max(len(line) for line in code.splitlines()) > 80
    shown = _piped("skills", "show", "word-sort")
    for line in code.splitlines():
        assert line in shown.splitlines()


def test_the_store_is_the_same_from_any_folder(store: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = _json("skills", "list")
    there = json.loads(_piped("skills", "list", "--json", cwd=elsewhere))
    assert here == there and here["store"] == str(store)
    assert "word-sort@1" in _piped("skills", "list", cwd=elsewhere)


def test_every_command_that_takes_a_skill_takes_a_file_a_folder_or_a_store_ref(
    store: Path, tmp_path: Path
) -> None:
    folder = SkillStore(store).get("word-sort@1").path
    for ref in ("word-sort", "word-sort@1", str(folder), str(folder / "skill.py")):
        payload = _json("sandbox", "run", ref, "--input", "Sort: pear apple")
        assert payload["output"] == "apple pear", ref
    answer = run_cli("skills", "run", "word-sort", "--input", "-", input_text="Sort: b c a")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout == "a b c"
    data = tmp_path / "sort.jsonl"
    write_jsonl(generate("word_sort", 30, seed=2), data)
    verdict = _json("verify", "word-sort@1", "--data", str(data))
    assert verdict["heldout_accuracy"] == 1.0
    missing = run_cli("skills", "run", "no-such-skill", "--input", "x")
    assert missing.returncode == 1 and "skills list" in missing.stderr


def test_ask_reads_the_prompt_from_standard_input() -> None:
    with OllamaStandIn(reply=lambda messages: messages[-1]["content"].upper()) as server:
        env = {"OLLAMA_HOST": server.url}
        dash = run_cli("ask", "--model", "ollama:coder", "-", env=env, input_text="two words\n")
        bare = run_cli("ask", "--model", "ollama:coder", env=env, input_text="no argument")
    assert (dash.returncode, bare.returncode) == (0, 0), dash.stderr + bare.stderr
    assert dash.stdout == "TWO WORDS\n"
    assert bare.stdout == "NO ARGUMENT"


@pytest.mark.model
def test_ask_piped_is_the_model_text_byte_for_byte() -> None:
    prompt = "Write three long sentences about rivers, mountains and the sea."
    args = ("ask", "--model", "embedded:smollm2-135m", "--max-tokens", "80", prompt)
    completion = json.loads(_piped(*args[:-1], "--json", prompt))
    assert len(completion["text"]) > 80
    assert _piped(*args) == completion["text"]


def test_models_assembled_before_the_home_was_set_are_found(tmp_path: Path) -> None:
    env = {"SELF_DISTILL_HOME": str(tmp_path / "fresh"), "SELF_DISTILL_MODELS_DIR": ""}
    default = default_data_home() / "models" / CODER_FILENAME
    rows = {r["spec"]: r for r in json.loads(_piped("models", "list", "--json", **env))["embedded"]}
    coder = rows["embedded:qwen2.5-coder-1.5b"]
    if default.is_file():
        assert coder["status"] == "verified" and coder["path"] == str(default)
    nowhere = {**env, "HOME": str(tmp_path / "user"), "XDG_DATA_HOME": ""}
    listed = run_cli("models", "list", env={**NARROW, **nowhere})
    assert "not pulled" in listed.stdout
    assert "SELF_DISTILL_MODELS_DIR" in listed.stderr and CODER_FILENAME in listed.stderr
    verify = run_cli("models", "verify", "qwen2.5-coder-1.5b", env=nowhere)
    assert verify.returncode == 1


def test_exported_cluster_files_need_only_labels_for_create(tmp_path: Path) -> None:
    tasks = generate("order_id_extract", 25, seed=3) + generate("phone_normalise", 25, seed=3)
    stream = tmp_path / "unlabelled.jsonl"
    stream.write_text("".join(json.dumps({"id": t.id, "input": t.input}) + "\n" for t in tasks))
    out = tmp_path / "clusters"
    payload = _json("evidence", "cluster", "--data", str(stream), "--export", str(out))
    assert payload["n_clusters"] >= 2 and "ari" not in payload
    exported = sorted(out.glob("cluster-*.jsonl"))
    assert [Path(c["export"]) for c in payload["clusters"]] == [
        out / f"cluster-{c['cluster_id']}.jsonl" for c in payload["clusters"]
    ]
    members = {member for c in payload["clusters"] for member in c["member_ids"]}
    assert members | set(payload["noise_ids"]) == {t.id for t in tasks}
    first = exported[0]
    create = ("create", "--data", str(first), "--model", "ollama:coder", "--candidates", "1")
    with OllamaStandIn(reply=lambda messages: CONSTANT_REPLY) as server:
        env = {"OLLAMA_HOST": server.url}
        unlabelled = run_cli(*create, env=env)
        assert unlabelled.returncode == 1 and '"target" is missing' in unlabelled.stderr
        targets = {task.id: task.target for task in tasks}
        rows = [json.loads(line) for line in first.read_text().splitlines()]
        labelled = "".join(json.dumps({**r, "target": targets[r["id"]]}) + "\n" for r in rows)
        first.write_text(labelled)
        created = run_cli(*create, "--json", env=env)
    assert created.returncode == 1, "a constant is rejected, and create says so by its status"
    outcome = json.loads(created.stdout)
    assert outcome["accepted"] is False and "what to try next" in created.stderr
    assert outcome["request"]["family"] == rows[0]["family"]
    assert outcome["stored"] and outcome["verdict"] is not None


def test_local_compute_shows_seconds_and_a_notional_price_when_configured(
    busy_ledger: Path,
) -> None:
    plain = _piped("ledger", "summary")
    assert "cpu_usd_per_hour" in plain and "0.0000" not in plain
    priced = _json("ledger", "summary", SELF_DISTILL_CPU_USD_PER_HOUR="3.6")
    assert priced["rows"][0]["cpu_s"] == pytest.approx(1.6)
    assert priced["totals"]["notional_usd"] == pytest.approx(1.6 * 3.6 / 3600)
    assert "~0.0016" in _piped("ledger", "summary", SELF_DISTILL_CPU_USD_PER_HOUR="3.6")
