"""End to end: the registrar's export of what an organisation received, on both databases."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.programme import Role
from storage.models import PitchDecisionRow, PitchRow, RegisterExportRow, StartupRow
from storage.models.pilots import CheckinRow, PilotPersonRow, PilotRow
from storage.repositories import needs, pitches
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import REP2, open_pitch_form, pitch_values, programme, send_pitch
from tests.test_e2e_programme import BUYER, NOBODY, OTHER, PM, REP, org_id
from tests.test_e2e_questions import ask, question_ids

SODERTALJE = "Södertälje kommun"


def _files(ws: Workspace, user: str) -> set[str]:
    channel = ws.fake.dm_channel_id(user)
    return {key for key, f in ws.fake.files.items() if f.completed and channel in f.channels}


def export(ws: Workspace, user: str, channel: str, text: str) -> tuple[str, dict[str, Any]]:
    """Ask for an export; the answer, and the CSV rows and JSON of the files that arrive."""
    before = _files(ws, user)
    answer = json.dumps(ws.command(user, channel, text).json(), ensure_ascii=False)
    if "Exporting" not in answer:
        return answer, {}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        fresh = [ws.fake.files[key] for key in _files(ws, user) - before]
        if len(fresh) == 2:
            by_type = {f.filename.rsplit(".", 1)[-1]: f for f in fresh}
            text_csv = (by_type["csv"].content or b"").decode("utf-8-sig")
            return answer, {
                "csv": list(csv.DictReader(io.StringIO(text_csv))),
                "json": json.loads(by_type["json"].content or b"{}"),
            }
        time.sleep(0.05)
    raise AssertionError(f"the export's two files did not arrive: {answer}")


def ids(files: dict[str, Any]) -> list[str]:
    """The document ids in the CSV, checked against the JSON."""
    listed = [row["Document id"] for row in files["csv"]]
    assert [d["id"] for d in files["json"]["documents"]] == listed
    return listed


def exports_recorded(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count(RegisterExportRow.id))) or 0)


def seed_received(ws: Workspace, sessions: sessionmaker[Session]) -> dict[str, int]:
    """Two pitches (one marked), an answer, a startup's check-in; and what must not count."""
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    send_pitch(ws, REP2, opportunity, solution="Beta's own idea")
    ws.wait_post("C0ORG", "Pitch from Beta")
    now = datetime.now(UTC)
    with sessions.begin() as session:
        found = {
            name: pid
            for pid, name in session.execute(
                select(PitchRow.id, StartupRow.name).join(
                    StartupRow, StartupRow.id == PitchRow.startup_id
                )
            )
        }
        session.execute(
            update(PitchRow)
            .where(PitchRow.id == found["Acme"])
            .values(secret_sections=["solution", "references"], secret_reason="Patent pending")
        )
        answered = pitches.ask(
            session=session, pitch_id=found["Beta"], question="How many homes?", actor=PM, now=now
        )
        pitches.answer(session=session, question_id=answered.id, text="Ten", actor=REP2, now=now)
        pitches.ask(  # unanswered: nothing received yet
            session=session, pitch_id=found["Acme"], question="Price?", actor=PM, now=now
        )
        acme = session.scalars(select(StartupRow.id).where(StartupRow.name == "Acme")).one()
        pilot = PilotRow(
            organisation_id=org_id(sessions),
            startup_id=acme,
            pitch_id=found["Acme"],
            title="Fall sensors",
            channel_id="C0PILOT",
            start_date=date(2026, 1, 5),
            end_date=date(2026, 6, 5),
            cadence="weekly",
            weekday=0,
            checkin_time=clock_time(10),
            timezone="Europe/Stockholm",
            anchor_date=date(2026, 1, 5),
            created_by=PM,
        )
        session.add(pilot)
        session.flush()
        session.add(PilotPersonRow(pilot_id=pilot.id, user_id=REP, side="startup"))
        session.add(PilotPersonRow(pilot_id=pilot.id, user_id=PM, side="organisation"))
        checkins = []
        for seq, by in ((1, REP), (2, PM), (3, None)):
            row = CheckinRow(
                pilot_id=pilot.id,
                seq=seq,
                nominal_date=date(2026, 1, 5) + timedelta(weeks=seq),
                due_at=now - timedelta(days=10 - seq),
                answered_by=by,
                answered_at=now if by else None,
                status="on_track" if by else None,
                progress="fine" if by else "",
            )
            session.add(row)
            session.flush()
            checkins.append(row.id)
        region = org_id(sessions, "C0REGION")
        area = needs.add_area(
            session=session, actor=OTHER, organisation_id=region, title="Air", why="w"
        )
        regional = needs.publish(
            session=session,
            actor=OTHER,
            organisation_id=region,
            focus_area_id=area.id,
            title="Cleaner air",
            description="d",
            deadline=now.date() + timedelta(days=14),
            contact_role=Role.BUYER,
            channel_id="C0OPPS",
        )
    # A question a startup asked about the opportunity is a document received too.
    ask(ws, REP2, opportunity, text="SECRET-QUESTION: is the budget fixed?")
    send_pitch(ws, REP2, regional.id, solution="Air filters")
    ws.wait_post("C0REGION", "Pitch from Beta")
    with sessions() as session:
        region_pitch = session.scalars(
            select(PitchRow.id).where(PitchRow.opportunity_id == regional.id)
        ).one()
    return {
        "question": question_ids(sessions)[0],
        "acme": found["Acme"],
        "beta": found["Beta"],
        "answer": answered.id,
        "checkin": checkins[0],
        "region": region_pitch,
        "opportunity": opportunity,
    }


