"""End to end: /matchday privacy, a person's own data and their erasure, on both databases.

A startup representative with a pitch, decisions, a meeting, a follow-up, a pilot check-in,
audit entries and messages owed: their export holds every row naming them and nobody else;
an approved erasure leaves no trace of their id, name or address in any column of any table,
while the decision log and the audit log keep a pseudonym.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import JSON, String, Text, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import (
    AuditEntry,
    Base,
    CheckinRow,
    FollowUpRow,
    MeetingParticipantRow,
    MeetingRow,
    OutboxRow,
    PilotPersonRow,
    PilotRow,
    PitchDecisionRow,
    PitchRow,
    StartupRow,
)
from storage.models.privacy import ErasureRequestRow
from storage.repositories import audit, people
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import REP2, programme, send_pitch
from tests.test_e2e_programme import BUYER, PM, REP, org_id

ADMIN2 = "UADMIN0002"
REP_NAME = "Astrid Lindqvist"
REP_EMAIL = "astrid.lindqvist@acme.example"
BUYER_NAME = "Bertil Byqvist"
PSEUDONYM = re.compile(r"^erased-[0-9a-f]{6}$")


def _people(ws: Workspace) -> None:
    ws.fake.add_user(REP, "startup.rep", real_name=REP_NAME, email=REP_EMAIL)
    ws.fake.add_user(BUYER, "buyer", real_name=BUYER_NAME)
    ws.fake.add_user(ADMIN2, "second.admin", real_name="Signe Sekund")


def seed(ws: Workspace, sessions: sessionmaker[Session]) -> int:
    """The representative's traces all over Matchday; the pitch's id."""
    _people(ws)
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    with sessions() as session:
        pitch = session.scalars(select(PitchRow)).one()
        pitch_id, startup_id = pitch.id, pitch.startup_id
    ws.click(BUYER, "pitch_shortlist", str(pitch_id))
    ws.wait_post(REP, "Good news")
    organisation = org_id(sessions)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        session.execute(
            update(StartupRow)
            .where(StartupRow.id == startup_id)
            .values(contacts=f"{REP_NAME}, {REP_EMAIL}, +46 70 123 45 67")
        )
        meeting = MeetingRow(
            organisation_id=organisation,
            startup_id=startup_id,
            pitch_id=pitch_id,
            status="booked",
            length_minutes=30,
            place=f"Room 3, ask for <@{REP}>",
            proposed_by=BUYER,
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, minutes=30),
        )
        session.add(meeting)
        session.flush()
        session.add_all(
            [
                MeetingParticipantRow(meeting_id=meeting.id, user_id=REP, side="startup"),
                MeetingParticipantRow(meeting_id=meeting.id, user_id=BUYER, side="organisation"),
                FollowUpRow(
                    meeting_id=meeting.id,
                    side="startup",
                    answer="yes",
                    note=f"Good talk with {BUYER_NAME}; {REP_NAME} will send a plan.",
                    answered_by=REP,
                    answered_at=now,
                ),
            ]
        )
        pilot = PilotRow(
            organisation_id=organisation,
            startup_id=startup_id,
            pitch_id=pitch_id,
            title="Fall sensors in ten homes",
            channel_id="C0PILOT",
            start_date=date.today(),
            end_date=date.today() + timedelta(days=90),
            cadence="weekly",
            weekday=1,
            checkin_time=clock_time(10, 0),
            timezone="Europe/Stockholm",
            anchor_date=date.today(),
            created_by=PM,
        )
        session.add(pilot)
        session.flush()
        session.add_all(
            [
                PilotPersonRow(pilot_id=pilot.id, user_id=REP, side="startup"),
                PilotPersonRow(pilot_id=pilot.id, user_id=PM, side="organisation"),
                CheckinRow(
                    pilot_id=pilot.id,
                    seq=1,
                    nominal_date=date.today(),
                    due_at=now,
                    status="on_track",
                    progress=f"Sensors installed by {REP_NAME} with <@{PM}>",
                    next_steps="Five more homes",
                    blockers="",
                    answered_by=REP,
                    answered_at=now,
                ),
            ]
        )
        audit.record(
            session=session,
            actor=ADMIN,
            action="startup.contact_checked",
            subject=f"startup:{startup_id}",
            detail=f"{REP_NAME} <{REP_EMAIL}> confirmed by <@{ADMIN}>",
        )
    return pitch_id


def every_text(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    """(table, column, text) for every text and JSON value of every table in the database."""
    found = []
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in session.execute(select(*columns)).all():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value)
                        found.append((table.name, column.name, text))
    return found


def traces(sessions: sessionmaker[Session]) -> list[str]:
    """Where the representative's id, name, handle or address still is."""
    needles = (REP, REP_NAME.lower(), REP_EMAIL, "startup.rep", "astrid")
    return [
        f"{table}.{column}: {text[:120]}"
        for table, column, text in every_text(sessions)
        if any(needle.lower() in text.lower() for needle in needles)
    ]


