"""exp003 runs end to end in quick mode: with a scripted coder (fast) and with SmolLM2 (real)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.cli.experiment_commands import load_experiment
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY


def test_quick_run_with_a_scripted_coder_writes_tables_json_plot_report_and_manifest(
    tmp_path: Path,
) -> None:
    exp003 = load_experiment("exp003")
    settings, _, _ = exp003.parse_settings(["--quick", "--families", "word_sort,agreement"])
    out = tmp_path / "out"
    out.mkdir()
    document = exp003.run(
        settings,
        out,
        generator=ScriptedFakeModel([SORT_SKILL_REPLY]),
        store_root=tmp_path / "store",
    )

    rows = {row["family"]: row for row in document["families"]}
    assert rows["word_sort"]["accepted"] is True
    fresh = rows["word_sort"]["fresh"]
    assert fresh["seed"] == 1 and fresh["n"] > 0 and fresh["accuracy"] == 1.0
    assert rows["agreement"]["accepted"] is False and rows["agreement"]["fresh"] is None
    assert "low_accuracy" in rows["agreement"]["reasons"]
    assert rows["word_sort"]["n_shown"] == 6 and rows["word_sort"]["n_heldout"] == 20
    assert rows["word_sort"]["prompts"][rows["word_sort"]["chosen_prompt"]]["accepted"] == 1
    assert document["totals"]["accepted"] == 1 and document["complete"] is True
    assert document["totals"]["trivial_accepted"] == []
    assert 0 < document["totals"]["max_family_tokens"] <= settings.token_budget
    assert document["totals"]["repairs"], "agreement's failing candidates were repaired"

    saved = json.loads((out / "results.json").read_text())
    assert saved["totals"] == document["totals"]
    assert (out / "creation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Prompts by family" in (out / "table.md").read_text()
    assert "data:image/png;base64," in (out / "report.html").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["model"] == "scripted:fake"
    assert len(manifest["prompt_hash"]) == 16
    assert manifest["splits"]["agreement"] == {"n_shown": 6, "n_heldout": 20}


def test_a_rerun_keeps_finished_families_and_makes_no_model_call(tmp_path: Path) -> None:
    exp003 = load_experiment("exp003")
    settings, _, _ = exp003.parse_settings(["--quick", "--families", "word_sort"])
    first = exp003.run(
        settings, tmp_path, generator=ScriptedFakeModel([SORT_SKILL_REPLY]), store_root=tmp_path
    )
    silent = ScriptedFakeModel([SORT_SKILL_REPLY])
    again = exp003.run(settings, tmp_path, generator=silent, store_root=tmp_path / "s")
    assert silent.calls == [] and again["families"] == first["families"]
    more, _, _ = exp003.parse_settings(["--quick", "--families", "word_sort,agreement"])
    partial = exp003.run(more, tmp_path, generator=silent, store_root=tmp_path, report_only=True)
    assert silent.calls == [] and partial["complete"] is False
    assert [row["family"] for row in partial["families"]] == ["word_sort"]
    assert "PARTIAL" in (tmp_path / "report.md").read_text()


def test_results_hold_no_example_text(tmp_path: Path) -> None:
    exp003 = load_experiment("exp003")
    settings, _, _ = exp003.parse_settings(["--quick", "--families", "word_sort"])
    document = exp003.run(
        settings,
        tmp_path,
        generator=ScriptedFakeModel(["```python\ndef solve(t):\n    return t.split(';')[1]\n```"]),
        store_root=tmp_path / "store",
    )
    text = (tmp_path / "results.json").read_text()
    data = exp003.family_data("word_sort", settings)
    assert document["families"][0]["accepted"] is False
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
        assert row["calls"] >= 1 and row["creation_tokens"] > 0
        assert row["accepted"] or row["reasons"]
