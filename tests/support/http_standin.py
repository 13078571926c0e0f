"""A tiny threaded HTTP server on 127.0.0.1 for protocol stand-ins used by tests.

Stand-ins speak the real wire protocol of a remote service so that the real client library is
exercised end to end; only the far side is replaced.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[["StandInHandler", dict[str, Any]], None]


class StandInHandler(BaseHTTPRequestHandler):
    """Dispatches to the owning stand-in's routes; records every JSON body it receives."""

    server: _StandInHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def _dispatch(self, method: str) -> None:
        body = self._body()
        owner = self.server.owner
        owner.requests.append(
            {"method": method, "path": self.path, "body": body, "headers": dict(self.headers)}
        )
        route = owner.routes.get((method, self.path.split("?")[0]))
        if route is None:
            self.send_json(404, {"error": f"no route {method} {self.path}"})
            return
        route(self, body)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def send_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def send_ndjson(self, lines: list[dict[str, Any]]) -> None:
        data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _StandInHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: HttpStandIn


class HttpStandIn:
    """Base of the stand-ins: a context manager running the server in a background thread."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[tuple[str, str], Route] = {}
        self._server = _StandInHTTPServer(("127.0.0.1", 0), StandInHandler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HttpStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["method"] == "POST"]


def count_words(text: str) -> int:
    """Stand-ins count 'tokens' as words: deterministic and easy to check in a test."""
    return len(text.split())