def owing_nothing_now(sessions: sessionmaker[Session], timeout: float = 30.0) -> None:
    """Wait until the worker's sender has sent everything due (it rewrites rows it sends)."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            owed = session.scalars(
                select(OutboxRow.key).where(
                    (OutboxRow.status == "sending")
                    | ((OutboxRow.status == "pending") & (OutboxRow.due_at <= datetime.now(UTC)))
                )
            ).all()
        if not owed:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still owed: {owed}")
        time.sleep(0.05)


def kept_state(sessions: sessionmaker[Session]) -> list[str]:
    """Their traces, but for the record of clicks received (every click adds one)."""
    return [trace for trace in traces(sessions) if not trace.startswith("interactions.")]


def export_file(ws: Workspace, user: str) -> dict[str, Any]:
    """Click the export button and read the JSON file that arrives in the person's DM."""
    channel = ws.fake.dm_channel_id(user)
    before = {key for key, f in ws.fake.files.items() if channel in f.channels}
    ws.click(user, "privacy_export", "export")
    ws.wait_response("the file arrives in a direct message")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        fresh = [
            f
            for key, f in ws.fake.files.items()
            if f.completed and channel in f.channels and key not in before
        ]
        if fresh:
            assert fresh[0].filename.endswith(".json")
            loaded = json.loads(fresh[0].content or b"{}")
            assert isinstance(loaded, dict)
            return loaded
        time.sleep(0.05)
    raise AssertionError("the export did not arrive")


def request_card(ws: Workspace, admin: str) -> dict[str, Any]:
    """The admin's card for the newest request to be erased."""
    return ws.wait_post(admin, "asked to be erased").args


def request_id(sessions: sessionmaker[Session], requester: str) -> int:
    with sessions() as session:
        return int(
            session.scalars(
                select(ErasureRequestRow.id).where(ErasureRequestRow.requester == requester)
            ).one()
        )


def test_privacy_is_offered_to_everyone(workspace: Workspace) -> None:
    answer = json.dumps(workspace.command("UNOBODY001", "D0NOBODY", "privacy").json())
    assert "Send me what Matchday holds about me" in answer
    assert "Ask to be erased" in answer
    assert "privacy" in json.dumps(workspace.command("UNOBODY001", "D0NOBODY", "help").json())


