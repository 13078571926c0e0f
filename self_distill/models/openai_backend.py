"""OpenAI-compatible chat servers (llama.cpp's server, vLLM, LM Studio, Ollama's ``/v1``,
OpenAI itself) over plain HTTP with httpx.

The server comes from OPENAI_BASE_URL (default ``https://api.openai.com/v1``), the key from
OPENAI_API_KEY (optional for local servers). Tokens come from the response's ``usage``. A server
on this machine or a private network is local compute (0 USD; the ledger keeps its wall and CPU
time); any other needs a price in the config, as a remote model without a known price is refused
rather than counted as free.
"""

from __future__ import annotations

import ipaddress
import os
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from self_distill.errors import (
    ConfigError,
    ModelAuthError,
    ModelError,
    ModelRateLimitError,
    ModelResponseError,
    ModelUnavailableError,
    UnknownModelSpecError,
)
from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.models.pricing import FREE, Price

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def is_local_url(url: str) -> bool:
    """True for a server on this machine or a private network (``localhost``, 127.0.0.1, ::1,
    10/8, 172.16/12, 192.168/16, ``*.local``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


class OpenAICompatibleGenerator(TextGenerator):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint: ``openai:<model>``."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        price: Price | None = None,
        timeout_s: float = 600.0,
    ) -> None:
        if not model:
            raise UnknownModelSpecError("openai spec needs a model name, e.g. openai:gpt-4o-mini")
        self.model = model
        self.spec = f"openai:{model}"
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip(
            "/"
        )
        key = api_key or os.environ.get("OPENAI_API_KEY")
        local = is_local_url(self.base_url)
        if price is None and not local:
            raise ConfigError(
                f"no price known for {self.spec} at {self.base_url}; add it to the config file as "
                f'[prices."{self.spec}"] input = <USD per Mtok>, output = <USD per Mtok> '
                "(servers on this machine or a private network need none)"
            )
        if not key and not local:
            raise ModelAuthError(
                f"OPENAI_API_KEY is not set: export the key for {self.base_url} (or point "
                "OPENAI_BASE_URL at a local server)"
            )
        self.price = price or FREE
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    def _status_error(self, response: httpx.Response) -> ModelError:
        where = self.base_url
        detail = response.text[:300]
        status = response.status_code
        if status in (401, 403):
            return ModelAuthError(f"{where} rejected the API key ({status}): check OPENAI_API_KEY")
        if status == 429:
            return ModelRateLimitError(
                f"{where} rate-limited the request (429): wait and retry, or lower concurrency"
            )
        if status == 404:
            return ModelResponseError(
                f"{where} has no model {self.model!r} or no /chat/completions (404): check the "
                f"model name and OPENAI_BASE_URL (usually ending in /v1); {detail}"
            )
        return ModelResponseError(f"{where} answered {status}: {detail}")

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if seed is not None:
            request["seed"] = seed
        if stop:
            request["stop"] = list(stop)
        started = time.perf_counter()
        try:
            response = self._client.post("/chat/completions", json=request)
        except httpx.HTTPError as error:
            raise ModelUnavailableError(
                f"cannot reach the OpenAI-compatible server at {self.base_url} ({error}): start "
                "it or set OPENAI_BASE_URL"
            ) from error
        if response.status_code != 200:
            raise self._status_error(response)
        try:
            body = response.json()
            text = body["choices"][0]["message"]["content"] or ""
            usage = body.get("usage") or {}
            input_tokens = int(usage.get("prompt_tokens") or 0)
            output_tokens = int(usage.get("completion_tokens") or 0)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise ModelResponseError(
                f"unusable answer from {self.base_url}: {response.text[:300]}"
            ) from error
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=time.perf_counter() - started,
            cost_usd=self.price.cost(input_tokens, output_tokens),
            model=self.spec,
        )
