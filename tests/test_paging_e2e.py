"""End to end: paging a big matchday's overview through the signed app and the fake Slack.

A matchday of the size of the project's XL benchmark (1,152 planned meetings, 48 tables)
is built through the repositories (``tests.big_programme``, with fewer parties to keep it
quick); the admin then clicks *Next* through the whole plan and *Previous* back, on SQLite
and PostgreSQL. Every page must pass the fake Slack's limits,
keep the day's four buttons, and the pages together must show every meeting exactly once.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.planning.problem import Meeting, Plan
from bot.views.matchdays import (
    ACCEPT_ACTION,
    AGENDA_PAGE_ACTION,
    EXPORT_ACTION,
    PLAN_ACTION,
    PLAN_PAGE_ACTION,
    PUBLISH_ACTION,
    REQUEST_ACTION,
    UNPLACED_PAGE_ACTION,
)
from bot.views.paging import page_value
from storage.repositories import matchdays
from tests.big_programme import MEMBER, seed_big_programme
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_programme import PM

TABLES = 48
SLOTS = 24  # 09:00-17:00 in 20 minutes
PLACED = TABLES * SLOTS  # 1,152: every table busy all day
REQUESTS = PLACED + 45


def planned_day(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """A big programme whose matchday has a stored plan filling every table all day; the
    matchday's id and that of the first organisation (whose project manager is MEMBER)."""
    big = seed_big_programme(
        sessions, SystemClock(), organisations=40, startups=120, requests=REQUESTS, tables=TABLES
    )
    with sessions.begin() as session:
        day = matchdays.get(session=session, matchday_id=big.matchday_id)
        assert day is not None and len(day.slots()) == SLOTS
        ids = [request.id for request in matchdays.requests(session=session, matchday_id=day.id)]
        placed = [
            Meeting(str(request), index // TABLES, index % TABLES + 1)
            for index, request in enumerate(ids[:PLACED])
        ]
        plan = Plan(
            meetings=tuple(placed),
            unplaced={str(request): "no_room" for request in ids[PLACED:]},
            objective=PLACED,
            bound=float(REQUESTS),
            proven_optimal=False,
            gap=0.05,
            solver="stored",
            seconds=1.0,
        )
        matchdays.apply_plan(
            session=session,
            actor=ADMIN,
            matchday=day,
            plan=plan,
            people={request: ((), ()) for request in ids},
        )
        matchdays.set_status(
            session=session,
            matchday_id=day.id,
            status="planned",
            note={"solver": "stored", "proven_optimal": False, "gap": 0.05, "seconds": 1.0},
        )
    return big.matchday_id, big.organisation_ids[0]


def shown_after(ws: Workspace, user: str, action_id: str, value: str) -> dict[str, Any]:
    """Click a page button; the message that replaced the old one (Slack accepted it)."""
    ws.click(user, action_id, value)
    call = ws._wait("response_url", lambda c: True, 20.0, since=ws._mark)
    assert call.succeeded, call.response
    return call.args


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        element["action_id"]: element.get("value", "")
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def rows_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    return re.findall(r"`(\d\d:\d\d)` T(\d+) ·", json.dumps(message, ensure_ascii=False))


def test_admin_pages_through_a_big_plan(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    matchday_id, organisation_id = planned_day(sessions)
    first = shown_after(
        ws, ADMIN, f"{PLAN_PAGE_ACTION}_previous", page_value(0, m=matchday_id, u=0)
    )
    assert first.get("replace_original") is True
    text = json.dumps(first, ensure_ascii=False)
    assert "Showing 1–40 of 1,152" in text and "Showing 1–20 of 45" in text
    assert "*1,152* meetings planned" in text

    seen: Counter[tuple[str, str]] = Counter()
    page, pages = first, 1
    while True:
        assert {PLAN_ACTION, PUBLISH_ACTION, EXPORT_ACTION, REQUEST_ACTION} <= set(buttons(page))
        seen.update(rows_of(page))
        following = buttons(page).get(f"{PLAN_PAGE_ACTION}_next")
        if following is None:
            break
        page = shown_after(ws, ADMIN, f"{PLAN_PAGE_ACTION}_next", following)
        pages += 1
    assert pages == -(-PLACED // 40)
    assert len(seen) == PLACED and set(seen.values()) == {1}
    assert "Showing 1,121–1,152 of 1,152" in json.dumps(page, ensure_ascii=False)

    back = shown_after(
        ws, ADMIN, f"{PLAN_PAGE_ACTION}_previous", buttons(page)[f"{PLAN_PAGE_ACTION}_previous"]
    )
    assert "Showing 1,081–1,120 of 1,152" in json.dumps(back, ensure_ascii=False)

    # The unplaced requests page on their own; the plan stays at its page meanwhile.
    unplaced = shown_after(
        ws, ADMIN, f"{UNPLACED_PAGE_ACTION}_next", buttons(back)[f"{UNPLACED_PAGE_ACTION}_next"]
    )
    text = json.dumps(unplaced, ensure_ascii=False)
    assert "Showing 21–40 of 45" in text and "Showing 1,081–1,120 of 1,152" in text

    # Buttons that no longer fit (the plan shrank), or name no matchday, or come from
    # someone who may not plan: a polite answer each, never an error or silence.
    stale = shown_after(ws, ADMIN, f"{PLAN_PAGE_ACTION}_next", page_value(99, m=matchday_id, u=7))
    text = json.dumps(stale, ensure_ascii=False)
    assert "This list has changed since; here is the current one." in text
    assert "Showing 1,121–1,152 of 1,152" in text and "Showing 41–45 of 45" in text

    gone = shown_after(ws, ADMIN, f"{PLAN_PAGE_ACTION}_next", page_value(1, m=987654, u=0))
    assert "no longer exists" in json.dumps(gone)
    garbled = shown_after(ws, ADMIN, f"{PLAN_PAGE_ACTION}_next", "not json")
    assert "no longer exists" in json.dumps(garbled)
    refused = shown_after(ws, PM, f"{PLAN_PAGE_ACTION}_next", page_value(1, m=matchday_id, u=0))
    assert "Only programme admins" in json.dumps(refused)

    # A party's agenda pages too: the organisation's project manager walks all of it.
    agenda = page_value(0, m=matchday_id, k="organisation", r=organisation_id)
    page = shown_after(ws, MEMBER, f"{AGENDA_PAGE_ACTION}_previous", agenda)
    accepts: Counter[str] = Counter()
    while True:
        shown = buttons(page)
        accepts.update(
            element["value"]
            for block in page["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == ACCEPT_ACTION
        )
        following = shown.get(f"{AGENDA_PAGE_ACTION}_next")
        if following is None:
            break
        page = shown_after(ws, MEMBER, f"{AGENDA_PAGE_ACTION}_next", following)
    with sessions() as session:
        own = matchdays.planned_of_party(
            session=session, matchday_id=matchday_id, kind="organisation", ref_id=organisation_id
        )
        expected = Counter(str(meeting.meeting_id) for meeting, _other in own)
    assert len(expected) > 20  # more than one page
    assert accepts == expected
    foreign = shown_after(ws, PM, f"{AGENDA_PAGE_ACTION}_next", agenda)
    assert "Only the party's own people" in json.dumps(foreign)
    assert all(call.succeeded for call in ws.fake.calls_to("response_url"))
