"""The production layout: `matchday serve --no-worker` beside `matchday worker`, one PostgreSQL.

The web process only answers Slack and writes what is owed; the worker sends it. With the
worker stopped nothing is sent and nothing is lost; started again, it sends what waited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from sandbox.slack_api import FakeSlack
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.repositories import outbox
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.e2e import ADMIN, BOT_TOKEN, SIGNING_SECRET, ServerProcess


class WorkerProcess:
    """`matchday worker` as an operator starts it."""

    def __init__(self, database_url: str, api_url: str, log: Path) -> None:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "MATCHDAY_ADMINS": ADMIN,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker"],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        """SIGTERM, as a deploy stops it."""
        self.process.terminate()
        self.process.wait(timeout=20)


def _owe(sessions: sessionmaker[Session], key: str, text: str) -> None:
    with sessions.begin() as session:
        outbox.post(
            session=session,
            key=key,
            kind="notice",
            channel="C0LAYOUT",
            message={"text": text},
            now=datetime.now(UTC),
        )


def _wait_text(slack: FakeSlack, text: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while text not in [m["text"] for m in slack.messages("C0LAYOUT")]:
        assert time.monotonic() < deadline, f"{text!r} never arrived"
        time.sleep(0.05)


def test_web_processes_without_a_worker_and_a_worker_beside_them(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.add_channel("C0LAYOUT", "layout")
    name, url = _create_postgres_database()
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine, SystemClock())
    worker = WorkerProcess(url, fake_slack.api_url, tmp_path / "worker.log")
    web = None
    try:
        _owe(sessions, "layout:1", "sent by the worker")
        _wait_text(fake_slack, "sent by the worker")
        web = ServerProcess(url, fake_slack.api_url, tmp_path / "web.log", MATCHDAY_WORKER="false")
        web.start()  # healthy: the worker's heartbeats are in the database
        with urllib.request.urlopen(web.url + "/healthz", timeout=5) as response:
            assert json.loads(response.read()) == {"database": "ok", "sender": "ok", "tick": "ok"}
        worker.stop()
        _owe(sessions, "layout:2", "waits for a worker")
        time.sleep(1.5)  # the web process has no sender: nothing may go out
        assert "waits for a worker" not in [m["text"] for m in fake_slack.messages("C0LAYOUT")]
        worker = WorkerProcess(url, fake_slack.api_url, tmp_path / "worker2.log")
        _wait_text(fake_slack, "waits for a worker")
    finally:
        worker.stop()
        if web is not None:
            web.stop()
        engine.dispose()
        _drop_postgres_database(name)
    texts = [m["text"] for m in fake_slack.messages("C0LAYOUT")]
    assert sorted(texts) == ["sent by the worker", "waits for a worker"]
