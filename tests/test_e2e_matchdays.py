"""End to end: a whole matchday from definition to re-plan, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from storage.models import MatchdayRow, MeetingRow
from storage.repositories import startups
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import REP2, programme, send_pitch
from tests.test_e2e_programme import BUYER, PM, REP

DAY = (datetime.now(UTC) + timedelta(days=30)).date()


def two_shortlisted(ws: Workspace, sessions: sessionmaker[Session]) -> None:
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    send_pitch(ws, REP2, opportunity, solution="Beta's idea")
    ws.wait_post("C0ORG", "Pitch from Beta")
    with sessions() as session:
        from storage.models import PitchRow

        ids = [row for row in session.scalars(select(PitchRow.id).order_by(PitchRow.id))]
    for pitch in ids:
        ws.click(BUYER, "pitch_shortlist", str(pitch))
    ws.wait_post(REP2, "Good news")


def define(ws: Workspace, **overrides: Any) -> dict[str, Any]:
    ws.command(ADMIN, "C0ORG", "matchday new")
    view = ws.opened_modal("matchday_new")
    answer: dict[str, Any] = ws.submit(ADMIN, view, form_values(**overrides)).json()
    return answer


def form_values(**overrides: Any) -> dict[str, Any]:
    """The define form filled in for Matchday Health (with these fields changed)."""
    values = {
        "title": {"value": payloads.plain_value("Matchday Health")},
        "day": {"value": payloads.date_value(DAY.isoformat())},
        "starts": {"value": payloads.time_value("09:00")},
        "ends": {"value": payloads.time_value("11:00")},
        "length": {"value": payloads.static_value("30")},
        "break_starts": {"value": payloads.time_value(None)},
        "break_ends": {"value": payloads.time_value(None)},
        "tables": {"value": payloads.plain_value("1")},
        "place": {"value": payloads.plain_value("Stadshuset")},
        "links": {"value": payloads.plain_value("")},
        "deadline": {"value": payloads.date_value((DAY - timedelta(days=5)).isoformat())},
    }
    values.update(overrides)
    return values


def test_a_whole_matchday(workspace: Workspace, sessions: sessionmaker[Session]) -> None:
    ws = workspace
    two_shortlisted(ws, sessions)
    refused = define(
        ws,
        ends={"value": payloads.time_value("10:45")},
        length={"value": payloads.static_value("20")},
        tables={"value": payloads.plain_value("0")},
        deadline={"value": payloads.date_value((DAY + timedelta(days=1)).isoformat())},
    )
    assert set(refused["errors"]) == {"length", "tables", "deadline"}
    assert "does not divide" in refused["errors"]["length"]
    with sessions() as session:
        assert session.scalars(select(MatchdayRow)).all() == []

    assert define(ws) == {}
    ask = ws.wait_post(REP, "which times can *Acme* make?")
    ws.wait_post(PM, "which times can *Södertälje kommun* make?")
    boxes = next(b for b in ask.args["blocks"] if b["type"] == "actions")
    options = boxes["elements"][0]["options"]
    assert len(options) == 4  # 09:00 to 11:00 in 30 minutes
    # Acme cannot make 09:00 or 09:30.
    ws.click(
        REP,
        "matchday_availability",
        block_id=boxes["block_id"],
        action_fields={"type": "checkboxes", "selected_options": options[2:]},
    )
    ws.click(ADMIN, "matchday_plan", _matchday_id(sessions))
    plan = ws.wait_response("Plan: 2 meetings", timeout=20)
    assert "proven optimal" in json.dumps(plan)
    with sessions() as session:
        rows = session.scalars(select(MeetingRow).where(MeetingRow.matchday_id.is_not(None))).all()
    by_startup = {row.startup_id: row for row in rows}
    assert len(rows) == 2
    acme = _startup_id(sessions, "Acme")
    assert by_startup[acme].slot in (2, 3)
    assert len({row.slot for row in rows}) == 2  # one table: never two at once

    ws.click(ADMIN, "matchday_publish", _matchday_id(sessions))
    agenda = ws.wait_post(REP, "the agenda of *Acme*")
    assert "matchday_accept" in json.dumps(agenda.args)
    ws.wait_post(PM, "the agenda of *Södertälje kommun*")

    beta_meeting = by_startup[_startup_id(sessions, "Beta")]
    ws.click(REP2, "matchday_accept", str(beta_meeting.id))
    ws.wait_response("Accepted, thank you")
    ws.click(REP, "matchday_decline", str(by_startup[acme].id))
    ws.wait_response("Declined")
    change = ws.wait_post(PM, "Your matchday agenda changed", timeout=20)
    assert "cancelled" in json.dumps(change.args)
    with sessions() as session:
        beta_after = session.get(MeetingRow, beta_meeting.id)
        acme_after = session.get(MeetingRow, by_startup[acme].id)
    assert beta_after is not None
    assert acme_after is not None
    assert beta_after.slot == beta_meeting.slot  # the confirmed meeting did not move
    assert acme_after.status == "cancelled"

    ws.click(ADMIN, "matchday_export", _matchday_id(sessions))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(f.content for f in ws.fake.files.values()):
        time.sleep(0.05)
    csv_text = next(f.content for f in ws.fake.files.values() if f.content).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("start,end,table,place,organisation,startup")
    assert "Beta" in csv_text
    assert "Acme" not in csv_text


def test_the_agenda_goes_out_the_day_before(workspace: Workspace, sessions, database_url) -> None:
    from bot.app import make_client, new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.outbox import Pacer
    from handlers import delivery  # noqa: F401 - the sender's languages
    from handlers.matchday_plan import send_day_before
    from worker.sender import Sender

    ws = workspace
    two_shortlisted(ws, sessions)
    assert define(ws) == {}
    ws.click(ADMIN, "matchday_plan", _matchday_id(sessions))
    ws.wait_response("Plan: 2 meetings", timeout=20)
    ws.click(ADMIN, "matchday_publish", _matchday_id(sessions))
    ws.wait_post(REP, "the agenda of *Acme*")
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=ws.fake.api_url,
    )
    base = new_deps(settings)
    eve = datetime.combine(DAY - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    clock = FixedClock(eve + timedelta(hours=9))  # 10:00 in Stockholm: too early
    deps = type(base)(base.settings, base.engine, base.sessions, base.after_ack, clock)
    client = make_client(settings)
    # The tick and its sender share one clock (here: the day before, in the future).
    sender = Sender(deps, client, pacer=Pacer(1000, per_channel_interval=0), threads=2)
    assert send_day_before(deps, client) == 0
    clock.set(eve + timedelta(hours=12))
    assert send_day_before(deps, client) == 1
    sender.drain()
    ws.wait_post(REP, "Tomorrow is *Matchday Health*")
    assert send_day_before(deps, client) == 0
    assert sender.drain() == 0  # claimed once: nothing owed twice
    eves = [
        c for c in ws.fake.calls if c.method == "chat.postMessage" and "Tomorrow" in str(c.args)
    ]
    assert len({c.args["channel"] for c in eves}) == len(eves)
    sender.stop()
    base.engine.dispose()


def _matchday_id(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        return str(session.scalars(select(MatchdayRow.id)).one())


def _startup_id(sessions: sessionmaker[Session], name: str) -> int:
    with sessions() as session:
        return next(s.id for s in startups.all_startups(session=session) if s.name == name)


def test_an_admin_adds_an_extra_request_with_a_priority(workspace: Workspace, sessions) -> None:
    from tests.test_e2e_programme import org_id, setup_org

    ws = workspace
    two_shortlisted(ws, sessions)
    setup_org(ws, "C0REGION", "Region Stockholm")
    assert define(ws) == {}
    ws.wait_response("Matchday Health")
    ws.click(ADMIN, "matchday_request", _matchday_id(sessions))
    form = ws.opened_modal("matchday_request")
    refused = ws.submit(
        ADMIN,
        form,
        {
            "organisation": {"value": payloads.static_value(None)},
            "startup": {"value": payloads.static_value(None)},
            "priority": {"value": payloads.static_value("must")},
        },
    ).json()
    assert set(refused["errors"]) == {"organisation", "startup"}
    region, beta = org_id(sessions, "C0REGION"), _startup_id(sessions, "Beta")
    assert ws.submit(
        PM,
        form,
        {
            "organisation": {"value": payloads.static_value(str(region))},
            "startup": {"value": payloads.static_value(str(beta))},
            "priority": {"value": payloads.static_value("must")},
        },
    ).json()["errors"]
    assert (
        ws.submit(
            ADMIN,
            form,
            {
                "organisation": {"value": payloads.static_value(str(region))},
                "startup": {"value": payloads.static_value(str(beta))},
                "priority": {"value": payloads.static_value("must")},
            },
        ).json()
        == {}
    )
    from storage.models import MatchdayRequestRow

    with sessions() as session:
        rows = session.scalars(select(MatchdayRequestRow)).all()
    assert sorted(row.priority for row in rows) == ["must", "should", "should"]
    ws.click(ADMIN, "matchday_plan", _matchday_id(sessions))
    ws.wait_response("Plan: 3 meetings", timeout=20)


def test_the_define_form_submitted_twice_makes_one_matchday(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    from storage.models import OutboxRow

    ws = workspace
    two_shortlisted(ws, sessions)
    ws.command(ADMIN, "C0ORG", "matchday new")
    view = ws.opened_modal("matchday_new")
    # Its own title: a message still on its way from an earlier test is not counted.
    values = form_values(title={"value": payloads.plain_value("Matchday Twice")})
    assert ws.submit(ADMIN, view, values).json() == {}
    assert ws.submit(ADMIN, view, values).json() == {}  # a double click on Create
    # Slack delivering the very same submission again (same view id) changes nothing either.
    body = payloads.view_submission(
        user_id=ADMIN,
        view={**view, "id": "V0SAMEFORM1"},
        values=values,
    )
    assert ws._post(body, "application/x-www-form-urlencoded").json() == {}
    ws.wait_post(REP, "which times can *Acme* make?", timeout=15)
    ws.wait_post(PM, "which times can *Södertälje kommun* make?", timeout=15)
    with sessions() as session:
        assert len(session.scalars(select(MatchdayRow)).all()) == 1
        matchday_id = session.scalars(select(MatchdayRow.id)).one()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # until every owed message is delivered
        with sessions() as session:
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.key.startswith(f"matchday:{matchday_id}:"))
            ).all()
        if rows and all(row.status == "sent" for row in rows):
            break
        time.sleep(0.05)
    invited = Counter(
        call.args["channel"]
        for call in ws.fake.calls_to("chat.postMessage")
        if call.succeeded
        and "which times can" in json.dumps(call.args, ensure_ascii=False)
        and "Matchday Twice" in json.dumps(call.args, ensure_ascii=False)
    )
    assert {REP, REP2, PM, BUYER} <= set(invited)
    sent = [
        (c.args.get("channel"), str(c.args.get("metadata")), c.time)
        for c in ws.fake.calls_to("chat.postMessage")
        if "*Matchday Twice*" in json.dumps(c.args, ensure_ascii=False)
    ]
    assert set(invited.values()) == {1}, sent  # one invitation each, not three
