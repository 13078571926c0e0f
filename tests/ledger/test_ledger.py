"""Ledger migrations, recording, and durability when a writer is killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from self_distill.errors import LedgerError, ModelUnavailableError
from self_distill.ledger import Ledger, RecordedModel
from self_distill.ledger.migrations import MIGRATIONS
from self_distill.models.base import Completion
from tests.support.scripted_model import ScriptedFakeModel

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


def test_corrupt_ledger_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="move the file aside"):
        Ledger(path)


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


def test_writer_killed_mid_run_leaves_a_readable_ledger(tmp_path: Path) -> None:
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
    with Ledger(path) as ledger:
        runs = ledger.runs()
        usage = ledger.usage(runs[0]["id"])
    assert runs[0]["status"] == "running"
    assert usage[0].calls >= 50
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [r[0] for r in db.execute("SELECT input_tokens FROM model_calls ORDER BY id")]
    assert ids == list(range(len(ids)))
