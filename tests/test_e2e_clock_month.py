"""A month of a programme on the app's clock, moved as the sandbox's *Advance time* moves it.

February 2027 in Södertälje (Europe/Stockholm): an opportunity is published on Monday the
1st with its pitch deadline on Friday the 12th; a matchday with meetings is held on Thursday
the 18th; a pilot checks in every Monday at 10:00, and its second check-in is left
unanswered; the admins get a digest every Monday morning. A second opportunity's reminder
falls inside one big jump of the clock.

The app runs all along, in this process: its clock is a FixedClock moved forward in steps
and, after each step, the worker's tick runs and the outbox is sent, just as the sandbox
ticks after each advance. Every scheduled message is asserted by the (app's) day it went
out and its wording; none says that Matchday was not running. Then the app is stopped
for an afternoon and a check-in falls due meanwhile: that one, and only that one, is late.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

import handlers  # noqa: F401 - every builder, task and hook the sender runs
from bot.app import make_client, new_deps
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.outbox import Pacer
from bot.pilots import (
    Cadence,
    CheckinStatus,
    Milestone,
    Person,
    Schedule,
    Side,
    occurrence,
    reminder_due,
)
from bot.planning.problem import Priority
from bot.programme import OrganisationKind, Role
from handlers.jobs import tick
from handlers.matchday_plan import plan_task
from handlers.publishing import CARD, CARD_POSTED
from sandbox.slack_api import FakeSlack
from storage.models import (
    AuditEntry,
    CheckinRow,
    OrganisationRow,
    OutboxRow,
    OutboxStatus,
    PilotRow,
)
from storage.repositories import (
    checkins,
    languages,
    matchdays,
    needs,
    organisations,
    outbox,
    pilots,
    startups,
)
from tests.e2e import BOT_TOKEN
from worker.run import Worker
from worker.sender import Sender

pytestmark = pytest.mark.e2e

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ADMIN = "UCLKADMIN1"
PM = "UCLKPM0001"
REP = "UCLKREP001"
REP2 = "UCLKREP002"
ORG_CHANNEL, OPPS, PILOT_CHANNEL = "C0CLKORG", "C0CLKOPPS", "C0CLKPILOT"
STEP = timedelta(hours=3)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall time in Stockholm as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


@dataclass
class Seen:
    """A message as the app's clock saw it go out."""

    channel: str
    text: str
    at: datetime  # the app's time when the tick that sent it ran

    @property
    def day(self) -> date:
        return self.at.astimezone(STOCKHOLM).date()


@dataclass
class Programme:
    """The running app: its deps, worker, sender, and what went out when."""

    deps: Deps
    client: WebClient
    clock: FixedClock
    fake: FakeSlack
    worker: Worker
    sender: Sender
    seen: list[Seen] = field(default_factory=list)
    _counted: dict[str, int] = field(default_factory=dict)

    def run(self) -> None:
        """One tick at the clock's time, then send what it owed (as the worker does)."""
        self.worker.tick()
        for _round in range(20):
            self.sender.drain()
            with self.deps.sessions() as session:
                left = session.scalar(
                    select(OutboxRow.id).where(
                        OutboxRow.status.in_(
                            [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]
                        ),
                        OutboxRow.due_at <= self.clock.now(),
                    )
                )
            if left is None:
                break
        self.collect()

    def collect(self) -> None:
        """Note every message that arrived since the last look, at the app's time now."""
        for channel in (OPPS, ORG_CHANNEL, PILOT_CHANNEL, ADMIN, PM, REP, REP2):
            messages = self.fake.messages(channel)
            for message in messages[self._counted.get(channel, 0) :]:
                text = message.get("text", "") + json.dumps(message.get("blocks") or [])
                self.seen.append(Seen(channel, text, self.clock.now()))
            self._counted[channel] = len(messages)

    def until(self, end: datetime, step: timedelta = STEP) -> None:
        """Advance in steps to ``end``, ticking after each step (never past ``end``)."""
        while self.clock.now() < end:
            self.clock.set(min(self.clock.now() + step, end))
            self.run()

    def jump(self, to: datetime) -> None:
        """One press of *Advance time*: a single jump, then the tick."""
        self.clock.set(to)
        self.run()

    def where(self, channel: str, contains: str) -> list[Seen]:
        return [item for item in self.seen if item.channel == channel and contains in item.text]

    def checkin(self, seq: int) -> CheckinRow:
        with self.deps.sessions() as session:
            row = session.scalar(select(CheckinRow).where(CheckinRow.seq == seq))
        assert row is not None, f"no check-in {seq}"
        return row

    def answer(self, seq: int, who: str) -> None:
        with self.deps.sessions.begin() as session:
            checkins.answered(
                session=session,
                checkin_id=self.checkin(seq).id,
                actor=who,
                now=self.clock.now(),
                status=CheckinStatus.ON_TRACK,
            )


