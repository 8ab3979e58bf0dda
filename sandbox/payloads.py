"""Builders for the request bodies Slack sends to an app, in Slack's documented shapes.

* Slash commands: a form body (:func:`slash_command`).
* Interactivity: a form body with one ``payload`` field holding JSON
  (:func:`block_actions`, :func:`view_submission`, :func:`view_closed`), and the
  ``block_suggestion`` an external select sends as people type (:func:`block_suggestion`).
* Events API: a JSON ``event_callback`` envelope around an event (:func:`event_callback`
  with :func:`message_event`, :func:`message_changed_event`,
  :func:`app_home_opened_event`), and the :func:`url_verification` handshake.

Sign the result with :func:`sandbox.signing.signed_headers` or send it with
:func:`sandbox.signing.post_to_app`. The ``*_value`` helpers build the entries of
``view.state.values`` (block_id -> action_id -> value) for :func:`view_submission`.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from sandbox.slack_state import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

JsonDict = dict[str, Any]

VERIFICATION_TOKEN = "fake-verification-token"
_counter = itertools.count(1)

Option = str | tuple[str, str] | Mapping[str, Any]


# ids and small shapes -------------------------------------------------------------------
def new_trigger_id() -> str:
    """A trigger id in Slack's shape (not known to any :class:`FakeSlack`)."""
    return f"{int(time.time())}.{next(_counter)}.{uuid.uuid4().hex[:21]}"


def new_ts() -> str:
    """A unique message/action ts such as ``"1732700000.000101"``."""
    now_us = int(time.time() * 1_000_000) + next(_counter)
    return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"


def _user(user_id: str, user_name: str | None, team_id: str) -> JsonDict:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str, team_domain: str) -> JsonDict:
    return {"id": team_id, "domain": team_domain}


