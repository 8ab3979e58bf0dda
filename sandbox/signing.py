"""Sign and send requests the way Slack sends them to an app.

Slack signs every request with the app's signing secret: the signature is
``"v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"))``, sent in
``X-Slack-Signature`` next to ``X-Slack-Request-Timestamp`` (Unix seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def sign(signing_secret: str, timestamp: int, body: bytes | str) -> str:
    """Slack's ``v0`` signature of a request body sent at ``timestamp``."""
    base = b"v0:" + str(int(timestamp)).encode() + b":" + _as_bytes(body)
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def guess_content_type(body: bytes | str) -> str:
    """JSON for bodies that look like a JSON object (Events API), else a form (commands,
    interactivity)."""
    return JSON_CONTENT_TYPE if _as_bytes(body).lstrip().startswith(b"{") else FORM_CONTENT_TYPE


def signed_headers(
    secret: str,
    body: bytes | str,
    timestamp: int | None = None,
    content_type: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: timestamp, signature and content type.

    ``timestamp`` defaults to now; ``content_type`` defaults to :func:`guess_content_type`.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "Content-Type": content_type or guess_content_type(body),
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, ts, body),
    }


def retry_headers(retry_num: int, reason: str = "http_timeout") -> dict[str, str]:
    """Extra headers of an Events API redelivery (``X-Slack-Retry-Num``/``-Reason``)."""
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason}


def post_to_app(
    url: str,
    secret: str,
    body: bytes | str,
    content_type: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    """POST a signed request to the app; returns ``(status, headers, body)``.

    HTTP error statuses (4xx/5xx) are returned, not raised; connection errors raise.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    data = _as_bytes(body)
    headers = {**signed_headers(secret, data, content_type=content_type), **(extra_headers or {})}
    # the scheme is checked above, so S310's file:/custom-scheme concern does not apply
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read()