START = local(date(2027, 2, 1), 7)  # Monday 1 February 2027, 07:00 in Stockholm


@pytest.fixture
def programme(own_database: str, slack: FakeSlack) -> Iterator[Programme]:
    """The app on a database of its own: the shared test server's sender, on the real
    clock, would find this month's messages due once real time passes February 2027."""
    for user, name in ((ADMIN, "admin"), (PM, "pm"), (REP, "rep"), (REP2, "rep2")):
        slack.add_user(user, name)
    slack.add_channel(ORG_CHANNEL, "clock-projekt", members=[ADMIN, PM], is_private=True)
    slack.add_channel(OPPS, "clock-opportunities", members=[ADMIN, PM, REP, REP2])
    slack.add_channel(PILOT_CHANNEL, "clock-pilot", members=[PM, REP], is_private=True)
    settings = load_settings(
        DATABASE_URL=own_database,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        MATCHDAY_ADMINS=ADMIN,
        MATCHDAY_SEND_RATE=1000,
    )
    clock = FixedClock(START)
    deps = new_deps(settings, clock)
    client = make_client(settings)
    worker = Worker(deps, client, tick, scheduled=False)  # ticked by the test, not a timer
    sender = Sender(deps, client, pacer=Pacer(1000, per_channel_interval=0), threads=2)
    yield Programme(deps, client, clock, slack, worker, sender)
    sender.stop()
    deps.engine.dispose()


