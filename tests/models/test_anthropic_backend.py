"""The real ``anthropic`` SDK against a stand-in Messages API on 127.0.0.1."""

from __future__ import annotations

import pytest

from self_distill.errors import ConfigError, ModelAuthError, ModelRateLimitError
from self_distill.models.anthropic_backend import AnthropicGenerator
from self_distill.models.pricing import Price
from tests.support.anthropic_standin import VALID_KEY, AnthropicStandIn

MESSAGES = [
    {"role": "system", "content": "Answer with one word."},
    {"role": "user", "content": "Capital of France?"},
]


def paris(messages: list[dict]) -> str:
    return "Paris"


def make(server: AnthropicStandIn, key: str = VALID_KEY) -> AnthropicGenerator:
    return AnthropicGenerator("claude-opus-4-6", api_key=key, base_url=server.url, max_retries=0)


def test_completion_carries_usage_and_priced_cost() -> None:
    with AnthropicStandIn(reply=paris) as server:
        completion = make(server).complete(MESSAGES, max_tokens=10, stop=["\n"])
        body = server.bodies[-1]
    assert completion.text == "Paris"
    assert (completion.input_tokens, completion.output_tokens) == (4 + 3, 1)
    assert completion.cost_usd == pytest.approx((7 * 5.0 + 1 * 25.0) / 1e6)
    assert completion.model == "anthropic:claude-opus-4-6"
    assert body["system"] == "Answer with one word."
    assert body["messages"] == [{"role": "user", "content": "Capital of France?"}]
    assert body["stop_sequences"] == ["\n"]


def test_bad_key_is_an_auth_error_naming_the_variable() -> None:
    with (
        AnthropicStandIn(reply=paris) as server,
        pytest.raises(ModelAuthError, match="ANTHROPIC_API_KEY"),
    ):
        make(server, key="sk-wrong").complete(MESSAGES)


@pytest.mark.parametrize(("status", "words"), [(429, "rate-limited"), (529, "overloaded")])
def test_rate_limit_and_overload_surface_clearly(status: int, words: str) -> None:
    with (
        AnthropicStandIn(reply=paris, fail_with=status) as server,
        pytest.raises(ModelRateLimitError, match=words),
    ):
        make(server).complete(MESSAGES)


def test_sdk_retries_overload_before_giving_up() -> None:
    with AnthropicStandIn(reply=paris, fail_with=529) as server:
        model = AnthropicGenerator(
            "claude-opus-4-6", api_key=VALID_KEY, base_url=server.url, max_retries=1
        )
        with pytest.raises(ModelRateLimitError):
            model.complete(MESSAGES)
        assert len(server.requests) == 2


def test_missing_key_and_unknown_price_are_refused_up_front(monkeypatch) -> None:
    with pytest.raises(ModelAuthError, match="ANTHROPIC_API_KEY is not set"):
        AnthropicGenerator("claude-opus-4-6")
    with pytest.raises(ConfigError, match=r'prices\."anthropic:claude-future-9"'):
        AnthropicGenerator("claude-future-9", api_key=VALID_KEY)
    priced = AnthropicGenerator(
        "claude-future-9", api_key=VALID_KEY, price_overrides={"claude-future-9": Price(1, 2)}
    )
    assert priced.price == Price(1, 2)


def test_the_model_id_the_tests_and_messages_use_is_not_deprecated_by_the_sdk() -> None:
    """The SDK warns on every call to a deprecated id; the id we show users must not be one."""
    from anthropic._data import DEPRECATED_MODELS

    from self_distill.models.pricing import ANTHROPIC_PRICES

    assert "claude-opus-4-6" not in DEPRECATED_MODELS
    assert "claude-opus-4-6" in ANTHROPIC_PRICES