def _channel_name(channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "directmessage"
    return "privategroup" if channel_id.startswith("G") else channel_id.lower()


def _form_payload(payload: Mapping[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def option(value: Option) -> JsonDict:
    """A Block Kit option: from ``"value"``, ``("value", "text")`` or a ready dict."""
    if isinstance(value, Mapping):
        return dict(value)
    val, text = (value, value) if isinstance(value, str) else value
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": val}


# slash commands -------------------------------------------------------------------------
def slash_command(
    command: str = "/matchday",
    text: str = "",
    *,
    user_id: str,
    channel_id: str,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    user_name: str | None = None,
    channel_name: str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> str:
    """The form-encoded body Slack posts for a slash command."""
    fields = {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name or _channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url
        or f"https://hooks.slack.com/commands/{team_id}/{next(_counter)}/{uuid.uuid4().hex}",
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields)


# interactivity --------------------------------------------------------------------------
def block_actions(
    *,
    user_id: str,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    channel_id: str | None = None,
    message_ts: str | None = None,
    thread_ts: str | None = None,
    view: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    selected_option: Option | None = None,
    container: Mapping[str, Any] | None = None,
    action_type: str | None = None,
    action_text: str | None = None,
    action_fields: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    state_values: Mapping[str, Any] | None = None,
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> str:
    """The interactivity body for a click on a button or a choice in a menu.

    The source is a view when ``view`` is given (``container`` type ``view``), else a
    message in ``channel_id`` at ``message_ts``. A button is assumed unless
    ``selected_option`` (a ``static_select``) or ``action_type`` says otherwise;
    ``action_fields`` adds or overrides fields of the action (``selected_user`` …).
    """
    kind = action_type or ("static_select" if selected_option is not None else "button")
    action: JsonDict = {"type": kind, "action_id": action_id, "block_id": block_id}
    if kind == "button":
        text = action_text or action_id
        action["text"] = {"type": "plain_text", "text": text, "emoji": True}
        if value is not None:
            action["value"] = value
    if selected_option is not None:
        action["selected_option"] = option(selected_option)
    action.update(action_fields or {})
    action["action_ts"] = new_ts()

    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "container": dict(container) if container is not None else {},
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = payload["container"] or {"type": "view", "view_id": view.get("id")}
        payload["view"] = dict(view)
    else:
        source: JsonDict = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        if thread_ts:
            source["thread_ts"] = thread_ts
        payload["container"] = payload["container"] or source
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
    if message is not None or message_ts is not None:
        payload["message"] = dict(message) if message is not None else _bot_message(message_ts)
        if thread_ts and message is None:
            payload["message"]["thread_ts"] = thread_ts
    payload["state"] = {"values": dict(state_values or {})}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = [action]
    return _form_payload(payload)


def _bot_message(ts: str | None) -> JsonDict:
    return {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "ts": ts,
        "text": "",
        "team": TEAM_ID,
        "blocks": [],
    }


def _view_for(
    view: Mapping[str, Any] | None,
    *,
    view_id: str | None,
    callback_id: str | None,
    private_metadata: str | None,
    view_hash: str | None,
    values: Mapping[str, Any],
    team_id: str,
    api_app_id: str,
) -> JsonDict:
    """A submitted view: ``view`` (as the fake returned it) or a minimal modal."""
    built: JsonDict = {
        "id": view_id or f"V{next(_counter):010d}",
        "team_id": team_id,
        "type": "modal",
        "title": {"type": "plain_text", "text": "Matchday", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "app_id": api_app_id,
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    built.update(dict(view or {}))
    built.setdefault("root_view_id", built["id"])
    if view_id is not None:
        built["id"] = view_id
    if callback_id is not None:
        built["callback_id"] = callback_id
    if private_metadata is not None:
        built["private_metadata"] = private_metadata
    if view_hash is not None:
        built["hash"] = view_hash
    built["state"] = {"values": {block: dict(actions) for block, actions in values.items()}}
    return built


def view_submission(
    *,
    user_id: str,
    callback_id: str | None = None,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    private_metadata: str | None = None,
    view_id: str | None = None,
    trigger_id: str | None = None,
    hash: str | None = None,  # Slack's field name, though it shadows the builtin
    view: Mapping[str, Any] | None = None,
    response_urls: Sequence[Mapping[str, Any]] = (),
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> str:
    """The interactivity body for a modal's submit.

    ``values`` is ``view.state.values``: block_id -> action_id -> a ``*_value`` dict.
    Pass ``view`` (for example ``fake.open_views[view_id]``) to submit that view; the
    other arguments override its fields.
    """
    payload: JsonDict = {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": _view_for(
            view,
            view_id=view_id,
            callback_id=callback_id,
            private_metadata=private_metadata,
            view_hash=hash,
            values=values or {},
            team_id=team_id,
            api_app_id=api_app_id,
        ),
        "response_urls": [dict(r) for r in response_urls],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


def block_suggestion(
    *,
    user_id: str,
    action_id: str,
    value: str,
    block_id: str = "",
    view: Mapping[str, Any] | None = None,
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> str:
    """The interactivity body Slack sends to the options load URL while a person types
    ``value`` into an ``external_select`` (in the modal ``view``, when given)."""
    payload: JsonDict = {
        "type": "block_suggestion",
        "user": _user(user_id, user_name, team_id),
        "container": {"type": "view", "view_id": (view or {}).get("id")},
        "api_app_id": api_app_id,
        "token": token,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["view"] = _view_for(
            view,
            view_id=None,
            callback_id=None,
            private_metadata=None,
            view_hash=None,
            values={},
            team_id=team_id,
            api_app_id=api_app_id,
        )
        payload["container"]["view_id"] = payload["view"]["id"]
    return _form_payload(payload)


def view_closed(
    *,
    user_id: str,
    callback_id: str | None = None,
    private_metadata: str | None = None,
    view_id: str | None = None,
    view: Mapping[str, Any] | None = None,
    is_cleared: bool = False,
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> str:
    """The interactivity body sent when a user closes a modal with ``notify_on_close``."""
    payload: JsonDict = {
        "type": "view_closed",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "view": _view_for(
            view,
            view_id=view_id,
            callback_id=callback_id,
            private_metadata=private_metadata,
            view_hash=None,
            values={},
            team_id=team_id,
            api_app_id=api_app_id,
        ),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


# view.state.values entries ----------------------------------------------------------------
def plain_value(text: str | None) -> JsonDict:
    """A ``plain_text_input`` value (``None`` when left empty)."""
    return {"type": "plain_text_input", "value": text}


def number_value(number: float | str | None) -> JsonDict:
    """A ``number_input`` value (Slack sends the number as a string)."""
    return {"type": "number_input", "value": None if number is None else str(number)}


def static_value(value: Option | None) -> JsonDict:
    """A ``static_select`` choice (``None`` when nothing is chosen)."""
    return {
        "type": "static_select",
        "selected_option": None if value is None else option(value),
    }


def multi_static_value(values: Iterable[Option]) -> JsonDict:
    """A ``multi_static_select`` choice."""
    return {"type": "multi_static_select", "selected_options": [option(v) for v in values]}


def radio_value(value: Option | None) -> JsonDict:
    """A ``radio_buttons`` choice."""
    return {"type": "radio_buttons", "selected_option": None if value is None else option(value)}


def checkboxes_value(values: Iterable[Option]) -> JsonDict:
    """The ticked ``checkboxes``."""
    return {"type": "checkboxes", "selected_options": [option(v) for v in values]}


def user_value(user_id: str | None) -> JsonDict:
    """A ``users_select`` choice."""
    return {"type": "users_select", "selected_user": user_id}


def users_value(user_ids: Iterable[str]) -> JsonDict:
    """A ``multi_users_select`` choice."""
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def conversation_value(channel_id: str | None) -> JsonDict:
    """A ``conversations_select`` choice."""
    return {"type": "conversations_select", "selected_conversation": channel_id}


def channel_value(channel_id: str | None) -> JsonDict:
    """A ``channels_select`` choice."""
    return {"type": "channels_select", "selected_channel": channel_id}


def date_value(date: str | None) -> JsonDict:
    """A ``datepicker`` choice, ``"YYYY-MM-DD"``."""
    return {"type": "datepicker", "selected_date": date}


def time_value(hh_mm: str | None, timezone: str | None = None) -> JsonDict:
    """A ``timepicker`` choice, ``"HH:mm"`` (with the picker's ``timezone`` if it has one)."""
    value: JsonDict = {"type": "timepicker", "selected_time": hh_mm}
    if timezone is not None:
        value["timezone"] = timezone
    return value


# Events API -------------------------------------------------------------------------------
def event_callback(
    event: Mapping[str, Any],
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
    token: str = VERIFICATION_TOKEN,
) -> str:
    """The JSON ``event_callback`` envelope Slack posts for an event."""
    envelope: JsonDict = {
        "token": token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope)


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def message_event(
    user: str,
    channel: str,
    text: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str | None = None,
    subtype: str | None = None,
    *,
    parent_user_id: str | None = None,
    blocks: Sequence[Mapping[str, Any]] | None = None,
    bot_id: str | None = None,
    team: str = TEAM_ID,
) -> JsonDict:
    """A ``message`` event (a person's message unless ``subtype``/``bot_id`` say otherwise).

    ``channel_type`` defaults from the id: ``D…`` -> ``im``, ``G…`` -> ``group``,
    otherwise ``channel``. ``ts`` defaults to a fresh unique ts.
    """
    stamp = ts or new_ts()
    event: JsonDict = {"type": "message"}
    if subtype is not None:
        event["subtype"] = subtype
    event.update(user=user, text=text, ts=stamp, team=team)
    if subtype is None and bot_id is None:
        event["client_msg_id"] = str(uuid.uuid4())
    if bot_id is not None:
        event["bot_id"] = bot_id
    if blocks is not None:
        event["blocks"] = [dict(b) for b in blocks]
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id or BOT_USER_ID
    event.update(
        channel=channel, event_ts=stamp, channel_type=channel_type or _channel_type(channel)
    )
    return event


def message_changed_event(
    user: str,
    channel: str,
    ts: str,
    text: str,
    previous_text: str = "",
    *,
    thread_ts: str | None = None,
    event_ts: str | None = None,
    channel_type: str | None = None,
) -> JsonDict:
    """A ``message_changed`` event: ``user`` edited their message ``ts`` to ``text``."""
    stamp = event_ts or new_ts()
    new: JsonDict = {"type": "message", "user": user, "text": text, "ts": ts, "team": TEAM_ID}
    old: JsonDict = {"type": "message", "user": user, "text": previous_text, "ts": ts}
    if thread_ts is not None:
        new["thread_ts"] = old["thread_ts"] = thread_ts
    new["edited"] = {"user": user, "ts": stamp}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "ts": stamp,
        "event_ts": stamp,
        "channel_type": channel_type or _channel_type(channel),
        "message": new,
        "previous_message": old,
    }


def app_home_opened_event(
    user: str,
    tab: str = "home",
    *,
    channel: str | None = None,
    view: Mapping[str, Any] | None = None,
    event_ts: str | None = None,
) -> JsonDict:
    """An ``app_home_opened`` event; ``view`` is the Home tab last published, if any."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or "D" + user[1:],
        "tab": tab,
        "event_ts": event_ts or new_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event


def url_verification(challenge: str, token: str = VERIFICATION_TOKEN) -> str:
    """The JSON body of Slack's Request URL handshake."""
    return json.dumps({"token": token, "challenge": challenge, "type": "url_verification"})