def _seed(p: Programme) -> tuple[int, int]:
    """The organisation, two startups, an opportunity published today, a matchday, a pilot."""
    with p.deps.sessions.begin() as session:
        organisation, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id=ORG_CHANNEL,
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id=OPPS,
            timezone="Europe/Stockholm",
        )
        organisations.set_member(
            session=session,
            actor=ADMIN,
            organisation_id=organisation.id,
            user_id=PM,
            role=Role.BUYER,
        )
        # These tests read English; a municipality reads Swedish unless it chooses.
        languages.set_organisation_language(
            session=session, actor=ADMIN, organisation_id=organisation.id, language="en"
        )
        for person in (ADMIN, PM, REP, REP2):
            languages.choose(session=session, user_id=person, language="en")
        acme, beta = (
            startups.register(
                session=session,
                actor=ADMIN,
                name=name,
                org_number=number,
                website=f"https://{name.lower()}.example",
                sector="health tech",
                description="Sensors",
                representatives=[rep],
            )
            for name, number, rep in (("Acme", "556016-0680", REP), ("Beta", "212000-0142", REP2))
        )
        opportunities = []
        for title, deadline in (
            ("Fall sensors", date(2027, 2, 12)),
            ("Night light", date(2027, 2, 24)),
        ):
            area = needs.add_area(
                session=session, actor=PM, organisation_id=organisation.id, title=title, why="w"
            )
            opportunities.append(
                needs.publish(
                    session=session,
                    actor=PM,
                    organisation_id=organisation.id,
                    focus_area_id=area.id,
                    title=title,
                    description="What we need.",
                    deadline=deadline,
                    contact_role=Role.BUYER,
                    channel_id=OPPS,
                    now=p.clock.now(),
                )
            )
            outbox.post(  # the card, owed as the publish form owes it
                session=session,
                key=f"opportunity:{opportunities[-1].id}:card",
                kind=CARD,
                channel=OPPS,
                build=CARD,
                build_args={"opportunity": opportunities[-1].id},
                language={"organisation": organisation.id},
                now=p.clock.now(),
                actor=PM,
                on_sent=CARD_POSTED,
                on_sent_args={"opportunity": opportunities[-1].id},
            )
        matchday = matchdays.create(
            session=session,
            actor=ADMIN,
            title="Matchday Health",
            day=date(2027, 2, 18),
            starts=time(9),
            ends=time(11),
            meeting_minutes=30,
            breaks=[],
            tables=2,
            place="Stadshuset",
            links=[],
            timezone="Europe/Stockholm",
            availability_deadline=date(2027, 2, 15),
        )
        for startup in (acme, beta):
            matchdays.add_request(
                session=session,
                actor=ADMIN,
                matchday_id=matchday.id,
                organisation_id=organisation.id,
                startup_id=startup.id,
                priority=Priority.SHOULD,
            )
        schedule = Schedule(
            Cadence.WEEKLY, 0, time(10), "Europe/Stockholm", date(2027, 2, 1), date(2027, 3, 31)
        )
        pilots.create(
            session=session,
            actor=PM,
            organisation_id=organisation.id,
            startup_id=acme.id,
            title="Fall sensors pilot",
            channel_id=PILOT_CHANNEL,
            start=date(2027, 2, 1),
            end=date(2027, 3, 31),
            schedule=schedule,
            people=[Person(PM, Side.ORGANISATION), Person(REP, Side.STARTUP)],
            milestones=[Milestone("Installed", date(2027, 3, 1))],
            first=occurrence(schedule, 0),
        )
    plan_task(p.deps, p.client, {"matchday": matchday.id, "after": 0, "actor": ADMIN})
    with p.deps.sessions.begin() as session:
        matchdays.set_status(session=session, matchday_id=matchday.id, status="published")
    return opportunities[0].id, matchday.id


def _days(items: list[Seen]) -> list[date]:
    return [item.day for item in items]


