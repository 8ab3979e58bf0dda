"""End to end: ad hoc meetings from a shortlisted pitch, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.workdays import is_working_day
from sandbox import payloads
from storage.models import FollowUpRow, MeetingRow
from tests.e2e import Workspace
from tests.test_e2e_pitches import pitch_id, programme, send_pitch
from tests.test_e2e_programme import BUYER, NOBODY, PM, REP


def shortlisted(ws: Workspace, sessions: sessionmaker[Session]) -> int:
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    pitch = pitch_id(sessions)
    ws.click(BUYER, "pitch_shortlist", str(pitch))
    ws.wait_post(REP, "Good news")
    return pitch


def propose(ws: Workspace, pitch: int, place: str = "https://meet.example/acme") -> dict[str, Any]:
    ws.click(PM, "meeting_propose", str(pitch))
    view = ws.opened_modal("meeting_propose")
    answer: dict[str, Any] = ws.submit(
        PM,
        view,
        {
            "attendees": {"value": payloads.users_value([PM, BUYER])},
            "length": {"value": payloads.static_value("45")},
            "place": {"value": payloads.plain_value(place)},
        },
    ).json()
    return answer


def choices(call: Any) -> list[str]:
    return [
        block["accessory"]["value"]
        for block in call.args["blocks"]
        if block.get("accessory", {}).get("action_id") == "meeting_pick"
    ]


def ics_files(ws: Workspace, expected: int) -> list[Calendar]:
    """Wait until this many calendar files have arrived completely, then read them."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        done = [upload.content for upload in ws.fake.files.values() if upload.content]
        if len(done) >= expected:
            return [Calendar.from_ical(content) for content in done]
        time.sleep(0.05)
    raise AssertionError(f"expected {expected} calendar files, got {len(ws.fake.files)}")


def send_owed(deps: Any, client: Any, sessions: Any, prefix: str, timeout: float = 20) -> None:
    """Send the outbox rows a tick owed on its own (moved) clock until these keys are sent."""
    from storage.repositories import outbox
    from worker.sender import Sender

    sender = Sender(deps, client)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sender.run_once()
        with sessions() as session:
            statuses = {row.status for row in outbox.by_key_prefix(session=session, prefix=prefix)}
        if statuses == {"sent"}:
            return
        time.sleep(0.05)
    raise AssertionError(f"the rows {prefix}… were not sent: {statuses}")


def test_propose_book_move_and_cancel_with_calendar_files(workspace: Workspace, sessions) -> None:
    ws = workspace
    pitch = shortlisted(ws, sessions)
    assert "meeting_propose" in json.dumps(ws.command(PM, "C0ORG", "meet").json())
    refused = propose(ws, pitch, place="  ")
    assert "place" in refused["errors"]
    assert propose(ws, pitch) == {}
    offer = ws.wait_post(REP, "would like to meet you")
    times = choices(offer)
    assert len(times) == 3
    starts = [datetime.fromisoformat(value.partition(":")[2]) for value in times]
    assert all(is_working_day(start.date()) for start in starts)
    assert all(9 <= start.hour and (start + timedelta(minutes=45)).hour <= 16 for start in starts)
    assert len({start.date() for start in starts}) == 3

    ws.click(REP, "meeting_more", times[0].partition(":")[0])
    more = ws.wait_response("would like to meet you")
    later = [
        b["accessory"]["value"]
        for b in more["blocks"]
        if b.get("accessory", {}).get("action_id") == "meeting_pick"
    ]
    assert later and not set(later) & set(times)

    ws.click(REP, "meeting_pick", later[0])
    for person in (PM, BUYER, REP):
        ws.wait_post(person, "Meeting booked")
    with sessions() as session:
        meeting = session.scalars(select(MeetingRow)).one()
    assert meeting.status == "booked"
    assert meeting.starts_at == datetime.fromisoformat(later[0].partition(":")[2])
    calendars = ics_files(ws, 3)  # one for each participant
    event = calendars[0].walk("VEVENT")[0]
    assert str(event["uid"]) == f"meeting-{meeting.id}@matchday"
    assert event["sequence"] == 0
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"

    ws.fake.reset_calls()
    ws.click(PM, "meeting_reschedule", str(meeting.id))
    moved_offer = ws.wait_post(REP, "would like to meet you")
    ws.click(REP, "meeting_pick", choices(moved_offer)[1])
    ws.wait_post(PM, "Meeting moved")
    with sessions() as session:
        moved = session.scalars(select(MeetingRow)).one()
    assert moved.sequence == 1

    ws.click(NOBODY, "meeting_cancel", str(meeting.id))
    ws.wait_response("Only the people invited")
    ws.click(REP, "meeting_cancel", str(meeting.id))
    ws.wait_post(PM, "cancelled the meeting")
    with sessions() as session:
        assert session.scalars(select(MeetingRow.status)).one() == "cancelled"
    cancels = [cal for cal in ics_files(ws, 9) if cal["method"] == "CANCEL"]
    assert len(cancels) == 3
    assert cancels[0].walk("VEVENT")[0]["sequence"] == 2


