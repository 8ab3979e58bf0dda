"""The sandbox's Slack: :class:`FakeSlack` plus what a person-facing Slack must know.

FakeSlack answers the app's Web API calls as Slack does. The sandbox adds, without changing
it: whose modal, response URL and ephemeral message is whose (so each demo person sees only
their own), message timestamps on the sandbox's movable clock, a change counter that the
page long-polls, a bounded activity log of everything the app did, and the page's own
routes on the same port (``/api/`` stays Slack's Web API).
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.clock import Clock
from sandbox.slack_api import Call, FakeSlack
from sandbox.slack_http import Reply, RequestTarget
from sandbox.slack_state import BOT_USER_ID, JsonDict, Workspace

SLACK_ROUTES = ("api", "upload", "response")
MAX_CALLS = 400  # the sandbox runs for hours; recorded calls are only kept for the log
MAX_ACTIVITY = 200
MAX_POLL_WAIT = 25.0
MAX_HANDED_OUT = 500  # trigger ids, response URLs and modal owners remembered


class SandboxWorkspace(Workspace):
    """A workspace whose message timestamps follow the sandbox's clock."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._now = now
        self._last_us = 0

    def next_ts(self) -> str:
        """A unique, increasing ts on the sandbox's clock (which may run ahead of real time)."""
        now_us = int(self._now().timestamp() * 1_000_000)
        self._last_us = max(now_us, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        """A fresh id that no restored conversation or App Home view already uses."""
        taken = set(self.channels) | {str(v.get("id")) for v in self.home_views.values()}
        candidate = super().new_id(prefix)
        for _attempt in range(len(taken) + 1):
            if candidate not in taken:
                break
            candidate = super().new_id(prefix)
        return candidate


@dataclass(frozen=True)
class UrlOwner:
    """Who a response URL answers, and which ephemeral message it may replace."""

    user: str
    channel: str | None
    thread_ts: str | None = None
    ephemeral_ts: str | None = None


class SandboxSlack(FakeSlack):
    """FakeSlack with owners, a movable clock, a change counter and an activity log."""

    def __init__(self, port: int, *, clock: Clock, bot_token: str) -> None:
        super().__init__(port, bot_token=bot_token)
        self.clock = clock
        self.workspace = SandboxWorkspace(clock.now)
        self._methods = self._new_methods()
        self.page: RequestTarget | None = None
        self.trigger_owner: dict[str, str] = {}
        self.view_owner: dict[str, str] = {}
        self.url_owner: dict[str, UrlOwner] = {}
        self.view_errors: dict[str, dict[str, str]] = {}
        self.activity: deque[JsonDict] = deque(maxlen=MAX_ACTIVITY)
        self.status: JsonDict = {"app": "starting", "app_detail": "", "seed": "waiting"}
        self.version = 0
        self.on_change: list[Callable[[], None]] = []  # e.g. the saver
        self._changed = threading.Condition()

    @property
    def lock(self) -> threading.RLock:
        """The lock around the workspace; hold it while reading live state."""
        return self._lock

    def store_bot_message(self, channel: str, message: JsonDict, thread_ts: str | None) -> None:
        """Show a message from the app in a channel (an ``in_channel`` acknowledgement)."""
        with self._lock:
            self.workspace.store_message(
                channel,
                user=BOT_USER_ID,
                text=str(message.get("text", "")),
                blocks=message.get("blocks"),
                thread_ts=thread_ts,
            )
        self.changed()

    def reset(self) -> None:
        """Forget everything, keeping the sandbox's clock."""
        super().reset()
        with self._lock:
            self.workspace = SandboxWorkspace(self.clock.now)
            self._methods = self._new_methods()
            self.view_errors.clear()
            self.activity.clear()
        self.changed()

    # changes and the page's long poll ---------------------------------------------------
    def changed(self) -> None:
        """Tell waiting pages that something changed."""
        with self._changed:
            self.version += 1
            self._changed.notify_all()
        for listener in self.on_change:
            listener()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Wait until the version passes ``since`` (at most ``timeout`` s); return it."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > since, min(timeout, MAX_POLL_WAIT))
            return self.version

    def set_status(self, **fields: str) -> None:
        """Update the app/seed status the page shows."""
        with self._lock:
            self.status.update(fields)
        self.changed()

    def log(self, direction: str, what: str, ok: bool = True, detail: str = "") -> None:
        """Add a line to the activity log ("to app", "from app" or "sandbox")."""
        entry = {
            "at": self.clock.now().isoformat(timespec="seconds"),
            "dir": direction,
            "what": what,
            "ok": ok,
            "detail": detail[:2000],
        }
        with self._lock:
            self.activity.append(entry)
        self.changed()

    # ids handed to the app on a person's behalf -----------------------------------------
    def trigger_for(self, user: str) -> str:
        """A fresh trigger id whose modals will belong to ``user``."""
        with self._lock:
            trigger = self.issue_trigger_id()
            self.trigger_owner[trigger] = user
            _trim(self.trigger_owner)
            _trim(self.workspace.triggers)
            return trigger

    def response_url_for(
        self,
        user: str,
        channel: str | None,
        *,
        message_ts: str | None = None,
        thread_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> str:
        """A response URL whose ephemeral replies only ``user`` sees."""
        with self._lock:
            url = self.new_response_url(channel, message_ts)
            url_id = url.rsplit("/", 1)[-1]
            self.url_owner[url_id] = UrlOwner(user, channel, thread_ts, ephemeral_ts)
            _trim(self.url_owner)
            _trim(self.workspace.response_urls)
            return url

    def add_ephemeral(
        self, channel: str, user: str, message: JsonDict, *, thread_ts: str | None = None
    ) -> JsonDict:
        """Show ``user`` an ephemeral message (an acknowledgement or a sandbox error)."""
        with self._lock:
            entry: JsonDict = {
                "channel": channel,
                "user": user,
                "ts": self.workspace.next_ts(),
                "text": str(message.get("text", "")),
                "blocks": list(message.get("blocks") or []),
                "thread_ts": thread_ts,
            }
            if message.get("sandbox_error"):
                entry["sandbox_error"] = True
            self.workspace.ephemerals.append(entry)
        self.changed()
        return entry

    def dismiss_ephemeral(self, user: str, ts: str) -> None:
        """Remove one of ``user``'s ephemeral messages."""
        with self._lock:
            self.workspace.ephemerals[:] = [
                e for e in self.workspace.ephemerals if not (e["user"] == user and e["ts"] == ts)
            ]
        self.changed()

    # Slack's routes, with the sandbox's bookkeeping -----------------------------------------
    def handle_request(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Serve Slack's routes through FakeSlack and every other route through the page."""
        route = urlsplit(path).path.lstrip("/").partition("/")[0]
        if route not in SLACK_ROUTES:
            if self.page is None:
                return Reply.text(404, "not_found")
            return self.page.handle_request(path, headers, body)
        with self._lock:
            if len(self._calls) > MAX_CALLS:
                self.reset_calls()
            seen = len(self._calls)
            ephemerals = len(self.workspace.ephemerals)
            reply = super().handle_request(path, headers, body)
            for call in self.calls[seen:]:
                self._after_call(call, path, ephemerals)
        self.changed()
        return reply

    def _after_call(self, call: Call, path: str, ephemerals_before: int) -> None:
        if call.method in ("views.open", "views.push") and call.succeeded:
            owner = self.trigger_owner.pop(str(call.args.get("trigger_id", "")), None)
            view = call.response.get("view") or {}
            if owner and view.get("id"):
                self.view_owner[str(view["id"])] = owner
                _trim(self.view_owner)
        if call.method == "response_url":
            url_owner = self.url_owner.get(urlsplit(path).path.rsplit("/", 1)[-1])
            if url_owner is not None:
                self._own_ephemerals(url_owner, call.args, ephemerals_before)
        self.activity.append(_activity(call, self))

    def _own_ephemerals(self, owner: UrlOwner, payload: JsonDict, before: int) -> None:
        """Give new response-URL ephemerals their reader; replace/delete a targeted one."""
        added = self.workspace.ephemerals[before:]
        for entry in added:
            entry["user"] = entry["user"] or owner.user
            entry["thread_ts"] = entry.get("thread_ts") or owner.thread_ts
        if owner.ephemeral_ts is None:
            return
        target = next((e for e in self.workspace.ephemerals if e["ts"] == owner.ephemeral_ts), None)
        replace = _true(payload.get("replace_original"))
        delete = _true(payload.get("delete_original"))
        if target is None or not (replace or delete):
            return
        del self.workspace.ephemerals[before:]
        if delete:
            self.workspace.ephemerals.remove(target)
        elif added:
            target.update(text=added[-1]["text"], blocks=added[-1]["blocks"])

    # what one person sees ---------------------------------------------------------------
    def snapshot(self, user: str) -> JsonDict:
        """Everything the page shows to ``user``, as plain JSON data."""
        with self._lock:
            ws = self.workspace
            dm = ws.open_dm(user) if user in ws.users else None
            channels: list[JsonDict] = [
                {
                    "id": c.id,
                    "name": c.name,
                    "is_private": c.is_private,
                    "member": user in c.members,
                    "bot_member": c.bot_is_member,
                }
                for c in ws.channels.values()
                if not (c.is_im or c.is_mpim)
            ]
            visible = [str(c["id"]) for c in channels if c["member"]] + ([dm.id] if dm else [])
            return copy.deepcopy(
                {
                    "people": [
                        {"id": u.id, "name": u.name, "real_name": u.real_name, "tz": u.tz}
                        for u in ws.users.values()
                        if u.id != BOT_USER_ID
                    ],
                    "channels": channels,
                    "dm": dm.id if dm else None,
                    "messages": {cid: ws.messages.get(cid, []) for cid in visible},
                    "ephemerals": [e for e in ws.ephemerals if e["user"] == user],
                    "modal": self._modal_stack(user),
                    "home": ws.home_views.get(user),
                    "activity": list(self.activity)[-100:],
                    "status": dict(self.status),
                }
            )

    def _modal_stack(self, user: str) -> list[JsonDict]:
        """The user's open modals, root first, each with its field errors."""
        mine = [
            v for v in self.workspace.open_views.values() if self.view_owner.get(v["id"]) == user
        ]
        if not mine:
            return []
        stack: list[JsonDict] = []
        cursor: JsonDict | None = mine[-1]
        for _depth in range(len(mine)):
            if cursor is None:
                break
            stack.insert(0, {**cursor, "errors": self.view_errors.get(cursor["id"], {})})
            cursor = self.workspace.open_views.get(cursor.get("previous_view_id") or "")
        return stack

    def views_of(self, user: str) -> list[JsonDict]:
        """The user's open modals, root first (live objects: hold the lock)."""
        return [
            v for v in self.workspace.open_views.values() if self.view_owner.get(v["id"]) == user
        ]


def _trim(entries: dict[str, Any], keep: int = MAX_HANDED_OUT) -> None:
    """Forget the oldest ids handed out (Slack's expire within minutes anyway)."""
    for key in list(entries)[: max(0, len(entries) - keep)]:
        del entries[key]


def _true(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _activity(call: Call, slack: SandboxSlack) -> JsonDict:
    """One activity-log line for a Web API call or response-URL post by the app."""
    args = call.args
    where = str(args.get("channel") or args.get("user_id") or "")
    channel = slack.workspace.channels.get(where)
    target = f" {where}" if where else ""
    if channel is not None and not channel.is_im:
        target = f" #{channel.name}"
    reader = slack.workspace.users.get(channel.im_user or "" if channel else where)
    if reader is not None:
        target = f" {'Home of' if call.method == 'views.publish' else 'DM to'} @{reader.name}"
    if call.method == "response_url":
        kind = "replace_original" if _true(args.get("replace_original")) else None
        kind = kind or ("delete_original" if _true(args.get("delete_original")) else None)
        target = " " + (kind or str(args.get("response_type") or "ephemeral"))
    view = args.get("view")
    if isinstance(view, dict) and isinstance(view.get("title"), dict):
        target += f" “{view['title'].get('text', '')}”"
    ok = call.succeeded or (call.method in ("response_url", "file_upload") and call.status == 200)
    detail = "" if ok else str(call.error or call.response.get("error") or f"HTTP {call.status}")
    extra = call.response.get("response_metadata")
    if not ok and isinstance(extra, dict) and extra.get("messages"):
        detail += ": " + "; ".join(str(m) for m in extra["messages"])
    return {
        "at": slack.clock.now().isoformat(timespec="seconds"),
        "dir": "from app",
        "what": call.method + target,
        "ok": ok,
        "detail": detail,
    }
