"""``self-distill verify``: JSON and table output, exit codes, and data errors naming file:line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.support.cli import invoke_cli as run

SORT_SKILL = "def solve(text):\n    return ' '.join(sorted(text.split()))\n"


@pytest.fixture
def skill(tmp_path: Path) -> Path:
    path = tmp_path / "sort_skill.py"
    path.write_text(SORT_SKILL, encoding="utf-8")
    return path


def sorting_rows(count: int) -> list[dict[str, str]]:
    words = ["pear", "fig", "kiwi", "apple", "plum", "lime", "date", "yam", "nut", "oat", "rye"]
    rng = random.Random(0)
    rows = []
    for _ in range(count):
        chosen = rng.sample(words, rng.randint(2, 6))
        rows.append({"input": " ".join(chosen), "target": " ".join(sorted(chosen))})
    return rows


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_json_output_has_the_documented_keys(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", sorting_rows(60))
    code, out, _ = run(["verify", str(skill), "--data", str(data), "--seed", "3", "--json"], capsys)
    assert code == 0
    verdict = json.loads(out)
    for key in ("accepted", "reasons", "checks", "heldout_accuracy", "heldout_ci"):
        assert key in verdict
    assert verdict["accepted"] is True and verdict["reasons"] == []
    assert verdict["heldout_accuracy"] == 1.0 and verdict["n_heldout"] == 30
    assert 0.8 < verdict["heldout_ci"][0] <= verdict["heldout_ci"][1] == 1.0
    assert verdict["baseline_accuracy"] < 0.2
    assert verdict["config"]["seed"] == 3


def test_split_field_is_honoured(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = sorting_rows(50)
    for i, row in enumerate(rows):
        row["split"] = "shown" if i < 10 else "heldout"
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    code, out, _ = run(["verify", str(skill), "--data", str(data), "--json"], capsys)
    assert code == 0
    verdict = json.loads(out)
    assert (verdict["n_shown"], verdict["n_heldout"]) == (10, 40)


def test_rejected_skill_prints_a_table_and_still_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    echo = tmp_path / "echo.py"
    echo.write_text("def solve(text):\n    return text\n", encoding="utf-8")
    data = write_jsonl(tmp_path / "data.jsonl", sorting_rows(40))
    code, out, _ = run(["verify", str(echo), "--data", str(data)], capsys)
    assert code == 0
    assert "REJECTED" in out and "low_accuracy" in out and "failed examples" in out


def test_malformed_line_names_file_and_line(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(sorting_rows(1)[0]) + "\n{not json}\n", encoding="utf-8")
    code, _, err = run(["verify", str(skill), "--data", str(data)], capsys)
    assert code == 1
    assert f"{data}:2:" in err and "invalid JSON" in err


def test_bad_usage_exits_two(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["verify", str(skill)], capsys)[0] == 2
    missing = tmp_path / "absent.jsonl"
    assert run(["verify", str(skill), "--data", str(missing)], capsys)[0] == 2
    only_shown = write_jsonl(tmp_path / "shown.jsonl", [{**sorting_rows(1)[0], "split": "shown"}])
    code, _, err = run(["verify", str(skill), "--data", str(only_shown)], capsys)
    assert code == 1 and "0 held-out examples" in err


def test_other_cluster_inputs_feed_the_trigger_leak_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaky = tmp_path / "leaky.py"
    leaky.write_text(SORT_SKILL + "\ndef applies(text):\n    return True\n", encoding="utf-8")
    data = write_jsonl(tmp_path / "data.jsonl", sorting_rows(40))
    other = write_jsonl(tmp_path / "other.jsonl", [{"input": "What is 2 + 2?"}] * 5)
    argv = ["verify", str(leaky), "--data", str(data), "--other", str(other), "--json"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    verdict = json.loads(out)
    assert verdict["reasons"] == ["trigger_leak"]
    assert verdict["checks"]["trigger_leak"]["fire_rate"] == 1.0


def test_shown_fraction_sets_the_split(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", sorting_rows(40))
    argv = ["verify", str(skill), "--data", str(data), "--shown-fraction", "0.25", "--json"]
    verdict = json.loads(run(argv, capsys)[1])
    assert (verdict["n_shown"], verdict["n_heldout"]) == (10, 30)
    bad = ["verify", str(skill), "--data", str(data), "--shown-fraction", "1.5"]
    assert run(bad, capsys)[0] == 2


def test_verify_reads_bbh_json_and_cola_tsv_like_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 17.9: `verify --data` took only JSONL and named a misleading field for the others."""
    from self_distill.tasks.reference_data import bbh_path, cola_path

    sort = tmp_path / "sort.py"
    sort.write_text(
        "import re\n\ndef solve(text):\n"
        "    words = text.split('List:', 1)[1].split()\n"
        "    return ' '.join(sorted(words))\n"
    )
    code, out, err = run(
        ["verify", str(sort), "--data", str(bbh_path("word_sorting")), "--json"], capsys
    )
    assert code == 0, err
    verdict = json.loads(out)
    assert verdict["accepted"] is True and verdict["n_heldout"] == 125
    constant = tmp_path / "one.py"
    constant.write_text("def solve(text):\n    return '1'\n")
    code, out, err = run(["verify", str(constant), "--data", str(cola_path()), "--json"], capsys)
    assert code == 0, err
    assert "below_baseline" in json.loads(out)["reasons"]
