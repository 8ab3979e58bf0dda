"""End to end: startups ask about an opportunity, the group answers all equally (both databases)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from sandbox.slack_api import Call
from storage.models import OpportunityQuestionRow, OpportunityRow
from storage.repositories import needs, startups
from storage.repositories import questions as questions_repo
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import REP2, open_pitch_form, programme, send_pitch
from tests.test_e2e_programme import BUYER, NOBODY, OTHER, PM, REP

REP3, REP4 = "UREP000003", "UREP000004"
CARD_TS = "1700000000.000100"
QUESTION = "Is there budget for <!channel> sensors & alarms?"
ANSWER = "Yes: about 150 kSEK for the pilot."


def more_startups(ws: Workspace, sessions: sessionmaker[Session]) -> None:
    """Gamma (which will draft a pitch) and Delta (which takes no part)."""
    for user, name in ((REP3, "gamma.rep"), (REP4, "delta.rep")):
        ws.fake.add_user(user, name)
    with sessions.begin() as session:
        for name, number, rep in (("Gamma", "556036-0793", REP3), ("Delta", "556677-8899", REP4)):
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


def card_posted(sessions: sessionmaker[Session], opportunity: int) -> None:
    with sessions.begin() as session:
        needs.set_card(session=session, opportunity_id=opportunity, message_ts=CARD_TS)


def ask(
    ws: Workspace, user: str, opportunity: int, text: str = QUESTION, named: bool = False
) -> dict[str, Any]:
    ws.click(user, "opportunity_ask", str(opportunity))
    view = ws.opened_modal("opportunity_question")
    values: dict[str, Any] = {"question": {"value": payloads.plain_value(text)}}
    if named:
        values["named"] = {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
    answer = ws.submit(user, view, values).json()
    assert answer == {}, answer
    return view


def question_ids(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(OpportunityQuestionRow.id).order_by("id")))


def open_answer_form(ws: Workspace, user: str, question: int) -> dict[str, Any]:
    ws.click(user, "opportunity_question_answer", str(question))
    return ws.opened_modal("opportunity_answer")


def answer_values(text: str = ANSWER) -> dict[str, Any]:
    return {"answer": {"value": payloads.plain_value(text)}}


def published_where(sessions: sessionmaker[Session], question: int) -> tuple[str, str] | None:
    """Where the sender recorded the thread post (it records just after Slack answers)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sessions() as session:
            row = session.get(OpportunityQuestionRow, question)
            if row is not None and row.published_ts and row.published_channel:
                return row.published_channel, row.published_ts
        time.sleep(0.05)
    return None


def thread_ts_of(call: Call) -> str:
    """The ts Slack gave the message this call posted."""
    return str(call.response["ts"])


def dms_to(ws: Workspace, user: str) -> list[str]:
    return [
        json.dumps(call.args, ensure_ascii=False)
        for call in ws.fake.calls
        if call.method == "chat.postMessage" and call.args.get("channel") == user
    ]


