"""End to end: an opportunity's history for admins and its project managers (SQLite, PostgreSQL).

The history lists the publication, every pitch, edit and withdrawal, and every decision with
who, when and why, in order; the CSV holds the same events; it is paged when long; anyone
else is refused without learning anything; and nothing Matchday offers changes an old entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from storage.models import PitchDecisionRow, PitchRow, StartupRow
from storage.models.questions import OpportunityQuestionRow
from storage.repositories import pitches
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import REP2, pitch_values, programme, send_pitch
from tests.test_e2e_programme import BUYER, NOBODY, OTHER, PM, REP, TECH, add_member, org_id

LABELS = re.compile(
    r"\*(Opportunity published|Pitch received|Pitch edited|Pitch withdrawn|"
    r"Shortlisted|Declined|Question to the startup|Answer from the startup|"
    r"Question from a startup|Question from a startup answered)\*"
)


def events_of(message: dict[str, Any]) -> list[str]:
    """The events a history page shows, in order, as "label startup" strings."""
    shown = []
    for block in message["blocks"]:
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        found = LABELS.match(text)
        if found:
            startup = next((name for name in ("Acme", "Beta") if f"· {name} ·" in text), "")
            shown.append(f"{found.group(1)} {startup}".strip())
    return shown


def history_file(ws: Workspace, user: str, opportunity: int) -> list[dict[str, str]]:
    before = {key for key, upload in ws.fake.files.items() if upload.content}
    ws.click(user, "history_csv", str(opportunity))
    ws.wait_response("arrives as a CSV file")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fresh = [
            u
            for key, u in ws.fake.files.items()
            if u.content and u.completed and key not in before  # shared, not only uploaded
        ]
        if fresh:
            assert fresh[0].channels == [f"D{user[1:]}"]  # the person's DM, nowhere else
            text = (fresh[0].content or b"").decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))
        time.sleep(0.05)
    raise AssertionError("no history file arrived")


def _ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.scalars(select(PitchRow).order_by(PitchRow.id)).all()
        return {"Acme" if row.submitted_by == REP else "Beta": row.id for row in rows}


def test_history_lists_everything_in_order_and_the_csv_matches(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    send_pitch(ws, REP2, opportunity, solution="Beta's mats")
    ws.wait_post("C0ORG", "Pitch from Beta")
    ids = _ids(sessions)
    ws.click(BUYER, "pitch_shortlist", str(ids["Acme"]))
    ws.wait_post(REP, "Good news")
    ws.click(PM, "pitch_ask", str(ids["Acme"]))
    ask = ws.opened_modal("pitch_ask")
    question = {"question": {"value": payloads.plain_value("Is the data stored in Sweden?")}}
    assert ws.submit(PM, ask, question).json() == {}
    asked = ws.wait_post(REP, "The project group has a question")
    question_id = next(
        element["value"]
        for block in asked.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    )
    ws.click(REP, "pitch_answer", question_id)
    answer = {"answer": {"value": payloads.plain_value("Yes, in <Stockholm>.")}}
    assert ws.submit(REP, ws.opened_modal("pitch_answer"), answer).json() == {}
    ws.wait_post("C0ORG", "Stockholm")
    ws.click(PM, "pitch_decline", str(ids["Beta"]))
    decline = ws.opened_modal("pitch_decline")
    why = {
        "reason_code": {"value": payloads.static_value("budget")},
        "reason": {"value": payloads.plain_value("Our budget is 100 kSEK.")},
    }
    assert ws.submit(PM, decline, why).json() == {}
    ws.wait_post(REP2, "decided not to take it further")

    page = ws.command(PM, "C0ORG", f"history {opportunity}").json()
    assert events_of(page) == [
        "Opportunity published",
        "Pitch received Acme",
        "Pitch received Beta",
        "Shortlisted Acme",
        "Question to the startup Acme",
        "Answer from the startup Acme",
        "Declined Beta",
    ]
    shown = json.dumps(page, ensure_ascii=False)
    assert "History of Fewer falls at home" in shown
    assert "by <@UPM0000001>" in shown and "by <@UBUYER0001>" in shown  # who
    assert "<!date^" in shown  # when, in each reader's time zone
    assert "`budget`\\nOur budget is 100 kSEK." in shown  # why
    assert "Yes, in &lt;Stockholm&gt;." in shown
    assert "Showing" not in shown and "history_page_next" not in shown  # one page holds it

    # The CSV, sent to the person only, holds the same events in the same order, and more.
    rows = history_file(ws, PM, opportunity)
    assert [row["event"] for row in rows] == [
        "published",
        "submitted",
        "submitted",
        "shortlisted",
        "question",
        "answer",
        "declined",
    ]
    assert [row["startup"] for row in rows] == ["", "Acme", "Beta", "Acme", "Acme", "Acme", "Beta"]
    assert rows[3]["by"] == BUYER
    assert (rows[6]["by"], rows[6]["reason_code"], rows[6]["detail"]) == (
        PM,
        "budget",
        "Our budget is 100 kSEK.",
    )
    moments = [datetime.fromisoformat(row["at"]) for row in rows]
    assert moments == sorted(moments)

    # Admins see the same history, from anywhere; the title finds it too.
    assert events_of(ws.command(ADMIN, "D0ADMIN", "history fewer FALLS").json()) == events_of(page)


def test_history_is_refused_politely_to_everyone_else(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    add_member(ws, org_id(sessions, "C0REGION"), TECH, "project_manager")
    ws.wait_response("Added <@UTECH00001>")

    for person in (REP, BUYER, OTHER, NOBODY):  # startups, non-PM members, strangers
        answer = json.dumps(ws.command(person, "C0ORG", f"history {opportunity}").json())
        assert "Only programme admins and project managers can use `/matchday history`" in answer
        assert "Fewer falls" not in answer and "Acme" not in answer
    # Another organisation's project manager: the same words for this opportunity as for one
    # that does not exist, by command and by every button.
    here = ws.command(TECH, "C0REGION", f"history {opportunity}").json()
    nowhere = ws.command(TECH, "C0REGION", "history 999999").json()
    assert here == nowhere
    assert "You can't do this here" in json.dumps(here)
    assert "Fewer falls" not in json.dumps(ws.command(TECH, "C0REGION", "history falls").json())
    for action, value in (
        ("history_open", str(opportunity)),
        ("history_csv", str(opportunity)),
        ("history_page_next", json.dumps({"page": 1, "o": opportunity})),
    ):
        before = len(ws.fake.files)
        ws.click(TECH, action, value)
        refused = json.dumps(ws.wait_response("You can't do this here"))
        assert "Fewer falls" not in refused and "Acme" not in refused
        assert len(ws.fake.files) == before
    # A startup's click on a history button gets the same refusal.
    ws.fake.reset_calls()
    ws.click(REP, "history_open", str(opportunity))
    ws.wait_response("You can't do this here")


def test_a_long_history_is_paged_and_nothing_is_cut(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    pitch = _ids(sessions)["Acme"]
    long_reason = "&<>" * 1000  # 3,000 typed characters, 13,000 escaped
    start = datetime.now(UTC)
    with sessions.begin() as session:
        for number in range(1, 31):
            pitches.decide(
                session=session,
                pitch_id=pitch,
                decision="edited",
                actor=REP,
                now=start + timedelta(minutes=number),
                reason=f"edit number {number}",
            )
        pitches.decide(
            session=session,
            pitch_id=pitch,
            decision="declined",
            actor=PM,
            now=start + timedelta(hours=2),
            reason_code="other",
            reason=long_reason,
        )
    total = 1 + 1 + 30 + 1  # published, received, 30 edits, declined

    first = ws.command(PM, "C0ORG", f"history {opportunity}").json()
    seen = events_of(first)
    assert f"Showing 1–{len(seen)} of {total}" in json.dumps(first, ensure_ascii=False)
    message = first
    while True:
        buttons = [
            element
            for block in message["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == "history_page_next"
        ]
        if not buttons:
            break
        ws.fake.reset_calls()
        ws.click(PM, "history_page_next", buttons[0]["value"])
        message = ws.wait_response("History of Fewer falls at home")
        assert len(message["blocks"]) <= 50
        seen += events_of(message)
    assert len(seen) == total
    assert seen[-1] == "Declined Acme"
    shown = json.dumps(message, ensure_ascii=False)
    assert shown.count("&amp;&lt;&gt;") == 1000  # the long reason, whole, over several sections
    rows = history_file(ws, PM, opportunity)
    assert len(rows) == total
    assert rows[-1]["detail"] == long_reason


def snapshot(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with sessions() as session:
        return [
            (r.id, r.pitch_id, r.decision, r.reason_code, r.reason, r.decided_by, r.decided_at)
            for r in session.scalars(select(PitchDecisionRow).order_by(PitchDecisionRow.id))
        ]


def test_a_decision_survives_everything_matchday_offers(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    pitch = _ids(sessions)["Acme"]
    ws.click(BUYER, "pitch_shortlist", str(pitch))
    ws.wait_post(REP, "Good news")
    history = [snapshot(sessions)]

    def step_kept() -> None:
        now = snapshot(sessions)
        assert len(now) > len(history[-1])
        assert now[: len(history[-1])] == history[-1]  # old entries never change
        history.append(now)

    ws.click(REP, "pitch_withdraw", str(pitch), response_url=None)
    ws._wait("chat.update", lambda c: "Withdrawn by the startup" in json.dumps(c.args), 5)
    step_kept()
    view = ws.click(REP, "pitch_open", str(opportunity))
    assert view.status == 200
    assert ws.submit(REP, ws.opened_modal("pitch_submit"), pitch_values("Again")).json() == {}
    ws.wait_post(REP, "was updated")
    step_kept()
    ws.click(PM, "pitch_decline", str(pitch))
    why = {
        "reason_code": {"value": payloads.static_value("fit")},
        "reason": {"value": payloads.plain_value("Not close enough.")},
    }
    assert ws.submit(PM, ws.opened_modal("pitch_decline"), why).json() == {}
    ws.wait_post(REP, "decided not to take it further")
    step_kept()
    assert [entry[2] for entry in history[-1]] == [
        "submitted",
        "shortlisted",
        "withdrawn",
        "edited",
        "declined",
    ]
    events = events_of(ws.command(PM, "C0ORG", f"history {opportunity}").json())
    assert events[1:] == [
        "Pitch received Acme",
        "Shortlisted Acme",
        "Pitch withdrawn Acme",
        "Pitch edited Acme",
        "Declined Acme",
    ]


def test_questions_startups_asked_are_in_the_history(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    start = datetime.now(UTC)
    with sessions.begin() as session:
        beta = session.scalars(select(StartupRow.id).where(StartupRow.name == "Beta")).one()
        session.add(
            OpportunityQuestionRow(
                opportunity_id=opportunity,
                startup_id=beta,
                asked_by=REP2,
                question="May we pilot in two homes only?",
                question_key="k",
                asked_at=start + timedelta(minutes=1),
                state="answered",
                answer="Yes, two homes are fine.",
                answered_by=PM,
                answered_at=start + timedelta(minutes=2),
            )
        )
    page = ws.command(PM, "C0ORG", f"history {opportunity}").json()
    assert events_of(page) == [
        "Opportunity published",
        "Question from a startup Beta",
        "Question from a startup answered Beta",
    ]
    assert "Yes, two homes are fine." in json.dumps(page)
