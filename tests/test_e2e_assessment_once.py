"""End to end: what follows an assessment's changes arrives once, whatever Slack or people do.

Publishing while Slack answers 500, a publish form submitted twice, two forms opened from the
same summary, a focus-area form submitted twice. On SQLite and PostgreSQL, against
`matchday serve` (with its outbox sender) and the fake Slack.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.assessment import State
from sandbox import payloads
from storage.models import AssessmentRow, FocusAreaRow, OpportunityRow, OutboxRow
from storage.repositories import assessments
from tests.e2e import RETRIED, Workspace
from tests.test_e2e_assessment import add_area, ready_group, start_assessment
from tests.test_e2e_programme import PM


def ready_summary(ws: Workspace, sessions: sessionmaker[Session]) -> int:
    """An assessment in its thread with the required steps answered, at its summary."""
    start_assessment(ws, ready_group(ws, sessions))
    now = datetime.now(UTC)
    with sessions.begin() as session:
        row = session.scalars(select(AssessmentRow)).one()
        for step, fields in (
            (State.AREA, {"area": "Elderly care at home"}),
            (State.CHALLENGE, {"challenge": "Falls at home", "affected": "Residents"}),
            (State.OUTCOME, {"outcome": "Fewer falls", "measure": "Monthly records"}),
            (State.OWNER, {"owner": PM}),
        ):
            assessments.record_answer(
                session=session,
                assessment_id=row.id,
                step=step,
                fields=fields,
                skipped=False,
                actor=PM,
                now=now,
            )
        session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.id == row.id)
            .values(state=State.REVIEW.value, version=AssessmentRow.version + 1)
        )
        return row.id


def publish_values(title: str = "Fewer falls at home") -> dict[str, Any]:
    deadline = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    return {
        "title": {"value": payloads.plain_value(title)},
        "description": {"value": payloads.plain_value("We look for ways to prevent falls.")},
        "deadline": {"value": payloads.date_value(deadline)},
        "contact_role": {"value": payloads.static_value("project_manager")},
    }


def open_publish_form(ws: Workspace, assessment_id: int) -> dict[str, Any]:
    ws.click(PM, "assess_publish", str(assessment_id))
    return ws.opened_modal("opportunity_publish")


def cards(ws: Workspace) -> list[Any]:
    return [
        call
        for call in ws.fake.calls_to("chat.postMessage")
        if call.succeeded and call.args.get("channel") == "C0OPPS"
    ]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def opportunities(sessions: sessionmaker[Session]) -> list[OpportunityRow]:
    with sessions() as session:
        return list(session.scalars(select(OpportunityRow)))


def test_publishing_while_slack_answers_500_three_times_posts_one_card(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    assessment_id = ready_summary(ws, sessions)
    form = open_publish_form(ws, assessment_id)
    ws.fake.fail_next("chat.postMessage", status=500, count=3)
    assert ws.submit(PM, form, publish_values()).json() == {}
    card = ws.wait_post("C0OPPS", "Fewer falls at home", timeout=RETRIED)
    ws.wait_post("C0ORG", "Published *Fewer falls at home*", timeout=RETRIED)
    failed = [call for call in ws.fake.calls_to("chat.postMessage") if not call.succeeded]
    assert len(failed) == 3
    assert len(ws.fake.messages("C0OPPS")) == 1
    assert len(cards(ws)) == 1
    # Where the card landed is kept for later updates, once the sender recorded it.
    assert wait_until(lambda: opportunities(sessions)[0].message_ts == card.response["ts"])
    summaries = [
        message
        for message in ws.fake.messages("C0ORG")
        if "Published *Fewer falls at home*" in json.dumps(message, ensure_ascii=False)
    ]
    assert len(summaries) == 1


def test_a_publish_form_submitted_twice_makes_one_opportunity_and_one_card(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    assessment_id = ready_summary(ws, sessions)
    form = open_publish_form(ws, assessment_id)
    answers: list[int] = []

    def submit() -> None:
        answers.append(ws.submit(PM, form, publish_values()).status)

    clicks = [threading.Thread(target=submit) for _ in range(3)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    assert answers == [200, 200, 200]
    # And once more, after the first has long been saved.
    assert ws.submit(PM, form, publish_values()).json() == {}
    ws.wait_post("C0OPPS", "Fewer falls at home")
    ws.wait_ephemeral(PM, "This summary is already published as *Fewer falls at home*")
    assert len(opportunities(sessions)) == 1
    with sessions() as session:
        owed = session.scalars(
            select(OutboxRow).where(OutboxRow.key.like("opportunity:%:card"))
        ).all()
    assert len(owed) == 1
    assert len(cards(ws)) == 1


def test_two_forms_from_one_summary_publish_once_and_a_new_summary_publishes_another(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    assessment_id = ready_summary(ws, sessions)
    first = open_publish_form(ws, assessment_id)
    second = open_publish_form(ws, assessment_id)
    assert ws.submit(PM, first, publish_values("First")).json() == {}
    assert ws.submit(PM, second, publish_values("Second")).json() == {}
    ws.wait_ephemeral(PM, "This summary is already published as *First*")
    assert [row.title for row in opportunities(sessions)] == ["First"]
    # "Add another opportunity" on the newest summary opens a form for it.
    ws.wait_post("C0ORG", "Published *First*")
    third = open_publish_form(ws, assessment_id)
    assert ws.submit(PM, third, publish_values("Second")).json() == {}
    ws.wait_post("C0OPPS", "Second")
    assert sorted(row.title for row in opportunities(sessions)) == ["First", "Second"]
    assert len(cards(ws)) == 2


def test_a_focus_area_form_submitted_twice_adds_one_area(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    organisation = ready_group(ws, sessions)
    ws.click(PM, "area_add", str(organisation))
    view = ws.opened_modal("area_add")
    values = {
        "title": {"value": payloads.plain_value("Elderly care")},
        "why": {"value": payloads.plain_value("Because residents wait too long.")},
    }
    answers: list[int] = []

    def submit() -> None:
        answers.append(ws.submit(PM, view, values).status)

    clicks = [threading.Thread(target=submit) for _ in range(3)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    assert answers == [200, 200, 200]
    assert ws.submit(PM, view, values).json() == {}
    ws.wait_response("*Elderly care* is already on the list")
    # The same title in other words is the same area too.
    assert add_area(ws, organisation, "  elderly CARE ") == {}
    with sessions() as session:
        areas = session.scalars(select(FocusAreaRow)).all()
    assert [area.title for area in areas] == ["Elderly care"]