def test_the_registrar_gets_what_arrived_once_then_only_news(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    seeded = seed_received(ws, sessions)
    expected = {
        f"MD-PITCH-{seeded['acme']}",
        f"MD-PITCH-{seeded['beta']}",
        f"MD-ANSWER-{seeded['answer']}",
        f"MD-CHECKIN-{seeded['checkin']}",
        f"MD-QUESTION-{seeded['question']}",
    }

    answer, files = export(ws, PM, "C0ORG", "export register")
    assert sorted(ids(files)) == sorted(expected)
    assert "Exporting 5 documents received by *Södertälje kommun* for the registrar" in answer
    assert set(ids(files)) == expected
    rows = {row["Document id"]: row for row in files["csv"]}
    acme = rows[f"MD-PITCH-{seeded['acme']}"]
    assert acme["Sender"] == "Acme"
    assert acme["Organisation number"] == "556016-0680"
    assert acme["Opportunity"] == "Fewer falls at home"
    assert acme["Subject"] == "Pitch from Acme for the opportunity Fewer falls at home"
    assert acme["Secrecy marking"] == (
        "Marked as trade secret: Solution, References. Reason given: Patent pending"
    )
    assert rows[f"MD-PITCH-{seeded['beta']}"]["Secrecy marking"] == ""
    assert rows[f"MD-CHECKIN-{seeded['checkin']}"]["Subject"] == (
        "Check-in 1 of the pilot Fall sensors from Acme"
    )
    marked = next(d for d in files["json"]["documents"] if d["id"] == acme["Document id"])
    assert marked["secrecy"] == {"sections": ["solution", "references"], "reason": "Patent pending"}
    assert files["json"]["organisation"] == SODERTALJE
    # Register entries only: the pitch text and the people stay in Matchday.
    everything = json.dumps(files, ensure_ascii=False)
    assert rows[f"MD-QUESTION-{seeded['question']}"]["Subject"] == (
        "Question from Beta about the opportunity Fewer falls at home"
    )
    for absent in (
        "SECRET-ACME-SOLUTION",
        "SECRET-QUESTION",
        "Ten",
        REP,
        PM,
        "Air filters",
        "Cleaner air",
    ):
        assert absent not in everything, absent

    # Nothing new: a polite answer naming the last export, and nothing recorded.
    assert exports_recorded(sessions) == 1
    answer, files = export(ws, PM, "C0ORG", "export register")
    assert "Nothing new for the registrar of *Södertälje kommun* since the last export" in answer
    assert "<!date^" in answer
    assert "export register Södertälje kommun all" in answer
    assert files == {}
    assert exports_recorded(sessions) == 1

    # An edit is a new document; a project manager of one organisation names none.
    view = open_pitch_form(ws, REP, seeded["opportunity"])
    assert ws.submit(REP, view, pitch_values("Sharper sensors")).json() == {}
    ws.wait_post(REP, "was updated")
    with sessions() as session:
        edit = session.scalars(
            select(PitchDecisionRow.id).where(PitchDecisionRow.decision == "edited")
        ).one()
    answer, files = export(ws, PM, "D0PM", "export register")
    assert "Exporting 1 document received by" in answer
    assert ids(files) == [f"MD-PITCH-{seeded['acme']}-EDIT-{edit}"]
    assert files["csv"][0]["Subject"].startswith("Changed pitch from Acme")

    # `all` exports everything again, same ids.
    answer, files = export(ws, PM, "C0ORG", "export register all")
    assert "Exporting 6 documents" in answer
    assert set(ids(files)) == expected | {f"MD-PITCH-{seeded['acme']}-EDIT-{edit}"}
    assert exports_recorded(sessions) == 3


def test_only_project_managers_and_admins_export_for_the_registrar(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    seeded = seed_received(ws, sessions)
    for person, channel in ((BUYER, "C0ORG"), (REP, "D0REP"), (OTHER, "C0REGION")):
        answer, files = export(ws, person, channel, "export register")
        assert "Only the organisation's project managers and programme admins" in answer, person
        assert files == {}
    answer, _files = export(ws, NOBODY, "D0NOBODY", "export register")
    assert "Only project groups, startups and programme admins" in answer
    # A project manager of Södertälje may not export the region's documents.
    answer, _files = export(ws, PM, "C0ORG", "export register Region Stockholm")
    assert "Only the organisation's project managers and programme admins" in answer
    assert exports_recorded(sessions) == 0

    # Admins name the organisation (or ask in its channel).
    answer, _files = export(ws, ADMIN, "D0ADMIN", "export register")
    assert "Name the organisation" in answer
    answer, _files = export(ws, ADMIN, "D0ADMIN", "export register Nowhere Town")
    assert "I know no organisation called *Nowhere Town*" in answer
    answer, files = export(ws, ADMIN, "D0ADMIN", "export register region stockholm")
    assert "Exporting 1 document received by *Region Stockholm*" in answer
    assert ids(files) == [f"MD-PITCH-{seeded['region']}"]
    answer, files = export(ws, ADMIN, "C0ORG", "export register")
    assert "Exporting 5 documents" in answer

    helped = json.dumps(ws.command(PM, "C0ORG", "help").json())
    assert "export register [organisation] [all]" in helped
    assert "export register" not in json.dumps(ws.command(BUYER, "C0ORG", "help").json())
