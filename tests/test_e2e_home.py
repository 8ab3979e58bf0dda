"""End to end: App Home as each role's cockpit — what to do now, and buttons that do it.

The Home is opened as Slack opens it (``app_home_opened``), read from what the fake Slack
received (which rejects views over Slack's limits), and its buttons are clicked as Slack
sends clicks from App Home: with the view and without a ``response_url``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.programme import Role
from sandbox import payloads
from storage.models import MeetingParticipantRow, MeetingRow
from storage.models.pilots import CheckinRow, PilotPersonRow, PilotRow
from storage.repositories import matchdays, needs
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_insight import NOW, seed
from tests.test_e2e_programme import NOBODY, PM, REP


def open_home(ws: Workspace, person: str) -> dict[str, Any]:
    """Open the Home tab and return the view the app published for it."""
    since = len(ws.fake.calls)
    ws.event(payloads.app_home_opened_event(person))
    call = ws._wait("views.publish", lambda c: c.args["user_id"] == person, 10, since=since)
    assert call.succeeded, call  # the fake rejects a view Slack would reject
    view = call.args["view"]
    assert isinstance(view, dict)
    assert len(view["blocks"]) <= 100
    return view


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button in the view, as (text, action_id, value)."""
    found: list[dict[str, Any]] = []
    for block in view["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        if block.get("accessory"):
            elements = [block["accessory"]]
        found.extend(e for e in elements if e.get("type") == "button")
    return found


def button(view: dict[str, Any], text: str, action_id: str) -> dict[str, Any]:
    matches = [
        b for b in buttons(view) if b["text"]["text"] == text and b["action_id"] == action_id
    ]
    assert matches, [(b["text"]["text"], b["action_id"]) for b in buttons(view)]
    return matches[0]


def click_in_home(ws: Workspace, person: str, view: dict[str, Any], pressed: dict[str, Any]) -> int:
    """Click a button in App Home as Slack sends it; returns where the calls start."""
    since = len(ws.fake.calls)
    body = payloads.block_actions(
        user_id=person,
        action_id=pressed["action_id"],
        value=pressed.get("value", ""),
        view={"id": "VHOME", "type": "home", **view},
        trigger_id=ws.fake.issue_trigger_id(),
    )
    assert ws._post(body, "application/x-www-form-urlencoded").status == 200
    return since


def opened(ws: Workspace, since: int, callback_id: str) -> dict[str, Any]:
    call = ws._wait(
        "views.open", lambda c: c.args["view"].get("callback_id") == callback_id, 10, since=since
    )
    assert call.succeeded, call
    return dict(call.args["view"])


def dm(ws: Workspace, person: str, since: int, contains: str) -> str:
    call = ws._wait(
        "chat.postMessage",
        lambda c: c.args.get("channel") == person and contains in json.dumps(c.args),
        10,
        since=since,
    )
    return json.dumps(call.args, ensure_ascii=False)


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_a_startup_sees_open_opportunities_and_pitches_from_home(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)  # three open opportunities; Acme pitched to two of them
    view = open_home(ws, REP)
    shown = text_of(view)
    assert "will show up here" not in shown
    assert "*Open opportunities* (3)" in shown
    assert len([b for b in buttons(view) if b["action_id"] == "pitch_open"]) == 3
    assert [b["text"]["text"] for b in buttons(view)].count("Edit pitch") == 2
    assert "*Your pitches*" in shown and "— shortlisted" in shown
    pitch = button(view, "Pitch", "pitch_open")
    form = opened(ws, click_in_home(ws, REP, view, pitch), "pitch_submit")
    assert "Opportunity" in text_of(form)
    # Opening their own pitch from the list shows it whole.
    own = button(view, "Open pitch", "pitch_view")
    assert "PITCH-Acme" in text_of(opened(ws, click_in_home(ws, REP, view, own), "pitch_view"))


def test_a_startups_meeting_and_check_in_have_their_buttons(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    with sessions.begin() as session:
        meeting = session.query(MeetingRow).filter(MeetingRow.place == "Room 7").one()
        session.add(MeetingParticipantRow(meeting_id=meeting.id, user_id=REP, side="startup"))
        pilot = session.query(PilotRow).filter(PilotRow.title == "Night checks").one()
        session.add(PilotPersonRow(pilot_id=pilot.id, user_id=REP, side="startup"))
        due = NOW - timedelta(hours=2)
        session.add(
            CheckinRow(
                pilot_id=pilot.id,
                seq=2,
                nominal_date=due.date(),
                due_at=due,
                posted_at=due,
                message_ts="1700000000.000200",
            )
        )
    view = open_home(ws, REP)
    shown = text_of(view)
    assert "Room 7" in shown and "Night checks" in shown
    answer = button(view, "Answer check-in", "checkin_form")
    form = opened(ws, click_in_home(ws, REP, view, answer), "checkin_answer")
    assert "Night checks" in text_of(form)
    move = button(view, "Reschedule", "meeting_reschedule")
    since = click_in_home(ws, REP, view, move)
    # App Home has no response_url: the new times come to the startup's DM with Matchday.
    assert "meeting_pick" in dm(ws, REP, since, "meeting_")


def test_an_admin_sees_the_month_and_plans_the_next_matchday_from_home(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    with sessions.begin() as session:
        day = (NOW + timedelta(days=14)).date()
        matchday = matchdays.create(
            session=session,
            actor=ADMIN,
            title="Spring matchday",
            day=day,
            starts=time(9),
            ends=time(12),
            meeting_minutes=30,
            breaks=[],
            tables=4,
            place="Town hall",
            links=[],
            timezone="Europe/Stockholm",
            availability_deadline=day - timedelta(days=3),
        )
    view = open_home(ws, ADMIN)
    shown = text_of(view)
    assert "*This month*" in shown
    assert "*Opportunities open*\\n3" in shown
    assert "Blocked pilots" in shown and "Night checks" in shown
    assert "Spring matchday" in shown
    plan = button(view, "Plan", "matchday_plan")
    assert plan["value"] == str(matchday.id)
    assert not [b for b in buttons(view) if b["action_id"] == "matchday_publish"]  # not planned
    since = click_in_home(ws, ADMIN, view, plan)
    dm(ws, ADMIN, since, "Planning the day")


def test_a_member_reviews_pitches_from_home(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    sodertalje, _region = seed(ws, sessions)
    with sessions.begin() as session:
        needs.add_area(
            session=session,
            actor=PM,
            organisation_id=sodertalje,
            title="Home care night visits",
            why="w",
        )
    view = open_home(ws, PM)
    shown = text_of(view)
    assert "*Pitches to review*" in shown
    assert "*Beta* for Opportunity" in shown
    assert "Home care night visits" in shown and "not assessed yet" in shown
    assert button(view, "Start assessment", "area_assess")
    pitch = button(view, "Open pitch", "pitch_view")
    assert "PITCH-Beta" in text_of(opened(ws, click_in_home(ws, PM, view, pitch), "pitch_view"))


def test_a_newcomer_can_apply_from_home(workspace: Workspace) -> None:
    ws = workspace
    view = open_home(ws, NOBODY)
    assert button(view, "Join a project group", "join_group")
    apply = button(view, "Apply as a startup", "join_startup")
    opened(ws, click_in_home(ws, NOBODY, view, apply), "join_startup")


def test_long_lists_page_within_home_and_an_old_page_shows_the_current_list(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    sodertalje, _region = seed(ws, sessions)
    with sessions.begin() as session:
        area = needs.add_area(
            session=session, actor=PM, organisation_id=sodertalje, title="More", why="w"
        )
        for number in range(9):
            needs.publish(
                session=session,
                actor=PM,
                organisation_id=area.organisation_id,
                focus_area_id=area.id,
                title=f"Extra {number:02d}",
                description="d",
                deadline=NOW.date() + timedelta(days=10 + number),
                contact_role=Role.PROJECT_MANAGER,
                channel_id="C0OPPS",
            )
    view = open_home(ws, REP)
    assert "Showing 1–5 of 12" in text_of(view)
    seen = {b["value"] for b in buttons(view) if b["action_id"] == "pitch_open"}
    for expected in ("Showing 6–10 of 12", "Showing 11–12 of 12"):
        since = click_in_home(ws, REP, view, button(view, "Next", "home_page_next"))
        call = ws._wait("views.publish", lambda c: c.args["user_id"] == REP, 10, since=since)
        view = call.args["view"]
        assert expected in text_of(view)
        seen |= {b["value"] for b in buttons(view) if b["action_id"] == "pitch_open"}
    assert len(seen) == 12  # paging reached every open opportunity
    assert "Extra 08" in text_of(view)
    # A page that no longer exists (a button from before the list shrank): the last page.
    stale = {"action_id": "home_page_next", "value": json.dumps({"page": 40, "list": "openings"})}
    since = click_in_home(ws, REP, view, stale)
    call = ws._wait("views.publish", lambda c: c.args["user_id"] == REP, 10, since=since)
    assert "Showing 11–12 of 12" in text_of(call.args["view"])
    assert datetime.now(UTC) > NOW  # the seed's clock is the real one


def test_a_home_button_for_a_meeting_removed_since_gets_an_answer(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(ws, sessions)
    view = open_home(ws, PM)
    reschedule = next(b for b in buttons(view) if b["action_id"] == "meeting_reschedule")
    with sessions.begin() as session:
        session.query(MeetingRow).filter(MeetingRow.id == int(reschedule["value"])).delete()
    since = click_in_home(ws, PM, view, reschedule)
    assert "no longer in Matchday" in dm(ws, PM, since, "no longer in Matchday")
