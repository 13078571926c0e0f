"""The embedded SmolLM2 really generates text through llama.cpp."""

from __future__ import annotations

import pytest

from self_distill.models import load_model
from self_distill.models.embedded import smollm2_path

pytestmark = pytest.mark.model


def test_smollm2_file_is_found_inside_its_package() -> None:
    path = smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000


def test_smollm2_generates_text_with_positive_token_counts() -> None:
    model = load_model("embedded:smollm2-135m")
    completion = model.complete(
        [{"role": "user", "content": "Name one colour."}], max_tokens=16, seed=1
    )
    assert completion.text.strip()
    assert completion.input_tokens > 0
    assert 0 < completion.output_tokens <= 16
    assert completion.latency_s > 0
    assert completion.cost_usd == 0.0
    assert completion.cached is False


def test_same_seed_same_text_and_second_call_is_a_cache_hit() -> None:
    model = load_model("embedded:smollm2-135m")
    messages = [{"role": "user", "content": "Write one word about the sea."}]
    first = model.complete(messages, max_tokens=8, temperature=0.8, seed=3)
    second = model.complete(messages, max_tokens=8, temperature=0.8, seed=3)
    assert second.cached is True
    assert second.text == first.text
    assert (second.input_tokens, second.output_tokens) == (first.input_tokens, first.output_tokens)