def test_an_answer_reaches_every_pitching_and_drafting_startup_without_the_asker(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    more_startups(ws, sessions)
    card_posted(sessions, opportunity)
    send_pitch(ws, REP2, opportunity)  # Beta pitches
    open_pitch_form(ws, REP3, opportunity)  # Gamma is drafting

    listing = json.dumps(ws.command(REP, "D0REP", "opportunities").json())
    assert "opportunity_ask" in listing
    ask(ws, REP, opportunity)
    ws.wait_post(REP, "was sent to the project group")
    to_group = json.dumps(ws.wait_post("C0ORG", "A startup asks about").args)
    assert "opportunity_question_answer" in to_group
    assert "Acme" not in to_group and REP not in to_group
    assert "&lt;!channel&gt;" in to_group and "<!channel>" not in to_group

    (question,) = question_ids(sessions)
    view = open_answer_form(ws, PM, question)
    assert ws.submit(PM, view, answer_values()).json() == {}

    thread = ws.wait_post("C0OPPS", ANSWER)
    assert thread.args["thread_ts"] == CARD_TS
    for reader in (REP, REP2, REP3):
        ws.wait_post(reader, ANSWER)
    published = [json.dumps(thread.args, ensure_ascii=False)] + [
        text for reader in (REP, REP2, REP3) for text in dms_to(ws, reader) if ANSWER in text
    ]
    assert len(published) == 4
    for text in published:
        assert "Acme" not in text and f"<@{REP}>" not in text
        assert "chose not to be named" in text
        assert "&lt;!channel&gt; sensors &amp; alarms" in text and "<!channel>" not in text
    assert dms_to(ws, REP4) == []  # Delta neither pitches nor drafts
    ws._wait("chat.update", lambda c: "Answered and published" in json.dumps(c.args), 5)
    with sessions() as session:
        row = session.get(OpportunityQuestionRow, question)
        assert row is not None
        assert (row.state, row.answered_by, row.named) == ("answered", PM, False)
    assert published_where(sessions, question) == ("C0OPPS", thread_ts_of(thread))

    again = ws.submit(BUYER, view, answer_values("A second answer")).json()
    assert "already been answered" in again["errors"]["answer"]
    ws.click(BUYER, "opportunity_question_answer", str(question))
    ws.wait_response("already been answered")
    assert not any("A second answer" in text for text in dms_to(ws, REP2))


def test_an_asker_who_agreed_is_named(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP2, opportunity)
    ask(ws, REP, opportunity, "Who owns the data?", named=True)
    assert "Asked by Acme" in json.dumps(ws.wait_post("C0ORG", "Who owns the data?").args)
    (question,) = question_ids(sessions)
    view = open_answer_form(ws, BUYER, question)
    assert ws.submit(BUYER, view, answer_values("The municipality.")).json() == {}
    assert "Asked by Acme" in json.dumps(ws.wait_post(REP2, "The municipality.").args)
    assert "Asked by Acme" in json.dumps(ws.wait_post("C0OPPS", "The municipality.").args)


def test_after_the_cut_off_questions_are_refused_politely_and_nothing_is_saved(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    ws.click(REP, "opportunity_ask", str(opportunity))
    view = ws.opened_modal("opportunity_question")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # two working days: already past
    with sessions.begin() as session:
        session.execute(update(OpportunityRow).values(deadline=tomorrow))
    late = ws.submit(REP, view, {"question": {"value": payloads.plain_value("Late?")}}).json()
    assert "closed on <!date^" in late["errors"]["question"]
    ws.click(REP, "opportunity_ask", str(opportunity))
    ws.wait_response("Questions about *Fewer falls at home* closed on")
    with sessions.begin() as session:
        session.execute(
            update(OpportunityRow).values(deadline=tomorrow + timedelta(days=30), status="closed")
        )
    ws.click(REP, "opportunity_ask", str(opportunity))
    ws.wait_response("This opportunity is closed")
    assert question_ids(sessions) == []


def test_an_overlong_question_gets_a_field_error(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    ws.click(REP, "opportunity_ask", str(opportunity))
    view = ws.opened_modal("opportunity_question")
    question = next(b for b in view["blocks"] if b.get("block_id") == "question")
    assert question["element"]["max_length"] == 2000
    assert "2000" in json.dumps(question)
    for size in (5000, 2500):
        long = ws.submit(REP, view, {"question": {"value": payloads.plain_value("x" * size)}})
        assert long.status == 200
        assert "at most" in long.json()["errors"]["question"]
    assert question_ids(sessions) == []


def test_only_startups_ask_and_only_the_group_answers(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    ws.click(NOBODY, "opportunity_ask", str(opportunity))
    ws.wait_response("Only startup representatives can ask")
    ws.click(REP, "opportunity_ask", str(opportunity))
    view = ws.opened_modal("opportunity_question")
    forged = ws.submit(PM, view, {"question": {"value": payloads.plain_value("Forged?")}}).json()
    assert "Only startup representatives" in forged["errors"]["question"]
    assert question_ids(sessions) == []

    ask(ws, REP, opportunity, "Is a pilot paid?")
    (question,) = question_ids(sessions)
    ws.click(OTHER, "opportunity_question_answer", str(question))
    ws.wait_response("Only the organisation's project group")
    ws.click(REP, "opportunity_question_answer", str(question))
    ws.wait_response("Only the organisation's project group")
    answer_form = open_answer_form(ws, PM, question)
    refused = ws.submit(OTHER, answer_form, answer_values("Forged answer")).json()
    assert "Only the organisation's project group" in refused["errors"]["answer"]
    with sessions() as session:
        row = session.get(OpportunityQuestionRow, question)
        assert row is not None and row.state == "open" and row.answer is None


def test_the_list_shows_each_questions_state_and_pages(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    ask(ws, REP, opportunity, "First question?")
    ask(ws, REP2, opportunity, "Second question?")
    first, _second = question_ids(sessions)
    view = open_answer_form(ws, PM, first)
    assert ws.submit(PM, view, answer_values()).json() == {}

    listed = ws.command(PM, "C0ORG", "questions").json()
    states = {
        block["text"]["text"].split("\n")[1]: block["text"]["text"].split("\n")[0]
        for block in listed["blocks"]
        if block["type"] == "section" and "question?" in block["text"]["text"]
    }
    assert states["First question?"].endswith("— answered")
    assert states["Second question?"].endswith("— open")
    assert json.dumps(ws.command(OTHER, "C0REGION", "questions").json()).count("question?") == 0
    assert "Only project-group members" in json.dumps(ws.command(REP, "D0REP", "questions").json())

    with sessions.begin() as session:  # pitching ended: the open one is closed unanswered
        session.execute(
            update(OpportunityRow).values(deadline=datetime.now(UTC).date() - timedelta(days=2))
        )
        for number in range(25):
            questions_repo.ask(
                session=session,
                opportunity_id=opportunity,
                startup_id=_startup(session, REP),
                actor=REP,
                text=f"Bulk question {number}",
                named=False,
                now=datetime.now(UTC) - timedelta(days=3, minutes=number),
            )
    admin = ws.command(ADMIN, "D0ADMIN", "questions").json()
    text = json.dumps(admin, ensure_ascii=False)
    assert "closed unanswered" in text and "Showing 1–10 of 27" in text
    assert len(admin["blocks"]) <= 50
    next_button = next(
        element
        for block in admin["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "questions_page_next"
    )
    ws.click(ADMIN, "questions_page_next", next_button["value"])
    ws.wait_response("Showing 11–20 of 27")


def _startup(session: Session, representative: str) -> int:
    found = startups.all_startups(session=session)
    return next(s.id for s in found if representative in s.representatives)
