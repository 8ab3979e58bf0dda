"""End to end: profiles, pitches, review and confidentiality, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.programme import Role
from sandbox import payloads
from storage.models import OpportunityRow, PitchDecisionRow, PitchRow, ProfileRevisionRow
from storage.repositories import needs, startups
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_programme import BUYER, NOBODY, OTHER, PM, REP, add_member, org_id, setup_org

REP2 = "UREP000002"
SECRET = "SECRET-ACME-SOLUTION"


def programme(ws: Workspace, sessions: sessionmaker[Session], deadline_days: int = 14) -> int:
    """Two organisations, two startups and one published opportunity of Södertälje."""
    setup_org(ws)
    setup_org(ws, "C0REGION", "Region Stockholm")
    add_member(ws, org_id(sessions), PM, "project_manager")
    add_member(ws, org_id(sessions), BUYER, "buyer")
    add_member(ws, org_id(sessions, "C0REGION"), OTHER, "buyer")
    ws.wait_response("Added <@UOTHER0001>")
    with sessions.begin() as session:
        for name, number, rep in (("Acme", "556016-0680", REP), ("Beta", "212000-0142", REP2)):
            startups.register(
                session=session,
                actor=ADMIN,
                name=name,
                org_number=number,
                website=f"https://{name.lower()}.example",
                sector="health",
                description="d",
                representatives=[rep],
            )
        area = needs.add_area(
            session=session, actor=PM, organisation_id=org_id(sessions), title="Falls", why="w"
        )
        opportunity = needs.publish(
            session=session,
            actor=PM,
            organisation_id=org_id(sessions),
            focus_area_id=area.id,
            title="Fewer falls at home",
            description="Prevent falls.",
            deadline=datetime.now(UTC).date() + timedelta(days=deadline_days),
            contact_role=Role.PROJECT_MANAGER,
            channel_id="C0OPPS",
        )
    return opportunity.id


def pitch_values(solution: str = SECRET) -> dict[str, Any]:
    return {
        "solution": {"value": payloads.plain_value(solution)},
        "fit": {"value": payloads.plain_value("Sensors <!here> in the home")},
        "references": {"value": payloads.plain_value("")},
        "pilot": {"value": payloads.plain_value("Ten homes, three months, 150 kSEK")},
        "link": {"value": payloads.plain_value("https://acme.example/pilot")},
    }


def open_pitch_form(ws: Workspace, user: str, opportunity: int) -> dict[str, Any]:
    ws.click(user, "pitch_open", str(opportunity))
    return ws.opened_modal("pitch_submit")


def send_pitch(
    ws: Workspace, user: str, opportunity: int, solution: str = SECRET
) -> dict[str, Any]:
    view = open_pitch_form(ws, user, opportunity)
    assert ws.submit(user, view, pitch_values(solution)).json() == {}
    return view


def pitch_id(sessions: sessionmaker[Session], startup_rep: str = REP) -> int:
    with sessions() as session:
        return int(session.scalars(select(PitchRow.id).order_by(PitchRow.id)).first() or 0)


def test_a_pitch_is_sent_edited_and_withdrawn(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    listing = json.dumps(ws.command(REP, "D0REP", "opportunities").json())
    assert "Fewer falls at home" in listing
    assert "pitch_open" in listing

    view = open_pitch_form(ws, REP, opportunity)
    missing = ws.submit(
        REP,
        view,
        {
            **pitch_values(),
            "fit": {"value": payloads.plain_value("")},
            "link": {"value": payloads.plain_value("ftp://x")},
        },
    ).json()
    assert set(missing["errors"]) == {"fit", "link"}
    with sessions() as session:
        assert session.scalars(select(PitchRow)).all() == []

    assert ws.submit(REP, view, pitch_values()).json() == {}
    receipt = ws.wait_post(REP, "Your pitch for *Fewer falls at home* was sent")
    assert SECRET in json.dumps(receipt.args)
    card = ws.wait_post("C0ORG", "Pitch from Acme")
    shown = json.dumps(card.args)
    assert "pitch_shortlist" in shown
    assert "&lt;!here&gt;" in shown
    assert "<!here>" not in shown

    edit = open_pitch_form(ws, REP, opportunity)
    assert edit["title"]["text"] == "Edit pitch"
    assert edit["blocks"][2]["element"]["initial_value"] == SECRET
    assert ws.submit(REP, edit, pitch_values("A better solution")).json() == {}
    ws.wait_post(REP, "was updated")
    update_call = ws._wait("chat.update", lambda c: "A better solution" in json.dumps(c.args), 5)
    assert update_call.args["channel"] == "C0ORG"
    with sessions() as session:
        rows = session.scalars(select(PitchRow)).all()
    assert len(rows) == 1
    assert rows[0].solution == "A better solution"

    ws.click(REP, "pitch_withdraw", str(rows[0].id), response_url=None)
    ws._wait("chat.update", lambda c: "Withdrawn by the startup" in json.dumps(c.args), 5)
    with sessions() as session:
        assert session.scalars(select(PitchRow.status)).one() == "withdrawn"
        decisions = [
            row.decision
            for row in session.scalars(select(PitchDecisionRow).order_by(PitchDecisionRow.id))
        ]
    assert decisions == ["submitted", "edited", "withdrawn"]


def test_a_double_submission_creates_one_pitch(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    answers = []
    clicks = [
        threading.Thread(target=lambda: answers.append(ws.submit(REP, view, pitch_values()).status))
        for _ in range(3)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    assert answers == [200, 200, 200]
    with sessions() as session:
        assert len(session.scalars(select(PitchRow)).all()) == 1


def test_after_the_deadline_pitching_is_refused_politely(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    with sessions.begin() as session:
        session.execute(update(OpportunityRow).values(deadline=date.today() - timedelta(days=2)))
    refused = ws.submit(REP, view, pitch_values()).json()
    assert "deadline for *Fewer falls at home* has passed" in refused["errors"]["solution"]
    ws.click(REP, "pitch_open", str(opportunity))
    ws.wait_response("has passed")
    with sessions() as session:
        assert session.scalars(select(PitchRow)).all() == []


def test_review_decisions_reach_the_startup(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    pitch = pitch_id(sessions)

    ws.click(OTHER, "pitch_shortlist", str(pitch))
    ws.wait_response("Only the organisation's project group")
    ws.click(BUYER, "pitch_shortlist", str(pitch))
    ws.wait_post(REP, "Good news")
    shortlisted_card = ws._wait(
        "chat.update", lambda c: "Shortlisted by <@UBUYER0001>" in json.dumps(c.args), 5
    )
    for next_step in ("meeting_propose", "pilot_from_pitch"):
        assert next_step in json.dumps(shortlisted_card.args)
    assert "pitch_shortlist" not in json.dumps(shortlisted_card.args)

    ws.click(PM, "pitch_ask", str(pitch))
    ask = ws.opened_modal("pitch_ask")
    assert (
        ws.submit(
            PM, ask, {"question": {"value": payloads.plain_value("Is the data stored in Sweden?")}}
        ).json()
        == {}
    )
    question = ws.wait_post(REP, "The project group has a question")
    question_id = next(
        element["value"]
        for block in question.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    )
    ws.click(REP, "pitch_answer", question_id)
    answer_form = ws.opened_modal("pitch_answer")
    assert ws.submit(REP2, answer_form, {"answer": {"value": payloads.plain_value("x")}}).json()[
        "errors"
    ]
    assert (
        ws.submit(
            REP, answer_form, {"answer": {"value": payloads.plain_value("Yes, in Stockholm.")}}
        ).json()
        == {}
    )
    in_thread = ws.wait_post("C0ORG", "Yes, in Stockholm.")
    with sessions() as session:
        card_ts = session.scalars(select(PitchRow.card_ts)).one()
    assert in_thread.args["thread_ts"] == card_ts

    ws.click(PM, "pitch_decline", str(pitch))
    decline = ws.opened_modal("pitch_decline")
    refused = ws.submit(
        PM,
        decline,
        {
            "reason_code": {"value": payloads.static_value("budget")},
            "reason": {"value": payloads.plain_value("  ")},
        },
    ).json()
    assert "reason" in refused["errors"]
    assert (
        ws.submit(
            PM,
            decline,
            {
                "reason_code": {"value": payloads.static_value("budget")},
                "reason": {"value": payloads.plain_value("Our budget is 100 kSEK.")},
            },
        ).json()
        == {}
    )
    outcome = ws.wait_post(REP, "decided not to take it further")
    assert "outside the budget range" in json.dumps(outcome.args)
    assert "Our budget is 100 kSEK." in json.dumps(outcome.args)
    with sessions() as session:
        rows = session.scalars(select(PitchDecisionRow).order_by(PitchDecisionRow.id)).all()
    assert [(r.decision, r.decided_by) for r in rows] == [
        ("submitted", REP),
        ("shortlisted", BUYER),
        ("question", PM),
        ("declined", PM),
    ]
    assert rows[-1].reason_code == "budget"
    assert rows[-1].decided_at is not None


def test_the_profile_form_validates_and_keeps_history(workspace: Workspace, sessions) -> None:
    ws = workspace
    programme(ws, sessions)
    assert "Only startup representatives" in json.dumps(ws.command(PM, "C0ORG", "profile").json())
    ws.command(REP, "D0REP", "profile")
    view = ws.opened_modal("startup_profile")
    values = {
        "name": {"value": payloads.plain_value("Acme AB")},
        "org_number": {"value": payloads.plain_value("212000-0142")},
        "website": {"value": payloads.plain_value("not a url")},
        "sector": {"value": payloads.plain_value("Health")},
        "stage": {"value": payloads.static_value("prototype")},
        "about": {"value": payloads.plain_value("We prevent falls.")},
        "contacts": {"value": payloads.plain_value("Anna, CEO")},
    }
    errors = ws.submit(REP, view, values).json()["errors"]
    assert set(errors) == {"website"}
    values["website"] = {"value": payloads.plain_value("https://acme.example")}
    assert "Another startup" in ws.submit(REP, view, values).json()["errors"]["org_number"]
    values["org_number"] = {"value": payloads.plain_value("556016-0680")}
    # Valid, and the number the form showed: the form closes before it is handled; someone
    # who does not represent Acme reads that nothing was saved (bot/answered_first.py).
    assert ws.submit(REP2, view, values).json() == {}
    refused = json.dumps(ws.wait_response("Nothing was saved"), ensure_ascii=False)
    assert "Only the startup's own representatives" in refused
    assert ws.submit(REP, view, values).json() == {}
    with sessions() as session:
        revisions = session.scalars(select(ProfileRevisionRow)).all()
    assert [(r.revised_by, r.snapshot["name"], r.snapshot["stage"]) for r in revisions] == [
        (REP, "Acme AB", "prototype")
    ]


def test_pitch_deadline_reminder_and_closing_notice_go_out_once(
    workspace: Workspace, sessions, database_url
) -> None:
    from bot.app import make_client, new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.outbox import Pacer
    from handlers import delivery  # noqa: F401 - readers' languages for the sender
    from handlers.deadlines import remind_and_close
    from worker.sender import Sender

    ws = workspace
    opportunity = programme(ws, sessions, deadline_days=10)
    send_pitch(ws, REP, opportunity)
    with sessions() as session:
        deadline = session.get(OpportunityRow, opportunity).deadline
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=ws.fake.api_url,
    )
    base = new_deps(settings)
    end = datetime.combine(deadline, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=22
    )  # 23:00 local
    clock = FixedClock(end - timedelta(hours=49))
    deps = type(base)(base.settings, base.engine, base.sessions, base.after_ack, clock)
    client = make_client(settings)
    # The messages are owed at the test's own time: a sender on the same clock sends them.
    sender = Sender(deps, client, pacer=Pacer(1000, per_channel_interval=0))
    assert remind_and_close(deps, client) == 0
    clock.set(end - timedelta(hours=47))
    assert remind_and_close(deps, client) == 1
    sender.drain()
    reminder = ws.wait_post("C0OPPS", "48 hours left to pitch")
    assert "pitch_open" in json.dumps(reminder.args)
    assert remind_and_close(deps, client) == 0
    clock.set(end + timedelta(hours=2))
    assert remind_and_close(deps, client) == 1
    sender.drain()
    ws.wait_post("C0ORG", "1 pitch arrived; review it here")
    assert remind_and_close(deps, client) == 0
    sender.drain()
    assert len([m for m in ws.fake.messages("C0OPPS") if "48 hours left" in m["text"]]) == 1
    sender.stop()
    base.engine.dispose()


SURFACES = ("pitches in the group's channel", "pitches in a DM", "App Home", "Pitch button")
ALLOWED = {ADMIN, PM, BUYER, REP}


@pytest.mark.parametrize("person", [ADMIN, PM, BUYER, OTHER, REP, REP2, NOBODY])
def test_confidentiality_every_role_against_every_surface(
    workspace: Workspace, sessions, person: str
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    seen: dict[str, str] = {}
    seen[SURFACES[0]] = json.dumps(ws.command(person, "C0ORG", "pitches").json())
    seen[SURFACES[1]] = json.dumps(ws.command(person, f"D{person[1:]}", "pitches").json())
    ws.event(payloads.app_home_opened_event(person))
    home = ws._wait("views.publish", lambda c: c.args["user_id"] == person, 5)
    seen[SURFACES[2]] = json.dumps(home.args["view"])
    ws.click(person, "pitch_open", str(opportunity))
    if person in (REP, REP2):
        seen[SURFACES[3]] = json.dumps(ws.opened_modal("pitch_submit"))
    allowed = person in ALLOWED
    shows = {surface: SECRET in text for surface, text in seen.items()}
    if person == REP:  # the startup itself sees its own pitch in the form and the lists
        assert shows[SURFACES[3]]
        assert shows[SURFACES[1]]
    elif allowed:
        assert shows[SURFACES[0]], seen[SURFACES[0]][:300]
    else:
        assert not any(shows.values()), shows
    # Notifications: the card went only to the organisation's channel; receipts only to Acme.
    for call in ws.fake.calls_to("chat.postMessage") + ws.fake.calls_to("chat.update"):
        if SECRET in json.dumps(call.args):
            assert call.args["channel"] in ("C0ORG", REP)
