"""Safe text for Slack: escape what users typed, cut to Slack's limits."""

from __future__ import annotations

import re

ELLIPSIS = "…"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def cut(text: str, limit: int) -> str:
    """Shorten plain text to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape &, < and > so user text can never become a mention, broadcast or link."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def safe(text: str, limit: int = 3000) -> str:
    """Escape user text for mrkdwn and cut it so the escaped result fits ``limit``.

    The cut never splits an escape sequence such as ``&amp;``.
    """
    pieces: list[str] = []
    length = 0
    for index, char in enumerate(text):
        piece = _ESCAPES.get(char, char)
        remaining = len(text) - index
        if length + len(piece) > limit or (length + len(piece) == limit and remaining > 1):
            return ("".join(pieces).rstrip() + ELLIPSIS)[: max(limit, 0)]
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces)


def user(user_id: str) -> str:
    """A mention of a Slack user, refusing anything that is not a user id."""
    if not USER_ID.match(user_id):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return f"<@{user_id}>"


def channel(channel_id: str) -> str:
    """A link to a Slack channel, refusing anything that is not a channel id."""
    if not _CHANNEL_ID.match(channel_id):
        raise ValueError(f"not a Slack channel id: {channel_id!r}")
    return f"<#{channel_id}>"


def date(epoch: int, fallback: str, layout: str = "{date_short_pretty} {time}") -> str:
    """A date Slack shows in each reader's own time zone."""
    return f"<!date^{epoch}^{layout}|{escape(fallback)}>"
