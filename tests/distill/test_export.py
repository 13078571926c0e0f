"""Export: a tiny trained student goes through llama.cpp's converter and is served by llama.cpp
with the same greedy answers as the torch student; bad adapters fail in one line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from self_distill.distill.base import StudentBase, load_tokenizer
from self_distill.distill.dataset import curate_tasks
from self_distill.distill.export import (
    OLLAMA_TEMPLATE,
    StudentExport,
    converter_dir,
    export_student,
    read_export,
)
from self_distill.distill.prompt import student_prompt
from self_distill.distill.served import LlamaStudent
from self_distill.distill.torch_student import TorchStudent
from self_distill.distill.train import STUDENT_FILE, TrainConfig, train_student
from self_distill.errors import DataError, ExportError, SelfDistillError, UsageError
from self_distill.evaluation import DIRECT_ANSWER_SYSTEM
from self_distill.stats import wilson_interval
from self_distill.tasks import Task
from self_distill.tasks.sources import load_tasks
from tests.support.cli import invoke_cli

pytestmark = [pytest.mark.slow, pytest.mark.model]

FAMILIES = ("agreement", "meeting_conflict", "order_id_extract")
TINY_RUN = TrainConfig(
    rank=8,
    alpha=16,
    dropout=0.0,
    learning_rate=2e-3,
    warmup_steps=1,
    epochs=1,
    batch_size=4,
    checkpoint_every=1000,
    threads=1,
)
ANSWER_TOKENS = 16


def tasks(seed: int, per_family: int) -> list[Task]:
    return [task for family in FAMILIES for task in load_tasks(family, n=per_family, seed=seed)]


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory, student_base: StudentBase) -> Path:
    """12 optimizer steps on 48 tasks: enough for confident short answers."""
    out = tmp_path_factory.mktemp("adapter")
    train_student(curate_tasks(tasks(0, 16), "test").examples, out, TINY_RUN, base=student_base)
    return out


@pytest.fixture(scope="module")
def exported(
    adapter: Path, tmp_path_factory: pytest.TempPathFactory, student_base: StudentBase
) -> StudentExport:
    return export_student(adapter, tmp_path_factory.mktemp("export"), base=student_base)


def modelfile_fields(text: str) -> list[tuple[str, str]]:
    """(instruction, value) pairs as Ollama reads them: triple-quoted values span lines."""
    pattern = re.compile(r'^([A-Z]+) ("""(.*?)"""|[^\n]*)$', re.MULTILINE | re.DOTALL)
    return [
        (name, quoted if raw.startswith('"""') else raw)
        for name, raw, quoted in pattern.findall(text)
    ]


def render_ollama(template: str, system: str, prompt: str) -> str:
    """What Ollama renders for one system prompt and one user prompt, up to the answer: every
    ``if`` is true, and generation starts at ``.Response``."""
    rendered = template.split("{{ .Response }}")[0]
    for tag in ("{{ if .System }}", "{{ if .Prompt }}", "{{ end }}"):
        rendered = rendered.replace(tag, "")
    rendered = rendered.replace("{{ .System }}", system).replace("{{ .Prompt }}", prompt)
    assert "{{" not in rendered, rendered
    return rendered


def test_the_modelfile_has_what_ollama_reads(
    exported: StudentExport, student_base: StudentBase
) -> None:
    fields = modelfile_fields(exported.modelfile.read_text())
    names = [name for name, _ in fields]
    assert names == ["FROM", "ADAPTER", "TEMPLATE", "SYSTEM", "PARAMETER", "PARAMETER"]
    values = dict(fields[:4])
    for key, wanted in (("FROM", exported.base_gguf), ("ADAPTER", exported.adapter_gguf)):
        path = exported.modelfile.parent / values[key]
        assert path.is_file() and path.resolve() == wanted.resolve()
    assert exported.base_gguf.stat().st_size == student_base.gguf.stat().st_size
    assert values["SYSTEM"] == DIRECT_ANSWER_SYSTEM
    assert ("PARAMETER", 'stop "<|im_end|>"') in fields
    assert ("PARAMETER", "temperature 0") in fields
    tokenizer = load_tokenizer(student_base)
    task = "Is 7 prime? Answer yes or no."
    rendered = render_ollama(values["TEMPLATE"], values["SYSTEM"], task)
    assert values["TEMPLATE"] == OLLAMA_TEMPLATE
    assert rendered == student_prompt(tokenizer, task)


def test_the_gguf_adapter_is_a_lora_of_every_trained_matrix(exported: StudentExport) -> None:
    from gguf import GGUFReader

    reader = GGUFReader(exported.adapter_gguf)
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["adapter.lora.alpha"].contents() == TINY_RUN.alpha
    layers, projections = 30, len(TINY_RUN.target_modules)
    assert len(reader.tensors) == layers * projections * 2
    assert all(t.name.endswith((".lora_a", ".lora_b")) for t in reader.tensors)


def test_llama_cpp_answers_as_the_torch_student(
    adapter: Path, exported: StudentExport, student_base: StudentBase
) -> None:
    held_out = tasks(1, 14)[:40]
    served = LlamaStudent(exported.folder, max_tokens=ANSWER_TOKENS)
    reference = TorchStudent(
        student_base, adapter, max_new_tokens=ANSWER_TOKENS, batch_size=8, threads=1
    )
    torch_answers = reference.answer_many([task.input for task in held_out])
    llama_answers = served.answer_many([task.input for task in held_out])
    same = sum(a == b for a, b in zip(torch_answers, llama_answers, strict=True))
    assert same / len(held_out) >= 0.95, list(zip(torch_answers, llama_answers, strict=True))
    correct = [
        sum(answer == task.target for answer, task in zip(answers, held_out, strict=True))
        for answers in (torch_answers, llama_answers)
    ]
    assert correct[0] > 0, "the tiny run must have learned something to compare"
    low_torch, high_torch = wilson_interval(correct[0], len(held_out))
    low_llama, high_llama = wilson_interval(correct[1], len(held_out))
    assert low_torch <= high_llama and low_llama <= high_torch


