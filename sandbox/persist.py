"""Saving the sandbox's Slack workspace to a JSON file, so a restart keeps the demo.

Kept: people, conversations with their members, messages and threads, and each person's
App Home. Not kept, as in Slack: open modals, trigger ids, response URLs and ephemeral
messages, which do not survive a reload there either. The app's own data lives in the
app's database, never here.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sandbox.slack_state import BOT_USER_ID, Channel, JsonDict, User, Workspace

FORMAT = 1


def dump(workspace: Workspace, *, seeded: bool) -> JsonDict:
    """The workspace as JSON-ready data."""
    channels = []
    for channel in workspace.channels.values():
        data = asdict(channel)
        data["members"] = sorted(channel.members)
        channels.append(data)
    return {
        "format": FORMAT,
        "seeded": seeded,
        "users": [asdict(u) for u in workspace.users.values() if u.id != BOT_USER_ID],
        "channels": channels,
        "messages": workspace.messages,
        "home_views": workspace.home_views,
    }


def restore(workspace: Workspace, data: JsonDict) -> bool:
    """Fill an empty workspace from :func:`dump`'s data; returns whether it was seeded."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
    for raw in data.get("users", []):
        user = User(**raw)
        workspace.users[user.id] = user
    for raw in data.get("channels", []):
        fields: dict[str, Any] = dict(raw)
        fields["members"] = set(fields.get("members", []))
        channel = Channel(**fields)
        workspace.channels[channel.id] = channel
    for channel_id, messages in dict(data.get("messages", {})).items():
        workspace.messages[str(channel_id)] = list(messages)
    for user_id, view in dict(data.get("home_views", {})).items():
        workspace.home_views[str(user_id)] = dict(view)
    return bool(data.get("seeded"))


def load(path: Path) -> JsonDict | None:
    """The saved state, or None when there is none. Raises ValueError if it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a saved workspace")
    return data


def save(path: Path, data: JsonDict) -> None:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


class Saver:
    """Saves the workspace at most once a second while it changes, and once at the end."""

    def __init__(self, path: Path, snapshot: Any, interval: float = 1.0) -> None:
        self.path = path
        self._snapshot = snapshot  # () -> JsonDict, taken under the workspace's lock
        self._interval = interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-saver", daemon=True)

    def start(self) -> Saver:
        """Begin saving in the background."""
        self._thread.start()
        return self

    def mark(self) -> None:
        """Something changed; save it soon."""
        self._dirty.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if self._dirty.is_set():
                self._dirty.clear()
                save(self.path, self._snapshot())

    def stop(self) -> None:
        """Stop the thread and save one last time."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        save(self.path, self._snapshot())
