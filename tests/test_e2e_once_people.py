"""End to end: every interaction has one effect, and what follows it is never lost.

A question form that arrives twice makes one question and one DM; a join approval clicked
twice tells the applicant once; a library item added twice is one item; a member added
twice is welcomed once; a deadline reminder that meets Slack's trouble still arrives, once.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from storage.models import OutboxRow, PitchQuestionRow, ResourceRow
from tests.e2e import ADMIN, RETRIED, Workspace
from tests.test_e2e_join import application, apply_as_startup, card
from tests.test_e2e_pitches import REP2, pitch_id, programme, send_pitch
from tests.test_e2e_programme import NOBODY, PM, REP, add_member, org_id, setup_org

BUSY = ("pending", "sending")
NDA = "https://docs.example.org/nda-template.docx"


def settled(sessions: sessionmaker[Session], timeout: float = RETRIED) -> None:
    """Wait until the server's sender owes nothing more (no sleep: poll the outbox)."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            busy = session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status.in_(BUSY))
            )
        if not busy:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{busy} outbox rows still owed")
        time.sleep(0.05)


def posts(ws: Workspace, channel: str, contains: str) -> list[Any]:
    """Successful chat.postMessage calls to a conversation that contain the text."""
    return [
        call
        for call in ws.fake.calls_to("chat.postMessage")
        if call.succeeded
        and call.args.get("channel") == channel
        and contains in json.dumps(call.args, ensure_ascii=False)
    ]


def item_values(stage: str = "pitch", title: str = "NDA template", link: str = NDA) -> Any:
    return {
        "stage": {"value": payloads.static_value(stage)},
        "title": {"value": payloads.plain_value(title)},
        "description": {"value": payloads.plain_value("A mutual NDA to sign before a meeting.")},
        "link": {"value": payloads.plain_value(link)},
    }


def add_item(ws: Workspace, values: dict[str, Any]) -> dict[str, Any]:
    ws.click(ADMIN, "resources_add", "new")
    view = ws.opened_modal("resource_save")
    answer: dict[str, Any] = ws.submit(ADMIN, view, values).json()
    return answer


def test_a_question_form_submitted_twice_is_one_question_and_one_dm(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme")
    pitch = pitch_id(sessions)
    ws.click(PM, "pitch_ask", str(pitch))
    form = ws.opened_modal("pitch_ask")
    values = {"question": {"value": payloads.plain_value("Is the data stored in Sweden?")}}
    answers: list[int] = []
    sends = [
        threading.Thread(target=lambda: answers.append(ws.submit(PM, form, values).status))
        for _ in range(2)
    ]
    for send in sends:
        send.start()
    for send in sends:
        send.join()
    assert answers == [200, 200]
    # The same question from the same form once more, after the first was saved.
    assert ws.submit(PM, form, values).json() == {}
    ws.wait_post(REP, "The project group has a question")
    settled(sessions)
    assert len(posts(ws, REP, "Is the data stored in Sweden?")) == 1
    assert posts(ws, REP2, "The project group has a question") == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PitchQuestionRow)) == 1


def test_a_deadline_reminder_that_meets_500_three_times_arrives_once(
    workspace: Workspace, sessions, database_url
) -> None:
    from bot.app import make_client, new_deps
    from bot.config import load_settings
    from handlers.deadlines import remind_and_close

    ws = workspace
    programme(
        ws, sessions, deadline_days=1
    )  # the deadline is within 48 hours from now: "N hours left"
    settled(sessions)  # nothing else of the server's is on its way to Slack
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=ws.fake.api_url,
    )
    deps = new_deps(settings)
    ws.fake.fail_next("chat.postMessage", status=500, count=3)
    # The tick claims and owes in one transaction; the server's sender does the rest.
    remind_and_close(deps, make_client(settings))
    reminder = ws.wait_post("C0OPPS", "hours left to pitch", timeout=RETRIED)
    assert "pitch_open" in json.dumps(reminder.args)
    settled(sessions)
    assert remind_and_close(deps, make_client(settings)) == 0
    assert len([m for m in ws.fake.messages("C0OPPS") if "hours left to pitch" in m["text"]]) == 1
    failed = [c for c in ws.fake.calls_to("chat.postMessage") if not c.succeeded]
    assert len(failed) == 3
    deps.engine.dispose()


def test_a_join_approval_clicked_twice_tells_the_applicant_once(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    assert apply_as_startup(ws, NOBODY) == {}
    card(ws)
    application_id = str(application(sessions).id)
    clicks = [
        threading.Thread(target=lambda: ws.click(ADMIN, "join_approve", application_id))
        for _ in range(2)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    ws.wait_post(NOBODY, "Good news")
    ws.click(ADMIN, "join_approve", application_id)  # and once more, later
    ws.wait_response("already approved this application")
    settled(sessions)
    assert len(posts(ws, NOBODY, "Good news")) == 1
    updates = [
        call
        for call in ws.fake.calls_to("chat.update")
        if "Approved by <@UADMIN0001>" in json.dumps(call.args)
    ]
    assert len(updates) == 1
    assert application(sessions).status == "approved"


def test_the_same_library_item_added_twice_is_one_item(workspace: Workspace, sessions) -> None:
    ws = workspace
    assert add_item(ws, item_values()) == {}
    assert add_item(ws, item_values(title="  nda   TEMPLATE ")) == {}  # the same item again
    other = add_item(ws, item_values(link="https://docs.example.org/other-nda.docx"))
    assert "already has an item called NDA template" in other["errors"]["title"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ResourceRow)) == 1
    # The same title under another stage is another item.
    assert add_item(ws, item_values(stage="meeting")) == {}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ResourceRow)) == 2


def test_a_member_added_twice_is_welcomed_once(workspace: Workspace, sessions) -> None:
    ws = workspace
    setup_org(ws)
    organisation = org_id(sessions)
    add_member(ws, organisation, PM, "project_manager")
    add_member(ws, organisation, PM, "project_manager")
    ws.wait_post(PM, "You have been added to the project group")
    settled(sessions)
    assert len(posts(ws, PM, "You have been added to the project group")) == 1
