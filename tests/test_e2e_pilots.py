"""End to end: a pilot from `/matchday pilot new` to its case card, on SQLite and PostgreSQL.

`matchday serve` answers the signed requests; check-ins are fired by calling the scheduler's
due work in-process with a FixedClock. The server reads the same moment from the sandbox's
clock file (MATCHDAY_CLOCK_FILE, scheduler off), so "now" agrees on both sides when it
plans the next check-in after a resume.
"""

from __future__ import annotations

import json
import time as wall
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from bot.deps import Deps
from bot.programme import OrganisationKind, Role
from bot.sandbox_clock import ClockFile, write_clock_file
from bot.workdays import is_nonexistent, is_working_day, next_working_day
from handlers.checkins import post_due_checkins, run_due_checkins, send_due_reminders
from sandbox import payloads
from sandbox.slack_api import FakeSlack
from storage.db import make_engine
from storage.models import (
    CheckinRow,
    FocusAreaRow,
    OpportunityRow,
    OutboxRow,
    PilotRow,
    PitchRow,
)
from storage.repositories import languages, organisations, outbox, startups
from tests.conftest import BACKENDS, fresh_database
from tests.e2e import ADMIN, RETRIED, ServerProcess, Workspace
from tests.test_pilots_delivery import deps_for, posted_keys

PM, BUYER, REP, NOBODY = "UPM0000001", "UBUYER0001", "UREP000001", "UNOBODY001"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass
class Pilots:
    """The workspace, the app's due work in this process, and one clock for both."""

    ws: Workspace
    server: ServerProcess
    deps: Deps
    client: WebClient
    clock: FixedClock
    clock_file: Path
    sessions: sessionmaker[Session]

    @property
    def fake(self) -> FakeSlack:
        return self.ws.fake

    def travel(self, to: datetime) -> None:
        """Move both clocks to ``to`` (the server's runs on from there in real time)."""
        wall.sleep(0.02)  # a new mtime, so the server's clock notices the file changed
        write_clock_file(self.clock_file, ClockFile(to - datetime.now(UTC), 0))
        self.clock.set(to)

    def checkins(self) -> list[CheckinRow]:
        with self.sessions() as session:
            return list(session.scalars(select(CheckinRow).order_by(CheckinRow.seq)))

    def pending(self) -> CheckinRow:
        (row,) = [row for row in self.checkins() if row.posted_at is None]
        return row

    def fire(self, late_by: timedelta = timedelta(0)) -> CheckinRow:
        """Travel to the next check-in's due time and let the scheduler post it."""
        due = self.pending()
        self.travel(due.due_at + late_by)
        assert post_due_checkins(self.deps, self.client) == 1
        (posted,) = [row for row in self.checkins() if row.id == due.id]
        assert posted.message_ts is not None
        return posted

    def pilot(self) -> PilotRow:
        with self.sessions() as session:
            return session.scalars(select(PilotRow)).one()


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this module's own. Its server runs on a clock moved months ahead, and
    the shared test server (real clock) must not share its heartbeats, nor it the shared
    server's: a beat of one made /healthz of the other say "sender silent for 419 days"."""
    yield from fresh_database(request.param, tmp_path_factory.mktemp("pilots-db"))


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on this module's database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pilot_server(
    database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, Path]]:
    """`matchday serve` on the clock file, with its own scheduler off (the tests tick)."""
    folder = tmp_path_factory.mktemp("pilots")
    clock_file = folder / "clock.json"
    write_clock_file(clock_file, ClockFile())
    process = ServerProcess(
        database_url,
        fake_slack.api_url,
        folder / "matchday.log",
        MATCHDAY_CLOCK_FILE=str(clock_file),
        MATCHDAY_SCHEDULER="false",
    ).start()
    yield process, clock_file
    process.stop()


