"""Pilot storage on SQLite and PostgreSQL: claims that exactly one process wins."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from bot.pilots import (
    Cadence,
    CheckinStatus,
    Escalation,
    Milestone,
    Person,
    Pilot,
    Schedule,
    Side,
    occurrence,
)
from bot.programme import OrganisationKind
from storage.db import make_engine, make_session_factory
from storage.models import CheckinRow
from storage.repositories import checkins, organisations, pilots, startups

LEASE = timedelta(minutes=5)
# Years ahead of real time (2038's calendar is 2027's): the shared test server's worker,
# on the real clock, must never find these check-ins due.
MONDAY = date(2038, 1, 4)


def seed_pilot(
    session: Session,
    *,
    channel: str = "C0PILOT",
    anchor: date = MONDAY,
    until: date = date(2038, 6, 30),
    at: time = time(10),
    weekday: int = 0,
    title: str = "Fall sensors",
    people: tuple[str, ...] = ("UPM0000001", "UREP000001"),
) -> Pilot:
    """An organisation, a startup and a weekly pilot with its first check-in planned."""
    organisation = organisations.by_channel(session=session, channel_id="C0ORG")
    if organisation is None:
        organisation, _created = organisations.save(
            session=session,
            actor="UADMIN0001",
            channel_id="C0ORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
    found = startups.by_org_number(session=session, org_number="556016-0680")
    startup = found or startups.register(
        session=session,
        actor="UADMIN0001",
        name="Acme Care",
        org_number="556016-0680",
        website="https://acme.example",
        sector="health tech",
        description="Sensors",
        representatives=["UREP000001"],
    )
    schedule = Schedule(Cadence.WEEKLY, weekday, at, "Europe/Stockholm", anchor, until)
    return pilots.create(
        session=session,
        actor="UPM0000001",
        organisation_id=organisation.id,
        startup_id=startup.id,
        title=title,
        channel_id=channel,
        start=anchor - timedelta(days=1),
        end=until,
        schedule=schedule,
        people=[Person(people[0], Side.ORGANISATION), Person(people[1], Side.STARTUP)],
        milestones=[Milestone("Twenty homes", until)],
        first=occurrence(schedule, 0),
    )


def first_checkin(sessions: sessionmaker[Session], pilot_id: int) -> int:
    with sessions() as session:
        pending = checkins.pending(session=session, pilot_id=pilot_id)
    assert pending is not None
    return pending.id


def test_a_pilot_is_saved_with_people_milestones_and_its_first_check_in(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
    with sessions() as session:
        found = pilots.in_channel(session=session, channel_id="C0PILOT")
        pending = checkins.pending(session=session, pilot_id=pilot.id)
    assert found == pilot
    assert found.side_of("UREP000001") is Side.STARTUP
    assert found.milestones == (Milestone("Twenty homes", date(2038, 6, 30)),)
    assert pending is not None
    assert (pending.seq, pending.nominal) == (1, MONDAY)
    assert pending.due_at == datetime(2038, 1, 4, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm


def test_a_check_in_is_due_only_at_its_time_and_claimed_once(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
    checkin_id = first_checkin(sessions, pilot.id)
    due = datetime(2038, 1, 4, 9, 0, tzinfo=UTC)
    with sessions() as session:
        assert (
            checkins.due_checkins(session=session, now=due - timedelta(seconds=1), lease=LEASE)
            == []
        )
        assert checkins.due_checkins(session=session, now=due, lease=LEASE) == [checkin_id]
    with sessions.begin() as session:
        won = checkins.claim_checkin(
            session=session, checkin_id=checkin_id, now=due, lease=LEASE, token="a"
        )
    with sessions.begin() as session:
        lost = checkins.claim_checkin(
            session=session, checkin_id=checkin_id, now=due, lease=LEASE, token="b"
        )
        assert checkins.due_checkins(session=session, now=due, lease=LEASE) == []
    assert won is not None and won.attempts == 1
    assert lost is None
    # The owner died: after the lease the claim is taken over, and the attempt is counted.
    later = due + LEASE + timedelta(seconds=1)
    with sessions.begin() as session:
        taken = checkins.claim_checkin(
            session=session, checkin_id=checkin_id, now=later, lease=LEASE, token="c"
        )
        assert taken is not None and taken.attempts == 2
        # The dead owner cannot record any more; the new owner can, once.
        common: dict[str, Any] = {
            "now": later,
            "message_ts": "1.000001",
            "nominal": MONDAY,
            "due_at": due,
            "late": False,
            "skipped": 0,
            "reminder_due_at": later + timedelta(days=3),
        }
        assert not checkins.record_posted(
            session=session, checkin_id=checkin_id, token="a", **common
        )
        assert checkins.record_posted(session=session, checkin_id=checkin_id, token="c", **common)
        assert not checkins.record_posted(
            session=session, checkin_id=checkin_id, token="c", **common
        )
    with sessions.begin() as session:
        assert (
            checkins.claim_checkin(
                session=session,
                checkin_id=checkin_id,
                now=later + timedelta(days=1),
                lease=LEASE,
                token="d",
            )
            is None
        )


def test_concurrent_claims_from_separate_engines_have_one_winner(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
    checkin_id = first_checkin(sessions, pilot.id)
    due = datetime(2038, 1, 4, 9, 0, tzinfo=UTC)
    engines: list[Engine] = [make_engine(database_url) for _ in range(6)]
    barrier = threading.Barrier(len(engines))
    winners: list[str] = []

    def claim(index: int) -> None:
        factory = make_session_factory(engines[index], FixedClock(due))
        barrier.wait()
        with factory.begin() as session:
            if checkins.claim_checkin(
                session=session, checkin_id=checkin_id, now=due, lease=LEASE, token=f"t{index}"
            ):
                winners.append(f"t{index}")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert len(winners) == 1
    with sessions() as session:
        row = session.get(CheckinRow, checkin_id)
        assert row is not None
        assert (row.claim_token, row.attempts) == (winners[0], 1)


def test_a_paused_pilot_has_nothing_due_and_only_untried_check_ins_move(
    sessions: sessionmaker[Session],
) -> None:
    from bot.pilots import PilotStatus

    with sessions.begin() as session:
        pilot = seed_pilot(session)
    checkin_id = first_checkin(sessions, pilot.id)
    due = datetime(2038, 1, 4, 9, 0, tzinfo=UTC)
    with sessions.begin() as session:
        assert pilots.move(
            session=session, pilot=pilot, to=PilotStatus.PAUSED, actor="U1", action="pilot.paused"
        )
        assert not pilots.move(  # a stale version loses
            session=session, pilot=pilot, to=PilotStatus.PAUSED, actor="U1", action="pilot.paused"
        )
    with sessions() as session:
        assert checkins.due_checkins(session=session, now=due, lease=LEASE) == []
    with sessions.begin() as session:
        assert (
            checkins.claim_checkin(
                session=session, checkin_id=checkin_id, now=due, lease=LEASE, token="x"
            )
            is None
        )
        later = occurrence(pilot.schedule, 2)
        assert checkins.reschedule_pending(session=session, pilot_id=pilot.id, due=later)
        session.execute(update(CheckinRow).values(attempts=1))
        assert not checkins.reschedule_pending(
            session=session, pilot_id=pilot.id, due=occurrence(pilot.schedule, 3)
        )
    with sessions() as session:
        pending = checkins.pending(session=session, pilot_id=pilot.id)
    assert pending is not None and pending.nominal == later.nominal


def test_reminders_and_escalations_are_claimed_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        pilot = seed_pilot(session)
    checkin_id = first_checkin(sessions, pilot.id)
    now = datetime(2038, 1, 10, 9, 0, tzinfo=UTC)
    with sessions.begin() as session:
        session.execute(
            update(CheckinRow).values(
                posted_at=now - timedelta(days=5),
                message_ts="1.1",
                reminder_due_at=now - timedelta(hours=1),
            )
        )
        assert checkins.escalate(
            session=session, checkin_id=checkin_id, reason=Escalation.BLOCKED, now=now
        )
        assert not checkins.escalate(
            session=session, checkin_id=checkin_id, reason=Escalation.MISSED, now=now
        )
    with sessions.begin() as session:
        assert checkins.due_reminders(session=session, now=now, lease=LEASE) == [checkin_id]
        assert checkins.claim_reminder(session=session, checkin_id=checkin_id, now=now, lease=LEASE)
        assert not checkins.claim_reminder(
            session=session, checkin_id=checkin_id, now=now, lease=LEASE
        )
        reason = checkins.claim_escalation(
            session=session, checkin_id=checkin_id, now=now, lease=LEASE
        )
        assert reason is Escalation.BLOCKED
        assert (
            checkins.claim_escalation(session=session, checkin_id=checkin_id, now=now, lease=LEASE)
            is None
        )
        checkins.mark_escalated(session=session, checkin_id=checkin_id, now=now)
    # An answer ends the wait for a reminder.
    with sessions.begin() as session:
        session.execute(update(CheckinRow).values(reminder_claimed_at=None))
        checkins.answer(
            session=session,
            checkin_id=checkin_id,
            actor="UREP000001",
            now=now,
            status=CheckinStatus.ON_TRACK,
        )
        assert checkins.due_reminders(session=session, now=now, lease=LEASE) == []
        assert checkins.due_escalations(session=session, now=now + LEASE * 2, lease=LEASE) == []
    with sessions() as session:
        row = session.scalar(select(CheckinRow))
        assert row is not None and row.status == "on_track" and row.progress == ""
