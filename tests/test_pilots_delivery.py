"""Posting check-ins from the scheduler's due work, against the fake Slack, on both databases.

Each test drives :func:`handlers.checkins.post_due_checkins` in-process with a FixedClock, the
way the scheduler's tick calls it: downtime, crashes, Slack's 429s, 5xx and permanent errors,
and two processes racing for the same check-ins.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import make_client, new_deps
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.pilots import CHECKIN_EVENT, occurrence
from bot.views.checkins import build_checkin, checkin_metadata
from handlers.checkins import LEASE, post_due_checkins
from sandbox.slack_api import FakeSlack
from storage.models import CheckinRow, PilotRow
from storage.repositories import checkins, languages
from tests.e2e import ADMIN, BOT_TOKEN
from tests.test_pilots_storage import MONDAY, first_checkin, seed_pilot

PM, REP = "UPM0000001", "UREP000001"
DUE = datetime(2038, 1, 4, 9, 0, tzinfo=UTC)  # Monday 10:00 in Stockholm


@dataclass
class Runner:
    """The scheduler's side of the app, in this process, on a clock the test moves."""

    deps: Deps
    client: WebClient
    clock: FixedClock
    fake: FakeSlack

    def post(self, at: datetime) -> int:
        self.clock.set(at)
        return post_due_checkins(self.deps, self.client)


def english(session, pilot) -> None:
    """These tests read English texts; a municipality reads Swedish unless it chooses."""
    languages.set_organisation_language(
        session=session, actor="UADMIN0001", organisation_id=pilot.organisation_id, language="en"
    )


def deps_for(database_url: str, api_url: str, clock: FixedClock) -> tuple[Deps, WebClient]:
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=api_url,
        MATCHDAY_ADMINS=ADMIN,
    )
    return replace(new_deps(settings), clock=clock), make_client(settings)


@pytest.fixture
def runner(
    database_url: str, slack: FakeSlack, sessions: sessionmaker[Session]
) -> Iterator[Runner]:
    for user_id, name in ((PM, "pm"), (REP, "rep"), (ADMIN, "admin")):
        slack.add_user(user_id, name)
    slack.add_channel("C0PILOT", "pilot-sensors", members=[PM, REP])
    clock = FixedClock(DUE - timedelta(days=1))
    deps, client = deps_for(database_url, slack.api_url, clock)
    yield Runner(deps, client, clock, slack)
    deps.after_ack.shutdown()
    deps.engine.dispose()


def posted_keys(fake: FakeSlack) -> Counter[str]:
    """How often each check-in key reached Slack in a successful chat.postMessage."""
    return Counter(
        call.args["metadata"]["event_payload"]["key"]
        for call in fake.calls_to("chat.postMessage")
        if call.succeeded
        and isinstance(call.args.get("metadata"), dict)
        and call.args["metadata"].get("event_type") == CHECKIN_EVENT
    )


def rows(sessions: sessionmaker[Session]) -> list[CheckinRow]:
    with sessions() as session:
        return list(
            session.scalars(select(CheckinRow).order_by(CheckinRow.pilot_id, CheckinRow.seq))
        )


