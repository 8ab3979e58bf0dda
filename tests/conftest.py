"""Shared fixtures: both databases, the fake Slack, and `matchday serve` under test."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, bindparam, delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from sandbox.slack_api import FakeSlack
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base, InboxRow, OutboxRow, OutboxStatus
from storage.models.base import UtcDateTime
from tests.e2e import ADMIN, ServerProcess, SplitServerProcess, Workspace

# The demo people of the end-to-end tests.
PEOPLE = {
    ADMIN: "programme.admin",
    "UPM0000001": "project.manager",
    "UBUYER0001": "buyer",
    "UTECH00001": "product.manager",
    "UOTHER0001": "other.org.member",
    "UREP000001": "startup.rep",
    "UREP000002": "other.startup.rep",
    "UNOBODY001": "stranger",
}

# Who sits in each organisation's private channel: its project group's people and the admin.
ORG_PEOPLE = [ADMIN, "UPM0000001", "UBUYER0001"]
REGION_PEOPLE = [ADMIN, "UOTHER0001"]

# PostgreSQL tests never skip: if this server is down the suite fails, loudly.
POSTGRES_SERVER = os.environ.get(
    "MATCHDAY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _create_postgres_database() -> tuple[str, str]:
    name = f"matchday_test_{uuid.uuid4().hex[:10]}"
    server = make_url(POSTGRES_SERVER)
    try:
        with psycopg.connect(
            host=server.host,
            port=server.port or 5432,
            user=server.username,
            password=server.password,
            dbname=server.database or "postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL at {server.render_as_string(hide_password=True)} is not reachable "
            f"({error}); start it (see README) — PostgreSQL tests are never skipped.",
            pytrace=False,
        )
    return name, server.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(name: str) -> None:
    server = make_url(POSTGRES_SERVER)
    with psycopg.connect(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname=server.database or "postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(kind: str, folder: Path, *, migrated: bool = True) -> Iterator[str]:
    """A new database of this kind (a file in ``folder``, or a scratch PostgreSQL database
    dropped afterwards), migrated to head by Alembic (not create_all) unless not ``migrated``."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'matchday.db'}"
        if migrated:
            upgrade(url)
        yield url
        return
    name, url = _create_postgres_database()
    if migrated:
        upgrade(url)
    yield url
    _drop_postgres_database(name)


@pytest.fixture(params=BACKENDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, for tests of the inbox: the shared test server's worker
    sweeps the shared database's inbox and would take what such a test keeps there."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def own_engine(own_database: str) -> Iterator[Engine]:
    """An engine on ``own_database``."""
    engine = make_engine(own_database)
    yield engine
    engine.dispose()


@pytest.fixture
def own_sessions(own_engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``own_database``."""
    return make_session_factory(own_engine, SystemClock())


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database of each kind, shared by the tests of a process."""
    yield from fresh_database(request.param, tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory; every table is emptied after the test."""
    yield make_session_factory(engine, SystemClock())  # test data stamped at real time
    _let_the_server_finish(engine)
    _empty_tables(engine)


def _let_the_server_finish(engine: Engine, seconds: float = 5.0) -> None:
    """Wait (a little) until the shared server has handled what the test left in its inbox
    and sent what the test left due now.

    Otherwise what it handles or sends after the tables were emptied (a click a test sent
    without waiting for its effect, an admin's card refreshed by a task) would write into
    the next test's database or reach the fake Slack during the next test.
    """
    busy = (
        select(func.count())
        .select_from(OutboxRow)
        .where(
            OutboxRow.status.in_((OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)),
            OutboxRow.due_at <= bindparam("now", type_=UtcDateTime()),
        )
    )
    waiting = select(func.count()).select_from(InboxRow)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if not connection.scalar(waiting) and not connection.scalar(
                busy, {"now": datetime.now(UTC)}
            ):
                return
        time.sleep(0.05)


def _empty_tables(engine: Engine, attempts: int = 5) -> None:
    """Delete every row but the running servers' heartbeats.

    A server's sender may be marking outbox rows sent at this very moment: on PostgreSQL the
    outbox is locked first (so the two never deadlock), and any conflict is tried again.
    """
    for attempt in range(attempts):
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    connection.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
                for table in reversed(Base.metadata.sorted_tables):
                    if table.name != "heartbeats":  # the servers' own liveness, not test data
                        connection.execute(delete(table))
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    """The local stand-in for Slack's Web API, over real HTTP."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    """The fake Slack, reset before each test."""
    fake_slack.reset()
    return fake_slack


@pytest.fixture(scope="session")
def server(
    database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """`matchday serve` against this database and the fake Slack."""
    log = tmp_path_factory.mktemp("server") / "matchday.log"
    # No scheduler tick in the shared server: tests run the tick themselves on their own
    # clock, and a tick in the background (the weekly digest of a database the tests keep
    # emptying, the half-hourly channel checks) would send into other tests' fake Slack.
    # Production's shape: clicks and events go through the inbox to a worker process
    # (tests/test_e2e_crash.py and others start `serve` with its worker inside).
    process = SplitServerProcess(
        database_url, fake_slack.api_url, log, MATCHDAY_SCHEDULER="false"
    ).start()
    yield process
    process.stop()


@pytest.fixture
def workspace(
    server: ServerProcess, slack: FakeSlack, sessions: sessionmaker[Session]
) -> Workspace:
    """A demo workspace in the fake Slack, and a driver that acts in it as people would."""
    for user_id, name in PEOPLE.items():
        slack.add_user(user_id, name)
    # The organisations' channels are private and hold their project groups (and the admin),
    # as Matchday requires of a group channel; the opportunities channel is public.
    slack.add_channel("C0ORG", "sodertalje-projekt", members=ORG_PEOPLE, is_private=True)
    slack.add_channel("C0REGION", "region-projekt", members=REGION_PEOPLE, is_private=True)
    slack.add_channel("C0OPPS", "opportunities", members=list(PEOPLE))
    slack.add_channel("C0NOBOT", "no-bot-here", members=list(PEOPLE), bot_member=False)
    return Workspace(server, slack)
