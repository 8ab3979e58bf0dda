"""HTTP plumbing of the fake Slack server: the threaded server, replies, argument parsing.

Kept apart from :mod:`sandbox.slack_api` so the latter reads as Slack's behaviour only.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl

from sandbox.slack_limits import SlackError
from sandbox.slack_state import JsonDict

# Arguments that form-encoded callers send as JSON strings.
JSON_ARGS = ("blocks", "view", "attachments", "metadata", "files")


@dataclass
class Reply:
    """An HTTP answer: status, body and headers (``Content-Length`` is added on send)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: JsonDict, headers: dict[str, str] | None = None) -> Reply:
        payload = json.dumps(data).encode()
        hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, payload, hdrs)

    @classmethod
    def text(cls, status: int, text: str) -> Reply:
        return cls(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})


class RequestTarget(Protocol):
    """What the server hands every request to."""

    def handle_request(self, path: str, headers: dict[str, str], body: bytes) -> Reply: ...


class Server(ThreadingHTTPServer):
    """A threaded HTTP server passing each request to a :class:`RequestTarget`."""

    daemon_threads = True
    request_queue_size = 128  # Slack takes many connections at once; 5 would drop some

    def __init__(self, address: tuple[str, int], target: RequestTarget) -> None:
        super().__init__(address, _Handler)
        self.target = target
        self.thread = threading.Thread(target=self.serve_forever, name="fake-slack", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that stops waiting (a page's long poll cut off by a reload) is normal:
        say nothing. Anything else is a bug and is shown as usual."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: Server

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.target.handle_request(self.path, headers, body)
        if reply.status == 0:  # the call was done, but the answer is lost on the way
            self.close_connection = True
            return
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def parse_args(query: str, content_type: str, body: bytes) -> JsonDict:
    """Web API arguments from the query string and a JSON or form body.

    JSON-string fields (``blocks``, ``view`` …) become objects; a string that is not
    JSON is left as it is for the method's checks to report. Bad JSON bodies raise
    :class:`SlackError` ``invalid_json``.
    """
    args: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if body and ctype == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(data, dict):
            raise SlackError("invalid_json")
        args.update(data)
    elif body:
        args.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    for key in JSON_ARGS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def bearer_token(headers: dict[str, str], args: JsonDict) -> str | None:
    """The token from ``Authorization: Bearer …`` or a ``token`` argument (removed from args)."""
    form_token = args.pop("token", None)
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return str(form_token) if form_token else None


def parse_webhook_payload(content_type: str, body: bytes) -> JsonDict | None:
    """A response-URL post: a JSON body, or a form with a ``payload`` JSON field."""
    text = body.decode("utf-8", errors="replace").strip()
    if content_type.startswith("application/x-www-form-urlencoded"):
        text = dict(parse_qsl(text)).get("payload", "")
    try:
        payload = json.loads(text or "{}")
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
