"""End to end: guests and people from other organisations each get a path or a clear word.

People marked in the fake as a multi-channel guest, a single-channel guest and a Slack
Connect user (another team) use the startups' welcome card: *My Matchday* opens their
pitches and profile in a modal, with what works for their kind of account; someone outside
the programme is pointed to *Join as a startup*, which opens the application form.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sandbox.slack_api import FakeSlack
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import SECRET, programme, send_pitch

MULTI, SINGLE, CONNECT, VISITOR = "UGUEST0001", "UGUEST0002", "UCONNECT01", "UCONNECT02"


def people(fake: FakeSlack) -> None:
    fake.add_user(MULTI, "multi.guest", guest="multi")
    fake.add_user(SINGLE, "single.guest", guest="single")
    fake.add_user(CONNECT, "connect.rep", team_id="T0STARTUP")
    fake.add_user(VISITOR, "connect.visitor", team_id="T0ELSEWHERE", is_stranger=True)
    fake.add_channel("C0OPPS", "opportunities", members=[ADMIN, MULTI, SINGLE, CONNECT, VISITOR])


def my_matchday(ws: Workspace, user: str) -> dict[str, Any]:
    ws.click(user, "matchday_menu")
    return ws.opened_modal("matchday_menu")


@pytest.mark.parametrize(
    ("user", "says"),
    [
        (MULTI, "You are a guest in this workspace"),
        (SINGLE, "single-channel guest"),
        (CONNECT, "Slack Connect"),
    ],
)
def test_a_startup_rep_of_every_kind_pitches_and_sees_it_in_my_matchday(
    workspace: Workspace, sessions: sessionmaker[Session], user: str, says: str
) -> None:
    ws = workspace
    people(ws.fake)
    opportunity = programme(ws, sessions)
    _make_rep(sessions, user)
    # The admin posts the welcome in the opportunities channel; the answer says what guests need.
    answer = ws.command(ADMIN, "C0ORG", "welcome").json()
    assert "Single-channel guest" in json.dumps(answer)
    ws.wait_post("C0OPPS", "My Matchday")
    # Pitch with the opportunity card's button (no slash command needed) ...
    send_pitch(ws, user, opportunity)
    # ... and see it, with the word on their kind of account, in My Matchday.
    view = my_matchday(ws, user)
    text = json.dumps(view, ensure_ascii=False)
    assert says in text
    assert "Fewer falls at home" in text
    # The company profile opens over it, for their own startup only.
    profile = next(
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("matchday_menu_profile")
    )
    ws.click(user, profile["action_id"], profile["value"])
    ws._wait("views.push", lambda c: c.args["view"]["callback_id"] == "startup_profile", 5)
    ws.click(VISITOR, "matchday_menu_profile", profile["value"])
    assert "Acme" not in json.dumps(ws.wait_response("You can't do this here"))


def _make_rep(sessions: sessionmaker[Session], user: str) -> None:
    """Make ``user`` Acme's representative (instead of the demo's)."""
    from sqlalchemy import update

    from storage.models import RepresentativeRow

    with sessions.begin() as session:
        session.execute(
            update(RepresentativeRow)
            .where(RepresentativeRow.user_id == "UREP000001")
            .values(user_id=user)
        )


def test_someone_from_another_organisation_outside_the_programme_is_shown_the_way_in(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    people(ws.fake)
    view = my_matchday(ws, VISITOR)
    text = json.dumps(view, ensure_ascii=False)
    assert "Slack Connect" in text and "Join as a startup" in text
    assert SECRET not in text
    # The welcome card's Join button opens the application form for them too.
    ws.click(VISITOR, "join_startup")
    ws.opened_modal("join_startup")


def test_my_matchday_pages_in_the_modal_itself(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    """*Next* under a list in My Matchday moves that modal on, not the App Home tab."""
    from datetime import UTC, datetime, timedelta

    from bot.programme import Role
    from sandbox import payloads
    from storage.repositories import needs
    from tests.test_e2e_programme import PM, org_id

    ws = workspace
    people(ws.fake)
    programme(ws, sessions)
    _make_rep(sessions, MULTI)
    with sessions.begin() as session:
        area = needs.add_area(
            session=session, actor=PM, organisation_id=org_id(sessions), title="More", why="w"
        )
        for number in range(1, 13):
            needs.publish(
                session=session,
                actor=PM,
                organisation_id=org_id(sessions),
                focus_area_id=area.id,
                title=f"Opportunity number {number:02d}",
                description="d",
                deadline=datetime.now(UTC).date() + timedelta(days=30 + number),
                contact_role=Role.BUYER,
                channel_id="C0OPPS",
            )
    my_matchday(ws, MULTI)
    shown = next(reversed(ws.fake.open_views.values()))  # as Slack holds it: id and hash
    next_page = next(
        e
        for b in shown["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "home_page_next"
    )
    since = len(ws.fake.calls)
    body = payloads.block_actions(
        user_id=MULTI,
        action_id=next_page["action_id"],
        value=next_page["value"],
        view=shown,
        trigger_id=ws.fake.issue_trigger_id(),
    )
    assert ws._post(body, "application/x-www-form-urlencoded").status == 200
    update = ws._wait("views.update", lambda c: c.args["view_id"] == shown["id"], 10, since=since)
    assert update.succeeded, update
    text = json.dumps(update.args["view"], ensure_ascii=False)
    assert "Showing 6–10 of" in text
    assert update.args["view"]["callback_id"] == "matchday_menu"
    assert not [c for c in ws.fake.calls[since:] if c.method == "views.publish"]
