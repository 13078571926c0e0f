"""experiments/exp001_clustering.py runs end to end on a small stream and writes its artefacts.

(It lives here, next to the evidence tests it extends; the full-size figures come from running
the script itself.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.cli.experiment_commands import load_experiment

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_small_run_writes_summary_per_seed_results_and_plot(
    tmp_path: Path, session_cache_path: Path
) -> None:
    out = tmp_path / "exp001"
    code = load_experiment("exp001").main(
        ["--n", "360", "--seeds", "0", "--out", str(out), "--cache", str(session_cache_path)]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [0] and summary["n"] == 360
    assert summary["embedding_dim"] == 384
    assert summary["cluster_config"]["reduce_dims"] == 48
    row = summary["per_seed"][0]
    assert 0.0 <= row["ari"] <= 1.0 and row["n_families"] == 12
    assert code == (0 if summary["criteria"]["ari_ok"] and summary["criteria"]["oneoff_ok"] else 1)
    detail = json.loads((out / "seed0.json").read_text())
    assert len(detail["tasks"]) == 360
    assert {task["family"] for task in detail["tasks"]} >= {"oneoff", "bbh:navigate"}
    assert (out / "pca_seed0.png").stat().st_size > 10_000


def test_seed_results_name_big_bench_tasks_by_id_and_hold_none_of_their_text(
    tmp_path: Path, session_cache_path: Path
) -> None:
    """BIG-Bench-Hard data never enters the repository: its representatives keep their ids."""
    exp001 = load_experiment("exp001")
    out = tmp_path / "exp001"
    exp001.main(
        ["--n", "360", "--seeds", "0", "--out", str(out), "--cache", str(session_cache_path)]
    )
    text = (out / "seed0.json").read_text()
    detail = json.loads(text)
    stream = exp001.build(360, 0.1, 0, exp001.DEFAULT_BBH.split(","))
    bbh = [task for task in stream if task.family.startswith("bbh:")]
    representatives = [
        rep
        for cluster in detail["pattern_report"]["clusters"]
        for rep in cluster["representatives"]
    ]
    assert any(rep["id"].startswith("bbh:") for rep in representatives)
    assert all("text" not in rep for rep in representatives if rep["id"].startswith("bbh:"))
    assert all("text" in rep for rep in representatives if not rep["id"].startswith("bbh:"))
    assert bbh and not [task.id for task in bbh if task.input[:40] in text]