@pytest.fixture
def p(
    pilot_server: tuple[ServerProcess, Path],
    slack: FakeSlack,
    sessions: sessionmaker[Session],
    database_url: str,
) -> Iterator[Pilots]:
    server, clock_file = pilot_server
    for user_id, name in (
        (ADMIN, "admin"),
        (PM, "project.manager"),
        (BUYER, "buyer"),
        (REP, "startup.rep"),
        (NOBODY, "stranger"),
    ):
        slack.add_user(user_id, name)
    everyone = [ADMIN, PM, BUYER, REP, NOBODY]
    # The group's channel is private and holds the group (a public one is reported to the
    # group and the admins by the tick's channel check).
    slack.add_channel("C0ORG", "sodertalje-projekt", members=[ADMIN, PM, BUYER], is_private=True)
    slack.add_channel("C0PILOT", "pilot-fall-sensors", members=everyone)
    slack.add_channel("C0SHOW", "showcase", members=everyone)
    slack.add_channel("C0NOBOT", "no-bot-here", members=everyone, bot_member=False)
    with sessions.begin() as session:
        organisation, _created = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0ORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        # These tests read English texts; a municipality reads Swedish unless it chooses.
        languages.set_organisation_language(
            session=session, actor=ADMIN, organisation_id=organisation.id, language="en"
        )
        for person, role in ((PM, Role.PROJECT_MANAGER), (BUYER, Role.BUYER)):
            organisations.set_member(
                session=session,
                actor=ADMIN,
                organisation_id=organisation.id,
                user_id=person,
                role=role,
            )
        startups.register(
            session=session,
            actor=ADMIN,
            name="Acme Care",
            org_number="556016-0680",
            website="https://acme.example",
            sector="health tech",
            description="Fall sensors",
            representatives=[REP],
        )
    clock = FixedClock(datetime.now(UTC))
    deps, client = deps_for(database_url, slack.api_url, clock)
    yield Pilots(Workspace(server, slack), server, deps, client, clock, clock_file, sessions)
    deps.after_ack.shutdown()
    deps.engine.dispose()


def startup_id(p: Pilots) -> int:
    with p.sessions() as session:
        found = startups.by_org_number(session=session, org_number="556016-0680")
    assert found is not None
    return found.id


def form(p: Pilots, start: date, end: date, **change: Any) -> dict[str, Any]:
    """The start-a-pilot form as a person fills it in."""
    values = {
        "title": "Fall sensors at home",
        "goals": f"{end.isoformat()} Twenty homes use the sensors",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "channel": "C0PILOT",
        "startup": str(startup_id(p)),
        "weekday": "0",
        "time": "10:00",
        "timezone": "Europe/Stockholm",
        **change,
    }
    return {
        "title": {"value": payloads.plain_value(values["title"])},
        "goals": {"value": payloads.plain_value(values["goals"])},
        "start": {"value": payloads.date_value(values["start"])},
        "end": {"value": payloads.date_value(values["end"])},
        "channel": {"value": payloads.conversation_value(values["channel"])},
        "organisation_people": {"value": payloads.users_value([PM])},
        "startup": {"value": payloads.static_value(values["startup"])},
        "startup_people": {"value": payloads.users_value([REP])},
        "cadence": {"value": payloads.static_value("weekly")},
        "weekday": {"value": payloads.static_value(values["weekday"])},
        "time": {"value": payloads.time_value(values["time"])},
        "timezone": {"value": payloads.plain_value(values["timezone"])},
    }


def start_pilot(p: Pilots, start: date, end: date, **change: Any) -> None:
    assert p.ws.command(PM, "C0ORG", "pilot new").status == 200
    view = p.ws.opened_modal("pilot_new")
    assert p.ws.submit(PM, view, form(p, start, end, **change)).json() == {}
    p.ws.wait_post("C0PILOT", "Pilot started")
    p.ws.wait_response("Started the pilot")


