"""One door to a family's tasks: generated families, reference data sets and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from self_distill.errors import UsageError
from self_distill.tasks import generate, load_tasks, write_jsonl
from self_distill.tasks.reference_data import bbh_path


def test_a_generated_family_is_generated_with_count_seed_and_difficulty() -> None:
    tasks = load_tasks("word_sort", n=7, seed=3, difficulty="easy")
    assert tasks == generate("word_sort", 7, seed=3, difficulty="easy")
    assert len(load_tasks("arith")) == 100


def test_reference_data_sets_by_name() -> None:
    bbh = load_tasks("bbh:word_sorting")
    assert bbh[0].family == "bbh:word_sorting" and len(bbh) == 250
    cola = load_tasks("cola")
    assert cola[0].family == "cola" and cola[0].answer_format == "label"
    assert load_tasks("oneoff", n=3)[0].family == "oneoff"


def test_files_load_by_extension_and_n_takes_a_seeded_sample(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    write_jsonl(generate("arith", 30, seed=1), path)
    assert len(load_tasks(path)) == len(load_tasks(str(path))) == 30
    sample = load_tasks(path, n=10, seed=5)
    assert len(sample) == 10 and sample == load_tasks(path, n=10, seed=5)
    assert sample != load_tasks(path, n=10, seed=6)
    assert load_tasks(bbh_path("navigate"), n=5)[0].family == "bbh:navigate"


def test_unknown_sources_name_every_kind_of_source() -> None:
    with pytest.raises(UsageError, match=r"'bbh:<task>', 'cola\[:<split>\]' or a \.jsonl"):
        load_tasks("word_sorts")
    with pytest.raises(UsageError, match="negative"):
        load_tasks("arith", n=-1)
