"""Which channel messages can concern Matchday, decided from the event alone.

Matchday reads a channel message only when it is a person's reply (or an edit of one) in a
thread Matchday started (an assessment's thread), or when Slack reports that a channel
became public. Everything else people write in the channels Matchday is in is none of its
business, and must not cost a database round trip: Slack says in every reply who started
the thread (``parent_user_id``), and in every delivery which bot user it is delivered to
(``authorizations``).
"""

from __future__ import annotations

from typing import Any

CHANNEL_CONVERTED = "channel_convert_to_public"
# The events Matchday has listeners for: app.yaml subscribes to these (message.channels and
# message.groups are both "message"). Any other event is acknowledged and dropped.
USED_EVENTS = frozenset(
    {
        "app_home_opened",
        "app_uninstalled",
        "channel_archive",
        "channel_deleted",
        "channel_shared",
        "channel_unarchive",
        "channel_unshared",
        "group_archive",
        "group_deleted",
        "group_unarchive",
        "member_joined_channel",
        "member_left_channel",
        "message",
        "tokens_revoked",
    }
)
REPLY_SUBTYPES = (None, "thread_broadcast")


def bot_user_of(body: dict[str, Any]) -> str | None:
    """The app's bot user this event was delivered to, as Slack states it in the body."""
    for authorization in body.get("authorizations") or ():
        if isinstance(authorization, dict) and authorization.get("is_bot"):
            user = authorization.get("user_id")
            return str(user) if user else None
    return None


def _reply_in_foreign_thread(message: dict[str, Any], bot_user: str | None) -> bool:
    """A message that is no person's reply in a thread the bot started."""
    thread_ts = message.get("thread_ts")
    if not thread_ts or thread_ts == message.get("ts"):
        return True  # not in a thread, or a thread's first message
    if message.get("bot_id") or not message.get("user"):
        return True  # a bot's or an app's message
    parent = message.get("parent_user_id")
    # Without both ids Matchday cannot tell: it looks the thread up.
    return bool(parent and bot_user and parent != bot_user)


def ignored_message(body: dict[str, Any]) -> bool:
    """True for an event Matchday has nothing to do with (no database needed): one it has
    no listener for, or a message that is no reply in a thread of its own."""
    event = body.get("event")
    if body.get("type") != "event_callback" or not isinstance(event, dict):
        return False
    if event.get("type") not in USED_EVENTS:
        return True
    if event.get("type") != "message":
        return False
    subtype = event.get("subtype")
    bot_user = bot_user_of(body)
    if subtype == CHANNEL_CONVERTED:
        return False
    if subtype == "message_changed":
        changed = event.get("message")
        return not isinstance(changed, dict) or _reply_in_foreign_thread(changed, bot_user)
    if subtype not in REPLY_SUBTYPES:
        return True  # joins, leaves, topic changes, deletions, bot messages...
    return _reply_in_foreign_thread(event, bot_user)
