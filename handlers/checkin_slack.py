"""The Slack side of check-ins: finding a posted check-in again, links, telling the admins.

Also the one place that decides which Slack failures are worth retrying.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.pilots import CHECKIN_EVENT, Checkin, Pilot, checkin_key
from handlers.common import post
from storage.repositories import people
from webapi.errors import NETWORK_ERRORS
from webapi.errors import failure_of as classify

logger = logging.getLogger(__name__)

# Failures of the network or of Slack's servers: the request may be retried later.
SLACK_ERRORS = (SlackApiError, *NETWORK_ERRORS)
LOOKUP_PAGE = 200
LOOKUP_PAGES = 5  # a thousand top-level messages back is far beyond any crash window


@dataclass(frozen=True)
class Failure:
    """Why a Web API call failed, and whether trying again later can help."""

    code: str
    transient: bool
    retry_after: float = 0.0


def failure_of(error: BaseException) -> Failure:
    """Classify a failed Web API call: 429 and 5xx and network errors are transient."""
    found = classify(error)
    return Failure(found.code, found.transient, found.retry_after)


def find_posted(
    client: WebClient, pilot: Pilot, checkin: Checkin
) -> tuple[str, dict[str, Any]] | None:
    """The ts and metadata payload of this check-in's message if it reached the channel.

    Raises SlackApiError or a network error when Slack cannot be asked.
    """
    key = checkin_key(pilot.id, checkin.id)
    cursor = None
    for _page in range(LOOKUP_PAGES):
        response = client.conversations_history(
            channel=pilot.channel_id, limit=LOOKUP_PAGE, include_all_metadata=True, cursor=cursor
        )
        for found in response.get("messages") or []:
            metadata = found.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == CHECKIN_EVENT and payload.get("key") == key:
                return str(found["ts"]), payload
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            break
    return None


def permalink(client: WebClient, channel_id: str, ts: str | None) -> str | None:
    """A link to a message, or None when Slack will not give one."""
    if not ts:
        return None
    try:
        response = client.chat_getPermalink(channel=channel_id, message_ts=ts)
    except SlackApiError as error:
        logger.warning("chat.getPermalink failed: %s", error.response.get("error"))
        return None
    except NETWORK_ERRORS as error:
        logger.warning("chat.getPermalink failed: %s", error)
        return None
    link = response.get("permalink")
    return str(link) if link else None


def admins(deps: Deps) -> list[str]:
    """Every programme admin: from MATCHDAY_ADMINS, then those added in Slack."""
    with deps.sessions() as session:
        return admins_in(session, deps)


def admins_in(session: Session, deps: Deps) -> list[str]:
    """Every programme admin, read in the caller's transaction."""
    return people.all_admins(session=session, configured=deps.settings.MATCHDAY_ADMINS)


_link_clients: dict[tuple[str | None, str], WebClient] = {}
_link_lock = threading.Lock()


def link_client(deps: Deps) -> WebClient:
    """A Web API client for links in messages built at send time (no retries: a link that
    Slack will not give falls back to naming the channel)."""
    token = deps.settings.SLACK_BOT_TOKEN
    secret = token.get_secret_value() if token else None
    key = (secret, deps.settings.SLACK_API_URL)
    with _link_lock:
        client = _link_clients.get(key)
        if client is None:
            client = WebClient(
                token=secret, base_url=deps.settings.SLACK_API_URL, timeout=5, retry_handlers=[]
            )
            _link_clients[key] = client
        return client


def tell(client: WebClient, user_ids: list[str], message: dict[str, Any]) -> int:
    """DM each person the message; returns how many DMs went out."""
    sent = 0
    for user_id in user_ids:
        if post(client, user_id, message) is None:
            sent += 1
    return sent


def tell_admins(deps: Deps, client: WebClient, message: dict[str, Any]) -> int:
    """DM every admin; an empty admin list is logged as an error, not ignored."""
    everyone = admins(deps)
    if not everyone:
        logger.error("no programme admins to tell: %s", message.get("text", ""))
        return 0
    return tell(client, everyone, message)