def test_booked_meetings_are_avoided_in_new_proposals(workspace: Workspace, sessions) -> None:
    ws = workspace
    pitch = shortlisted(ws, sessions)
    propose(ws, pitch)
    first = choices(ws.wait_post(REP, "would like to meet you"))
    ws.click(REP, "meeting_pick", first[0])
    ws.wait_post(PM, "Meeting booked")
    ws.fake.reset_calls()
    propose(ws, pitch)
    second = choices(ws.wait_post(REP, "would like to meet you"))
    assert first[0].partition(":")[2] not in [value.partition(":")[2] for value in second]


def test_reminder_and_follow_up_after_the_meeting(
    workspace: Workspace, sessions, database_url
) -> None:
    from bot.app import make_client, new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from handlers.meeting_follow_up import remind_and_ask

    ws = workspace
    pitch = shortlisted(ws, sessions)
    propose(ws, pitch)
    ws.click(REP, "meeting_pick", choices(ws.wait_post(REP, "would like to meet you"))[0])
    ws.wait_post(PM, "Meeting booked")
    with sessions() as session:
        meeting = session.scalars(select(MeetingRow)).one()
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=ws.fake.api_url,
    )
    base = new_deps(settings)
    clock = FixedClock(meeting.starts_at - timedelta(minutes=30))
    deps = type(base)(base.settings, base.engine, base.sessions, base.after_ack, clock)
    client = make_client(settings)
    assert remind_and_ask(deps, client) == 0
    clock.set(meeting.starts_at - timedelta(minutes=9))
    assert remind_and_ask(deps, client) == 1
    send_owed(deps, client, sessions, f"meeting:{meeting.id}:reminder")
    for person in (PM, BUYER, REP):
        ws.wait_post(person, "In 10 minutes")
    assert remind_and_ask(deps, client) == 0
    clock.set(meeting.ends_at + timedelta(minutes=1))
    assert remind_and_ask(deps, client) == 1
    assert remind_and_ask(deps, client) == 0
    send_owed(deps, client, sessions, f"meeting:{meeting.id}:follow_up")
    question = ws.wait_post(REP, "Would you like to follow up?")
    assert "meeting_follow_up" in json.dumps(question.args)
    ws.click(REP, "meeting_follow_up", f"{meeting.id}:yes")
    ws.wait_response("Your answer is recorded")
    ws.click(NOBODY, "meeting_follow_up", f"{meeting.id}:no")
    ws.wait_response("Only the meeting's participants")
    ws.click(BUYER, "meeting_follow_up", f"{meeting.id}:yes")
    offer = ws.wait_post(PM, "Both sides want to follow up")
    assert "pilot_from_pitch" in json.dumps(offer.args)
    ws.click(REP, "meeting_note", str(meeting.id))
    note = ws.opened_modal("meeting_note")
    assert (
        ws.submit(
            REP, note, {"note": {"value": payloads.plain_value("Send the DPIA draft")}}
        ).json()
        == {}
    )
    with sessions() as session:
        rows = {row.side: (row.answer, row.note) for row in session.scalars(select(FollowUpRow))}
    assert rows == {"startup": ("yes", "Send the DPIA draft"), "organisation": ("yes", "")}
    base.engine.dispose()
