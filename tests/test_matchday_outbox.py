"""Matchday messages through the outbox, and re-plans one after the other (SQLite, PostgreSQL).

What people would notice: every party's people get exactly one invitation although Slack
fails some calls; two declines a second apart leave one consistent plan, each computed from
the state the other left; nobody is told about a change twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

import handlers  # noqa: F401 - every builder, task and hook the sender runs
from bot.background import AfterAck
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.outbox import Pacer, Signal
from bot.planning.problem import Priority
from bot.programme import OrganisationKind, Role
from handlers.matchday_plan import (
    owe_fanout,
    owe_replan,
    plan_task,
    replan_task,
    snapshot,
    store_plan,
)
from sandbox.slack_api import FakeSlack
from storage.db import wake_on_commit
from storage.models import MeetingRow, OutboxRow, OutboxStatus
from storage.repositories import matchdays, organisations, outbox, startups
from tests.e2e import BOT_TOKEN
from worker import planner
from worker.sender import Sender

# Far ahead of real time (2037's calendar is 2026's): the shared test server's sender runs
# on the real clock and must never find this test's rows due, nor their leases run out.
START = datetime(2037, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = "UADMIN0001"


@pytest.fixture
def deps(engine: Engine, sessions: sessionmaker[Session], slack: FakeSlack) -> Iterator[Deps]:
    slack.add_user(ADMIN, "admin")
    settings = load_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=str(engine.url.render_as_string(hide_password=False)),
        MATCHDAY_SEND_RATE=1000,
    )
    signal = Signal()
    wake_on_commit(sessions, signal.wake)
    pool = AfterAck(workers=1)
    yield Deps(settings, engine, sessions, pool, FixedClock(START), signal)
    pool.shutdown()


def _client(slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.api_url)


def _sender(deps: Deps, slack: FakeSlack) -> Sender:
    return Sender(deps, _client(slack), pacer=Pacer(1000, per_channel_interval=0), threads=4)


def _deliver(deps: Deps, sender: Sender, rounds: int = 12) -> None:
    """Send until nothing is owed, letting the clock pass each backoff."""
    assert isinstance(deps.clock, FixedClock)
    for _round in range(rounds):
        sender.drain()
        with deps.sessions() as session:
            left = session.scalar(
                select(OutboxRow.id).where(
                    OutboxRow.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value])
                )
            )
        if left is None:
            return
        deps.clock.advance(timedelta(seconds=10))
    raise AssertionError("the outbox never emptied")


def _day(
    deps: Deps, slack: FakeSlack, organisations_count: int, startups_count: int, tables: int = 2
) -> tuple[int, list[str]]:
    """A matchday where every organisation asked to meet some startups; (id, everyone)."""
    people: list[str] = []
    with deps.sessions.begin() as session:
        org_ids = []
        for number in range(organisations_count):
            organisation, _new = organisations.save(
                session=session,
                actor=ADMIN,
                channel_id=f"C0ORG{number:05d}",
                name=f"Organisation {number}",
                kind=OrganisationKind.MUNICIPALITY,
                opportunities_channel_id="C0OPPS",
                timezone="Europe/Stockholm",
            )
            member = f"UORG{number:06d}"
            organisations.set_member(
                session=session,
                actor=ADMIN,
                organisation_id=organisation.id,
                user_id=member,
                role=Role.BUYER,
            )
            org_ids.append(organisation.id)
            people.append(member)
        startup_ids = []
        for number in range(startups_count):
            rep = f"UREP{number:06d}"
            startup = startups.register(
                session=session,
                actor=ADMIN,
                name=f"Startup {number}",
                org_number=f"55{number:04d}-0000",
                website=f"https://s{number}.example",
                sector="x",
                description="d",
                representatives=[rep],
            )
            startup_ids.append(startup.id)
            people.append(rep)
        matchday = matchdays.create(
            session=session,
            actor=ADMIN,
            title="Matchday Health",
            day=date(2037, 12, 20),
            starts=time(9),
            ends=time(11),
            meeting_minutes=30,
            breaks=[],
            tables=tables,
            place="Stadshuset",
            links=[],
            timezone="Europe/Stockholm",
            availability_deadline=date(2037, 12, 15),
        )
        for index, organisation_id in enumerate(org_ids):
            for offset in range(3):
                matchdays.add_request(
                    session=session,
                    actor=ADMIN,
                    matchday_id=matchday.id,
                    organisation_id=organisation_id,
                    startup_id=startup_ids[(index + offset) % len(startup_ids)],
                    priority=Priority.SHOULD,
                )
    for person in people:
        slack.add_user(person, person.lower())
    return matchday.id, people


def _keyed(slack: FakeSlack, person: str, prefix: str) -> list[str]:
    """The outbox keys of the messages in a person's DM that start with ``prefix``."""
    keys = [
        str(((m.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        for m in slack.messages(person)
    ]
    return [key for key in keys if key.startswith(prefix)]


def test_every_party_gets_one_invitation_although_slack_fails_some_calls(
    deps: Deps, slack: FakeSlack
) -> None:
    matchday_id, people = _day(deps, slack, organisations_count=8, startups_count=10)
    with deps.sessions.begin() as session:
        assert owe_fanout(
            session, matchday_id=matchday_id, what="invite", now=deps.clock.now(), actor=ADMIN
        )
    with deps.sessions.begin() as session:  # the same change again: nothing more is owed
        assert not owe_fanout(
            session, matchday_id=matchday_id, what="invite", now=deps.clock.now(), actor=ADMIN
        )
    slack.fail_next("chat.postMessage", status=500, count=6)
    slack.lose_answers("chat.postMessage", count=2)  # Slack took these but nobody heard
    sender = _sender(deps, slack)
    _deliver(deps, sender)
    # The fan-out task runs again after a restart: every row exists, nothing is added.
    with deps.sessions.begin() as session:
        outbox.task(
            session=session,
            key=f"matchday:{matchday_id}:invite-again",
            name="matchday_fanout",
            args={"matchday": matchday_id, "what": "invite", "version": 0, "actor": ADMIN},
            now=deps.clock.now(),
        )
    _deliver(deps, sender)
    sender.stop()
    for person in people:
        assert len(_keyed(slack, person, f"matchday:{matchday_id}:invite:")) == 1, person
    with deps.sessions() as session:
        rows = outbox.by_key_prefix(session=session, prefix=f"matchday:{matchday_id}:invite:")
    assert len(rows) == len(people)
    assert all(row.fanout and row.status == OutboxStatus.SENT.value for row in rows)


def _published(deps: Deps, slack: FakeSlack) -> int:
    matchday_id, _people = _day(deps, slack, organisations_count=3, startups_count=4)
    plan_task(deps, _client(slack), {"matchday": matchday_id, "after": 0, "actor": ADMIN})
    with deps.sessions.begin() as session:
        matchdays.set_status(session=session, matchday_id=matchday_id, status="published")
    return matchday_id


def _decline(deps: Deps, meeting_id: int) -> None:
    """What the Decline button does: record the answer and owe a re-plan, in one go."""
    with deps.sessions.begin() as session:
        assert matchdays.answer(
            session=session, meeting_id=meeting_id, side="organisation", accepts=False
        )
        found = matchdays.placement(session=session, meeting_id=meeting_id)
        assert found is not None
        owe_replan(
            session,
            matchday_id=found[0],
            because=f"decline:{meeting_id}:organisation",
            now=deps.clock.now(),
            actor=ADMIN,
        )


def _assert_consistent(deps: Deps, matchday_id: int, declined: set[int]) -> None:
    snap = snapshot(deps, matchday_id)
    assert snap is not None
    problem = snap.setup.problem()
    live = snap.live
    requests = {int(r.id): r for r in problem.requests}
    seats: set[tuple[int, int]] = set()
    busy: set[tuple[str, int]] = set()
    for meeting in live:
        request = requests[meeting.request_id]
        assert (meeting.slot, meeting.table) not in seats  # one meeting per table and time
        assert 1 <= meeting.table <= problem.tables
        seats.add((meeting.slot, meeting.table))
        for party in (request.organisation, request.startup):
            assert (party, meeting.slot) not in busy  # nobody in two meetings at once
            assert meeting.slot in problem.available(party)
            busy.add((party, meeting.slot))
    with deps.sessions() as session:
        rows = {
            row.id: row
            for row in session.scalars(
                select(MeetingRow).where(MeetingRow.matchday_id == matchday_id)
            )
        }
    for meeting_id in declined:
        assert rows[meeting_id].status == "cancelled"
    assert not {m.request_id for m in live} & {rows[i].request_id for i in declined}
    # The stored plan was computed from the state as it is now.
    assert snap.planned_from == snap.inputs


def test_two_declines_back_to_back_give_one_consistent_plan(deps: Deps, slack: FakeSlack) -> None:
    matchday_id = _published(deps, slack)
    with deps.sessions() as session:
        live = matchdays.planned(session=session, matchday_id=matchday_id)
        version = matchdays.plan_version(session=session, matchday_id=matchday_id)
    assert version == 1 and len(live) >= 4
    first, second = live[0].meeting_id, live[-1].meeting_id
    _decline(deps, first)
    _decline(deps, second)
    sender = _sender(deps, slack)
    _deliver(deps, sender)  # both re-plans claimed in one round, run side by side
    sender.stop()
    _assert_consistent(deps, matchday_id, {first, second})
    with deps.sessions() as session:
        after = matchdays.plan_version(session=session, matchday_id=matchday_id)
        notices = outbox.by_key_prefix(session=session, prefix=f"matchday:{matchday_id}:change@")
    assert after > version
    # One notice per person and plan version; each one delivered once.
    assert len({row.key for row in notices}) == len(notices)
    told = Counter(row.channel for row in notices)
    for person, count in told.items():
        assert len(_keyed(slack, person, f"matchday:{matchday_id}:change@")) == count
    # A re-plan owed again for the same state changes nothing.
    with deps.sessions.begin() as session:
        owe_replan(
            session, matchday_id=matchday_id, because="again", now=deps.clock.now(), actor=ADMIN
        )
    _deliver(deps, _sender(deps, slack))
    with deps.sessions() as session:
        assert matchdays.plan_version(session=session, matchday_id=matchday_id) == after


def test_a_plan_computed_from_a_stale_state_is_not_stored(deps: Deps, slack: FakeSlack) -> None:
    matchday_id = _published(deps, slack)
    with deps.sessions() as session:
        live = matchdays.planned(session=session, matchday_id=matchday_id)
    first, second = live[0].meeting_id, live[-1].meeting_id
    _decline(deps, first)
    stale = snapshot(deps, matchday_id)  # a re-plan starts from here ...
    assert stale is not None
    _decline(deps, second)
    replan_task(deps, _client(slack), {"matchday": matchday_id, "actor": ADMIN})  # ... another wins
    old_plan = planner.replan(
        stale.setup.problem(),
        planner.plan(stale.setup.problem(), time_limit=0.01),
        confirmed=set(),
        removed={str(m) for m in stale.declined},
        time_limit=0.01,
    )
    assert not store_plan(deps, stale, old_plan, ADMIN)  # the stale one is refused
    _assert_consistent(deps, matchday_id, {first, second})


def test_concurrent_re_plans_are_stored_one_after_the_other(deps: Deps, slack: FakeSlack) -> None:
    matchday_id = _published(deps, slack)
    with deps.sessions() as session:
        live = matchdays.planned(session=session, matchday_id=matchday_id)
    declined = {live[0].meeting_id, live[1].meeting_id}
    for meeting_id in declined:
        _decline(deps, meeting_id)
    client = _client(slack)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            replan_task(deps, client, {"matchday": matchday_id, "actor": ADMIN})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    _assert_consistent(deps, matchday_id, declined)
