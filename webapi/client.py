"""The Web API client both processes use: counted, logged, and retrying only where safe."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.metrics import RATE_LIMITED, SLACK_CALLS, SLACK_ERRORS

logger = logging.getLogger("matchday.slack")


class MeteredClient(WebClient):
    """A WebClient that logs one line per call and counts calls and errors by code."""

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        """Call Slack, counting the call and its error code (if any)."""
        SLACK_CALLS.labels(api_method).inc()
        started = time.perf_counter()
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            code = str(error.response.get("error") or "unknown")
            status = getattr(error.response, "status_code", 0)
            SLACK_ERRORS.labels(api_method, code).inc()
            if status == 429:
                RATE_LIMITED.labels(api_method).inc()
            logger.info(
                "slack %s failed: %s (HTTP %s) in %.0f ms",
                api_method,
                code,
                status,
                (time.perf_counter() - started) * 1000,
                extra={"slack_method": api_method, "slack_error": code},
            )
            raise
        except Exception as error:
            SLACK_ERRORS.labels(api_method, type(error).__name__).inc()
            logger.info("slack %s failed: %s", api_method, type(error).__name__)
            raise
        logger.debug("slack %s ok in %.0f ms", api_method, (time.perf_counter() - started) * 1000)
        return response


def make_client(token: str | None, base_url: str, *, retries: bool = True) -> WebClient:
    """A client for Slack's Web API.

    ``retries``: wait out 429s and retry connection errors and 5xx inside the call — for
    idempotent, interactive calls only. The outbox sender passes False: it retries itself,
    after looking whether Slack already took the message.
    """
    client = MeteredClient(token=token, base_url=base_url, timeout=10)
    client.retry_handlers = (
        [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else []
    )
    return client
