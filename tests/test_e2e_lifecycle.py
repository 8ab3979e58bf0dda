"""When Slack cannot receive: uninstall and reinstall, an archived channel, a deleted one.

Driven as Slack drives the app: signed events to `matchday serve`, whose sender works
against the fake Slack. Messages are owed through the outbox as any use case owes them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox.slack_api import FakeSlack
from storage.models import OutboxRow
from storage.repositories import outbox
from tests.e2e import ADMIN, BOT_TOKEN, ServerProcess, Workspace

ACTOR = "UPM0000001"


def _owe(sessions: sessionmaker[Session], key: str, channel: str, text: str) -> None:
    with sessions.begin() as session:
        outbox.post(
            session=session,
            key=key,
            kind="notice",
            channel=channel,
            message={"text": text},
            now=datetime.now(UTC),
            actor=ACTOR,
        )


def _status(sessions: sessionmaker[Session], key: str) -> str:
    with sessions() as session:
        row = session.scalar(select(OutboxRow).where(OutboxRow.key == key))
        assert row is not None
        return row.status


def _wait_status(sessions: sessionmaker[Session], key: str, status: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while _status(sessions, key) != status:
        assert time.monotonic() < deadline, f"{key} stayed {_status(sessions, key)}"
        time.sleep(0.05)


def _texts(slack: FakeSlack, channel: str) -> list[str]:
    return [message["text"] for message in slack.messages(channel)]


def test_an_archived_channel_holds_its_messages_until_it_is_unarchived(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slack.add_channel("C0ARCH", "archived-soon", members=[ACTOR])
    slack.workspace.channels["C0ARCH"].archived = True
    assert workspace.event({"type": "channel_archive", "channel": "C0ARCH", "user": ACTOR}).status
    _owe(sessions, "arch:1", "C0ARCH", "waits for the channel")
    _wait_status(sessions, "arch:1", "held")
    assert _texts(slack, "C0ARCH") == []
    # The person who acted learns that it waits (not that it is lost), once.
    workspace.wait_post(ACTOR, "waits and is sent if the channel is unarchived", timeout=10)
    slack.workspace.channels["C0ARCH"].archived = False
    workspace.event({"type": "channel_unarchive", "channel": "C0ARCH", "user": ACTOR})
    _wait_status(sessions, "arch:1", "sent")
    assert _texts(slack, "C0ARCH") == ["waits for the channel"]
    assert len(_texts(slack, ACTOR)) == 1


def test_a_deleted_channel_fails_what_was_owed_and_tells_the_person_who_acted(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slack.add_channel("C0GONE", "gone-soon", members=[ACTOR], archived=True)
    workspace.event({"type": "channel_archive", "channel": "C0GONE", "user": ACTOR})
    _owe(sessions, "gone:1", "C0GONE", "never arrives")
    _wait_status(sessions, "gone:1", "held")
    workspace.event({"type": "channel_deleted", "channel": "C0GONE"})
    _wait_status(sessions, "gone:1", "failed")
    workspace.wait_post(ACTOR, "could not deliver", timeout=10)


def test_uninstall_then_reinstall_sends_nothing_between_and_loses_nothing(
    slack: FakeSlack, sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    slack.add_user(ADMIN, "admin")
    slack.add_user(ACTOR, "actor")
    slack.add_channel("C0LIFE", "life", members=[ACTOR])
    server = ServerProcess(database_url, slack.api_url, tmp_path / "s.log").start()
    ws = Workspace(server, slack)
    try:
        ws.event({"type": "app_uninstalled"})
        slack.bot_token = "xoxb-revoked"  # Slack no longer takes the old token
        _owe(sessions, "life:1", "C0LIFE", "owed while away")
        _wait_status(sessions, "life:1", "held")
        _owe(sessions, "life:2", "C0LIFE", "also owed while away")
        _wait_status(sessions, "life:2", "held")
    finally:
        server.stop()
    assert _texts(slack, "C0LIFE") == []
    slack.bot_token = BOT_TOKEN  # installed again
    server = ServerProcess(database_url, slack.api_url, tmp_path / "s2.log").start()
    try:
        _wait_status(sessions, "life:1", "sent")
        _wait_status(sessions, "life:2", "sent")
        Workspace(server, slack).wait_post(ADMIN, "is back now", timeout=10)
    finally:
        server.stop()
    assert sorted(_texts(slack, "C0LIFE")) == ["also owed while away", "owed while away"]
