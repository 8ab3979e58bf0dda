"""The WSGI application: Slack's endpoint and a health check for load balancers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.deps import Deps

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; refuse anything huge


def make_wsgi(app: App, deps: Deps) -> WsgiApp:
    """Route /slack/events to Bolt and /healthz to the database check."""
    from storage.db import is_reachable

    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = is_reachable(deps.engine)
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _json(start_response, status, {"database": "ok" if healthy else "unreachable"})
        if path == "/slack/events":
            if environ.get("REQUEST_METHOD") != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "use POST"})
            if _content_length(environ) > MAX_BODY:
                return _json(start_response, "413 Content Too Large", {"error": "too large"})
            try:
                return slack(environ, start_response)
            except Exception:  # a payload Bolt could not even parse
                logger.exception("could not handle a Slack request")
                return _json(start_response, "400 Bad Request", {"error": "bad request"})
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY + 1


def _json(start_response: StartResponse, status: str, body: dict[str, str]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
