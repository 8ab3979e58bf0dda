"""Helpers every listener shares: dependencies, the caller, and after-ack Web API work."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.background import AFTER_THE_ANSWER
from bot.deps import Deps
from bot.i18n import _
from bot.programme import Caller
from bot.text import escape
from bot.views.help import build_notice
from storage.repositories import people

logger = logging.getLogger(__name__)


def deps_of(context: BoltContext) -> Deps:
    """The app's shared parts, put into the context by the app factory."""
    deps = context["deps"]
    assert isinstance(deps, Deps)
    return deps


# The caller found by the language middleware, kept for the rest of the same request.
_request_caller: ContextVar[Caller | None] = ContextVar("matchday_request_caller", default=None)


def remember_caller(caller: Caller | None) -> None:
    """Keep (or forget) the current request's caller."""
    _request_caller.set(caller)


def caller_of(deps: Deps, user_id: str) -> Caller:
    """Who this user is in the programme: from this request if known, else the database."""
    known = _request_caller.get()
    if known is not None and known.user_id == user_id:
        return known
    with deps.sessions() as session:
        return people.load_caller(
            session=session, user_id=user_id, configured_admins=deps.settings.MATCHDAY_ADMINS
        )


def respond(response_url: str, message: dict[str, Any], *, replace: bool = False) -> bool:
    """Answer through a response_url (ephemeral to the person who acted); whether Slack
    took it (it refuses a URL older than 30 minutes or used five times)."""
    if not response_url:
        return False
    payload: dict[str, Any] = {"response_type": "ephemeral", **message}
    if replace:
        payload["replace_original"] = True
    response = WebhookClient(response_url, timeout=10).send_dict(payload)
    if response.status_code >= 400:
        logger.warning("response_url answered %s", response.status_code)
        return False
    return True


def tell_clicker(
    client: WebClient,
    user_id: str,
    response_url: str,
    message: dict[str, Any],
    *,
    replace: bool = False,
) -> None:
    """Answer a click: ephemerally by its response_url, or, for a button in App Home or a
    modal (which have none) or a response_url Slack no longer takes (older than 30 minutes,
    used five times), in the person's direct messages with Matchday."""
    if response_url and respond(response_url, message, replace=replace):
        return
    post(client, user_id, message)


def refuse(
    ack: Ack,
    context: BoltContext,
    user_id: str,
    response_url: str,
    errors: dict[str, str],
) -> None:
    """Field errors, in the form while it is open. A form answered before it was handled
    (bot/answered_first.py) is closed already: the person reads in a message what was
    wrong and that nothing was saved."""
    if not context.get(AFTER_THE_ANSWER):
        ack(response_action="errors", errors=errors)
        return
    ack()  # Slack had its answer; Bolt wants the listener's too
    reasons = " ".join(escape(reason) for reason in errors.values())
    text = _("Nothing was saved: {reasons} Please open the form again.").format(reasons=reasons)
    client = context.client
    if client is not None:
        tell_clicker(client, user_id, response_url, build_notice(text))


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any], response_url: str) -> None:
    """Open a modal; if Slack refuses (for example an expired trigger), say so politely."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        logger.warning("views.open failed: %s", error.response.get("error"))
        respond(
            response_url,
            build_notice(_("Sorry, Slack did not let me open the form in time. Please try again.")),
        )


def post(client: WebClient, channel: str, message: dict[str, Any]) -> str | None:
    """Post a message; returns Slack's error code (or None on success)."""
    try:
        client.chat_postMessage(channel=channel, **message)
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown"))
        logger.warning("chat.postMessage to %s failed: %s", channel, code)
        return code
    return None


def bot_is_member(client: WebClient, channel: str) -> bool | None:
    """Whether the bot is in a channel (None when Slack would not say)."""
    try:
        response = client.conversations_info(channel=channel)
    except SlackApiError as error:
        logger.warning("conversations.info %s failed: %s", channel, error.response.get("error"))
        return None
    info = response.get("channel") or {}
    return bool(info.get("is_member"))
