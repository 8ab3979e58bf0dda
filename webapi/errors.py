"""What a failed Web API call means: Slack's error code, the HTTP status, Retry-After."""

from __future__ import annotations

import http.client
import urllib.error

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.outbox import Failure

# Failures of the network or of Slack's servers: the request may have reached Slack.
NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)
SLACK_ERRORS = (SlackApiError, SlackClientError, *NETWORK_ERRORS)


def failure_of(error: BaseException) -> Failure:
    """Slack's error code, HTTP status and Retry-After; status 0 when no answer came."""
    if isinstance(error, SlackApiError):
        response = error.response
        code = str(response.get("error") or "unknown")
        status = int(getattr(response, "status_code", 200) or 200)
        retry_after = 0.0
        headers = getattr(response, "headers", None) or {}
        for name, value in headers.items():
            if str(name).lower() == "retry-after":
                raw = value[0] if isinstance(value, list) else value
                try:
                    retry_after = float(raw)
                except (TypeError, ValueError):
                    retry_after = 0.0
        return Failure(code, status, retry_after)
    return Failure(type(error).__name__, 0)
