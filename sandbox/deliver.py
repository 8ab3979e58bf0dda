"""Delivering Slack's signed requests to the app, and naming failures as Slack does.

Slack waits three seconds for an app's answer; after that a person sees
``operation_timeout``, and when the app cannot be reached at all, ``dispatch_failed``.
The sandbox keeps the same limit, so a slow or stopped app shows an error, never a hang.
"""

from __future__ import annotations

import json
import time
import urllib.error
from dataclasses import dataclass
from typing import Any

from sandbox.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, post_to_app

SLACK_TIMEOUT = 3.0


@dataclass(frozen=True)
class Delivery:
    """The app's answer to one request, or why there was none."""

    status: int | None
    body: bytes
    error: str | None = None  # dispatch_failed, operation_timeout or http_error
    detail: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """An HTTP 200 answer arrived in time."""
        return self.error is None and self.status == 200

    def json(self) -> dict[str, Any] | None:
        """The body as a JSON object; None for an empty or non-JSON body."""
        text = self.body.decode("utf-8", errors="replace").strip()
        if not text.startswith("{"):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace").strip()

    def describe(self) -> str:
        """One line for people: what happened, in Slack's words where Slack has them."""
        took = f"{self.elapsed * 1000:.0f} ms"
        if self.error == "operation_timeout":
            return f"operation_timeout: the app did not answer within {SLACK_TIMEOUT:.0f} s"
        if self.error == "dispatch_failed":
            return f"dispatch_failed: the app could not be reached ({self.detail})"
        if self.error:
            return f"{self.error}: HTTP {self.status} after {took} {self.detail}".strip()
        return f"HTTP {self.status} in {took}"


class AppLink:
    """Sends signed requests to the app's ``/slack/events``."""

    def __init__(self, endpoint: str, signing_secret: str, timeout: float = SLACK_TIMEOUT):
        self.endpoint = endpoint
        self._secret = signing_secret
        self.timeout = timeout

    def form(self, body: str) -> Delivery:
        """POST a form body (slash commands and interactivity)."""
        return self._send(body, FORM_CONTENT_TYPE)

    def event(self, body: str) -> Delivery:
        """POST a JSON Events API envelope."""
        return self._send(body, JSON_CONTENT_TYPE)

    def _send(self, body: str, content_type: str) -> Delivery:
        started = time.monotonic()
        try:
            status, _headers, data = post_to_app(
                self.endpoint, self._secret, body, content_type, timeout=self.timeout
            )
        except TimeoutError:
            return Delivery(None, b"", "operation_timeout", elapsed=time.monotonic() - started)
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                return Delivery(None, b"", "operation_timeout", elapsed=time.monotonic() - started)
            return Delivery(
                None, b"", "dispatch_failed", _reason(reason), time.monotonic() - started
            )
        except OSError as error:  # reset or broken connection mid-answer
            return Delivery(
                None, b"", "dispatch_failed", _reason(error), time.monotonic() - started
            )
        elapsed = time.monotonic() - started
        if status != 200:
            snippet = data.decode("utf-8", errors="replace").strip()[:300]
            return Delivery(status, data, "http_error", snippet, elapsed)
        return Delivery(status, data, elapsed=elapsed)


def _reason(error: object) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused: is the app running?"
    return str(error) or type(error).__name__
