"""A stand-in of Anthropic's Messages API on 127.0.0.1 (POST /v1/messages).

It checks the key (``x-api-key``, or ``Authorization: Bearer`` as newer SDKs send
it), answers with real Message objects and ``usage`` counts, and
can be told to answer with an error status (401, 429, 529) in the API's own error format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.http_standin import HttpStandIn, StandInHandler, count_words

ReplyFunction = Callable[[list[dict[str, Any]]], str]
VALID_KEY = "sk-ant-standin-key"
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class AnthropicStandIn(HttpStandIn):
    def __init__(self, reply: ReplyFunction, *, fail_with: int | None = None) -> None:
        super().__init__()
        self.reply = reply
        self.fail_with = fail_with
        self.routes = {("POST", "/v1/messages"): self._messages}

    def _error(self, handler: StandInHandler, status: int, message: str) -> None:
        handler.send_json(
            status,
            {"type": "error", "error": {"type": ERROR_TYPES[status], "message": message}},
            headers={"retry-after": "0"} if status in (429, 529) else None,
        )

    def _messages(self, handler: StandInHandler, body: dict[str, Any]) -> None:
        bearer = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        if VALID_KEY not in (handler.headers.get("x-api-key"), bearer):
            self._error(handler, 401, "invalid x-api-key")
            return
        if self.fail_with is not None:
            self._error(handler, self.fail_with, "scripted failure")
            return
        messages = [{"role": "system", "content": body["system"]}] if body.get("system") else []
        messages += body.get("messages", [])
        text = self.reply(messages)
        handler.send_json(
            200,
            {
                "id": f"msg_standin_{len(self.requests)}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": sum(count_words(str(m["content"])) for m in messages),
                    "output_tokens": count_words(text),
                },
            },
        )
