"""/healthz follows the database, the tick and the sender (a stopped tick means 503)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.background import AfterAck
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.health import judge
from storage.repositories import outbox

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_part_silent_for_more_than_three_minutes_is_unhealthy() -> None:
    fresh = {"tick": NOW - timedelta(minutes=1), "sender": NOW}
    assert judge(database=True, beats=fresh, expected=("sender", "tick"), now=NOW).healthy
    stale = {"tick": NOW - timedelta(minutes=4), "sender": NOW}
    health = judge(database=True, beats=stale, expected=("sender", "tick"), now=NOW)
    assert not health.healthy
    assert health.parts["tick"] == "silent for 240 s"
    assert not judge(database=True, beats={}, expected=("sender",), now=NOW).healthy
    assert judge(database=False, beats=fresh, expected=(), now=NOW).parts == {
        "database": "unreachable"
    }


@pytest.fixture
def deps(engine: Engine, sessions: sessionmaker[Session]) -> Iterator[Deps]:
    settings = load_settings(
        SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret", DATABASE_URL="sqlite://"
    )
    pool = AfterAck(workers=1)
    yield Deps(settings, engine, sessions, pool, FixedClock(NOW))
    pool.shutdown()


def _healthz(deps: Deps) -> tuple[str, dict[str, Any]]:
    from bot.web import make_wsgi

    seen: list[str] = []
    application = make_wsgi(_NoBolt(), deps)  # type: ignore[arg-type]
    body = b"".join(
        application(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
            lambda status, _headers: seen.append(status),
        )
    )
    return seen[0], json.loads(body)


class _NoBolt:
    """Health checks never reach Bolt."""


def test_healthz_says_503_when_the_tick_stops(deps: Deps) -> None:
    with deps.sessions.begin() as session:
        outbox.beat(session=session, name="tick", now=NOW)
        outbox.beat(session=session, name="sender", now=NOW)
    assert _healthz(deps)[0] == "200 OK"
    assert isinstance(deps.clock, FixedClock)
    deps.clock.advance(timedelta(minutes=2))
    with deps.sessions.begin() as session:
        outbox.beat(session=session, name="sender", now=deps.clock.now())
    assert _healthz(deps)[0] == "200 OK"
    deps.clock.advance(timedelta(minutes=2))  # the tick stopped; the sender still beats
    with deps.sessions.begin() as session:
        outbox.beat(session=session, name="sender", now=deps.clock.now())
    status, parts = _healthz(deps)
    assert status == "503 Service Unavailable"
    assert parts == {"database": "ok", "sender": "ok", "tick": "silent for 240 s"}


class _RefusingOnce:
    """A session factory whose first write fails, as a database restarting would."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.refused = False

    def begin(self) -> Any:
        if not self.refused:
            self.refused = True
            raise OSError("the database is restarting")
        return self.sessions.begin()


def test_a_sender_beat_that_failed_is_tried_again_the_next_round(deps: Deps) -> None:
    from slack_sdk import WebClient

    from worker.run import Worker

    refusing = _RefusingOnce(deps.sessions)
    flaky = Deps(deps.settings, deps.engine, refusing, deps.after_ack, deps.clock)  # type: ignore[arg-type]
    worker = Worker(flaky, WebClient(token="xoxb-test"), lambda _deps, _client: None)
    assert isinstance(deps.clock, FixedClock)
    deps.clock.advance(timedelta(hours=1))  # whatever an earlier test recorded is old now
    worker._sender_alive()  # refused: nothing recorded
    assert refusing.refused
    assert _healthz(deps)[1]["sender"] != "ok"
    worker._sender_alive()  # the next round, not thirty seconds later
    assert _healthz(deps)[1]["sender"] == "ok"
