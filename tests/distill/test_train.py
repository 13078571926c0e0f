"""LoRA training: answer-only loss, checked settings, and a killed run that resumes exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file

from self_distill.distill.base import StudentBase, load_tokenizer
from self_distill.distill.dataset import CuratedExample, curate_tasks
from self_distill.distill.train import (
    IGNORE,
    LOG_FILE,
    StepLog,
    TrainConfig,
    encode_example,
    read_student_record,
    train_student,
)
from self_distill.errors import ConfigError, DataError, UsageError
from self_distill.tasks.sources import load_tasks

TINY = TrainConfig(
    rank=2,
    alpha=4,
    epochs=3,
    batch_size=2,
    learning_rate=3e-3,
    warmup_steps=1,
    checkpoint_every=1,
    threads=1,
    seed=3,
)


def examples(n: int = 4) -> list[CuratedExample]:
    return curate_tasks(load_tasks("order_id_extract", n=n, seed=5), "test").examples


def test_only_the_answer_and_its_end_token_carry_loss(student_base: StudentBase) -> None:
    tokenizer = load_tokenizer(student_base)
    example = examples(1)[0]
    encoded = encode_example(tokenizer, example)
    learned = [token for token in encoded.labels if token != IGNORE]
    first = encoded.labels.index(learned[0])
    assert all(label == IGNORE for label in encoded.labels[:first])
    assert encoded.input_ids[first:] == learned
    assert tokenizer.decode(learned) == example.answer + tokenizer.eos_token
    assert example.input in tokenizer.decode(encoded.input_ids[:first])


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="lm_head"):
        TrainConfig(target_modules=("q_proj", "lm_head"))
    with pytest.raises(ConfigError, match="rank must be at least 1"):
        TrainConfig(rank=0)
    with pytest.raises(ConfigError, match="unknown training settings: ranks"):
        TrainConfig.from_dict({"ranks": 4})
    assert TrainConfig.from_dict(TINY.to_dict()) == TINY


def test_a_killed_run_resumes_from_its_checkpoint_to_the_same_adapter(
    tmp_path: Path, student_base: StudentBase
) -> None:
    data = examples()
    whole = train_student(data, tmp_path / "whole", TINY, base=student_base)
    losses = [json.loads(line)["loss"] for line in (tmp_path / "whole" / LOG_FILE).open()]
    assert whole.steps == 6 and len(losses) == 6
    assert sum(losses[-2:]) < sum(losses[:2]), "the same examples must cost less in epoch 3"

    class Killed(Exception):
        pass

    def kill_at_step_4(log: StepLog, total: int) -> None:
        if log.step == 4:
            raise Killed

    with pytest.raises(Killed):
        train_student(data, tmp_path / "killed", TINY, base=student_base, on_step=kill_at_step_4)
    assert not (tmp_path / "killed" / "adapter_model.safetensors").exists()
    resumed = train_student(data, tmp_path / "killed", TINY, base=student_base)
    assert resumed.resumed_from == 3
    expected = load_file(str(tmp_path / "whole" / "adapter_model.safetensors"))
    got = load_file(str(tmp_path / "killed" / "adapter_model.safetensors"))
    assert expected.keys() == got.keys()
    assert all((expected[name] - got[name]).abs().max() < 1e-5 for name in expected)
    record = read_student_record(tmp_path / "killed")
    assert record["base"] == student_base.name and record["config"] == TINY.to_dict()
    assert not (tmp_path / "killed" / "checkpoint").exists()


def test_a_checkpoint_of_other_data_is_not_resumed(
    tmp_path: Path, student_base: StudentBase
) -> None:
    def stop(log: object, total: int) -> None:
        raise KeyboardInterrupt

    config = TrainConfig(rank=2, alpha=4, epochs=1, batch_size=2, checkpoint_every=1, threads=1)
    with pytest.raises(KeyboardInterrupt):
        train_student(examples(), tmp_path, config, base=student_base, on_step=stop)
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / "state.json").write_text('{"step": 1, "identity": {}}')
    with pytest.raises(UsageError, match="belongs to a run with other data or settings"):
        train_student(examples(), tmp_path, config, base=student_base)
    with pytest.raises(DataError, match="empty curated set"):
        train_student([], tmp_path / "empty", config, base=student_base)