def test_a_served_student_abstains_on_a_task_longer_than_its_context(
    exported: StudentExport,
) -> None:
    student = LlamaStudent(exported.folder, n_ctx=128, max_tokens=8)
    assert student.answer("Is this list sorted? " + "apple " * 200) is None
    assert student.answer("Answer yes if this is correct English.\nThe cat sat.") is not None


def corrupt_copy(adapter: Path, into: Path) -> Path:
    copy = into / "adapter"
    shutil.copytree(adapter, copy)
    return copy


def one_line(error: pytest.ExceptionInfo[SelfDistillError]) -> str:
    message = str(error.value)
    assert "\n" not in message and len(message) < 400
    return message


def test_a_corrupted_adapter_is_refused_in_one_line(
    adapter: Path, tmp_path: Path, student_base: StudentBase
) -> None:
    out = tmp_path / "out"
    broken = corrupt_copy(adapter, tmp_path)
    weights = broken / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"adapter_model\.safetensors is corrupted") as error:
        export_student(broken, out, base=student_base)
    one_line(error)
    (broken / "adapter_config.json").write_text("{not json")
    with pytest.raises(DataError, match=r"adapter_config\.json is corrupted") as error:
        export_student(broken, out, base=student_base)
    one_line(error)
    (broken / STUDENT_FILE).unlink()
    with pytest.raises(DataError, match="not a student adapter") as error:
        export_student(broken, out, base=student_base)
    one_line(error)
    assert not (out / "Modelfile").exists()


def test_an_adapter_with_nan_weights_is_refused(
    adapter: Path, tmp_path: Path, student_base: StudentBase
) -> None:
    from safetensors.torch import load_file, save_file

    broken = corrupt_copy(adapter, tmp_path)
    weights = load_file(str(broken / "adapter_model.safetensors"))
    first = sorted(weights)[0]
    weights[first][0, 0] = float("nan")
    save_file(weights, str(broken / "adapter_model.safetensors"))
    with pytest.raises(DataError, match="NaN"):
        export_student(broken, tmp_path / "out", base=student_base)


def test_an_adapter_of_another_base_is_refused(
    adapter: Path, tmp_path: Path, student_base: StudentBase
) -> None:
    relabelled = corrupt_copy(adapter, tmp_path)
    record = json.loads((relabelled / STUDENT_FILE).read_text())
    (relabelled / STUDENT_FILE).write_text(json.dumps({**record, "base": "qwen2.5-coder-1.5b"}))
    with pytest.raises(UsageError, match=r"trained on base 'qwen2\.5-coder-1\.5b'") as error:
        export_student(relabelled, tmp_path / "out", base=student_base)
    one_line(error)


def test_a_mislabelled_adapter_of_another_shape_is_refused(
    adapter: Path, tmp_path: Path, student_base: StudentBase
) -> None:
    """An adapter really trained on another (tiny) llama, with a student.json naming SmolLM2."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    other = LlamaForCausalLM(
        LlamaConfig(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            vocab_size=256,
        )
    )
    lora = LoraConfig(r=4, target_modules=list(TINY_RUN.target_modules), task_type="CAUSAL_LM")
    foreign = tmp_path / "foreign"
    get_peft_model(other, lora).save_pretrained(foreign)
    shutil.copy(adapter / STUDENT_FILE, foreign / STUDENT_FILE)
    with pytest.raises(UsageError, match="trained on another base") as error:
        export_student(foreign, tmp_path / "out", base=student_base)
    one_line(error)


def test_the_converter_is_extracted_from_the_source_distribution_alone(tmp_path: Path) -> None:
    folder = converter_dir(cache=tmp_path)
    assert sorted(path.name for path in folder.iterdir()) == [
        "conversion",
        "convert_lora_to_gguf.py",
        "gguf-py",
    ]
    assert (folder / "gguf-py" / "gguf" / "__init__.py").is_file()
    assert converter_dir(cache=tmp_path) == folder
    assert [path.name for path in tmp_path.iterdir()] == [folder.name]


def test_a_missing_or_broken_source_distribution_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="make setup") as error:
        converter_dir(sdist=tmp_path / "missing.tar.gz", cache=tmp_path / "cache")
    one_line(error)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar file")
    with pytest.raises(ExportError, match="cannot be read"):
        converter_dir(sdist=broken, cache=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_export_missing_a_file_is_refused(exported: StudentExport, tmp_path: Path) -> None:
    shutil.copy(exported.folder / "export.json", tmp_path / "export.json")
    with pytest.raises(DataError, match="missing from the export"):
        read_export(tmp_path)
    with pytest.raises(DataError, match="not a student export"):
        LlamaStudent(tmp_path / "nowhere")


def test_the_export_command(
    adapter: Path, tmp_path: Path, student_base: StudentBase, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = invoke_cli(
        ["distill", "export", "--adapter", str(adapter), "--out", str(out), "--json"], capsys
    )
    assert code == 0, stderr
    printed = json.loads(stdout)
    assert printed["base"] == student_base.name
    assert Path(printed["modelfile"]).is_file() and Path(printed["adapter_gguf"]).is_file()
    code, stdout, stderr = invoke_cli(
        ["distill", "export", "--adapter", str(tmp_path / "none"), "--out", str(out)], capsys
    )
    assert code == 1 and stderr.count("\n") == 1 and "not a student adapter folder" in stderr
