"""End to end: a meeting's messages arrive once, whatever Slack and impatient people do."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from storage.models import MeetingRow, OutboxRow
from tests.e2e import RETRIED, Workspace
from tests.test_e2e_meetings import choices, propose, shortlisted
from tests.test_e2e_programme import BUYER, PM, REP

EVERYONE = (PM, BUYER, REP)


def settled(sessions: sessionmaker[Session], prefix: str, timeout: float = RETRIED) -> None:
    """Wait until every outbox row whose key starts with ``prefix`` has been sent."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.key.startswith(prefix)))
            statuses = [row.status for row in rows]
        if statuses and set(statuses) == {"sent"}:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"rows {prefix}… not all sent: {statuses}")
        time.sleep(0.05)


def delivered(ws: Workspace, person: str, text: str) -> int:
    """How many messages in the person's DM contain this text (what Slack really holds)."""
    return sum(text in message.get("text", "") for message in ws.fake.messages(person))


def calendar_files(ws: Workspace) -> list[str]:
    """The channels each completed calendar file was shared in."""
    return [
        channel
        for upload in ws.fake.files.values()
        if upload.completed and upload.filename.endswith(".ics")
        for channel in upload.channels
    ]


def offered(ws: Workspace, sessions: sessionmaker[Session]) -> tuple[int, list[str]]:
    pitch = shortlisted(ws, sessions)
    assert propose(ws, pitch) == {}
    times = choices(ws.wait_post(REP, "would like to meet you", timeout=10))
    with sessions() as session:
        meeting_id = session.scalars(select(MeetingRow.id)).one()
    return meeting_id, times


def test_booking_while_slack_fails_gives_each_side_one_confirmation(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    meeting_id, times = offered(ws, sessions)
    ws.fake.fail_next("chat.postMessage", status=500, count=3)
    ws.click(REP, "meeting_pick", times[0])
    ws.wait_response("Booked")
    settled(sessions, f"meeting:{meeting_id}:booked@")
    settled(sessions, f"meeting:{meeting_id}:ics@")
    failed = [c for c in ws.fake.calls_to("chat.postMessage") if not c.succeeded]
    assert len(failed) == 3
    for person in EVERYONE:
        assert delivered(ws, person, "Meeting booked") == 1
    shared = calendar_files(ws)
    assert len(shared) == 3 and all(channel.startswith("D") for channel in shared)


def test_book_clicked_twice_books_once_and_confirms_once(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    meeting_id, times = offered(ws, sessions)
    url = ws.fake.new_response_url()
    # Two clicks at the same moment, and one more a little later, all on the same message.
    racers = [
        threading.Thread(target=ws.click, args=(REP, "meeting_pick", times[0], url))
        for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    settled(sessions, f"meeting:{meeting_id}:booked@")
    ws.click(REP, "meeting_pick", times[0], url)
    settled(sessions, f"meeting:{meeting_id}:ics@")
    with sessions() as session:
        meeting = session.scalars(select(MeetingRow)).one()
        confirmations = session.scalars(
            select(OutboxRow.key).where(OutboxRow.key.startswith(f"meeting:{meeting_id}:"))
        ).all()
    assert meeting.status == "booked" and meeting.version == 2 and meeting.sequence == 0
    assert len([key for key in confirmations if ":booked@" in key]) == 3
    for person in EVERYONE:
        assert delivered(ws, person, "Meeting booked") == 1
    assert len(calendar_files(ws)) == 3

    # Every click is answered with the booking as it stands. The answer is sent after the
    # click is handled, so the last one may come a moment after its booking settled.
    def answers() -> list[object]:
        return [c.args for c in ws.fake.calls_to("response_url") if "Booked" in str(c.args)]

    deadline = time.monotonic() + 10
    while len(answers()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(answers()) == 3


def test_the_same_proposal_form_submitted_twice_proposes_once(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    pitch = shortlisted(ws, sessions)
    ws.click(PM, "meeting_propose", str(pitch))
    view = ws.opened_modal("meeting_propose")
    body = payloads.view_submission(
        user_id=PM,
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        view_id="V0SAMEFORM1",
        values={
            "attendees": {"value": payloads.users_value([PM, BUYER])},
            "length": {"value": payloads.static_value("30")},
            "place": {"value": payloads.plain_value("Stadshuset, room 3")},
        },
    )
    answers: list[int] = []

    def submit() -> None:
        answers.append(ws._post(body, "application/x-www-form-urlencoded").status)

    racers = [threading.Thread(target=submit) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    submit()  # and once more, after both
    assert answers == [200, 200, 200]
    with sessions() as session:
        meeting_id = session.scalars(select(MeetingRow.id)).one()
    settled(sessions, f"meeting:{meeting_id}:")
    assert delivered(ws, REP, "would like to meet you") == 1
    assert delivered(ws, PM, "Proposed three times") == 1


def test_asking_for_another_meeting_tells_the_group_once(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    meeting_id, times = offered(ws, sessions)
    ws.click(REP, "meeting_pick", times[0])
    ws.wait_post(PM, "Meeting booked", timeout=10)
    for _ in range(2):
        ws.click(REP, "meeting_next", str(meeting_id))
        ws.wait_response("they have been told you would like one")
    settled(sessions, f"meeting:{meeting_id}:another:")
    for person in (PM, BUYER):
        assert delivered(ws, person, "would like another meeting") == 1
    asked = ws.wait_post(BUYER, "would like another meeting")
    assert "meeting_next" in str(asked.args)
