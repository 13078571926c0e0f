"""Ollama backend through the official ``ollama`` client (host from OLLAMA_HOST).

Token counts come from Ollama's own ``prompt_eval_count`` and ``eval_count``. The chat endpoint is
the default; the generate endpoint serves models used as plain completers. Streaming is supported
because a large local model can take minutes, and the final chunk carries the counts.
"""

from __future__ import annotations

import os
import time
from typing import Any, Literal

import httpx
import ollama

from self_distill.errors import (
    ModelError,
    ModelResponseError,
    ModelUnavailableError,
    UnknownModelSpecError,
)
from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.models.pricing import FREE

DEFAULT_HOST = "http://127.0.0.1:11434"


def ollama_host() -> str:
    return os.environ.get("OLLAMA_HOST") or DEFAULT_HOST


def _options(
    max_tokens: int, temperature: float, seed: int | None, stop: list[str] | tuple[str, ...] | None
) -> dict[str, Any]:
    options: dict[str, Any] = {"num_predict": max_tokens, "temperature": temperature}
    if seed is not None:
        options["seed"] = seed
    if stop:
        options["stop"] = list(stop)
    return options


def _flatten_for_generate(messages: list[Message]) -> tuple[str, str]:
    """Split chat messages into Ollama's (system, prompt) for the generate endpoint."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    turns = [m for m in messages if m["role"] != "system"]
    if len(turns) == 1:
        return system, turns[0]["content"]
    prompt = "\n\n".join(f"{m['role']}: {m['content']}" for m in turns) + "\n\nassistant:"
    return system, prompt


class OllamaGenerator(TextGenerator):
    """A model served by Ollama, addressed as ``ollama:<name>``."""

    def __init__(
        self,
        name: str,
        *,
        host: str | None = None,
        endpoint: Literal["chat", "generate"] = "chat",
        stream: bool = False,
        timeout_s: float = 600.0,
    ) -> None:
        if not name:
            raise UnknownModelSpecError("ollama spec needs a model name, e.g. ollama:llama3.2")
        self.name = name
        self.spec = f"ollama:{name}"
        self.host = host or ollama_host()
        self.endpoint = endpoint
        self.stream = stream
        self._client = ollama.Client(host=self.host, timeout=timeout_s)

    def _translate(self, error: Exception) -> ModelError:
        if isinstance(error, ConnectionError | httpx.ConnectError | httpx.TimeoutException):
            return ModelUnavailableError(
                f"Ollama is not reachable at {self.host}: start it with `ollama serve` or set "
                "OLLAMA_HOST"
            )
        if isinstance(error, ollama.ResponseError):
            if error.status_code == 404:
                return ModelUnavailableError(
                    f"Ollama at {self.host} has no model {self.name!r}: "
                    f"run `ollama pull {self.name}`"
                )
            return ModelResponseError(
                f"Ollama at {self.host} answered {error.status_code}: {error.error}"
            )
        return ModelResponseError(f"unusable answer from Ollama at {self.host}: {error}")

    def installed_models(self) -> list[dict[str, Any]]:
        """Models the server has (``/api/tags``), as name and size in bytes."""
        try:
            listing = self._client.list()
        except (ConnectionError, httpx.HTTPError, ollama.ResponseError) as error:
            raise self._translate(error) from error
        return [{"name": m.model, "size": m.size} for m in listing.models]

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        options = _options(max_tokens, temperature, seed, stop)
        started = time.perf_counter()
        try:
            if self.endpoint == "chat":
                text, final = self._chat(messages, options)
            else:
                text, final = self._generate(messages, options)
        except (ConnectionError, httpx.HTTPError, ollama.ResponseError) as error:
            raise self._translate(error) from error
        except (KeyError, TypeError, ValueError) as error:
            raise self._translate(error) from error
        input_tokens = int(final.prompt_eval_count or 0)
        output_tokens = int(final.eval_count or 0)
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=time.perf_counter() - started,
            cost_usd=FREE.cost(input_tokens, output_tokens),
            model=self.spec,
        )

    def _chat(self, messages: list[Message], options: dict[str, Any]) -> tuple[str, Any]:
        if not self.stream:
            response = self._client.chat(model=self.name, messages=messages, options=options)
            return response.message.content or "", response
        pieces: list[str] = []
        final: Any = None
        for chunk in self._client.chat(
            model=self.name, messages=messages, options=options, stream=True
        ):
            pieces.append(chunk.message.content or "")
            final = chunk
        if final is None:
            raise ValueError("empty stream")
        return "".join(pieces), final

    def _generate(self, messages: list[Message], options: dict[str, Any]) -> tuple[str, Any]:
        system, prompt = _flatten_for_generate(messages)
        if not self.stream:
            response = self._client.generate(
                model=self.name, prompt=prompt, system=system or None, options=options
            )
            return response.response or "", response
        pieces: list[str] = []
        final: Any = None
        for chunk in self._client.generate(
            model=self.name, prompt=prompt, system=system or None, options=options, stream=True
        ):
            pieces.append(chunk.response or "")
            final = chunk
        if final is None:
            raise ValueError("empty stream")
        return "".join(pieces), final