def test_a_month_of_scheduled_work_goes_out_on_its_days_with_no_false_late(
    programme: Programme,
) -> None:
    p = programme
    _seed(p)
    p.run()  # Monday 1 February, 07:00: the cards go out as published

    # --- Week 1: digest on Monday morning, check-in 1 at 10:00, answered the same day.
    p.until(local(date(2027, 2, 1), 13))
    cards = p.where(OPPS, "Fall sensors")
    assert cards and cards[0].day == date(2027, 2, 1)
    p.answer(1, PM)

    # --- Week 2: check-in 2 on Monday the 8th is left unanswered.
    p.until(local(date(2027, 2, 10), 21))
    # The first opportunity's reminder is due Wednesday 23:59:59 (48 hours before the end of
    # Friday): it goes out with the first tick after, early Thursday, saying 48 hours.
    p.until(local(date(2027, 2, 13), 3))
    reminders = p.where(OPPS, "left to pitch for *Fall sensors*")
    assert _days(reminders) == [date(2027, 2, 11)]
    assert "48 hours left" in reminders[0].text
    closed = p.where(ORG_CHANNEL, "The pitch deadline for *Fall sensors* has passed")
    assert _days(closed) == [date(2027, 2, 13)]

    # --- Week 3: the matchday's agendas the day before, from noon; check-in 3 answered.
    p.until(local(date(2027, 2, 15), 13))
    p.answer(3, REP)
    p.until(local(date(2027, 2, 19), 9))
    agendas = [item for item in p.seen if "Tomorrow is *Matchday Health*" in item.text]
    assert agendas and set(_days(agendas)) == {date(2027, 2, 17)}
    assert {item.channel for item in agendas} >= {PM, REP, REP2}

    # --- Week 4: after Monday's digest, one press of *Advance time* from Monday 09:00 to
    # Wednesday 09:00 jumps over check-in 4 (Monday 10:00) and the second opportunity's
    # reminder time (Monday 23:59:59). Matchday was running all along: check-in 4 is posted
    # at once and not "late"; the reminder still goes out, on the deadline day, saying it is
    # the last day, not 48 hours.
    p.until(local(date(2027, 2, 22), 9))
    p.jump(local(date(2027, 2, 24), 9))
    p.answer(4, PM)
    last_day = p.where(OPPS, "*Night light*")
    reminder = [item for item in last_day if "to pitch for" in item.text]
    assert _days(reminder) == [date(2027, 2, 24)]
    assert "Today is the last day to pitch for *Night light*" in reminder[0].text
    assert "48 hours" not in reminder[0].text
    p.until(local(date(2027, 3, 1), 12))

    # Check-ins: one each Monday at 10:00, posted that Monday (the fourth when the jump
    # landed), none late or "skipped".
    posted = p.where(PILOT_CHANNEL, "how is the pilot going?")
    assert _days(posted) == [date(2027, 2, day) for day in (1, 8, 15, 24)] + [date(2027, 3, 1)]
    for number, item in enumerate(posted, start=1):
        assert f"Check-in {number} of Fall sensors pilot" in item.text
        assert "not running" not in item.text and "skipped" not in item.text
    assert all(not p.checkin(seq).late for seq in range(1, 6))

    # The unanswered check-in 2 earned exactly one reminder to each of its people, 24 working
    # hours after it was posted (Thursday the 11th), before check-in 3 marked it missed.
    second = p.checkin(2)
    assert second.posted_at is not None
    due = reminder_due(second.posted_at, "Europe/Stockholm")
    assert due.astimezone(STOCKHOLM).date() == date(2027, 2, 11)
    for person in (PM, REP):
        nudges = p.where(person, "Reminder: check-in 2 of the pilot")
        assert _days(nudges) == [date(2027, 2, 11)], person
        assert due <= nudges[0].at < due + STEP
    assert not [item for item in p.seen if "Reminder: check-in 1 " in item.text]
    assert not [item for item in p.seen if "Reminder: check-in 3 " in item.text]
    assert p.checkin(2).missed and not p.checkin(3).missed

    # The digest: every ISO week's Monday morning, once, about the previous Monday-Sunday.
    digests = p.where(ADMIN, "Your weekly digest")
    assert _days(digests) == [date(2027, 2, day) for day in (1, 8, 15, 22)] + [date(2027, 3, 1)]
    assert "2027-02-22" in digests[-1].text and "2027-02-28" in digests[-1].text

    # --- Downtime: the app stops on Monday 1 March after 12:00 and starts again a week later
    # at 13:00, after check-in 6 was due at 10:00. Only that check-in says it was late.
    p.worker = Worker(p.deps, p.client, tick, scheduled=False)  # a new process
    p.jump(local(date(2027, 3, 8), 13))
    (late,) = p.where(PILOT_CHANNEL, "Check-in 6 of Fall sensors pilot")
    assert late.day == date(2027, 3, 8)
    assert "Matchday was not running at the due time" in late.text
    assert p.checkin(6).late and not any(p.checkin(seq).late for seq in range(1, 6))


def test_rows_are_stamped_with_the_app_s_time(programme: Programme) -> None:
    """What the app stores carries its clock's date (1 February 2027), not the machine's."""
    p = programme
    _seed(p)
    p.run()
    with p.deps.sessions() as session:
        stamps: list[Any] = [
            *session.scalars(select(OrganisationRow.created_at)),
            *session.scalars(select(PilotRow.created_at)),
            *session.scalars(select(AuditEntry.at)),
            *session.scalars(select(OutboxRow.created_at)),
        ]
    assert len(stamps) > 5
    assert {stamp.astimezone(UTC).date() for stamp in stamps} == {date(2027, 2, 1)}
