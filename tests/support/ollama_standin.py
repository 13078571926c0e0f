"""A stand-in Ollama server on 127.0.0.1: /api/chat, /api/generate and /api/tags, streamed or not.

It answers like a real Ollama: NDJSON chunks when ``stream`` is true, one JSON object otherwise,
with ``prompt_eval_count``/``eval_count`` in the final object, and 404 for unknown models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.http_standin import HttpStandIn, StandInHandler, count_words

ReplyFunction = Callable[[list[dict[str, Any]]], str]
TIMESTAMP = "2026-11-23T00:00:00.000000Z"


class OllamaStandIn(HttpStandIn):
    def __init__(self, reply: ReplyFunction, models: tuple[str, ...] = ("coder",)) -> None:
        super().__init__()
        self.reply = reply
        self.models = models
        self.routes = {
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/generate"): self._generate,
            ("GET", "/api/tags"): self._tags,
        }

    def _known(self, handler: StandInHandler, name: str) -> bool:
        if name in self.models or name.removesuffix(":latest") in self.models:
            return True
        handler.send_json(404, {"error": f'model "{name}" not found, try pulling it first'})
        return False

    @staticmethod
    def _counts(prompt_tokens: int, text: str) -> dict[str, Any]:
        return {
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000,
            "load_duration": 10,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 100,
            "eval_count": count_words(text),
            "eval_duration": 500,
        }

    def _respond(
        self,
        handler: StandInHandler,
        body: dict[str, Any],
        text: str,
        prompt_tokens: int,
        piece: Callable[[str], dict[str, Any]],
    ) -> None:
        base = {"model": body["model"], "created_at": TIMESTAMP}
        if body.get("stream", True):
            words = text.split(" ")
            chunks = [
                {**base, **piece(w if i == 0 else " " + w), "done": False}
                for i, w in enumerate(words)
            ]
            chunks.append({**base, **piece(""), **self._counts(prompt_tokens, text)})
            handler.send_ndjson(chunks)
        else:
            handler.send_json(200, {**base, **piece(text), **self._counts(prompt_tokens, text)})

    def _chat(self, handler: StandInHandler, body: dict[str, Any]) -> None:
        if not self._known(handler, body["model"]):
            return
        messages = body.get("messages", [])
        text = self.reply(messages)
        prompt_tokens = sum(count_words(m.get("content", "")) for m in messages)
        self._respond(
            handler,
            body,
            text,
            prompt_tokens,
            lambda s: {"message": {"role": "assistant", "content": s}},
        )

    def _generate(self, handler: StandInHandler, body: dict[str, Any]) -> None:
        if not self._known(handler, body["model"]):
            return
        messages = [{"role": "system", "content": body["system"]}] if body.get("system") else []
        messages.append({"role": "user", "content": body.get("prompt", "")})
        text = self.reply(messages)
        prompt_tokens = sum(count_words(m["content"]) for m in messages)
        self._respond(handler, body, text, prompt_tokens, lambda s: {"response": s})

    def _tags(self, handler: StandInHandler, body: dict[str, Any]) -> None:
        handler.send_json(
            200,
            {
                "models": [
                    {
                        "name": f"{m}:latest",
                        "model": f"{m}:latest",
                        "modified_at": TIMESTAMP,
                        "size": 1000 + i,
                        "digest": f"sha256:{i:064d}",
                        "details": {
                            "format": "gguf",
                            "family": "llama",
                            "parameter_size": "1B",
                            "quantization_level": "Q4_K_M",
                        },
                    }
                    for i, m in enumerate(self.models)
                ]
            },
        )
