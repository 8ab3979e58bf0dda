"""Finding a message Matchday posted, by the outbox key in its metadata.

The proof that a message was not posted before it is posted again: after a crash or a lost
answer the sender looks here first, as check-ins do.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

OUTBOX_EVENT = "matchday_message"
PAGE = 200
PAGES = 5


def with_key(args: dict[str, Any], key: str) -> dict[str, Any]:
    """The call's arguments with the key in the message's metadata."""
    metadata = args.get("metadata")
    if isinstance(metadata, dict) and metadata.get("event_type"):
        payload = dict(metadata.get("event_payload") or {})
        payload["outbox_key"] = key
        return {**args, "metadata": {**metadata, "event_payload": payload}}
    return {**args, "metadata": {"event_type": OUTBOX_EVENT, "event_payload": {"key": key}}}


def _has_key(message: dict[str, Any], key: str) -> bool:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    return key in (payload.get("key"), payload.get("outbox_key"))


def conversation_of(client: WebClient, channel: str) -> str:
    """The conversation id to read: a person's id becomes the DM with them."""
    if channel[:1] in ("U", "W"):
        opened = client.conversations_open(users=channel)
        return str((opened.get("channel") or {}).get("id") or channel)
    return channel


def find_posted(
    client: WebClient, channel: str, key: str, thread_ts: str | None = None
) -> tuple[str, str] | None:
    """(conversation, ts) of the message carrying this key, or None when it is not there.

    The newest thousand messages are searched: far beyond any crash window, and independent
    of clocks (the sandbox moves the app's time, not Slack's). Raises the client's errors
    when Slack cannot be asked (the caller tries again later).
    """
    conversation = conversation_of(client, channel)
    cursor = None
    for _page in range(PAGES):
        if thread_ts:
            response = client.conversations_replies(
                channel=conversation,
                ts=thread_ts,
                limit=PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
        else:
            response = client.conversations_history(
                channel=conversation,
                limit=PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
        for message in response.get("messages") or []:
            if _has_key(message, key):
                return conversation, str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            break
    return None
