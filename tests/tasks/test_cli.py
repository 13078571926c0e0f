"""The ``self-distill tasks`` commands (kept with the tasks tests: they only wrap this package)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from self_distill.cli import cli, main
from self_distill.tasks import FAMILIES, family_names, generate, load_jsonl, write_jsonl
from self_distill.tasks.reference_data import bbh_path, cola_path


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["tasks", *args], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_every_family_with_its_kind_and_the_knobs_in_json() -> None:
    output = _run("list")
    for name, family in FAMILIES.items():
        assert name in output and family.answer_format in output
    assert "everyday" in output and "puzzle" in output
    assert len(output.splitlines()) < 60
    listed = json.loads(_run("list", "--json"))["families"]
    assert [family["name"] for family in listed] == list(FAMILIES)
    assert all(set(family["knobs"]) == {"easy", "medium", "hard"} for family in listed)


def test_list_kind_selects_everyday_or_puzzle_families() -> None:
    everyday = _run("list", "--kind", "everyday")
    assert all(name in everyday for name in family_names("everyday"))
    assert "'at'/'dot'" in everyday
    assert not any(name in everyday for name in family_names("puzzle"))
    puzzles = _run("list", "--kind", "puzzle")
    assert all(name in puzzles for name in family_names("puzzle"))
    assert "email_extract" not in puzzles


def test_sample_jsonl_is_reproducible_and_loadable(tmp_path: Path) -> None:
    first = _run("sample", "date_arith", "-n", "5", "--seed", "3", "--jsonl")
    assert first == _run("sample", "date_arith", "-n", "5", "--seed", "3", "--jsonl")
    path = tmp_path / "sample.jsonl"
    path.write_text(first)
    tasks = load_jsonl(path)
    assert len(tasks) == 5 and {t.family for t in tasks} == {"date_arith"}
    assert {t.meta["difficulty"] for t in tasks} == {"medium"}


def test_sample_table_and_oneoff() -> None:
    assert "meeting_rooms:hard:0:0" in _run(
        "sample", "meeting_rooms", "-n", "2", "--difficulty", "hard"
    )
    lines = _run("sample", "oneoff", "-n", "4", "--jsonl").splitlines()
    assert [json.loads(line)["family"] for line in lines] == ["oneoff"] * 4


def test_stream_mixes_generated_bbh_and_file_families(tmp_path: Path) -> None:
    output = _run(
        "stream",
        "--families",
        f"arith:2,agreement,bbh:navigate,{bbh_path('word_sorting')}",
        "-n",
        "50",
        "--noise",
        "0.2",
        "--seed",
        "1",
        "--jsonl",
    )
    counts = Counter(json.loads(line)["family"] for line in output.splitlines())
    assert counts == {
        "arith": 16,
        "agreement": 8,
        "bbh:navigate": 8,
        "bbh:word_sorting": 8,
        "oneoff": 10,
    }
    assert "oneoff" in _run("stream", "--families", "arith", "-n", "10")


def test_stats_on_cola_dev_reports_the_majority_baseline() -> None:
    output = _run("stats", str(cola_path("in_domain_dev")))
    assert "527" in output
    assert "69.3%" in output and "majority-class baseline" in output


def test_stats_json_on_a_jsonl_file_counts_duplicates(tmp_path: Path) -> None:
    tasks = generate("agreement", 10, seed=0)
    path = tmp_path / "tasks.jsonl"
    write_jsonl([*tasks, tasks[0]], path)
    path.write_text(path.read_text().replace('"agreement:medium:0:0"', '"copy"', 1))
    stats = json.loads(_run("stats", str(path), "--json"))
    assert stats["size"] == 11 and stats["duplicates"] == 1
    assert stats["families"]["agreement"]["class_balance"] == pytest.approx(
        {"no": 5 / 11, "yes": 6 / 11}, abs=0.1
    )


def test_errors_are_one_line_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "a", "target": "b"}\nnot json\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", "stats", str(bad)])
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "bad.jsonl:2: invalid JSON" in error
    assert error.count("\n") == 1
    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", "sample", "nope"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_stats_on_a_file_without_tasks_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """It used to exit 0 with "0 tasks", as if an empty file were a valid task set."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text(content)
    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", "stats", str(empty)])
    assert exit_info.value.code == 1
    assert "empty.jsonl: holds no tasks" in capsys.readouterr().err
