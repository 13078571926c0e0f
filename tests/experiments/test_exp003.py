"""exp003 runs end to end in quick mode: with a scripted coder (fast) and with SmolLM2 (real)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.cli.experiment_commands import load_experiment
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY


def test_quick_run_with_a_scripted_coder_writes_tables_json_plot_and_manifest(
    tmp_path: Path,
) -> None:
    exp003 = load_experiment("exp003")
    settings, _ = exp003.parse_settings(["--quick", "--families", "word_sort,agreement"])
    out = tmp_path / "out"
    out.mkdir()
    document = exp003.run(
        settings,
        out,
        generator=ScriptedFakeModel([SORT_SKILL_REPLY]),
        store_root=tmp_path / "store",
    )

    rows = {row["family"]: row for row in document["families"]}
    for strategy in ("sample", "repair"):
        assert rows["word_sort"]["strategies"][strategy]["accepted"] is True
        assert rows["agreement"]["strategies"][strategy]["accepted"] is False
        assert "low_accuracy" in rows["agreement"]["strategies"][strategy]["reasons"]
    assert rows["word_sort"]["n_shown"] == 6 and rows["word_sort"]["n_heldout"] == 20
    assert document["totals"]["sample"]["accepted"] == 1
    assert document["totals"]["repair"]["repairs"] >= 1

    saved = json.loads((out / "results.json").read_text())
    assert saved["totals"] == document["totals"]
    assert (out / "creation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["model"] == "scripted:fake"
    assert len(manifest["prompt_hash"]) == 16
    assert manifest["splits"]["agreement"] == {"n_shown": 6, "n_heldout": 20}
    assert manifest["budgets"]["sample"]["repair_rounds"] == 0
    assert (
        manifest["budgets"]["repair"]["token_budget"]
        == manifest["budgets"]["sample"]["token_budget"]
    )


def test_results_hold_no_example_text(tmp_path: Path) -> None:
    exp003 = load_experiment("exp003")
    settings, _ = exp003.parse_settings(["--quick", "--families", "word_sort"])
    document = exp003.run(
        settings,
        tmp_path,
        generator=ScriptedFakeModel(["```python\ndef solve(t):\n    return t.split(';')[1]\n```"]),
        store_root=tmp_path / "store",
    )
    text = (tmp_path / "results.json").read_text()
    data = exp003.family_data("word_sort", settings)
    assert document["families"][0]["strategies"]["sample"]["accepted"] is False
    assert not [e.input for e in data.shown + data.heldout if e.input[-30:] in text]


@pytest.mark.slow
@pytest.mark.model
def test_quick_run_with_smollm2_finishes_and_reports(tmp_path: Path) -> None:
    exp003 = load_experiment("exp003")
    exp003.main(["--model", "embedded:smollm2-135m", "--quick", "--out", str(tmp_path)])
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["model"] == "embedded:smollm2-135m"
    assert [row["family"] for row in document["families"]] == ["word_sort", "agreement"]
    for row in document["families"]:
        for strategy in ("sample", "repair"):
            figures = row["strategies"][strategy]
            assert figures["calls"] >= 1 and figures["creation_tokens"] > 0
            assert figures["accepted"] or figures["reasons"]
