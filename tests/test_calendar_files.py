"""Meeting calendar files: what Outlook, Google Calendar and CalDAV servers key on.

What a participant would notice: opening the file of a moved meeting moves the event in
their calendar instead of adding a second one, and opening the cancellation removes it
(or marks it cancelled). Checked by parsing the files with ``icalendar`` and by a round
trip through a real CalDAV server (Radicale, a dev dependency) started by the test.
"""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import handlers  # noqa: F401 - every builder
from bot.background import AfterAck
from bot.calendar_files import (
    ORGANISER_EMAIL,
    Attendee,
    CalendarMeeting,
    build_ics,
    meeting_uid,
)
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.programme import OrganisationKind
from handlers import calendar_people
from handlers.meetings import calendar_file
from sandbox.slack_api import FakeSlack
from storage.repositories import meetings, organisations, startups
from tests.e2e import BOT_TOKEN

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ADMIN = "UADMIN0001"
PM = "UPMICS0001"  # has an e-mail address in Slack
BUYER = "UBUYICS001"  # has none (Slack gives no profile.email)
REP = "UREPICS001"


def _event(ics: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def _attendees(event: Any) -> dict[str, str]:
    found = event.get("attendee") or []
    found = found if isinstance(found, list) else [found]
    return {str(a): str(a.params.get("CN", "")) for a in found}


def test_request_and_cancel_carry_what_clients_key_on() -> None:
    start = datetime(2026, 11, 10, 10, 0, tzinfo=STOCKHOLM)
    meeting = CalendarMeeting(
        meeting_uid(7),
        2,
        start,
        start + timedelta(minutes=30),
        "Acme × Södertälje kommun",
        "A meeting",
        "Rum 3",
        attendees=(
            Attendee("Åsa Öberg", "asa@kommun.example"),
            Attendee("No Address"),
            Attendee("Åsa again", "ASA@kommun.example"),  # one person, one ATTENDEE
            Attendee("Rep", "rep@acme.example"),
        ),
    )
    stamp = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    calendar, event = _event(build_ics(meeting, stamp=stamp))
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == "meeting-7@matchday"
    assert event["sequence"] == 2
    assert event.decoded("dtstamp") == stamp
    assert event.decoded("dtstart") == start
    assert str(event["dtstart"].params["TZID"]) == "Europe/Stockholm"
    assert calendar.walk("VTIMEZONE"), "the zone travels with the file"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == f"mailto:{ORGANISER_EMAIL}"
    assert str(event["organizer"].params["CN"]) == "Matchday"
    assert _attendees(event) == {
        "mailto:asa@kommun.example": "Åsa Öberg",
        "mailto:rep@acme.example": "Rep",
    }
    first = (event.get("attendee") or [])[0]
    assert first.params["RSVP"] == "FALSE"

    calendar, event = _event(build_ics(meeting, cancelled=True, stamp=stamp))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == "meeting-7@matchday"
    assert str(event["organizer"]) == f"mailto:{ORGANISER_EMAIL}"


# the files the app sends: book, move, cancel ---------------------------------------------
@pytest.fixture
def deps(engine: Engine, sessions: sessionmaker[Session], slack: FakeSlack) -> Iterator[Deps]:
    slack.add_user(ADMIN, "admin")
    slack.add_user(PM, "pm", real_name="Åsa Öberg", email="asa.oberg@sodertalje.example")
    slack.add_user(BUYER, "buyer", email="")
    slack.add_user(REP, "rep", real_name="Rita Rep", email="rita@acme.example")
    settings = load_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=str(engine.url.render_as_string(hide_password=False)),
    )
    pool = AfterAck(workers=1)
    calendar_people.forget()  # the fake's people are new in every test
    yield Deps(settings, engine, sessions, pool, FixedClock(NOW))
    pool.shutdown()


def _files(deps: Deps) -> list[bytes]:
    """The calendar files of one meeting booked, moved and cancelled, as the outbox builds them."""
    assert isinstance(deps.clock, FixedClock)
    first = datetime(2026, 11, 10, 10, 0, tzinfo=STOCKHOLM)
    with deps.sessions.begin() as session:
        organisation, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0ICSORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        startup = startups.register(
            session=session,
            actor=ADMIN,
            name="Acme",
            org_number="556016-0680",
            website="https://acme.example",
            sector="x",
            description="d",
            representatives=[REP],
        )
        meeting, _created = meetings.create(
            session=session,
            actor=PM,
            organisation_id=organisation.id,
            startup_id=startup.id,
            pitch_id=None,
            length_minutes=30,
            place="Stadshuset, rum 3",
            organisation_people=[PM, BUYER],
            startup_people=[REP],
            proposed=[first],
            now=NOW,
        )
    files = []
    for start, cancel in ((first, False), (first + timedelta(days=1), False), (None, True)):
        with deps.sessions.begin() as session:
            current = meetings.get(session=session, meeting_id=meeting.id)
            assert current is not None
            if cancel:
                assert meetings.cancel(session=session, meeting=current)
            else:
                assert start is not None
                end = start + timedelta(minutes=30)
                assert meetings.book(session=session, meeting=current, start=start, end=end)
            after = meetings.get(session=session, meeting_id=meeting.id)
        assert after is not None and after.starts_at is not None and after.ends_at is not None
        deps.clock.advance(timedelta(minutes=5))  # the file is made later, by the sender
        built = calendar_file(
            deps,
            {
                "meeting": after.id,
                "start": after.starts_at.isoformat(),
                "end": after.ends_at.isoformat(),
                "sequence": after.sequence,
                "cancelled": cancel,
            },
        )
        assert built is not None
        assert built["filename"] == ("meeting-cancelled.ics" if cancel else "meeting.ics")
        files.append(str(built["content"]).encode())
    return files


