"""End to end: a project group assesses a focus area in a thread and publishes an opportunity.

Runs on SQLite and PostgreSQL against `matchday serve` and the fake Slack.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.assessment import State
from sandbox import payloads
from storage.models import AnswerRow, AssessmentRow, OpportunityRow
from storage.repositories import assessments, needs
from tests.e2e import ServerProcess, Workspace
from tests.test_e2e_programme import BUYER, NOBODY, PM, TECH, add_member, org_id, setup_org

LONG = "Lång text 👩‍⚕️ 東京 " * 500  # about 10,000 characters


def ready_group(ws: Workspace, sessions: sessionmaker[Session]) -> int:
    setup_org(ws)
    organisation = org_id(sessions)
    for person, role in ((PM, "project_manager"), (BUYER, "buyer"), (TECH, "product_manager")):
        assert add_member(ws, organisation, person, role).json() == {}
    ws.wait_response("Added <@UTECH00001>")
    return organisation


def add_area(ws: Workspace, organisation: int, title: str, actor: str = PM) -> dict[str, Any]:
    ws.click(actor, "area_add", str(organisation))
    view = ws.opened_modal("area_add")
    answer: dict[str, Any] = ws.submit(
        actor,
        view,
        {
            "title": {"value": payloads.plain_value(title)},
            "why": {"value": payloads.plain_value("Because residents wait too long.")},
        },
    ).json()
    return answer


def start_assessment(ws: Workspace, organisation: int, title: str = "Elderly care") -> str:
    assert add_area(ws, organisation, title) == {}
    ws.wait_response(f"Added *{title}*")
    answer = ws.command(PM, "C0ORG", "assess")
    assert "Starting the assessment" in json.dumps(answer.json())
    root = ws.wait_post("C0ORG", "Needs assessment")
    thread_ts = str(root.response["ts"])
    ws.wait_post("C0ORG", "Step 1 of 6")
    return thread_ts


def current_state(sessions: sessionmaker[Session]) -> State:
    with sessions() as session:
        row = session.scalars(select(AssessmentRow)).one()
        return State(row.state)


def test_a_full_assessment_by_replies_and_forms_ends_in_a_published_card(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    organisation = ready_group(ws, sessions)
    thread = start_assessment(ws, organisation)

    ws.reply(PM, "C0ORG", thread, "Elderly care at home, because the over-80s double by 2040")
    ws.wait_post("C0ORG", "Recorded <@UPM0000001>'s answer to step 1 of 6")
    ws.wait_post("C0ORG", "Step 2 of 6")
    ws.reply(BUYER, "C0ORG", thread, "Falls at home <!channel> affect residents and staff")
    ws.wait_post("C0ORG", "Step 3 of 6")
    ws.click(TECH, "assess_skip", f"{_id(sessions)}:today")
    ws.wait_post("C0ORG", "skipped step 3 of 6")
    ws.reply(TECH, "C0ORG", thread, LONG)
    ws.wait_post("C0ORG", "Step 5 of 6")

    # Step 5 through the form, with a procurement route.
    ws.click(BUYER, "assess_form", f"{_id(sessions)}:constraints")
    form = ws.opened_modal("assess_answer")
    assert form["title"]["text"] == "Step 5 of 6"
    assert (
        ws.submit(
            BUYER,
            form,
            {
                "constraints": {
                    "value": payloads.plain_value("Must follow LOU; data stays in the EU")
                },
                "budget": {"value": payloads.plain_value("200-500 kSEK")},
                "timeline": {"value": payloads.plain_value("Pilot in spring")},
                "data": {"value": payloads.plain_value("Health data: DPIA needed")},
                "route": {"value": payloads.static_value("innovation_partnership")},
            },
        ).json()
        == {}
    )
    ws.wait_post("C0ORG", "Step 6 of 6")
    ws.reply(PM, "C0ORG", thread, "No mention here")
    ws.wait_ephemeral(PM, "Please mention the owner")
    ws.reply(PM, "C0ORG", thread, f"<@{BUYER}> owns it")
    summary = ws.wait_post("C0ORG", "Summary: Elderly care")
    shown = json.dumps(summary.args, ensure_ascii=False)
    assert "Innovation partnership" in shown
    assert "<@UBUYER0001>" in shown
    assert "<!channel>" not in shown
    assert "Falls at home @channel affect" in shown  # a broadcast in a reply: plain words
    assert all(
        len(block.get("text", {}).get("text", "")) <= 3000 for block in summary.args["blocks"]
    )

    with sessions() as session:
        stored = session.scalars(select(AnswerRow).where(AnswerRow.step == "outcome")).one()
        assert stored.fields["outcome"] == LONG.strip()  # stored whole, shown cut

    # A buyer may not publish; the project manager may.
    assessment_id = _id(sessions)
    ws.click(BUYER, "assess_publish", str(assessment_id))
    ws.wait_ephemeral(BUYER, "Only this group's project managers")
    ws.click(PM, "assess_publish", str(assessment_id))
    publish = ws.opened_modal("opportunity_publish")
    values = {
        "title": {"value": payloads.plain_value("Fewer falls at home")},
        "description": {"value": payloads.plain_value("We look for ways to prevent falls.")},
        "deadline": {"value": payloads.date_value("2020-01-01")},
        "contact_role": {"value": payloads.static_value("project_manager")},
    }
    refused = ws.submit(PM, publish, values).json()
    assert "deadline" in refused["errors"]
    with sessions() as session:
        assert session.scalars(select(OpportunityRow)).all() == []
    values["deadline"] = {
        "value": payloads.date_value((datetime.now(UTC) + timedelta(days=20)).date().isoformat())
    }
    assert ws.submit(PM, publish, values).json() == {}
    card = ws.wait_post("C0OPPS", "Fewer falls at home")
    assert "pitch_open" in json.dumps(card.args)
    assert "Södertälje kommun" in json.dumps(card.args, ensure_ascii=False)
    ws.wait_post("C0ORG", "Published *Fewer falls at home*")
    assert current_state(sessions) is State.END
    listing = json.dumps(ws.command(PM, "C0ORG", "areas").json())
    assert "published" in listing
    assert "Fewer falls at home" in listing


def _id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalars(select(AssessmentRow.id)).one())


def test_a_restart_in_the_middle_continues_at_the_same_step(
    workspace: Workspace, sessions: sessionmaker[Session], server: ServerProcess
) -> None:
    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    ws.reply(PM, "C0ORG", thread, "Elderly care")
    ws.wait_post("C0ORG", "Step 2 of 6")
    server.stop()
    server.start()
    ws.reply(BUYER, "C0ORG", thread, "Falls at home")
    ws.wait_post("C0ORG", "Recorded <@UBUYER0001>'s answer to step 2 of 6")
    ws.wait_post("C0ORG", "Step 3 of 6")
    assert current_state(sessions) is State.TODAY


def test_two_members_answering_the_same_step_at_once(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    results = []

    def answer(person: str) -> None:
        results.append(ws.reply(person, "C0ORG", thread, f"Answer from {person}")[1].status)

    racers = [threading.Thread(target=answer, args=(person,)) for person in (PM, BUYER)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert results == [200, 200]
    ws.wait_post("C0ORG", "Step 2 of 6")
    assert current_state(sessions) is State.CHALLENGE
    with sessions() as session:
        rows = session.scalars(select(AnswerRow)).all()
    assert len(rows) == 1
    loser = BUYER if rows[0].answered_by == PM else PM
    ws.wait_ephemeral(loser, "Someone else answered a moment before you")


def test_slack_retries_never_record_twice(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    event = payloads.message_event(PM, "C0ORG", "Elderly care", thread_ts=thread)
    assert ws.event(event, event_id="Ev0RETRY001").status == 200
    assert ws.event(event, event_id="Ev0RETRY001", retry=1).status == 200
    assert ws.event(event, event_id="Ev0RETRY001", retry=2).status == 200
    ws.wait_post("C0ORG", "Step 2 of 6")
    assert current_state(sessions) is State.CHALLENGE
    assert (
        len(
            [c for c in ws.fake.calls_to("chat.postMessage") if "Step 2 of 6" in json.dumps(c.args)]
        )
        == 1
    )


def test_outsiders_are_told_once_and_other_messages_are_ignored(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    ws.reply(NOBODY, "C0ORG", thread, "I have an opinion")
    ws.wait_ephemeral(NOBODY, "Only the project group's members can answer")
    ws.reply(NOBODY, "C0ORG", thread, "And another one")
    ws.event(payloads.message_event(PM, "C0ORG", "A message outside the thread"))
    ws.reply(PM, "C0ORG", "1700000000.000100", "A reply in some other thread")
    ws.reply(PM, "C0ORG", thread, "Elderly care")
    ws.wait_post("C0ORG", "Step 2 of 6")
    assert len(ws.fake.calls_to("chat.postEphemeral")) == 1
    assert current_state(sessions) is State.CHALLENGE


def test_an_edited_reply_updates_its_answer(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    ts, _answer = ws.reply(PM, "C0ORG", thread, "Eldrly care")
    ws.wait_post("C0ORG", "Step 2 of 6")
    edited = payloads.message_changed_event(PM, "C0ORG", ts, "Elderly care", thread_ts=thread)
    assert ws.event(edited).status == 200
    ws.wait_ephemeral(PM, "Updated the answer to step 1 of 6")
    with sessions() as session:
        assert session.scalars(select(AnswerRow)).one().fields == {"area": "Elderly care"}
    assert current_state(sessions) is State.CHALLENGE


def test_empty_answers_back_pause_and_resume(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    ws.reply(PM, "C0ORG", thread, "   ")
    ws.wait_ephemeral(PM, "An empty reply cannot be recorded")
    ws.reply(PM, "C0ORG", thread, "Elderly care")
    ws.wait_post("C0ORG", "Step 2 of 6")
    ws.click(PM, "assess_skip", f"{_id(sessions)}:challenge")
    ws.wait_ephemeral(PM, "required and cannot be skipped")
    ws.click(PM, "assess_back", f"{_id(sessions)}:challenge")
    ws.wait_post("C0ORG", "went back a step")
    assert current_state(sessions) is State.AREA
    ws.click(PM, "assess_pause", f"{_id(sessions)}:area")
    ws.wait_post("C0ORG", "paused the assessment at step 1 of 6")
    ws.reply(PM, "C0ORG", thread, "ignored while paused")
    assert current_state(sessions) is State.PAUSED
    answer = json.dumps(ws.command(BUYER, "C0ORG", "assess elderly").json())
    assert "step 1 of 6" in answer
    ws.wait_post("C0ORG", "Resumed by <@UBUYER0001>")
    assert current_state(sessions) is State.AREA


def test_areas_nudge_below_three_and_refuse_a_sixth(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    organisation = ready_group(ws, sessions)
    listing = json.dumps(ws.command(BUYER, "C0ORG", "areas").json())
    assert "Programmes like this work with 3 to 5 areas" in listing
    for number in range(4):
        assert add_area(ws, organisation, f"Area {number}") == {}
    # Two people open the form for a fifth area; only one of them can save it.
    ws.click(PM, "area_add", str(organisation))
    first = ws.opened_modal("area_add")
    ws.click(BUYER, "area_add", str(organisation))
    second = ws.opened_modal("area_add")
    values = {
        "title": {"value": payloads.plain_value("Area five")},
        "why": {"value": payloads.plain_value("It matters.")},
    }
    assert ws.submit(PM, first, values).json() == {}
    other = {**values, "title": {"value": payloads.plain_value("Area five, the other one")}}
    refused = ws.submit(BUYER, second, other).json()
    assert "Archive one before adding another" in refused["errors"]["title"]
    full = json.dumps(ws.command(BUYER, "C0ORG", "areas").json())
    assert "3 to 5 areas" not in full
    assert "area_add" not in full
    ws.click(BUYER, "area_add", str(organisation))
    ws.wait_response("Archive one before adding another")
    with sessions() as session:
        first_area = needs.overview(session=session, organisation_id=organisation)[0].area
    ws.click(PM, "area_archive", str(first_area.id))
    ws.wait_response("Archived *Area 0*")
    assert add_area(ws, organisation, "Area six") == {}
    with sessions() as session:
        assert needs.active_count(session=session, organisation_id=organisation) == 5
    outsider = json.dumps(ws.command(NOBODY, "C0ORG", "areas").json())
    assert "Only " in outsider


def test_stalled_assessments_get_one_nudge_on_working_days(
    workspace: Workspace, sessions: sessionmaker[Session], database_url: str
) -> None:
    from bot.app import new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from handlers.jobs import tick
    from handlers.nudges import nudge_stalled

    ws = workspace
    thread = start_assessment(ws, ready_group(ws, sessions))
    # Years ahead of the shared server's real clock (2037's calendar is 2026's).
    friday = datetime(2037, 12, 4, 10, 0, tzinfo=UTC)  # 11:00 in Stockholm
    with sessions.begin() as session:
        session.execute(update(AssessmentRow).values(last_activity_at=friday))
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=ws.fake.api_url,
    )
    deps = new_deps(settings)
    clock = FixedClock(friday + timedelta(days=6))  # Thursday: 4 working days later
    deps = type(deps)(deps.settings, deps.engine, deps.sessions, deps.after_ack, clock)
    from bot.app import make_client

    client = make_client(settings)
    assert nudge_stalled(deps, client) == 0
    clock.set(friday + timedelta(days=8))  # Saturday 12 Dec: a weekend, no nudge
    assert nudge_stalled(deps, client) == 0
    clock.set(datetime(2037, 12, 14, 7, 30, tzinfo=UTC))  # Monday 08:30: before office hours
    assert nudge_stalled(deps, client) == 0
    clock.set(datetime(2037, 12, 14, 9, 0, tzinfo=UTC))  # Monday 10:00
    tick(deps, client)
    # The nudge is owed at the test's clock, ahead of the server's: this sender delivers it.
    from worker.sender import Sender

    Sender(deps, client).drain()
    nudge = ws.wait_post("C0ORG", "waiting at step 1 of 6")
    assert nudge.args["thread_ts"] == thread
    assert nudge_stalled(deps, client) == 0  # one nudge per stall
    with sessions() as session:
        assert assessments.stalled(session=session, quiet_since=clock.now()) == []
    deps.engine.dispose()


@pytest.mark.parametrize("title", ["", "x" * 151])
def test_bad_area_titles_get_field_errors(
    workspace: Workspace, sessions: sessionmaker[Session], title: str
) -> None:
    organisation = ready_group(workspace, sessions)
    assert "title" in add_area(workspace, organisation, title)["errors"]
    with sessions() as session:
        assert needs.active_count(session=session, organisation_id=organisation) == 0
