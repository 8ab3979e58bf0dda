"""Workspace state kept by the fake Slack server (:mod:`sandbox.slack_api`).

Plain data: users, conversations, stored messages, views, trigger ids, uploaded files
and response URLs, plus the small helpers that turn them into the shapes Slack's Web
API answers with. Nothing here is thread-safe on its own; :class:`FakeSlack` holds a
lock around every access.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BOT_USER_ID = "UMATCHBOT"
BOT_ID = "BMATCHBOT"
BOT_NAME = "matchday"
TEAM_ID = "T0FAKE"
TEAM_NAME = "Fake Workspace"
TEAM_DOMAIN = "fake"
APP_ID = "A0MATCHDAY"
WORKSPACE_URL = "https://fake.slack.test/"

JsonDict = dict[str, Any]


@dataclass
class User:
    """A workspace member as ``users.info`` describes it."""

    id: str
    name: str
    real_name: str
    tz: str = "Europe/Stockholm"
    locale: str = "en-US"
    is_bot: bool = False
    # profile.email, as Slack gives it to an app with users:read.email ("" or None: none).
    email: str | None = None
    is_restricted: bool = False  # a guest (multi-channel, or single-channel with the next)
    is_ultra_restricted: bool = False  # a single-channel guest
    team_id: str = TEAM_ID  # another team: a person from another organisation (Slack Connect)
    is_stranger: bool = False  # from an organisation that shares no channel with this one

    def to_api(self, *, include_locale: bool = False) -> JsonDict:
        """The ``user`` object of ``users.info``."""
        label, offset = _tz_info(self.tz)
        user: JsonDict = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": label,
            "tz_offset": offset,
            "profile": {
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.name,
                "display_name_normalized": self.name,
                "team": self.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_restricted": self.is_restricted or self.is_ultra_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1732700000,
        }
        if self.is_bot:
            user["profile"]["bot_id"] = BOT_ID
        if self.email and not self.is_bot:
            user["profile"]["email"] = self.email
        if self.is_stranger:
            user["is_stranger"] = True
        if include_locale:
            user["locale"] = self.locale
        return user


def _tz_info(tz: str) -> tuple[str, int]:
    """A zone's current abbreviation and UTC offset in seconds (``("UTC", 0)`` if unknown)."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC", 0
    offset = now.utcoffset()
    return now.tzname() or tz, int(offset.total_seconds()) if offset is not None else 0


@dataclass
class Channel:
    """A conversation: public or private channel, DM (``D…``) or group DM."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    archived: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    # Slack Connect (is_ext_shared) or shared between an Enterprise org's workspaces.
    is_shared: bool = False
    is_ext_shared: bool = False

    @property
    def bot_is_member(self) -> bool:
        """Whether the app's bot user belongs to the conversation."""
        return BOT_USER_ID in self.members

    def to_api(self) -> JsonDict:
        """The ``channel`` object of ``conversations.info``."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
                "is_open": True,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_mpim,
            "is_archived": self.archived,
            "is_general": False,
            "is_shared": self.is_shared or self.is_ext_shared,
            "is_ext_shared": self.is_ext_shared,
            "is_org_shared": False,
            "is_member": self.bot_is_member,
            "created": self.created,
            "creator": "",
            "context_team_id": TEAM_ID,
            "num_members": len(self.members),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class Trigger:
    """A trigger id handed out by :meth:`FakeSlack.issue_trigger_id`."""

    issued_at: float
    used: bool = False


@dataclass
class UploadedFile:
    """A file going through (or done with) the ``files.getUploadURLExternal`` flow."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def text(self) -> str:
        """The uploaded content decoded as UTF-8 (empty before the upload)."""
        return (self.content or b"").decode("utf-8", errors="replace")

    def to_api(self) -> JsonDict:
        """A ``file`` object as ``files.completeUploadExternal`` answers with."""
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": _mimetype(self.filename),
            "filetype": self.filename.rsplit(".", 1)[-1] if "." in self.filename else "text",
            "user": BOT_USER_ID,
            "user_team": TEAM_ID,
            "size": len(self.content or b""),
            "is_public": False,
            "url_private": f"{WORKSPACE_URL}files-pri/{TEAM_ID}-{self.id}/{self.filename}",
            "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{self.id}/{self.filename}",
            "channels": list(self.channels),
        }


def _mimetype(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "csv": "text/csv",
        "ics": "text/calendar",
        "json": "application/json",
        "pdf": "application/pdf",
        "png": "image/png",
        "txt": "text/plain",
    }.get(ext, "application/octet-stream")


@dataclass
class ResponseUrl:
    """A response URL handed out by :meth:`FakeSlack.new_response_url`."""

    id: str
    channel: str | None = None
    message_ts: str | None = None
    uses: int = 0


