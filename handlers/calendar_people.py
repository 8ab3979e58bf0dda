"""Participants' names and e-mail addresses for calendar files, asked of Slack at send time.

``users.info`` gives ``profile.email`` only to an app granted ``users:read.email`` (and not
for every person: bots, and some people from other organisations, have none). It is asked
by the outbox builder when the file is made, never on the way to an acknowledgement.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendar_files import Attendee
from bot.deps import Deps
from bot.outbox import PERMANENT, TRANSIENT

logger = logging.getLogger(__name__)
LOOKUP_TIMEOUT = 5  # seconds; the sender retries the file if Slack is slow
FRESH_FOR = 300.0  # seconds an answer is reused (a meeting's files are made together)
_cache: dict[tuple[str, str], tuple[float, Attendee]] = {}
_lock = threading.Lock()


def _client(deps: Deps) -> WebClient:
    token = deps.settings.SLACK_BOT_TOKEN
    return WebClient(
        token=token.get_secret_value() if token else None,
        base_url=deps.settings.SLACK_API_URL,
        timeout=LOOKUP_TIMEOUT,
        retry_handlers=[],  # the outbox sender retries the whole row, after Retry-After
    )


def _ask(client: WebClient, user_id: str) -> Attendee:
    """One person's name and address; raises on Slack's own trouble (the row is retried)."""
    try:
        person = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        code = str(error.response.get("error", ""))
        status = error.response.status_code
        if code in TRANSIENT or status == 429 or status >= 500 or code not in PERMANENT:
            raise  # the sender retries the row (after Retry-After on a 429)
        logger.info("users.info %s: %s; listed without an address", user_id, code)
        return Attendee(name="")
    profile = person.get("profile") or {}
    name = str(
        profile.get("real_name") or person.get("real_name") or profile.get("display_name") or ""
    )
    email = profile.get("email")
    if person.get("is_bot") or person.get("deleted"):
        email = None
    return Attendee(name=name, email=email if isinstance(email, str) and email else None)


def attendees(deps: Deps, user_ids: tuple[str, ...]) -> list[Attendee]:
    """The participants as a calendar names them, in the meeting's order.

    A person Slack no longer knows (or gives no address for) comes back without one; a
    network error or Slack's own trouble propagates, so the outbox sender tries the file
    again later instead of sending one that misses people.
    """
    client = _client(deps)
    found = []
    for user_id in user_ids:
        key = (deps.settings.SLACK_API_URL, user_id)
        with _lock:
            cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < FRESH_FOR:
            found.append(cached[1])
            continue
        attendee = _ask(client, user_id)
        with _lock:
            _cache[key] = (time.monotonic(), attendee)
            if len(_cache) > 10_000:
                _cache.clear()
        found.append(attendee)
    return found


def forget() -> None:
    """Drop every cached answer (tests that change people's profiles between cases)."""
    with _lock:
        _cache.clear()