def test_a_due_check_in_is_posted_once_and_the_next_one_planned(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
        english(session, pilot)
    checkin_id = first_checkin(sessions, pilot.id)
    assert runner.post(DUE - timedelta(seconds=1)) == 0
    assert runner.post(DUE) == 1
    assert runner.post(DUE + timedelta(minutes=1)) == 0
    (message,) = runner.fake.messages("C0PILOT")
    assert message["metadata"]["event_payload"]["key"] == f"pilot-{pilot.id}-checkin-{checkin_id}"
    assert "Check-in 1 of Fall sensors" in message["text"]
    first, second = rows(sessions)
    assert (first.message_ts, first.late, second.seq) == (message["ts"], False, 2)
    assert second.posted_at is None
    assert second.nominal_date == MONDAY + timedelta(weeks=1)


def test_after_downtime_only_the_latest_check_in_is_posted_marked_late(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
        english(session, pilot)
    back = occurrence(pilot.schedule, 3).due_at + timedelta(hours=2)
    assert runner.post(back) == 1
    assert runner.post(back + timedelta(minutes=1)) == 0
    (message,) = runner.fake.messages("C0PILOT")
    assert "Late" in json.dumps(message["blocks"])
    assert "3 earlier check-ins were skipped" in json.dumps(message["blocks"])
    posted, upcoming = rows(sessions)
    assert (posted.late, posted.skipped) == (True, 3)
    assert posted.nominal_date == MONDAY + timedelta(weeks=3)
    assert upcoming.nominal_date == MONDAY + timedelta(weeks=4)
    assert upcoming.due_at.replace(tzinfo=UTC) > back


def test_a_process_that_died_before_posting_is_replaced_after_the_lease(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
        english(session, pilot)
    checkin_id = first_checkin(sessions, pilot.id)
    with sessions.begin() as session:
        checkins.claim_checkin(
            session=session, checkin_id=checkin_id, now=DUE, lease=LEASE, token="dead"
        )
    assert runner.post(DUE + timedelta(minutes=1)) == 0  # still claimed by the dead process
    assert runner.post(DUE + LEASE + timedelta(seconds=1)) == 1
    assert len(runner.fake.calls_to("conversations.history")) == 1  # it looked first
    assert posted_keys(runner.fake) == {f"pilot-{pilot.id}-checkin-{checkin_id}": 1}


def test_a_process_that_died_after_posting_is_found_in_slack_not_posted_again(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
        english(session, pilot)
    checkin_id = first_checkin(sessions, pilot.id)
    with sessions.begin() as session:
        claimed = checkins.claim_checkin(
            session=session, checkin_id=checkin_id, now=DUE, lease=LEASE, token="dead"
        )
    assert claimed is not None
    # The dead process got its message into Slack and died before recording the ts.
    sent = runner.client.chat_postMessage(
        channel="C0PILOT",
        metadata=checkin_metadata(pilot, claimed),
        **build_checkin(pilot, claimed),
    )
    runner.fake.add_message("C0PILOT", PM, "Good morning")  # people talk in between
    assert runner.post(DUE + LEASE + timedelta(minutes=1)) == 0
    assert posted_keys(runner.fake) == {f"pilot-{pilot.id}-checkin-{checkin_id}": 1}
    first, second = rows(sessions)
    assert first.message_ts == sent["ts"]
    assert second.seq == 2 and second.posted_at is None


def test_rate_limits_are_waited_out_and_every_check_in_posted_exactly_once(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    channels = [f"C0P{number:03d}" for number in range(12)]
    with sessions.begin() as session:
        for channel in channels:
            runner.fake.add_channel(channel, channel.lower(), members=[PM, REP])
            seed_pilot(session, channel=channel, title=f"Pilot {channel}")
    runner.fake.rate_limit("chat.postMessage", every_nth=2, retry_after=0)
    posted = runner.post(DUE)
    # A call that met four 429s in a row is retried on a later tick (after Retry-After).
    posted += runner.post(DUE + timedelta(minutes=2))
    assert posted == len(channels)
    assert sorted(posted_keys(runner.fake).values()) == [1] * len(channels)
    assert sum(1 for call in runner.fake.calls_to("chat.postMessage") if call.status == 429) > 0


def test_server_errors_are_retried_with_backoff_and_looked_up_first(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
        english(session, pilot)
    runner.fake.fail_next("chat.postMessage", "internal_error", status=500, count=3)
    assert runner.post(DUE) == 0  # the client's own retries met three 500s
    (row, _next_one) = rows(sessions)[0], None
    assert (row.attempts, row.last_error, row.posted_at) == (1, "internal_error", None)
    assert runner.post(DUE + timedelta(seconds=30)) == 0  # backing off
    assert runner.post(DUE + timedelta(minutes=2)) == 1
    assert len(runner.fake.calls_to("conversations.history")) == 1
    assert posted_keys(runner.fake) == {f"pilot-{pilot.id}-checkin-{row.id}": 1}


def test_an_archived_channel_is_recorded_on_the_pilot_and_told_to_the_admins_once(
    runner: Runner, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
        english(session, pilot)
    runner.fake.add_channel("C0PILOT", "pilot-sensors", members=[PM, REP], archived=True)
    assert runner.post(DUE) == 0
    with sessions() as session:
        stored = session.get(PilotRow, pilot.id)
        assert stored is not None and stored.delivery_error == "is_archived"
    first, second = rows(sessions)
    assert (first.failed_at is not None, first.last_error) == (True, "is_archived")
    assert second.posted_at is None  # the schedule goes on
    (report,) = runner.fake.messages(ADMIN)
    assert "archived" in report["text"]
    assert runner.post(DUE + timedelta(weeks=1)) == 0
    assert len(runner.fake.messages(ADMIN)) == 1  # told once per streak, not every week
    runner.fake.add_channel("C0PILOT", "pilot-sensors", members=[PM, REP])
    assert runner.post(DUE + timedelta(weeks=2)) == 1
    with sessions() as session:
        stored = session.get(PilotRow, pilot.id)
        assert stored is not None and stored.delivery_error is None


# One app process: the scheduler's due work, started when the test says "go" on stdin.
WORKER = """
import json, sys
from dataclasses import replace
from datetime import datetime
from bot.app import make_client, new_deps
from bot.clock import FixedClock
from bot.config import load_settings
from handlers.checkins import post_due_checkins
from storage.db import make_engine, make_session_factory

database_url, api_url, now, admin = sys.argv[1:5]
settings = load_settings(
    DATABASE_URL=database_url,
    SLACK_BOT_TOKEN="xoxb-fake-bot-token",
    SLACK_API_URL=api_url,
    MATCHDAY_ADMINS=admin,
)
clock = FixedClock(datetime.fromisoformat(now))
# The worker's own engine, as bot.app.start_worker gives the tick (it waits longer for
# SQLite's single writer than a web request may).
engine = make_engine(database_url)
deps = replace(new_deps(settings), clock=clock, engine=engine)
deps = replace(deps, sessions=make_session_factory(engine, clock))
client = make_client(settings)
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps({"posted": post_due_checkins(deps, client)}), flush=True)
deps.engine.dispose()
"""


def test_two_app_processes_post_each_check_in_exactly_once(
    runner: Runner, sessions: sessionmaker[Session], database_url: str
) -> None:
    channels = [f"C0Q{number:03d}" for number in range(40)]
    with sessions.begin() as session:
        for channel in channels:
            runner.fake.add_channel(channel, channel.lower(), members=[PM, REP])
            seed_pilot(session, channel=channel, title=f"Pilot {channel}")
    args = [database_url, runner.fake.api_url, DUE.isoformat(), ADMIN]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready", worker.stderr
    results = []
    for worker in workers:  # both go at once
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1])["posted"])
    assert min(results) > 0, results  # both processes really competed
    assert sum(results) == len(channels)
    assert sorted(posted_keys(runner.fake).values()) == [1] * len(channels)
    assert all(row.posted_at is not None for row in rows(sessions) if row.seq == 1)
