"""Which llama.cpp models stay loaded: base models for the process, adapters only the newest."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

import pytest

from self_distill.models import llamacpp_backend
from self_distill.models.llamacpp_backend import ADAPTED_MODELS_KEPT, load_llama


class FakeLlama:
    """Stands in for ``llama_cpp.Llama`` (no weights): records what was opened and closed."""

    opened: ClassVar[list[str | None]] = []

    def __init__(self, **options: Any) -> None:
        self.lora_path = options["lora_path"]
        self.closed = False
        FakeLlama.opened.append(self.lora_path)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_llama(monkeypatch: pytest.MonkeyPatch) -> type[FakeLlama]:
    import llama_cpp

    FakeLlama.opened = []
    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    monkeypatch.setattr(llamacpp_backend, "_BASE_MODELS", {})
    monkeypatch.setattr(llamacpp_backend, "_ADAPTED_MODELS", OrderedDict())
    return FakeLlama


def test_a_base_model_is_loaded_once_and_kept(fake_llama: type[FakeLlama]) -> None:
    first = load_llama("base.gguf", 2048, 1)
    for number in range(ADAPTED_MODELS_KEPT + 3):
        load_llama("base.gguf", 2048, 1, lora_path=f"student-{number}.gguf")
    assert load_llama("base.gguf", 2048, 1) is first
    assert not first.closed
    assert fake_llama.opened.count(None) == 1


def test_only_the_newest_adapters_stay_loaded_and_older_ones_are_closed(
    fake_llama: type[FakeLlama],
) -> None:
    students = [
        load_llama("base.gguf", 2048, 1, lora_path=f"student-{number}.gguf")
        for number in range(ADAPTED_MODELS_KEPT + 2)
    ]
    assert [s.closed for s in students] == [True, True] + [False] * ADAPTED_MODELS_KEPT
    newest = students[-1]
    assert load_llama("base.gguf", 2048, 1, lora_path=newest.lora_path) is newest
    # a closed one asked for again is opened afresh, and the least recently used makes room
    again = load_llama("base.gguf", 2048, 1, lora_path="student-0.gguf")
    assert again is not students[0] and not again.closed
    assert students[-2].closed and not newest.closed
