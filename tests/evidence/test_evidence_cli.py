"""``self-distill evidence cluster``: JSON on stdout only, tables for people, one-line errors.

The texts are embedded into the session cache first, so the CLI reads every vector from the
cache (``--cache``) and never loads the model itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from self_distill.evidence import Embedder
from self_distill.tasks import build_stream, family_names, write_jsonl
from tests.support.cli import REPO
from tests.support.cli import invoke_cli as run

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    puzzles = family_names("puzzle")
    tasks = build_stream({family: 1.0 for family in puzzles}, 240, noise=0.1, seed=3)
    embedder.embed([task.input for task in tasks])
    path = tmp_path_factory.mktemp("cli") / "stream.jsonl"
    write_jsonl(tasks, path)
    return path


def test_json_output_is_one_document_with_scores_when_rows_carry_family(
    stream_file: Path, session_cache_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "evidence",
            "cluster",
            "--data",
            str(stream_file),
            "--json",
            "--cache",
            str(session_cache_path),
        ],
        capsys,
    )
    assert code == 0
    payload = json.loads(out)
    assert {"ari", "nmi", "noise_fraction", "n_clusters", "oneoff_in_noise"} <= set(payload)
    assert payload["n_tasks"] == 240
    assert payload["embedding_dim"] == 384
    assert payload["n_clusters"] == len(payload["clusters"]) >= 5
    assert payload["ari"] > 0.7
    assert payload["min_cluster_size"] == 8
    assert all(cluster["representatives"] for cluster in payload["clusters"])


def test_min_cluster_size_flag_reaches_hdbscan(
    stream_file: Path, session_cache_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "evidence",
            "cluster",
            "--data",
            str(stream_file),
            "--json",
            "--cache",
            str(session_cache_path),
            "--min-cluster-size",
            "200",
        ],
        capsys,
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["min_cluster_size"] == 200
    assert payload["n_clusters"] <= 1


def test_rows_without_family_are_clustered_but_not_scored(
    stream_file: Path,
    session_cache_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bare = tmp_path / "bare.jsonl"
    rows = [json.loads(line) for line in stream_file.read_text().splitlines()]
    bare.write_text(
        "".join(json.dumps({"input": row["input"], "target": row["target"]}) + "\n" for row in rows)
    )
    code, out, _ = run(
        ["evidence", "cluster", "--data", str(bare), "--json", "--cache", str(session_cache_path)],
        capsys,
    )
    assert code == 0
    payload = json.loads(out)
    assert "ari" not in payload
    assert all(cluster["purity"] is None for cluster in payload["clusters"])


def test_table_output_for_people(
    stream_file: Path, session_cache_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "evidence",
            "cluster",
            "--data",
            str(stream_file),
            "--cache",
            str(session_cache_path),
            "--top",
            "3",
        ],
        capsys,
    )
    assert code == 0
    assert "clusters in 240 tasks" in out
    assert "agreement with family labels" in out
    assert "more clusters" in out


def test_a_malformed_file_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"input": "a", "target": "b"}\n{"input": oops}\n')
    code, out, err = run(["evidence", "cluster", "--data", str(broken), "--json"], capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error:") and "broken.jsonl:2: invalid JSON" in err


def test_bad_flags_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["evidence", "cluster", "--data", str(tmp_path / "x.jsonl"), "--min-cluster-size", "1"],
        capsys,
    )
    assert code == 2
    assert "min-cluster-size" in err
    code, _, err = run(["evidence", "cluster", "--data", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 1
    assert "missing.jsonl" in err and "not found" in err


MEASURED_RUN = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(done.returncode, peak_kib, round(time.perf_counter() - started, 1))
print(done.stdout[:2000])
print(done.stderr[-2000:], file=sys.stderr)
"""


@pytest.mark.slow
@pytest.mark.model
def test_one_50mb_line_is_clustered_in_seconds_under_2gb(tmp_path: Path) -> None:
    """One 50 MB task once took 263 s and 14.7 GB in the tokenizer; the text is now cut first."""
    data = tmp_path / "huge.jsonl"
    task = {"input": "lorem ipsum dolor sit amet " * 1_900_000, "target": "x"}
    data.write_text(json.dumps(task) + "\n")
    assert data.stat().st_size > 50_000_000
    command = [sys.executable, "-m", "self_distill", "evidence", "cluster", "--json"]
    command += ["--data", str(data), "--cache", str(tmp_path / "cache.sqlite3")]
    result = subprocess.run(
        [sys.executable, "-c", MEASURED_RUN, *command],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    status, peak_kib, seconds = result.stdout.splitlines()[0].split()
    assert status == "0", result.stderr
    assert json.loads(result.stdout.splitlines()[1])["n_tasks"] == 1
    assert int(peak_kib) < 2 * 1024 * 1024, f"peak {int(peak_kib) // 1024} MiB"
    assert float(seconds) < 60