def test_a_move_raises_the_sequence_and_the_cancel_ends_it(deps: Deps) -> None:
    booked, moved, cancelled = (_event(ics) for ics in _files(deps))
    assert [str(c["method"]) for c, _e in (booked, moved, cancelled)] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    events = [event for _c, event in (booked, moved, cancelled)]
    assert len({str(e["uid"]) for e in events}) == 1
    assert [e["sequence"] for e in events] == [0, 1, 2]
    assert events[1].decoded("dtstart") - events[0].decoded("dtstart") == timedelta(days=1)
    assert str(events[2]["status"]) == "CANCELLED"
    # DTSTAMP is the app's clock when each file was made (the test clock, not the wall's).
    assert [e.decoded("dtstamp") for e in events] == [
        NOW + timedelta(minutes=5 * n) for n in (1, 2, 3)
    ]
    for event in events:
        # Slack's profile.email for those who have one; the person without one is left out.
        assert _attendees(event) == {
            "mailto:asa.oberg@sodertalje.example": "Åsa Öberg",
            "mailto:rita@acme.example": "Rita Rep",
        }
        assert str(event["organizer"]) == f"mailto:{ORGANISER_EMAIL}"


# a round trip through a real CalDAV server ------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CalDAV:
    """Just enough of a CalDAV client, on the standard library."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.auth = "Basic " + base64.b64encode(b"matchday:any").decode()

    def call(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, bytes, dict[str, str]]:
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method=method,
            headers={"Authorization": self.auth, **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalDAV]:
    """Radicale on a free local port, storing in a temporary folder, without auth."""
    folder: Path = tmp_path_factory.mktemp("radicale")
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "collections"),
            "--auth-type",
            "none",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = CalDAV(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _out, err = process.communicate()
                raise AssertionError(f"Radicale did not start: {err.decode()[-2000:]}") from None
            time.sleep(0.05)
    try:
        yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _stored(ics: bytes) -> bytes:
    """What a client stores from a scheduling message: the object without METHOD, which
    RFC 4791 (4.1) forbids in a calendar collection."""
    calendar = Calendar.from_ical(ics)
    del calendar["method"]
    return bytes(calendar.to_ical())


def _events_in(dav: CalDAV, collection: str) -> list[Any]:
    status, body, _headers = dav.call("GET", collection)
    assert status == 200, body
    return list(Calendar.from_ical(body).walk("VEVENT")) if body.strip() else []


def test_a_caldav_server_replaces_the_moved_event_and_cancels_it(
    deps: Deps, radicale: CalDAV
) -> None:
    booked, moved, cancelled = _files(deps)
    collection = f"/matchday/meetings-{deps.engine.dialect.name}/"
    status, body, _headers = radicale.call("MKCALENDAR", collection)
    assert status == 201, body
    uid = str(_event(booked)[1]["uid"])
    href = f"{collection}{uid.replace('@', '-at-')}.ics"
    calendar = {"Content-Type": "text/calendar; charset=utf-8"}

    status, body, headers = radicale.call("PUT", href, _stored(booked), **calendar)
    assert status == 201, body
    [event] = _events_in(radicale, collection)
    assert event.decoded("dtstart") == datetime(2026, 11, 10, 10, 0, tzinfo=STOCKHOLM)

    # The server knows the event by its UID: a second copy beside it is refused.
    status, body, _headers = radicale.call(
        "PUT", f"{collection}copy.ics", _stored(moved), **calendar
    )
    assert status == 409 and b"no-uid-conflict" in body

    # The moved meeting replaces the event (same UID, higher SEQUENCE).
    etag = headers.get("ETag", "")
    status, body, headers = radicale.call(
        "PUT", href, _stored(moved), **calendar, **{"If-Match": etag}
    )
    assert status in (201, 204), body
    [event] = _events_in(radicale, collection)
    assert event.decoded("dtstart") == datetime(2026, 11, 11, 10, 0, tzinfo=STOCKHOLM)
    assert event["sequence"] == 1

    # The cancellation: the event is kept as cancelled (what Outlook and Google show before
    # the reader removes it), still one event.
    etag = headers.get("ETag", "")
    status, body, _headers = radicale.call(
        "PUT", href, _stored(cancelled), **calendar, **{"If-Match": etag}
    )
    assert status in (201, 204), body
    [event] = _events_in(radicale, collection)
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 2
    assert str(event["uid"]) == uid
