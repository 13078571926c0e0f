"""exp000 through the API on the embedded default, writing into a run folder, not the checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.cli.experiment_commands import load_experiment
from self_distill.ledger import Ledger


@pytest.mark.model
def test_a_run_writes_its_figures_into_a_run_folder_under_the_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_data_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    load_experiment("exp000").main(["-n", "3", "--families", "word_sort,arith"])

    assert list(tmp_path.iterdir()) == [isolated_data_home], "nothing may land in the cwd"
    [run] = list((isolated_data_home / "runs" / "exp000").iterdir())
    rows = json.loads((run / "results.json").read_text())
    assert [(r["family"], r["n"]) for r in rows] == [("word_sort", 3), ("arith", 3)]
    assert all(0.0 <= r["ci95"][0] <= r["accuracy"] <= r["ci95"][1] <= 1.0 for r in rows)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["format_version"] == 1 and manifest["package_version"]
    assert (run / "accuracy.png").read_bytes()[:4] == b"\x89PNG"
    with Ledger(isolated_data_home / "ledger.sqlite3") as ledger:
        [usage] = ledger.usage(manifest["ledger_run"])
    assert (usage.purpose, usage.calls) == ("solve", 6)
    assert usage.input_tokens + usage.output_tokens == sum(r["tokens"] for r in rows)


def test_out_chooses_the_folder(tmp_path: Path) -> None:
    exp000 = load_experiment("exp000")
    out = tmp_path / "chosen"
    exp000.main(["-n", "1", "--families", "word_sort", "--out", str(out)])
    assert (out / "results.json").is_file() and (out / "per_task.json").is_file()
