"""Ledger migrations, recording, and durability when a writer is killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from self_distill.errors import LedgerError, ModelUnavailableError
from self_distill.ledger import Ledger, RecordedModel
from self_distill.ledger.migrations import MIGRATIONS
from self_distill.models.base import Completion
from self_distill.models.cache import ResponseCache
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.unprivileged import run_unprivileged, shared_folder

REPO = Path(__file__).resolve().parents[2]


def test_migrations_apply_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as first:
        assert first.applied_migrations == [name for name, _ in MIGRATIONS]
    with Ledger(path) as second:
        assert second.applied_migrations == []
    rows = sqlite3.connect(path).execute("SELECT name FROM migrations ORDER BY name").fetchall()
    assert [r[0] for r in rows] == sorted(name for name, _ in MIGRATIONS)


def test_old_ledger_is_upgraded_by_the_missing_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    MIGRATIONS[0][1](db)
    db.execute("INSERT INTO migrations VALUES (?, 'then')", (MIGRATIONS[0][0],))
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.applied_migrations == [name for name, _ in MIGRATIONS[1:]]
        run = ledger.start_run("test")
        ledger.record_call(run, "solve", model="m", prompt_hash="h", cpu_s=0.5)
        assert ledger.usage(run)[0].cpu_s == 0.5


def test_recorded_model_writes_purpose_tokens_and_failures(tmp_path: Path) -> None:
    class Refusing(ScriptedFakeModel):
        def complete(self, messages, **params) -> Completion:
            raise ModelUnavailableError("server down")

    with Ledger(tmp_path / "l.sqlite3") as ledger:
        run = ledger.start_run("test")
        ok = RecordedModel(ScriptedFakeModel(["one two three"]), ledger, run)
        ok.complete([{"role": "user", "content": "a b"}], purpose="create")
        ok.complete([{"role": "user", "content": "a b c"}], purpose="repair")
        broken = RecordedModel(Refusing([""], spec="scripted:down"), ledger, run)
        with pytest.raises(ModelUnavailableError):
            broken.complete([{"role": "user", "content": "x"}], purpose="solve")
        usage = {(row.model, row.purpose): row for row in ledger.usage(run)}
    assert usage[("scripted:fake", "create")].input_tokens == 2
    assert usage[("scripted:fake", "repair")].output_tokens == 3
    assert usage[("scripted:down", "solve")].errors == 1


def test_unknown_purpose_is_refused(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        run = ledger.start_run("test")
        with pytest.raises(LedgerError, match="unknown call purpose"):
            ledger.record_call(run, "fun", model="m", prompt_hash="h")


def test_corrupt_ledger_file_gives_a_clear_error_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match=r"broken.sqlite3 is not a SQLite database.*--ledger"):
        Ledger(path)
    assert path.read_bytes() == b"this is not a database" * 100


WRITER = """
import sys
from self_distill.ledger import Ledger
from self_distill.models.base import Completion
ledger = Ledger(sys.argv[1])
run = ledger.start_run("writer")
i = 0
while True:
    c = Completion(text="x", input_tokens=i, output_tokens=1, latency_s=0.0, cost_usd=0.0,
                   model="m")
    ledger.record_call(run, "solve", model="m", prompt_hash=str(i), completion=c)
    i += 1
    if i == 50:
        print("ready", flush=True)
