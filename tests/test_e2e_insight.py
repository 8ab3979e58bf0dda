"""End to end: the funnel report, CSV exports and their confidentiality, App Home, the digest."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall

from sqlalchemy.orm import Session, sessionmaker

from bot.programme import Role
from sandbox import payloads
from storage.models import (
    AssessmentRow,
    FollowUpRow,
    MeetingParticipantRow,
    MeetingRow,
    PitchDecisionRow,
    PitchRow,
)
from storage.models.pilots import CheckinRow, PilotRow
from storage.repositories import needs, startups
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_programme import NOBODY, OTHER, PM, REP, add_member, org_id, setup_org

REP2 = "UREP000002"
NOW = datetime.now(UTC)
PAST = NOW - timedelta(days=20)


def seed(ws: Workspace, sessions: sessionmaker[Session]) -> tuple[int, int]:
    """Södertälje: 2 assessed areas, 2 opportunities, 3 pitches (2 shortlisted), 3 meetings
    held of which 2 led to a follow-up, 2 pilots (1 completed: procure; 1 blocked).
    Region Stockholm: 1 area, 1 opportunity, 1 pitch from Beta, nothing further."""
    setup_org(ws)
    setup_org(ws, "C0REGION", "Region Stockholm")
    add_member(ws, org_id(sessions), PM, "project_manager")
    add_member(ws, org_id(sessions, "C0REGION"), OTHER, "buyer")
    ws.wait_response("Added <@UOTHER0001>")
    sodertalje, region = org_id(sessions), org_id(sessions, "C0REGION")
    with sessions.begin() as session:
        acme = startups.register(
            session=session,
            actor=ADMIN,
            name="Acme",
            org_number="556016-0680",
            website="https://acme.example",
            sector="x",
            description="d",
            representatives=[REP],
        )
        beta = startups.register(
            session=session,
            actor=ADMIN,
            name="Beta",
            org_number="212000-0142",
            website="https://beta.example",
            sector="x",
            description="d",
            representatives=[REP2],
        )
        opportunities = []
        for organisation, count in ((sodertalje, 2), (region, 1)):
            for number in range(count):
                area = needs.add_area(
                    session=session,
                    actor=PM,
                    organisation_id=organisation,
                    title=f"A{number}",
                    why="w",
                )
                session.add(
                    AssessmentRow(
                        focus_area_id=area.id,
                        channel_id="C0X",
                        thread_ts=f"1.{organisation}{number}",
                        state="end",
                        started_by=PM,
                        last_activity_at=PAST,
                    )
                )
                opportunities.append(
                    needs.publish(
                        session=session,
                        actor=PM,
                        organisation_id=organisation,
                        focus_area_id=area.id,
                        title=f"Opportunity {organisation}-{number}",
                        description="SECRET-NOT-IN-CSV",
                        deadline=NOW.date() + timedelta(days=2),
                        contact_role=Role.PROJECT_MANAGER,
                        channel_id="C0OPPS",
                    )
                )
        pitch_rows = []
        for opportunity, startup, status in (
            (opportunities[0], acme, "shortlisted"),
            (opportunities[1], acme, "shortlisted"),
            (opportunities[1], beta, "submitted"),
            (opportunities[2], beta, "submitted"),
        ):
            pitch = PitchRow(
                opportunity_id=opportunity.id,
                startup_id=startup.id,
                solution=f"PITCH-{startup.name}-{opportunity.id}",
                fit="f",
                pilot="p",
                status=status,
                submitted_by=REP,
                submitted_at=PAST,
                updated_at=PAST,
            )
            session.add(pitch)
            session.flush()
            pitch_rows.append(pitch)
            if status == "shortlisted":
                session.add(
                    PitchDecisionRow(
                        pitch_id=pitch.id, decision="shortlisted", decided_by=PM, decided_at=PAST
                    )
                )
        for number, answers in enumerate((("yes", "yes"), ("yes", "no"), ("yes", "yes"))):
            start = PAST + timedelta(days=number, hours=1)
            meeting = MeetingRow(
                organisation_id=sodertalje,
                startup_id=acme.id,
                status="booked",
                length_minutes=30,
                place="Room",
                proposed=[],
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                proposed_by=PM,
            )
            session.add(meeting)
            session.flush()
            for side, answer in zip(("organisation", "startup"), answers, strict=True):
                session.add(
                    FollowUpRow(
                        meeting_id=meeting.id,
                        side=side,
                        answer=answer,
                        answered_by=PM,
                        answered_at=PAST,
                    )
                )
        upcoming = MeetingRow(
            organisation_id=sodertalje,
            startup_id=acme.id,
            status="booked",
            length_minutes=30,
            place="Room 7",
            proposed=[],
            starts_at=NOW + timedelta(days=3),
            ends_at=NOW + timedelta(days=3, minutes=30),
            proposed_by=PM,
        )
        session.add(upcoming)
        session.flush()
        session.add(MeetingParticipantRow(meeting_id=upcoming.id, user_id=PM, side="organisation"))
        for title, status, outcome in (
            ("Fall sensors", "completed", "procure"),
            ("Night checks", "active", None),
        ):
            pilot = PilotRow(
                organisation_id=sodertalje,
                startup_id=acme.id,
                title=title,
                channel_id="C0PILOT",
                start_date=PAST.date(),
                end_date=NOW.date() + timedelta(days=60),
                cadence="weekly",
                weekday=0,
                checkin_time=wall(10),
                timezone="Europe/Stockholm",
                anchor_date=PAST.date(),
                status=status,
                created_by=PM,
                outcome=outcome,
                completed_at=NOW - timedelta(days=1) if outcome else None,
            )
            session.add(pilot)
            session.flush()
            if status == "active":
                session.add(
                    CheckinRow(
                        pilot_id=pilot.id,
                        seq=1,
                        nominal_date=PAST.date(),
                        due_at=PAST,
                        posted_at=PAST,
                        status="blocked",
                        answered_by=PM,
                        answered_at=PAST,
                    )
                )
    del pitch_rows
    return sodertalje, region


def test_the_report_counts_the_funnel_for_each_role(workspace: Workspace, sessions) -> None:
    ws = workspace
    seed(ws, sessions)
    assert "Counting the funnel" in json.dumps(ws.command(ADMIN, "D0ADMIN", "report 365d").json())
    report = ws.wait_response("Programme report")
    shown = json.dumps(report, ensure_ascii=False)
    assert "Follow-up rate: 67%* (2 of 3 meetings led to a follow-up)" in shown
    for label, count in (
        ("Areas assessed", 3),
        ("Opportunities", 3),
        ("Pitches", 4),
        ("Shortlisted", 2),
        ("Meetings held", 3),
        ("Follow-ups", 2),
        ("Pilots started", 2),
        ("Pilots completed", 1),
    ):
        assert f"*{label}*\\n{count}" in shown, label
    assert "Procure: 1" in shown
    assert "*Region Stockholm*: 1 area," in shown
    png = ws._wait("files.completeUploadExternal", lambda c: True, 10)
    assert png is not None

    ws.fake.reset_calls()
    ws.command(PM, "C0ORG", "report 365d")
    mine = json.dumps(ws.wait_response("Programme report"), ensure_ascii=False)
    assert "*Pitches*\\n3" in mine
    assert "Region Stockholm" not in mine
    refused = json.dumps(ws.command(REP, "D0REP", "report").json())
    assert "Only project-group members and programme admins" in refused
    assert "could not read that period" in json.dumps(
        ws.command(ADMIN, "D0ADMIN", "report last tuesday").json()
    )


def _csv(ws: Workspace, user: str, kind: str) -> list[dict[str, str]]:
    before = {key for key, upload in ws.fake.files.items() if upload.content}
    ws.command(user, f"D{user[1:]}", f"export {kind}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fresh = [u for key, u in ws.fake.files.items() if u.content and key not in before]
        if fresh:
            return list(csv.DictReader(io.StringIO((fresh[0].content or b"").decode("utf-8-sig"))))
        time.sleep(0.05)
    raise AssertionError("no export arrived")


def test_exports_respect_confidentiality(workspace: Workspace, sessions) -> None:
    ws = workspace
    seed(ws, sessions)
    everything = _csv(ws, ADMIN, "pitches")
    assert len(everything) == 4
    assert "shortlisted" in everything[0]["decisions"]
    group = _csv(ws, PM, "pitches")
    assert {row["organisation"] for row in group} == {"Södertälje kommun"}
    assert len(group) == 3
    other = _csv(ws, OTHER, "pitches")
    assert [row["startup"] for row in other] == ["Beta"]
    own = _csv(ws, REP, "pitches")
    assert {row["startup"] for row in own} == {"Acme"}
    assert not any("PITCH-Beta" in json.dumps(row) for row in own)
    assert len(_csv(ws, REP2, "meetings")) == 0
    pilots = _csv(ws, PM, "pilots")
    assert {row["title"] for row in pilots} == {"Fall sensors", "Night checks"}
    assert "blocked" in {row["checkin_status"] for row in pilots}
    assert "Only " in json.dumps(ws.command(NOBODY, "D0NOBODY", "export pitches").json())


def test_app_home_shows_each_role_what_waits(workspace: Workspace, sessions) -> None:
    ws = workspace
    seed(ws, sessions)
    views = {}
    for person in (ADMIN, PM, REP):
        ws.event(payloads.app_home_opened_event(person))
        views[person] = json.dumps(
            ws._wait("views.publish", lambda c, p=person: c.args["user_id"] == p, 5).args["view"]
        )
    assert "Blocked pilots" in views[ADMIN]
    assert "Night checks" in views[ADMIN]
    assert "Opportunities closing within three days" in views[ADMIN]
    assert "Your coming meetings" in views[PM]
    assert "Room 7" in views[PM]
    assert "Night checks" in views[REP]
    assert "Blocked pilots" not in views[REP]
    for view in views.values():
        assert len(json.loads(view)["blocks"]) <= 100


def test_the_weekly_digest_goes_out_once_on_the_first_working_day(
    workspace: Workspace, sessions, database_url
) -> None:
    from bot.app import make_client, new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from handlers.digest import digest_day, send_weekly_digest
    from worker.sender import Sender

    assert digest_day(date(2026, 12, 9)) == date(2026, 12, 7)
    assert digest_day(date(2027, 3, 31)) == date(2027, 3, 30)  # Easter Monday 29 March
    ws = workspace
    seed(ws, sessions)
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=ws.fake.api_url,
        MATCHDAY_ADMINS=ADMIN,
    )
    base = new_deps(settings)
    clock = FixedClock(datetime(2027, 3, 29, 7, 30, tzinfo=UTC))  # Easter Monday, 09:30 local
    deps = type(base)(base.settings, base.engine, base.sessions, base.after_ack, clock)
    client = make_client(settings)
    assert send_weekly_digest(deps, client) == 0
    clock.set(datetime(2027, 3, 30, 5, 59, tzinfo=UTC))  # Tuesday 07:59 local
    assert send_weekly_digest(deps, client) == 0
    clock.set(datetime(2027, 3, 30, 6, 0, tzinfo=UTC))  # Tuesday 08:00 local
    assert send_weekly_digest(deps, client) == 1
    assert send_weekly_digest(deps, client) == 0
    # The digest is owed in the claim's transaction and sent by the outbox, on this clock.
    sender = Sender(deps, client)
    sender.drain()
    digest = ws.wait_post(ADMIN, "Your weekly digest")
    assert "Blocked pilots" in json.dumps(digest.args)
    clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    assert send_weekly_digest(deps, client) == 0
    sender.drain()
    assert len([m for m in ws.fake.messages(ADMIN) if "weekly digest" in json.dumps(m)]) == 1
    base.engine.dispose()