def test_the_export_holds_every_row_naming_them_and_nobody_else(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    exported = export_file(ws, REP)
    tables = exported["tables"]
    for table in (
        "pitches",
        "pitch_decisions",
        "meetings",
        "meeting_participants",
        "follow_ups",
        "pilot_people",
        "pilot_checkins",
        "representatives",
        "startups",
        "audit_log",
        "outbox",
    ):
        assert table in tables, table
    assert len(tables["meeting_participants"]) == 1  # their own, not the buyer's
    assert len(tables["pilot_people"]) == 1
    decisions = {row["decision"]: row["decided_by"] for row in tables["pitch_decisions"]}
    assert decisions == {"submitted": REP}  # the buyer's shortlisting does not name them
    shown = json.dumps(exported, ensure_ascii=False)
    for somebody_else in (BUYER, PM, ADMIN, REP2, BUYER_NAME, "ubuyer0001@example.org"):
        assert somebody_else not in shown, somebody_else
    assert "another person" in shown
    assert REP_NAME in shown and REP_EMAIL in shown
    assert tables["meetings"][0]["proposed_by"] == "another person"
    assert all("payload" not in row for row in tables["outbox"])


def test_an_approved_erasure_leaves_no_trace_but_the_pseudonym(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    assert traces(sessions)  # the check can fail: before, they are everywhere

    ws.click(REP, "privacy_erase", "erase")
    ws.wait_response("sent to the programme admins")
    card = json.dumps(request_card(ws, ADMIN), ensure_ascii=False)
    assert "Must be kept" in card and "decisions on pitches" in card
    assert "Would be deleted" in card and "meeting participations" in card
    assert "privacy_approve" in card and "privacy_reject" in card

    ws.click(REP, "privacy_erase", "erase")
    ws.wait_response("You already asked to be erased on")
    with sessions() as session:
        assert len(session.scalars(select(ErasureRequestRow)).all()) == 1
        cards = session.scalars(select(OutboxRow).where(OutboxRow.kind == "privacy_erasure_card"))
        assert len(cards.all()) == 1  # one admin, one card: asking twice sent nothing new
    request = request_id(sessions, REP)

    ws.click(ADMIN, "privacy_approve", str(request))
    ws.wait_response("Approved")
    notice = ws.wait_post(REP, "has erased what it held about you", timeout=15)
    assert "pseudonym" in json.dumps(notice.args)
    # The admin's card loses its buttons, and its mention of the person.
    refreshed = ws._wait("chat.update", lambda c: "was approved by" in json.dumps(c.args), 10)
    assert REP not in json.dumps(refreshed.args) and "privacy_approve" not in json.dumps(
        refreshed.args
    )

    deadline = time.monotonic() + 10
    while traces(sessions) and time.monotonic() < deadline:
        time.sleep(0.1)  # the notice's own outbox row goes once Slack took it
    assert traces(sessions) == []

    with sessions() as session:
        decisions = session.scalars(select(PitchDecisionRow).order_by(PitchDecisionRow.id)).all()
        pseudonym = decisions[0].decided_by
        assert PSEUDONYM.match(pseudonym)
        assert [d.decided_by for d in decisions] == [pseudonym, BUYER]
        actors = set(session.scalars(select(AuditEntry.actor)))
        assert pseudonym in actors and ADMIN in actors
        done = session.scalars(select(ErasureRequestRow)).one()
        assert (done.state, done.requester, done.decided_by) == ("approved", pseudonym, ADMIN)
        assert done.summary and done.summary["kept"]["pitch_decisions"] == 1
        pitch = session.scalars(select(PitchRow)).one()
        assert pitch.submitted_by == pseudonym  # the pitch, a public document, stays
        assert session.scalars(select(MeetingParticipantRow.user_id)).all() == [BUYER]
        contacts = session.scalars(select(StartupRow.contacts).where(StartupRow.name == "Acme"))
        assert "+46 70 123 45 67" in contacts.one()
    # The opportunity's history still reads: the erased person shows as their pseudonym.
    history = json.dumps(ws.command(ADMIN, "C0ORG", "history falls").json(), ensure_ascii=False)
    assert pseudonym in history and REP not in history


def test_an_admin_is_not_erased_while_an_admin(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    ws.click(ADMIN, "privacy_erase", "erase")
    ws.wait_response("through the MATCHDAY_ADMINS setting")
    with sessions.begin() as session:
        people.add_admin(session=session, actor=ADMIN, user_id=ADMIN2)
    ws.click(ADMIN2, "privacy_erase", "erase")
    ws.wait_response("Ask another admin to remove you as admin first")
    with sessions() as session:
        assert session.scalars(select(ErasureRequestRow)).all() == []

    # Asked while not an admin, made one since: neither erased nor approving their own.
    ws.click(REP, "privacy_erase", "erase")
    ws.wait_response("sent to the programme admins")
    request = request_id(sessions, REP)
    with sessions.begin() as session:
        people.add_admin(session=session, actor=ADMIN, user_id=REP)
    owing_nothing_now(sessions)  # what the request's clicks sent is settled first
    before = kept_state(sessions)
    ws.click(REP, "privacy_approve", str(request))
    ws.wait_response("You cannot approve your own request")
    ws.click(ADMIN, "privacy_approve", str(request))
    ws.wait_response("remove them as admin first")
    time.sleep(0.5)
    assert kept_state(sessions) == before
    with sessions() as session:
        assert session.get(ErasureRequestRow, request).state == "pending"  # type: ignore[union-attr]


def test_a_rejected_request_changes_nothing_and_is_told(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    ws.click(REP, "privacy_erase", "erase")
    request_card(ws, ADMIN)
    request = request_id(sessions, REP)
    owing_nothing_now(sessions)
    before = kept_state(sessions)
    ws.click(BUYER, "privacy_reject", str(request))
    ws.wait_response("Only programme admins")
    ws.click(ADMIN, "privacy_reject", str(request))
    ws.wait_response("Rejected")
    ws.wait_post(REP, "did not approve your request to be erased")
    ws._wait("chat.update", lambda c: "was rejected by <@UADMIN0001>" in json.dumps(c.args), 10)
    ws.click(ADMIN, "privacy_approve", str(request))
    ws.wait_response("was rejected already")
    changed = {t.split(":")[0] for t in set(kept_state(sessions)) ^ set(before)}
    assert changed <= {"outbox.channel", "outbox.key", "outbox.payload", "audit_log.actor"}
    with sessions() as session:
        row = session.get(ErasureRequestRow, request)
        assert row is not None and (row.state, row.requester) == ("rejected", REP)
    ws.click(REP, "privacy_erase", "erase")  # rejected: they may ask again
    ws.wait_response("sent to the programme admins")