"""


def test_writer_killed_mid_run_leaves_a_readable_ledger_and_an_interrupted_run(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    with Ledger(path, read_only=True) as reader:
        assert reader.runs()[0]["status"] == "interrupted"
    stored = sqlite3.connect(path).execute("SELECT status FROM runs").fetchone()[0]
    assert stored == "running", "a reader must not change the file"
    with Ledger(path) as ledger:
        runs = ledger.runs()
        usage = ledger.usage(runs[0]["id"])
    assert runs[0]["status"] == "interrupted"
    assert runs[0]["finished_at"] is not None
    assert usage[0].calls >= 50
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [r[0] for r in db.execute("SELECT input_tokens FROM model_calls ORDER BY id")]
    assert ids == list(range(len(ids)))


def test_a_live_run_of_this_process_stays_running(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        run = ledger.start_run("live")
    with Ledger(tmp_path / "l.sqlite3") as reopened:
        assert {r["id"]: r["status"] for r in reopened.runs()} == {run: "running"}


FIRST_USE = """
import sys, time
from pathlib import Path
from self_distill.ledger import Ledger
from self_distill.models.base import Completion
folder, start, step = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rounds = int(sys.argv[4])
failures = 0
for round_ in range(rounds):
    time.sleep(max(0.0, start + round_ * step - time.time()))
    try:
        with Ledger(folder / f"round{round_}.sqlite3") as ledger:
            run = ledger.start_run("ask")
            completion = Completion("x", 1, 1, 0.0, 0.0, "m")
            ledger.record_call(run, "solve", model="m", prompt_hash="h", completion=completion)
            ledger.finish_run(run)
    except Exception as error:
        failures += 1
        print(f"round {round_}: {error}", file=sys.stderr)
print(failures)
"""


@pytest.mark.slow
def test_sixteen_processes_making_their_first_call_on_a_new_ledger_never_fail(
    tmp_path: Path,
) -> None:
    """16 processes open the same brand-new ledger at the same instant, 20 times over."""
    processes, rounds, step = 16, 20, 0.4
    start = time.time() + 3.0
    children = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_USE, str(tmp_path), str(start), str(step), str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for _ in range(processes)
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    failures = sum(int(out.strip() or 1) for out, _ in outputs)
    assert failures == 0, "".join(err for _, err in outputs)
    for round_ in range(rounds):
        with Ledger(tmp_path / f"round{round_}.sqlite3", read_only=True) as ledger:
            assert sum(row.calls for row in ledger.usage()) == processes
            assert len(ledger.runs()) == processes


PAUSE_INSIDE_MIGRATION = """
import sys, time
from self_distill.ledger import Ledger, migrations

def pause_before_second_table(statement):
    if statement.strip().startswith("CREATE TABLE model_calls"):
        print("inside", flush=True)
        time.sleep(60)

name, first = migrations.MIGRATIONS[0]

def traced_first(db):
    db.set_trace_callback(pause_before_second_table)
    first(db)