class Workspace:
    """Everything the fake remembers about one workspace."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[JsonDict]] = {}
        self.ephemerals: list[JsonDict] = []
        self.open_views: dict[str, JsonDict] = {}
        self.home_views: dict[str, JsonDict] = {}
        self.triggers: dict[str, Trigger] = {}
        self.files: dict[str, UploadedFile] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self._counter = itertools.count(1)
        self._last_ts_us = 0
        self.users[BOT_USER_ID] = User(BOT_USER_ID, BOT_NAME, "Matchday", is_bot=True)

    # ids and timestamps -------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as ``V00000000007``."""
        return f"{prefix}{next(self._counter):011d}"

    def next_ts(self) -> str:
        """A unique, strictly increasing message ts such as ``"1732700000.000100"``."""
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def new_trigger_id(self, issued_at: float) -> str:
        """Record and return a trigger id in Slack's ``"123.456.abcdef"`` shape."""
        trigger_id = f"{13345224600 + next(self._counter)}.738474920.{uuid.uuid4().hex[:21]}"
        self.triggers[trigger_id] = Trigger(issued_at)
        return trigger_id

    @staticmethod
    def new_hash() -> str:
        """A view hash such as ``"1732700000.1a2b3c4d"``."""
        return f"{int(time.time())}.{uuid.uuid4().hex[:8]}"

    # conversations ------------------------------------------------------------------
    def open_dm(self, user_id: str) -> Channel:
        """The DM between the bot and ``user_id`` (``D`` + the user id's tail), opened if new."""
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        dm_id = "D" + user_id[1:]
        while dm_id in self.channels:
            dm_id += "X"
        channel = Channel(dm_id, dm_id, {user_id, BOT_USER_ID}, is_private=True)
        channel.is_im, channel.im_user = True, user_id
        self.channels[dm_id] = channel
        self.messages.setdefault(dm_id, [])
        return channel

    def resolve(self, channel_id: str) -> Channel | None:
        """The conversation ``channel_id`` names; a user id (``U…``/``W…``) means its DM."""
        if channel_id in self.channels:
            return self.channels[channel_id]
        if channel_id[:1] in ("U", "W") and channel_id in self.users:
            return self.open_dm(channel_id)
        return None

    # messages -----------------------------------------------------------------------
    def find_message(self, channel_id: str, ts: str) -> JsonDict | None:
        """The stored message with ``ts`` in a conversation, if any."""
        for message in self.messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        return None

    def store_message(
        self,
        channel_id: str,
        *,
        user: str,
        text: str,
        blocks: list[Any] | None = None,
        thread_ts: str | None = None,
        metadata: JsonDict | None = None,
        extra: JsonDict | None = None,
    ) -> JsonDict:
        """Append a message to a conversation and return the stored dict."""
        message: JsonDict = {
            "type": "message",
            "ts": self.next_ts(),
            "thread_ts": thread_ts,
            "user": user,
            "text": text,
            "blocks": list(blocks or []),
            "metadata": metadata,
            "team": TEAM_ID,
        }
        if user == BOT_USER_ID:
            message.update(bot_id=BOT_ID, app_id=APP_ID)
        message.update(extra or {})
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def api_message(
        self, channel_id: str, message: JsonDict, *, include_metadata: bool = True
    ) -> JsonDict:
        """A stored message in the shape the history methods answer with."""
        out = {k: v for k, v in message.items() if v is not None and k != "metadata"}
        if not out.get("blocks"):
            out.pop("blocks", None)
        if include_metadata and message.get("metadata"):
            out["metadata"] = message["metadata"]
        replies = [
            m
            for m in self.messages.get(channel_id, [])
            if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]
        ]
        if replies:
            out["thread_ts"] = message["ts"]
            out["reply_count"] = len(replies)
            out["reply_users"] = sorted({m["user"] for m in replies})
            out["reply_users_count"] = len(out["reply_users"])
            out["latest_reply"] = replies[-1]["ts"]
        return out

    def apply_response(self, target: ResponseUrl, payload: JsonDict) -> None:
        """Show a response-URL reply in the conversation the URL belongs to, if any."""
        if target.channel is None:
            return
        channel_id = target.channel
        original = self.find_message(channel_id, target.message_ts) if target.message_ts else None
        if original is not None and _true(payload.get("delete_original")):
            self.messages[channel_id].remove(original)
        elif original is not None and _true(payload.get("replace_original")):
            original.update(text=payload.get("text", ""), blocks=payload.get("blocks") or [])
        elif payload.get("response_type") == "in_channel":
            self.store_message(
                channel_id,
                user=BOT_USER_ID,
                text=payload.get("text", ""),
                blocks=payload.get("blocks"),
                thread_ts=payload.get("thread_ts"),
            )
        else:
            self.ephemerals.append(
                {
                    "channel": channel_id,
                    "user": None,
                    "ts": self.next_ts(),
                    "text": payload.get("text", ""),
                    "blocks": payload.get("blocks") or [],
                    "thread_ts": payload.get("thread_ts"),
                }
            )


def _true(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
