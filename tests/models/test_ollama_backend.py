"""The real ``ollama`` client against a stand-in Ollama server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from self_distill.errors import ModelUnavailableError
from self_distill.models.ollama_backend import OllamaGenerator
from tests.support.ollama_standin import OllamaStandIn

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Name three primary colours please"},
]


def echo_last(messages: list[dict]) -> str:
    return "you said: " + messages[-1]["content"]


@pytest.mark.parametrize("endpoint", ["chat", "generate"])
@pytest.mark.parametrize("stream", [False, True])
def test_completion_round_trips_text_and_token_counts(endpoint: str, stream: bool) -> None:
    with OllamaStandIn(reply=echo_last) as server:
        model = OllamaGenerator("coder", host=server.url, endpoint=endpoint, stream=stream)
        completion = model.complete(MESSAGES, max_tokens=32, temperature=0.3, seed=7)
        body = server.bodies[-1]
    assert completion.text == "you said: Name three primary colours please"
    assert completion.input_tokens == 3 + 5
    assert completion.output_tokens == 7
    assert completion.model == "ollama:coder"
    assert completion.cost_usd == 0.0
    assert body["options"] == {"num_predict": 32, "temperature": 0.3, "seed": 7}
    assert body["stream"] is stream
    if endpoint == "generate":
        assert body["system"] == "You are terse."


def test_lists_installed_models_from_tags() -> None:
    with OllamaStandIn(reply=echo_last, models=("coder", "llama3.2")) as server:
        names = [m["name"] for m in OllamaGenerator("coder", host=server.url).installed_models()]
    assert names == ["coder:latest", "llama3.2:latest"]


def test_unknown_model_names_the_pull_command() -> None:
    with OllamaStandIn(reply=echo_last) as server:
        model = OllamaGenerator("missing", host=server.url)
        with pytest.raises(ModelUnavailableError, match="ollama pull missing"):
            model.complete(MESSAGES)


def test_refused_connection_says_start_ollama() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = OllamaGenerator("coder", host=f"http://127.0.0.1:{port}")
    with pytest.raises(ModelUnavailableError, match="ollama serve"):
        model.complete(MESSAGES)
