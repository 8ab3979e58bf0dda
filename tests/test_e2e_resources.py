"""End to end: the resource library and its offers at each stage, and the list of upcoming
matchdays, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.programme import OrganisationKind
from sandbox import payloads
from storage.models import MatchdayRow, MeetingParticipantRow, MeetingRow, ResourceRow
from storage.repositories import organisations, startups
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_meetings import choices, propose, shortlisted
from tests.test_e2e_programme import BUYER, NOBODY, PM, REP

NDA = "https://docs.example.org/nda-template.docx"
CHECKLIST = "https://files.fake.slack.test/files-pri/T0FAKE-F0CHECK/meeting-checklist.pdf"


def item_values(
    stage: str | None = "pitch",
    title: str = "NDA template",
    description: str = "A mutual non-disclosure agreement to sign before a pitch meeting.",
    link: str | None = NDA,
    files: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "stage": {"value": payloads.static_value(stage)},
        "title": {"value": payloads.plain_value(title)},
        "description": {"value": payloads.plain_value(description)},
        "link": {"value": payloads.plain_value(link)},
    }
    if files is not None:
        values["file"] = {"value": {"type": "file_input", "files": files}}
    return values


def stored(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str | None]]:
    with sessions() as session:
        rows = session.scalars(select(ResourceRow).order_by(ResourceRow.id)).all()
    return [(row.stage, row.title, row.url, row.file_id) for row in rows]


def add_item(ws: Workspace, values: dict[str, Any], actor: str = ADMIN) -> dict[str, Any]:
    ws.click(actor, "resources_add", "new")
    view = ws.opened_modal("resource_save")
    answer: dict[str, Any] = ws.submit(actor, view, values).json()
    return answer


def test_admins_keep_the_library_and_everyone_reads_it(workspace: Workspace, sessions) -> None:
    ws = workspace
    empty = json.dumps(ws.command(NOBODY, "C0ORG", "resources").json())
    assert "have not added any material yet" in empty
    assert "resources_add" not in empty
    admin_view = json.dumps(ws.command(ADMIN, "C0ORG", "resources").json())
    assert "The library is empty" in admin_view
    assert "resources_add" in admin_view

    for link in ("ftp://docs.example.org/nda.docx", "javascript:alert(1)", "docs.example.org"):
        refused = add_item(ws, item_values(link=link))
        assert set(refused["errors"]) == {"link"}, link
        assert "http:// or https://" in refused["errors"]["link"]
    neither = add_item(ws, item_values(stage=None, link=None))
    assert set(neither["errors"]) == {"stage", "link"}
    both = add_item(ws, item_values(files=[{"id": "F0CHECK", "permalink": CHECKLIST}]))
    assert "not both" in both["errors"]["link"]
    assert stored(sessions) == []

    assert add_item(ws, item_values()) == {}
    library = ws.wait_response("Saved *NDA template*")
    assert library["replace_original"] is True
    assert f"<{NDA}|NDA template>" in json.dumps(library)
    checklist = item_values(
        stage="meeting",
        title="Meeting preparation checklist",
        description="What to prepare for a 1:1 meeting <!here>.",
        link=None,
        files=[{"id": "F0CHECK", "name": "checklist.pdf", "permalink": CHECKLIST}],
    )
    assert add_item(ws, checklist) == {}
    ws.wait_response("Saved *Meeting preparation checklist*")
    assert stored(sessions) == [
        ("pitch", "NDA template", NDA, None),
        ("meeting", "Meeting preparation checklist", CHECKLIST, "F0CHECK"),
    ]

    # Everyone reads it, grouped by stage in funnel order, user text escaped.
    shown = json.dumps(ws.command(NOBODY, "C0ORG", "resources").json())
    assert shown.index("*Pitching*") < shown.index("NDA template") < shown.index("*Meetings*")
    assert "&lt;!here&gt;" in shown
    assert "<!here>" not in shown
    assert "resources_edit" not in shown

    # Non-admins cannot add, even by replaying a button or forging the form.
    ws.click(PM, "resources_add", "new")
    ws.wait_response("Only programme admins can change the resource library")
    ws.click(ADMIN, "resources_add", "new")
    form = ws.opened_modal("resource_save")
    forged = ws.submit(PM, form, item_values(title="Sneaky")).json()
    assert "Only programme admins" in forged["errors"]["title"]

    # Edit: the form opens filled in; a file item keeps its file unless replaced.
    with sessions() as session:
        checklist_id = session.scalars(
            select(ResourceRow.id).where(ResourceRow.stage == "meeting")
        ).one()
    ws.click(ADMIN, "resources_edit", str(checklist_id))
    edit = ws.opened_modal("resource_save")
    assert edit["blocks"][1]["element"]["initial_value"] == "Meeting preparation checklist"
    renamed = item_values(
        stage="meeting", title="Checklist before a meeting", description="Prepare.", link=None
    )
    assert ws.submit(ADMIN, edit, renamed).json() == {}
    ws.wait_response("Saved *Checklist before a meeting*")
    assert stored(sessions)[1] == (
        "meeting",
        "Checklist before a meeting",
        CHECKLIST,
        "F0CHECK",
    )

    # Remove, from the same form.
    ws.click(ADMIN, "resources_edit", str(checklist_id))
    remove = ws.opened_modal("resource_save")
    values = {**renamed, "remove": {"value": payloads.checkboxes_value(["remove"])}}
    assert ws.submit(ADMIN, remove, values).json() == {}
    ws.wait_response("Removed *Checklist before a meeting*")
    assert [title for _stage, title, _url, _file in stored(sessions)] == ["NDA template"]


def test_a_meeting_confirmation_offers_the_meeting_items(workspace: Workspace, sessions) -> None:
    ws = workspace
    pitch = shortlisted(ws, sessions)
    assert add_item(ws, item_values()) == {}  # a pitch item: not offered with meetings
    ws.wait_response("Saved *NDA template*")
    meeting_item = item_values(
        stage="meeting",
        title="Meeting preparation checklist",
        description="Questions to ask.",
        link="https://docs.example.org/checklist.pdf",
    )
    assert add_item(ws, meeting_item) == {}
    ws.wait_response("Saved *Meeting preparation checklist*")

    assert propose(ws, pitch) == {}
    offer = ws.wait_post(REP, "would like to meet you")
    ws.click(REP, "meeting_pick", choices(offer)[0])
    for person in (PM, BUYER, REP):
        confirmation = json.dumps(ws.wait_post(person, "Meeting booked").args)
        assert "Meeting preparation checklist" in confirmation
        assert "https://docs.example.org/checklist.pdf" in confirmation
        assert "NDA template" not in confirmation


def test_upcoming_matchdays_show_place_or_link_and_your_own_meetings(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    assert "No matchday is planned yet" in json.dumps(ws.command(REP, "D0REP", "matchdays").json())
    today = datetime.now(UTC).date()
    with sessions.begin() as session:
        organisation, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0ORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        acme = startups.register(
            session=session,
            actor=ADMIN,
            name="Acme <!channel>",
            org_number="556016-0680",
            website="https://acme.example",
            sector="health",
            description="d",
            representatives=[REP],
        )

        def matchday(title: str, days: int, **fields: Any) -> MatchdayRow:
            row = MatchdayRow(
                title=title,
                day=today + timedelta(days=days),
                starts=time(9),
                ends=time(16),
                meeting_minutes=30,
                tables=3,
                timezone="Europe/Stockholm",
                availability_deadline=today + timedelta(days=days - 3),
                created_by=ADMIN,
                **fields,
            )
            session.add(row)
            session.flush()
            return row

        matchday("Matchday Autumn", -3, place="Old hall", status="published")
        spring = matchday("Matchday Health", 10, place="Stadshuset, room 3", status="published")
        matchday(
            "Matchday Online",
            20,
            links=["https://meet.example/t1", "https://meet.example/t2"],
            status="collecting",
        )
        start = datetime.combine(spring.day, time(10), tzinfo=UTC)
        meeting = MeetingRow(
            organisation_id=organisation.id,
            startup_id=acme.id,
            matchday_id=spring.id,
            slot=2,
            table_no=2,
            status="booked",
            length_minutes=30,
            place="Stadshuset, room 3",
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            proposed_by=ADMIN,
        )
        session.add(meeting)
        session.flush()
        session.add_all(
            [
                MeetingParticipantRow(meeting_id=meeting.id, user_id=PM, side="organisation"),
                MeetingParticipantRow(meeting_id=meeting.id, user_id=REP, side="startup"),
            ]
        )

    seen_by_rep = json.dumps(ws.command(REP, "D0REP", "matchdays").json(), ensure_ascii=False)
    assert "Matchday Autumn" not in seen_by_rep  # past
    assert seen_by_rep.index("Matchday Health") < seen_by_rep.index("Matchday Online")
    assert "Place: Stadshuset, room 3" in seen_by_rep
    assert "each table has its own video link" in seen_by_rep
    assert "Availability is collected until" in seen_by_rep
    assert "with *Södertälje kommun*, table 2" in seen_by_rep
    assert f"<!date^{int(start.timestamp())}^{{time}}" in seen_by_rep

    seen_by_pm = json.dumps(ws.command(PM, "C0ORG", "matchdays").json(), ensure_ascii=False)
    assert "with *Acme &lt;!channel&gt;*" in seen_by_pm
    assert "<!channel>" not in seen_by_pm

    seen_by_other = json.dumps(ws.command(NOBODY, "C0ORG", "matchdays").json())
    assert "Matchday Health" in seen_by_other
    assert "You have no meetings at this matchday" in seen_by_other
    assert "Acme" not in seen_by_other