migrations.MIGRATIONS[0] = (name, traced_first)
Ledger(sys.argv[1])
"""


def test_process_killed_inside_a_migration_leaves_a_ledger_that_opens(tmp_path: Path) -> None:
    """Killed after ``runs`` was created and before ``model_calls``: the next open must work."""
    path = tmp_path / "ledger.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSE_INSIDE_MIGRATION, str(path)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"inside"
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Ledger(path) as ledger:
        assert ledger.applied_migrations == [name for name, _ in MIGRATIONS]
        run = ledger.start_run("after")
        ledger.record_call(run, "solve", model="m", prompt_hash="h")
        assert ledger.usage(run)[0].calls == 1


def test_reading_a_missing_ledger_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match=r"no ledger at .*typo.sqlite3; check the path"):
        Ledger(tmp_path / "typo.sqlite3", read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_reading_a_ledger_leaves_its_folder_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.start_run("x")
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    with Ledger(path, read_only=True) as reader:
        assert len(reader.runs()) == 1
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_a_ledger_path_at_another_sqlite_file_is_refused_and_the_file_unchanged(
    tmp_path: Path,
) -> None:
    cache_path = tmp_path / "response_cache.sqlite3"
    ResponseCache(cache_path).close()
    foreign = tmp_path / "notes.sqlite3"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()
    before = {path: path.read_bytes() for path in (cache_path, foreign)}
    with pytest.raises(LedgerError, match=r"is a self-distill response cache, not a ledger"):
        Ledger(cache_path)
    with pytest.raises(LedgerError, match=r"not a ledger \(it holds tables notes\)"):
        Ledger(foreign)
    assert {path: path.read_bytes() for path in before} == before
    tables = sqlite3.connect(cache_path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("responses",), ("sqlite_autoindex_responses_1",)]


def test_a_ledger_written_before_the_stamp_opens_and_is_stamped(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with Ledger(path) as ledger:
        ledger.start_run("old")
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 0")
    db.close()
    with Ledger(path) as ledger:
        assert len(ledger.runs()) == 1
    assert sqlite3.connect(path).execute("PRAGMA application_id").fetchone()[0] != 0


def test_an_older_ledger_is_not_migrated_by_a_reader_and_upgrade_names_the_fix(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, migration in MIGRATIONS[:2]:
        migration(db)
        db.execute("INSERT INTO migrations VALUES (?, 'then')", (name,))
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match=r"older self-distill.*ledger upgrade"):
        Ledger(path, read_only=True)
    with Ledger(path) as ledger:
        assert ledger.applied_migrations == [name for name, _ in MIGRATIONS[2:]]


def _open_ledger_in(folder: str) -> str:
    try:
        Ledger(Path(folder) / "ledger.sqlite3")
    except LedgerError as error:
        return str(error)
    return "opened"


def test_a_read_only_folder_is_reported_as_read_only_not_corrupt() -> None:
    with shared_folder() as folder:
        with Ledger(folder / "existing" / "ledger.sqlite3") as ledger:
            ledger.start_run("x")
        (folder / "empty").mkdir()
        for child in ("existing", "empty"):
            (folder / child).chmod(0o555)
        for child in ("existing", "empty"):
            message = run_unprivileged(partial(_open_ledger_in, str(folder / child)))
            assert "read-only" in message and "pass a writable path" in message, message
            assert "not a SQLite database" not in message
        reader = partial(_read_runs, str(folder / "existing" / "ledger.sqlite3"))
        assert run_unprivileged(reader) == "1 runs"
        assert sorted(p.name for p in (folder / "existing").iterdir()) == ["ledger.sqlite3"]


def _read_runs(path: str) -> str:
    with Ledger(path, read_only=True) as ledger:
        return f"{len(ledger.runs())} runs"


def test_prompts_and_responses_are_kept_cut_at_the_cap_and_listed_newest_first(
    tmp_path: Path,
) -> None:
    with Ledger(tmp_path / "ledger.sqlite3", max_text_chars=10) as ledger:
        run_id = ledger.start_run("ask")
        for text in ("short", "a response far longer than ten"):
            ledger.record_call(
                run_id,
                "solve",
                model="m:x",
                prompt_hash="h",
                completion=Completion(text, 4, 2, 0.1, 0.0, "m:x"),
                messages=[
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": "what is up?"},
                ],
            )
        ledger.finish_run(run_id)
        newest, oldest = ledger.calls(run_id)
        runs = ledger.runs()
    assert newest.response == "a response" and newest.truncated
    assert oldest.response == "short" and oldest.truncated
    assert [m["content"] for m in oldest.messages] == ["be brief", "wh"]
    assert runs[0]["calls"] == 2 and runs[0]["input_tokens"] == 8
    assert runs[0]["duration_s"] is not None and runs[0]["duration_s"] >= 0


def test_no_texts_are_kept_with_a_zero_cap(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite3", max_text_chars=0) as ledger:
        run_id = ledger.start_run("ask")
        ledger.record_call(
            run_id,
            "solve",
            model="m:x",
            prompt_hash="h",
            completion=Completion("hi", 1, 1, 0.1, 0.0, "m:x"),
            messages=[{"role": "user", "content": "hello"}],
        )
        (call,) = ledger.calls()
    assert call.messages == [] and call.response is None


def test_rlm_calls_carry_parent_and_depth(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        run = ledger.start_run("rlm")
        root = ledger.record_call(run, "rlm_root", model="m", prompt_hash="h", depth=0)
        sub = ledger.record_call(
            run, "rlm_sub", model="m", prompt_hash="h", parent_call_id=root, depth=1
        )
        rows = ledger.call_tree(run)
    assert [(r["id"], r["purpose"], r["parent_call_id"], r["depth"]) for r in rows] == [
        (root, "rlm_root", None, 0),
        (sub, "rlm_sub", root, 1),
    ]
