"""The sandbox's web page: one static HTML/JS page and the small JSON API it uses.

* ``GET /`` and ``GET /static/<file>``: the page (no build step).
* ``GET /sandbox/state?user=U…&since=N``: what that person sees, answered as soon as the
  workspace changes after version ``N`` (a long poll of at most 25 s), so new messages
  appear without reloading.
* ``POST /sandbox/act``: one action as JSON (``kind``: send, click, submit, close, tab,
  dismiss, advance, restart_app); answers ``{"ok", "error", "errors"}``.
* ``GET /sandbox/files/<file id>/<name>``: a file the app uploaded, with its content type,
  as Slack serves it: images to show inline, anything else to download.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from sandbox.actions import Interactions, Outcome
from sandbox.control import AppSupervisor, ClockControl
from sandbox.slack_http import Reply
from sandbox.slack_state import JsonDict
from sandbox.workspace import SandboxSlack

STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
MAX_ACTION_BODY = 256 * 1024


class Page:
    """Routes the page's requests (the Slack routes are served by SandboxSlack itself)."""

    def __init__(
        self,
        slack: SandboxSlack,
        interactions: Interactions,
        clock: ClockControl,
        app: AppSupervisor | None,
        about: dict[str, str],
        timezone: str,
    ) -> None:
        self.slack = slack
        self.do = interactions
        self.clock = clock
        self.app = app
        self.about = about
        self.timezone = timezone

    def handle_request(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one request of the page."""
        parts = urlsplit(path)
        route = parts.path
        if headers.get("host", "").partition(":")[0] not in ("127.0.0.1", "localhost"):
            return Reply.text(403, "the sandbox answers only http://127.0.0.1")  # no rebinding
        if route in ("/", "/index.html"):
            return _static("index.html")
        if route.startswith("/static/"):
            return _static(route.removeprefix("/static/"))
        if route == "/favicon.ico":
            return Reply(204, b"")
        if route == "/showcase" or route.startswith("/showcase/"):
            return self._showcase(path, headers, body)
        if route.startswith("/sandbox/files/"):
            return self._file(route.removeprefix("/sandbox/files/"))
        if route == "/sandbox/state":
            return self._state(parse_qs(parts.query))
        if route == "/sandbox/act":
            if not headers.get("content-type", "").startswith("application/json"):
                # JSON only, so another site's page cannot post here without a CORS preflight
                return Reply.json(415, {"ok": False, "error": "send application/json"})
            return self._act(body)
        return Reply.text(404, "not found")

    def _showcase(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """The app's public showcase, passed through from the app as a visitor sees it
        (a body is a form posted to it, with the visitor's cookie; the app decides)."""
        if self.app is None:
            return Reply.text(404, "this sandbox does not run the app itself")
        # The app's own http://127.0.0.1 address: S310's file:/custom-scheme concern is moot.
        url = self.app.process.url + path
        request = urllib.request.Request(url, data=body or None)  # noqa: S310
        for name in ("cookie", "content-type"):
            if headers.get(name):
                request.add_header(name.title(), headers[name])
        try:
            with _OPENER.open(request, timeout=10) as answer:
                return Reply(answer.status, answer.read(), _passed(answer.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), _passed(error.headers))
        except OSError:
            return Reply.text(502, "the app does not answer; see its status on the left")

    def _state(self, query: dict[str, list[str]]) -> Reply:
        user = (query.get("user") or [""])[0]
        try:
            since = int((query.get("since") or ["-1"])[0])
        except ValueError:
            since = -1
        if since >= 0:
            self.slack.wait_for_change(since, timeout=25)
        version = self.slack.version
        with self.slack.lock:
            known = user in self.slack.workspace.users
        data: JsonDict = self.slack.snapshot(user) if known else self.slack.snapshot("")
        data.update(
            version=version,
            me=user if known else None,
            about=self.about,
            clock={
                "now": self.clock.clock.now().isoformat(),
                "offset_seconds": self.clock.clock.offset.total_seconds(),
                "timezone": self.timezone,
            },
        )
        return Reply.json(200, data, {"Cache-Control": "no-store"})

    def _file(self, rest: str) -> Reply:
        file_id = rest.partition("/")[0]
        with self.slack.lock:
            upload = self.slack.workspace.files.get(file_id)
            found = upload.to_api() if upload is not None and upload.completed else None
            content = upload.content if upload is not None else None
        if found is None or content is None:
            return Reply.text(404, "no such file")
        kind = str(found["mimetype"])
        inline = kind.startswith("image/")
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in str(found["name"]))
        headers = {
            "Content-Type": kind + ("; charset=utf-8" if kind.startswith("text/") else ""),
            "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        }
        return Reply(200, content, headers)

    def _act(self, body: bytes) -> Reply:
        if not body or len(body) > MAX_ACTION_BODY:
            return Reply.json(400, {"ok": False, "error": "send one JSON action"})
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            outcome = self._dispatch(data)
        except (ValueError, TypeError, KeyError, LookupError) as error:
            return Reply.json(400, {"ok": False, "error": str(error) or type(error).__name__})
        return Reply.json(200, outcome.to_json())

    def _dispatch(self, data: dict[str, Any]) -> Outcome:
        kind = str(data.get("kind", ""))
        user = str(data.get("user", ""))
        handlers: dict[str, Callable[[], Outcome]] = {
            "send": lambda: self.do.send(
                user, str(data["channel"]), str(data.get("text", "")), data.get("thread_ts") or None
            ),
            "click": lambda: self.do.click(
                user,
                source=str(data["source"]),
                block=int(data["block"]),
                element=_element_key(data["element"]),
                raw=data.get("value"),
                channel=str(data.get("channel") or ""),
                ts=str(data.get("ts") or ""),
                view_id=str(data.get("view_id") or ""),
                values=_values(data.get("values")),
            ),
            "suggest": lambda: self.do.suggest(
                user, str(data["view_id"]), str(data["block_id"]), str(data.get("query", ""))
            ),
            "submit": lambda: self.do.submit(
                user, str(data["view_id"]), _values(data.get("values"))
            ),
            "close": lambda: self.do.close(
                user, str(data["view_id"]), clear=bool(data.get("clear"))
            ),
            "tab": lambda: self.do.open_tab(
                user, "messages" if data.get("tab") == "messages" else "home"
            ),
            "dismiss": lambda: self._dismiss(user, str(data["ts"])),
            "advance": lambda: self._advance(data),
            "restart_app": self._restart,
        }
        handler = handlers.get(kind)
        if handler is None:
            raise ValueError(f"unknown action {kind!r}")
        return handler()

    def _dismiss(self, user: str, ts: str) -> Outcome:
        self.slack.dismiss_ephemeral(user, ts)
        return Outcome(True)

    def _advance(self, data: dict[str, Any]) -> Outcome:
        if data.get("to"):
            when = datetime.fromisoformat(str(data["to"]))
            if when.tzinfo is None:  # the page's "advance to" is wall time in the programme's zone
                when = when.replace(tzinfo=ZoneInfo(self.timezone))
            now = self.clock.advance_to(when)
        else:
            now = self.clock.advance(timedelta(seconds=float(data["seconds"])))
        self.slack.log("sandbox", f"time advanced to {now.isoformat(timespec='minutes')}")
        return Outcome(True)

    def _restart(self) -> Outcome:
        if self.app is None:
            return Outcome(False, "this sandbox does not run the app itself")
        if not self.app.restart_in_background():
            return Outcome(False, "the app is already restarting")
        return Outcome(True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand the app's redirects (/showcase -> /showcase/) to the browser as they are."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        """Follow no redirect: the browser does."""
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


PASSED_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Location",
    "Allow",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Set-Cookie",
    "Content-Disposition",
    "Retry-After",
    "Referrer-Policy",
)


def _passed(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in PASSED_HEADERS if headers.get(name)}


def _element_key(raw: Any) -> str | int:
    if raw in ("accessory", "element"):
        return str(raw)
    return int(raw)


def _values(raw: Any) -> dict[str, dict[str, Any]]:
    """The page's form values: block id -> action id -> raw value."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise TypeError("values must map block ids to {action_id: value}")
    return {str(block): {str(k): v for k, v in actions.items()} for block, actions in raw.items()}


def _static(name: str) -> Reply:
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        return Reply.text(404, "not found")
    resource = resources.files("sandbox") / "static" / name
    if not resource.is_file():
        return Reply.text(404, "not found")
    return Reply(
        200,
        resource.read_bytes(),
        {"Content-Type": STATIC_TYPES[suffix], "Cache-Control": "no-cache"},
    )
