"""Text as typed: unescaped once on the way in from Slack, escaped once on the way out.

* ``from_slack`` turns a message's text (which Slack delivers escaped) into what the person
  typed: mentions of people and channels stay, broadcasts become plain words.
* ``safe`` escapes user text for mrkdwn exactly once (``mentions=True`` keeps the people and
  channel mentions that ``from_slack`` kept); ``inline`` also keeps the text from changing
  the app's own *bold*, _italic_, ~strike~ or `code` around it.
* ``plain_text`` objects show text literally and ping nobody: user text goes there as is.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
ERASED_PERSON = re.compile(r"^erased-[0-9a-f]{6}$")  # the pseudonym of an erased person
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
# What Slack puts between < and > in a message: mentions, channel links, broadcasts, links.
_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
# Mentions kept as mentions: a person, or a channel with or without its name.
_MENTION = re.compile(r"<(?:@[UW][A-Z0-9]{2,}|#[CG][A-Z0-9]{2,}(?:\|[\w.-]{1,80})?)>")
_BROADCASTS = {"channel", "here", "everyone"}
# Control characters (and lone surrogates) a person cannot mean; tab and newline are kept.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Look-alikes shown instead of the characters that would start or end mrkdwn emphasis.
_EMPHASIS = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})


def cut(text: str, limit: int) -> str:
    """Shorten plain text to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape &, < and > so user text can never become a mention, broadcast or link."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def from_slack(raw: str) -> str:
    """The text a person typed, from a message's text as Slack delivers it (escaped once).

    ``&amp;``, ``&lt;`` and ``&gt;`` become ``&``, ``<`` and ``>`` again; mentions of people
    and channels stay as they are so they are mentions when shown again; ``<!channel>``,
    ``<!here>``, ``<!everyone>`` and user groups become plain "@channel" words; links become
    their address (with the label in front when it differs); control characters go.
    """
    parts: list[str] = []
    position = 0
    for found in _TOKEN.finditer(raw):
        parts.append(_unescape(raw[position : found.start()]))
        parts.append(_from_token(found.group(0), found.group(1)))
        position = found.end()
    parts.append(_unescape(raw[position:]))
    return CONTROL.sub("", "".join(parts))


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda found: {"amp": "&", "lt": "<", "gt": ">"}[found.group(1)], text)


def _from_token(token: str, inside: str) -> str:
    if _MENTION.fullmatch(token):
        return token
    target, _bar, label = inside.partition("|")
    label = _unescape(label)
    if target.startswith("@"):  # a person, with the name some clients add: kept a mention
        return f"<{target}>" if USER_ID.match(target[1:]) else label or target
    if target.startswith("#"):
        return "#" + label if label else target
    if target.startswith("!"):
        word = target[1:]
        if word in _BROADCASTS:
            return "@" + word
        if word.startswith("subteam^"):
            return label if label.startswith("@") else "@" + (label or "group")
        return label or "@" + word.split("^", 1)[0]
    address = _unescape(target)
    return address if not label or label == address else f"{label} ({address})"


def safe(text: str, limit: int = 3000, *, mentions: bool = False) -> str:
    """Escape user text for mrkdwn and cut it so the escaped result fits ``limit``.

    With ``mentions``, mentions of people and channels kept by ``from_slack`` stay mentions;
    everything else, including a typed ``<!channel>``, shows literally. The cut never splits
    an escape sequence such as ``&amp;`` or a mention.
    """
    pieces: list[str] = []
    length = 0
    escaped = _pieces(text, mentions)
    for index, piece in enumerate(escaped):
        remaining = len(escaped) - index
        if length + len(piece) > limit or (length + len(piece) == limit and remaining > 1):
            return ("".join(pieces).rstrip() + ELLIPSIS)[: max(limit, 0)]
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces)


def pieces(text: str, limit: int = 3000, *, mentions: bool = False) -> list[str]:
    """The whole of ``text`` escaped like ``safe``, in pieces that each fit ``limit``.

    For showing a long text in full over several sections: nothing is cut, and no escape
    sequence or mention is split between two pieces.
    """
    found: list[str] = []
    current = ""
    for piece in _pieces(text, mentions):
        if current and len(current) + len(piece) > limit:
            found.append(current)
            current = ""
        current += piece
    return [*found, current] if current else found


def inline(text: str, limit: int = 3000) -> str:
    """User text placed inside the app's own formatting, such as a title in ``*…*``.

    Escaped like ``safe``, and the emphasis characters * _ ~ ` are shown as look-alikes so
    they can neither end the app's bold nor start formatting of their own.
    """
    return safe(text.translate(_EMPHASIS), limit)


def _pieces(text: str, mentions: bool) -> list[str]:
    """The escaped pieces of ``text``: one per character, or one per kept mention."""
    if not mentions:
        return [_ESCAPES.get(char, char) for char in text]
    pieces: list[str] = []
    position = 0
    for found in _MENTION.finditer(text):
        pieces.extend(_ESCAPES.get(char, char) for char in text[position : found.start()])
        pieces.append(found.group(0))
        position = found.end()
    pieces.extend(_ESCAPES.get(char, char) for char in text[position:])
    return pieces


def user(user_id: str) -> str:
    """A mention of a Slack user, refusing anything that is not a user id.

    An erased person's pseudonym (bot/privacy.py) is shown as it is: nobody to mention.
    """
    if ERASED_PERSON.match(user_id):
        return user_id
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
