"""Anthropic backend (Claude, e.g. Opus) through the official ``anthropic`` SDK.

The key comes from ANTHROPIC_API_KEY, the optional base URL from ANTHROPIC_BASE_URL or config.
Tokens come from the response's ``usage``; cost from the price table. Authentication, rate-limit
and overload answers become distinct errors whose messages name the fix.
"""

from __future__ import annotations

import os
import time

import anthropic

from self_distill.errors import (
    ModelAuthError,
    ModelError,
    ModelRateLimitError,
    ModelResponseError,
    ModelUnavailableError,
    UnknownModelSpecError,
)
from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.models.pricing import Price, anthropic_price


class AnthropicGenerator(TextGenerator):
    """A Claude model addressed as ``anthropic:<model-id>``."""

    def __init__(
        self,
        model_id: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout_s: float = 600.0,
        price_overrides: dict[str, Price] | None = None,
    ) -> None:
        if not model_id:
            raise UnknownModelSpecError(
                "anthropic spec needs a model id, e.g. anthropic:claude-opus-4-6"
            )
        self.model_id = model_id
        self.spec = f"anthropic:{model_id}"
        self.price = anthropic_price(model_id, price_overrides)
        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise ModelAuthError(
                "ANTHROPIC_API_KEY is not set: export your key to use anthropic: models"
            )
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self._client = anthropic.Anthropic(
            api_key=key, base_url=self.base_url, max_retries=max_retries, timeout=timeout_s
        )

    def _translate(self, error: anthropic.AnthropicError) -> ModelError:
        where = self.base_url or "the Anthropic API"
        if isinstance(error, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
            return ModelAuthError(
                f"{where} rejected the API key ({error.status_code}): check ANTHROPIC_API_KEY"
            )
        if isinstance(error, anthropic.RateLimitError):
            return ModelRateLimitError(
                f"{where} rate-limited the request (429): wait and retry, or lower concurrency"
            )
        if isinstance(error, anthropic.APIStatusError) and error.status_code == 529:
            return ModelRateLimitError(
                f"{where} is overloaded (529): retry later or use another model"
            )
        if isinstance(error, anthropic.NotFoundError):
            return ModelResponseError(
                f"{where} does not know model {self.model_id!r} (404): check the model id"
            )
        if isinstance(error, anthropic.APIConnectionError):
            return ModelUnavailableError(
                f"cannot connect to {where}: check the network or ANTHROPIC_BASE_URL"
            )
        if isinstance(error, anthropic.APIStatusError):
            return ModelResponseError(f"{where} answered {error.status_code}: {error.message}")
        return ModelResponseError(f"unusable answer from {where}: {error}")

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        """``seed`` and ``temperature`` are accepted for interface parity only.

        The Messages API has no seed, and the current SDK no longer exposes temperature: sampling
        is the service's own, so repeated candidates differ without our asking.
        """
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        turns = [
            {"role": m["role"], "content": m["content"]} for m in messages if m["role"] != "system"
        ]
        request: dict = {
            "model": self.model_id,
            "max_tokens": max_tokens,
            "messages": turns,
        }
        if system:
            request["system"] = system
        if stop:
            request["stop_sequences"] = list(stop)
        started = time.perf_counter()
        try:
            response = self._client.messages.create(**request)
        except anthropic.AnthropicError as error:
            raise self._translate(error) from error
        text = "".join(block.text for block in response.content if block.type == "text")
        input_tokens = int(response.usage.input_tokens)
        output_tokens = int(response.usage.output_tokens)
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=time.perf_counter() - started,
            cost_usd=self.price.cost(input_tokens, output_tokens),
            model=self.spec,
        )