def stockholm(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


def a_cairo_spring_forward(after: date) -> date:
    """A Swedish working day on which 00:30 does not exist in Cairo (spring forward)."""
    zone = ZoneInfo("Africa/Cairo")
    day = after
    while not (is_nonexistent(day, time(0, 30), zone) and is_working_day(day)):
        day += timedelta(days=1)
    return day


def click(p: Pilots, user: str, action_id: str, value: int | str) -> None:
    assert p.ws.click(user, action_id, str(value)).status == 200


def updated(p: Pilots, contains: str, after: int) -> None:
    """Wait for a chat.update after the first ``after`` ones that contains the text."""
    deadline = wall.monotonic() + 5
    while True:
        updates = p.fake.calls_to("chat.update")[after:]
        if any(contains in json.dumps(call.args, ensure_ascii=False) for call in updates):
            return
        assert wall.monotonic() < deadline, f"no chat.update with {contains!r}"
        wall.sleep(0.02)


def update_count(p: Pilots) -> int:
    return len(p.fake.calls_to("chat.update"))


def outbox_keys(p: Pilots) -> list[str]:
    """Every message and task owed so far."""
    with p.sessions() as session:
        return [row.key for row in outbox.by_key_prefix(session=session, prefix="")]


def dms(p: Pilots, user: str, contains: str) -> list[dict[str, Any]]:
    return [m for m in p.fake.messages(user) if contains in json.dumps(m, ensure_ascii=False)]


def test_a_pilot_from_start_to_case_card(p: Pilots) -> None:
    ws = p.ws
    start = stockholm(date(datetime.now(UTC).year + 1, 2, 1))
    p.travel(start)
    first_day, last_day = start.date(), start.date() + timedelta(days=150)

    # Bad input: clear field errors, nothing saved.
    ws.command(PM, "C0ORG", "pilot new")
    view = ws.opened_modal("pilot_new")
    refused = ws.submit(
        PM, view, form(p, first_day, first_day - timedelta(days=3), channel="C0NOBOT")
    ).json()
    # Slack is not asked before the ack: the channel without the bot is no field error.
    assert set(refused["errors"]) == {"end"}
    skipped = a_cairo_spring_forward(first_day + timedelta(days=1))
    refused = ws.submit(
        PM,
        view,
        form(
            p,
            first_day,
            last_day,
            weekday=str(skipped.weekday()),
            time="00:30",
            timezone="Africa/Cairo",
        ),
    ).json()
    assert f"00:30 does not exist on {skipped.isoformat()}" in refused["errors"]["time"]
    with p.sessions() as session:
        assert session.scalars(select(PilotRow)).all() == []
    assert ws.submit(PM, view, form(p, first_day, last_day)).json() == {}
    ws.wait_post("C0PILOT", "Pilot started")
    ws.wait_response("Started the pilot")

    # Check-in 1: a stranger is refused; the startup answers with a button, the group by form.
    one = p.fire()
    click(p, NOBODY, "checkin_on_track", one.id)
    ws.wait_response("You can't do this here")  # and nothing about the pilot
    assert p.checkins()[0].status is None
    click(p, REP, "checkin_on_track", one.id)
    updated(p, "answered by <@UREP000001>", after=0)
    click(p, PM, "checkin_form", one.id)
    answer = ws.opened_modal("checkin_answer")
    blocked = {
        "status": {"value": payloads.static_value("blocked")},
        "progress": {"value": payloads.plain_value("Ten homes have sensors")},
        "next_steps": {"value": payloads.plain_value("Ten more")},
        "blockers": {"value": payloads.plain_value("")},
    }
    assert set(ws.submit(PM, answer, blocked).json()["errors"]) == {"blockers"}
    at_risk = {**blocked, "status": {"value": payloads.static_value("at_risk")}}
    assert ws.submit(PM, answer, at_risk).json() == {}
    updated(p, "Ten homes have sensors", after=0)
    assert p.checkins()[0].status == "at_risk"

    # Check-in 2 stays unanswered: one reminder to each of the pilot's people.
    two = p.fire()
    assert two.reminder_due_at is not None
    p.travel(two.reminder_due_at - timedelta(minutes=1))
    assert send_due_reminders(p.deps, p.client) == 0
    p.travel(two.reminder_due_at)
    assert send_due_reminders(p.deps, p.client) == 1
    assert send_due_reminders(p.deps, p.client) == 0
    for person in (PM, REP):
        ws.wait_post(person, "Reminder")
        (reminder,) = dms(p, person, "Reminder")
        assert "https://fake.slack.test/archives/C0PILOT/" in reminder["text"]
    assert dms(p, BUYER, "Reminder") == []  # in the group, not in the pilot

    # Check-ins 2 and 3 missed in a row: one escalation to the admins, with a link.
    p.fire()
    four = p.fire()
    assert run_due_checkins(p.deps, p.client) == 1
    assert run_due_checkins(p.deps, p.client) == 0
    ws.wait_post(ADMIN, "missed two check-ins in a row")
    (escalation,) = dms(p, ADMIN, "missed two check-ins in a row")
    assert "https://fake.slack.test/archives/C0PILOT/" in escalation["text"]

    # "Blocked" escalates at once, once; the same click again changes nothing and says so.
    click(p, REP, "checkin_blocked", four.id)
    ws.wait_post(ADMIN, "is blocked")
    updated(p, "Blocked", after=0)
    owed = outbox_keys(p)
    click(p, REP, "checkin_blocked", four.id)
    ws.wait_response("nothing changed")
    assert outbox_keys(p) == owed
    assert len(dms(p, ADMIN, "is blocked")) == 1

    # Pause: nothing is posted; resume plans the next check-in from now, not late.
    status = json.dumps(ws.command(PM, "C0PILOT", "pilot").json())
    assert "pilot_pause" in status
    assert "Check-in history" in status
    pilot_id = p.pilot().id
    click(p, PM, "pilot_pause", pilot_id)
    ws.wait_post("C0PILOT", "paused the pilot")
    paused_due = p.pending().due_at
    p.travel(paused_due + timedelta(days=8))
    assert post_due_checkins(p.deps, p.client) == 0
    click(p, REP, "pilot_resume", pilot_id)
    ws.wait_post("C0PILOT", "resumed the pilot")
    resumed = p.fire()
    assert resumed.due_at > paused_due + timedelta(days=8)
    assert (resumed.late, resumed.skipped) == (False, 0)

    # Change the cadence: monthly on a Tuesday at 14:00, from the next such day on.
    click(p, PM, "pilot_cadence", pilot_id)
    cadence = ws.opened_modal("pilot_cadence")
    changed = {
        "cadence": {"value": payloads.static_value("monthly")},
        "weekday": {"value": payloads.static_value("1")},
        "time": {"value": payloads.time_value("14:00")},
        "timezone": {"value": payloads.plain_value("Europe/Stockholm")},
    }
    assert ws.submit(PM, cadence, changed).json() == {}
    ws.wait_post("C0PILOT", "of every month at 14:00")
    upcoming = p.pending().due_at.astimezone(STOCKHOLM)
    assert upcoming.time() == time(14)
    assert upcoming.date() == next_working_day(p.pending().nominal_date)
    assert p.pending().nominal_date.weekday() == 1

    # Complete; the case card waits for both sides and is anonymised on request.
    click(p, PM, "pilot_complete", pilot_id)
    done = ws.opened_modal("pilot_complete")
    values = {
        "outcome": {"value": payloads.static_value("procure")},
        "results": {"value": payloads.plain_value("Falls at home halved")},
        "lessons": {"value": payloads.plain_value("Start with the night shift")},
        "showcase": {"value": payloads.conversation_value("C0PILOT")},
    }
    assert set(ws.submit(PM, done, values).json()["errors"]) == {"showcase"}
    values["showcase"] = {"value": payloads.conversation_value("C0SHOW")}
    assert ws.submit(PM, done, values).json() == {}
    ws.wait_post("C0PILOT", "Pilot completed")
    assert p.pilot().status == "completed"
    assert [row for row in p.checkins() if row.posted_at is None] == []
    p.travel(p.clock.now() + timedelta(weeks=2))
    assert post_due_checkins(p.deps, p.client) == 0
    click(p, NOBODY, "pilot_share_named", pilot_id)
    ws.wait_response("Only the pilot's people")
    mark = update_count(p)
    click(p, PM, "pilot_share_named", pilot_id)
    updated(p, "Organisation: agrees", after=mark)
    assert p.fake.messages("C0SHOW") == []
    mark = update_count(p)
    click(p, REP, "pilot_share_anonymous", pilot_id)
    card = ws.wait_post("C0SHOW", "Pilot case")
    updated(p, "A case card is shared", after=mark)
    shown = json.dumps(card.args, ensure_ascii=False)
    assert "Falls at home halved" in shown
    assert "municipality" in shown
    for name in ("Södertälje", "Acme", "Fall sensors at home"):
        assert name not in shown
    owed = outbox_keys(p)
    click(p, PM, "pilot_share_named", pilot_id)
    ws.wait_response("A case card is shared")
    assert outbox_keys(p) == owed
    assert len(p.fake.messages("C0SHOW")) == 1


def a_christmas_eve_on_a_weekday() -> date:
    """The next Christmas Eve (at least a month away) that falls on Monday to Friday."""
    today = datetime.now(UTC).date()
    year = today.year if today < date(today.year, 11, 24) else today.year + 1
    while date(year, 12, 24).weekday() > 4:
        year += 1
    return date(year, 12, 24)


def test_holidays_restarts_and_downtime(p: Pilots) -> None:
    eve = a_christmas_eve_on_a_weekday()
    start = eve - timedelta(weeks=3, days=1)
    p.travel(stockholm(start))
    start_pilot(p, start, eve + timedelta(weeks=10), weekday=str(eve.weekday()))
    posted = [p.fire() for _ in range(3)]
    christmas = p.fire()
    assert [row.nominal_date for row in (*posted, christmas)] == [
        eve - timedelta(weeks=3),
        eve - timedelta(weeks=2),
        eve - timedelta(weeks=1),
        eve,
    ]
    moved_to = next_working_day(eve)
    assert christmas.due_at.astimezone(STOCKHOLM) == stockholm(moved_to, 10)
    p.ws.wait_post("C0PILOT", f"Moved from {eve.isoformat()} (Christmas Eve)")

    # Restarts: answers after a restart land, nothing is posted twice.
    p.server.stop()
    p.server.start()
    click(p, REP, "checkin_on_track", christmas.id)
    updated(p, "answered by <@UREP000001>", after=0)

    # Down for three check-ins: on start, the latest is posted once, marked late.
    p.server.stop()
    missed = p.pending()
    back = missed.due_at + timedelta(weeks=3, hours=1)
    p.travel(back)
    p.server.start()
    assert post_due_checkins(p.deps, p.client) == 1
    p.server.stop()
    p.server.start()
    assert post_due_checkins(p.deps, p.client) == 0
    late = [row for row in p.checkins() if row.posted_at is not None][-1]
    assert (late.late, late.skipped) == (True, 3)
    assert p.pending().due_at > back
    p.ws.wait_post("C0PILOT", "3 earlier check-ins were skipped")
    assert sorted(posted_keys(p.fake).values()) == [1] * 5


def test_a_shortlisted_pitch_starts_the_form_prefilled(p: Pilots) -> None:
    p.travel(stockholm(date(datetime.now(UTC).year + 1, 3, 1)))
    now = p.clock.now()
    with p.sessions.begin() as session:
        organisation = organisations.by_channel(session=session, channel_id="C0ORG")
        assert organisation is not None
        area = FocusAreaRow(
            organisation_id=organisation.id, title="Care", why="Falls", created_by=PM
        )
        session.add(area)
        session.flush()
        opportunity = OpportunityRow(
            organisation_id=organisation.id,
            focus_area_id=area.id,
            title="Fewer falls at home",
            description="Prevent falls",
            deadline=now.date() + timedelta(days=30),
            contact_role="project_manager",
            channel_id="C0OPPS",
            published_by=PM,
        )
        session.add(opportunity)
        session.flush()
        pitches = [
            PitchRow(
                opportunity_id=opportunity.id,
                startup_id=startup_id(p),
                solution="Sensors",
                fit="Fits",
                pilot="Three months",
                status=status,
                submitted_by=REP,
                submitted_at=now,
                updated_at=now,
            )
            for status in ("shortlisted",)
        ]
        session.add_all(pitches)
        session.flush()
        pitch_id = pitches[0].id
    click(p, NOBODY, "pilot_from_pitch", pitch_id)
    p.ws.wait_response("Only this organisation's project group")
    click(p, BUYER, "pilot_from_pitch", pitch_id)
    view = p.ws.opened_modal("pilot_new")
    shown = json.dumps(view, ensure_ascii=False)
    assert "Fewer falls at home" in shown
    assert REP in shown
    assert json.loads(view["private_metadata"])["pitch"] == pitch_id


def announcements(p: Pilots, channel_id: str) -> list[dict[str, Any]]:
    return [m for m in p.fake.messages(channel_id) if m["text"].startswith("Pilot started")]


def test_the_start_form_submitted_twice_starts_one_pilot(p: Pilots) -> None:
    ws = p.ws
    start = stockholm(date(datetime.now(UTC).year + 1, 4, 1))
    p.travel(start)
    values = form(p, start.date(), start.date() + timedelta(days=90))
    ws.command(PM, "C0ORG", "pilot new")
    view = ws.opened_modal("pilot_new")
    # Slack fails three times before it takes the announcement; it still arrives once.
    p.fake.fail_next("chat.postMessage", status=500, count=3)
    # A double click and Slack's retry: the same form, at the same moment, then once more.
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _n: ws.submit(PM, view, values).json(), range(2)))
    assert answers == [{}, {}]
    assert ws.submit(PM, view, values).json() == {}
    ws.wait_post("C0PILOT", "Pilot started", timeout=RETRIED)
    with p.sessions() as session:
        assert len(session.scalars(select(PilotRow)).all()) == 1
        (row,) = outbox.by_key_prefix(session=session, prefix="pilot:")
        assert row.key.endswith(":announcement")
    assert len(announcements(p, "C0PILOT")) == 1
    to_pilot = [c for c in p.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0PILOT"]
    assert len(to_pilot) == 4  # three failures, one success
    # Another pilot for the same channel is refused while this one runs.
    other = form(p, start.date(), start.date() + timedelta(days=90), title="Night checks")
    refused = ws.submit(PM, view, other).json()
    assert "already has a running pilot" in refused["errors"]["channel"]
    with p.sessions() as session:
        assert len(session.scalars(select(PilotRow)).all()) == 1


def test_what_cannot_be_delivered_is_told_and_listed_for_the_admins(p: Pilots) -> None:
    ws = p.ws
    start = stockholm(date(datetime.now(UTC).year + 1, 5, 3))
    p.travel(start)
    start_pilot(p, start.date(), start.date() + timedelta(days=90))
    pilot_id = p.pilot().id
    # Somebody removes Matchday from the pilot's channel; then the pilot is paused.
    everyone = [ADMIN, PM, BUYER, REP, NOBODY]
    p.fake.add_channel("C0PILOT", "pilot-fall-sensors", members=everyone, bot_member=False)
    click(p, PM, "pilot_pause", pilot_id)
    ws.wait_response("paused the pilot")
    told = ws.wait_post(PM, "could not deliver", timeout=10)
    assert "Matchday is not a member of that channel" in told.args["text"]
    assert "<#C0PILOT>" in told.args["text"]
    assert p.pilot().status == "paused"
    # The admins' App Home lists it; the person who acted is not an admin and sees no list.
    ws.event(payloads.app_home_opened_event(ADMIN))
    home = ws._wait("views.publish", lambda call: call.args["user_id"] == ADMIN, 5)
    shown = json.dumps(home.args["view"], ensure_ascii=False)
    assert "Messages Matchday could not deliver" in shown
    assert "not_in_channel" in shown
    assert "<#C0PILOT>" in shown
    ws.event(payloads.app_home_opened_event(PM))
    mine = ws._wait("views.publish", lambda call: call.args["user_id"] == PM, 5)
    assert "could not deliver" not in json.dumps(mine.args["view"], ensure_ascii=False)


def test_the_admins_list_of_undelivered_messages_stays_within_block_kit(
    p: Pilots, sessions: sessionmaker[Session]
) -> None:
    from bot.views.home import build_home
    from handlers.home import load_home

    now = p.clock.now()
    with sessions.begin() as session:
        for number in range(40):
            outbox.post(
                session=session,
                key=f"test:{number}",
                kind="pilot_note",
                channel="C0PILOT",
                message={"text": "x"},
                now=now,
                actor=PM,
            )
        session.execute(
            update(OutboxRow).values(status="failed", error="not_in_channel", sent_at=now)
        )
    data = load_home(p.deps, ADMIN)
    assert len(data.undelivered) <= 8 and data.undelivered_count == 40
    view = build_home(data)
    text = json.dumps(view, ensure_ascii=False)
    assert "and 32 more" in text
    assert len(view["blocks"]) <= 100
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in view["blocks"])
