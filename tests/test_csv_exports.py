"""CSV exports open safely in a spreadsheet (SQLite, PostgreSQL).

What a public official would notice: a pitch, reason or title typed as a formula shows as
text in Excel and never runs; å, ä and ö come out right; every export file starts with
the UTF-8 byte order mark that makes Excel read it as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import handlers  # noqa: F401 - every builder and task
from bot.background import AfterAck
from bot.clock import FixedClock
from bot.config import load_settings
from bot.csv_safe import FORMULA_STARTS, csv_bytes, neutralise
from bot.deps import Deps
from bot.planning.problem import Priority
from bot.programme import OrganisationKind, Role
from handlers.insight import build_export_file
from handlers.matchday_plan import plan_csv, plan_task
from sandbox.slack_api import FakeSlack
from storage.models import MeetingRow, PitchDecisionRow, PitchRow
from storage.models.pilots import CheckinRow, PilotRow
from storage.repositories import exports, matchdays, needs, organisations, startups
from tests.e2e import BOT_TOKEN

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADMIN = "UADMIN0001"
PM = "UPMCSV0001"
REP = "UREPCSV001"
BOM = b"\xef\xbb\xbf"
HYPERLINK = '=HYPERLINK("http://x")'
HOSTILE = [HYPERLINK, "+1", "-2", "@SUM(A1)", "\tX", "\rY"]
SWEDISH = "Piloten på Åland: gröna öar, här och där"


def test_every_formula_start_is_neutralised_and_plain_values_pass() -> None:
    for value in HOSTILE:
        assert neutralise(value) == "'" + value
    plain: tuple[object, ...] = ("Acme", "1+1", "a=b", "", "'already quoted", "Åre", 3, -2, None)
    for other in plain:
        assert neutralise(other) == other  # a negative number is data, not a formula
    content = csv_bytes(["title", "note"], [[HYPERLINK, SWEDISH], ["-2", -2]])
    assert content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows == [["title", "note"], ["'" + HYPERLINK, SWEDISH], ["'-2", "-2"]]


@pytest.fixture
def deps(engine: Engine, sessions: sessionmaker[Session], slack: FakeSlack) -> Iterator[Deps]:
    slack.add_user(ADMIN, "admin")
    settings = load_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=str(engine.url.render_as_string(hide_password=False)),
    )
    pool = AfterAck(workers=1)
    yield Deps(settings, engine, sessions, pool, FixedClock(NOW))
    pool.shutdown()


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM), "Excel needs the byte order mark to read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _assert_safe(rows: list[list[str]], planted: list[str]) -> None:
    """No cell can start a formula, and every planted value is there, quoted, as typed."""
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    for value in planted:
        assert "'" + value in cells, (value, rows)


def _seed(deps: Deps) -> None:
    """One of everything the exports carry, each free text typed as a formula."""
    past = NOW - timedelta(days=10)
    with deps.sessions.begin() as session:
        organisation, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0CSVORG",
            name=HYPERLINK,
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        startup = startups.register(
            session=session,
            actor=ADMIN,
            name="@SUM(A1)",
            org_number="556016-0680",
            website="https://acme.example",
            sector="x",
            description="d",
            representatives=[REP],
        )
        area = needs.add_area(
            session=session, actor=PM, organisation_id=organisation.id, title="A", why="w"
        )
        opportunity = needs.publish(
            session=session,
            actor=PM,
            organisation_id=organisation.id,
            focus_area_id=area.id,
            title="+1",
            description="d",
            deadline=NOW.date() + timedelta(days=2),
            contact_role=Role.PROJECT_MANAGER,
            channel_id="C0OPPS",
            now=past,
        )
        pitch = PitchRow(
            opportunity_id=opportunity.id,
            startup_id=startup.id,
            solution="-2",
            fit="\tX",
            references="\rY",
            pilot=SWEDISH,
            link="=1+1",
            status="declined",
            submitted_by=REP,
            submitted_at=past,
            updated_at=past,
        )
        session.add(pitch)
        session.flush()
        session.add(
            PitchDecisionRow(
                pitch_id=pitch.id,
                decision="declined",
                reason=HYPERLINK,
                decided_by=PM,
                decided_at=past,
            )
        )
        session.add(
            MeetingRow(
                organisation_id=organisation.id,
                startup_id=startup.id,
                status="booked",
                length_minutes=30,
                place="-2",
                proposed=[],
                starts_at=past,
                ends_at=past + timedelta(minutes=30),
                proposed_by=PM,
            )
        )
        pilot = PilotRow(
            organisation_id=organisation.id,
            startup_id=startup.id,
            title="\tX",
            channel_id="C0PILOT",
            start_date=past.date(),
            end_date=NOW.date() + timedelta(days=60),
            cadence="weekly",
            weekday=0,
            checkin_time=time(10),
            timezone="Europe/Stockholm",
            anchor_date=past.date(),
            status="active",
            created_by=PM,
        )
        session.add(pilot)
        session.flush()
        session.add(
            CheckinRow(
                pilot_id=pilot.id,
                seq=1,
                nominal_date=past.date(),
                due_at=past,
                posted_at=past,
                status="on_track",
                progress="@SUM(A1) " + SWEDISH,
                answered_by=PM,
                answered_at=past,
            )
        )
        _seed_exchange(session)


def _seed_exchange(session: Session) -> None:
    """An experience exchange and a registration typed by a visitor as formulas."""
    from storage.models.exchanges import ExchangeRegistrationRow, ExchangeRow

    exchange = ExchangeRow(
        title=HYPERLINK,
        starts_at=NOW + timedelta(days=30),
        ends_at=NOW + timedelta(days=30, hours=2),
        place="Visby",
        agenda="",
        seats=5,
        confirmed=0,
        registration_deadline=NOW + timedelta(days=20),
        created_by=ADMIN,
    )
    session.add(exchange)
    session.flush()
    session.add(
        ExchangeRegistrationRow(
            exchange_id=exchange.id,
            name="=1+1",
            organisation="@SUM(A1)",
            role="-2",
            email="eva@example.se",
            wants_to_learn="+1 " + SWEDISH,
            token="csv-token",
            dedup_key="csv-key",
        )
    )


PLANTED = {
    "opportunities": [HYPERLINK, "+1"],
    "pitches": [HYPERLINK, "+1", "@SUM(A1)", "-2", "\tX", "\rY", "=1+1"],
    "meetings": [HYPERLINK, "@SUM(A1)", "-2"],
    "pilots": ["\tX", HYPERLINK, "@SUM(A1)", "@SUM(A1) " + SWEDISH],
    "exchanges": [HYPERLINK, "=1+1", "@SUM(A1)", "-2", "+1 " + SWEDISH],
}


def test_every_funnel_export_neutralises_formulas_and_keeps_swedish(deps: Deps) -> None:
    _seed(deps)
    assert set(PLANTED) == set(exports.EXPORTS), "a new export needs its case here"
    for kind, planted in PLANTED.items():
        built = build_export_file(deps, {"kind": kind, "everything": True})
        assert built is not None
        assert built["filename"] == f"matchday-{kind}.csv"
        content = built["content"]
        assert isinstance(content, bytes)
        rows = _rows(content)
        _assert_safe(rows, planted)
        if kind == "pitches":
            assert SWEDISH in rows[1]
            decisions = rows[1][rows[0].index("decisions")]
            assert HYPERLINK in decisions and not decisions.startswith(FORMULA_STARTS)
        if kind == "pilots":
            assert "'@SUM(A1) " + SWEDISH in rows[1]


def test_the_matchday_plan_csv_neutralises_formulas(deps: Deps, slack: FakeSlack) -> None:
    with deps.sessions.begin() as session:
        organisation, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0CSVDAY",
            name="+1 Hälsa & Omsorg",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        organisations.set_member(
            session=session,
            actor=ADMIN,
            organisation_id=organisation.id,
            user_id=PM,
            role=Role.BUYER,
        )
        startup = startups.register(
            session=session,
            actor=ADMIN,
            name=HYPERLINK,
            org_number="556016-0680",
            website="https://acme.example",
            sector="x",
            description="d",
            representatives=[REP],
        )
        matchday = matchdays.create(
            session=session,
            actor=ADMIN,
            title="Matchday Åre",
            day=date(2026, 12, 20),
            starts=time(9),
            ends=time(10),
            meeting_minutes=30,
            breaks=[],
            tables=1,
            place="-2 Stadshuset, våning ö",
            links=[],
            timezone="Europe/Stockholm",
            availability_deadline=date(2026, 12, 15),
        )
        matchdays.add_request(
            session=session,
            actor=ADMIN,
            matchday_id=matchday.id,
            organisation_id=organisation.id,
            startup_id=startup.id,
            priority=Priority.MUST,
        )
    for person in (PM, REP):
        slack.add_user(person, person.lower())
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    plan_task(deps, client, {"matchday": matchday.id, "after": 0, "actor": ADMIN})
    with deps.sessions() as session:
        planned = matchdays.get(session=session, matchday_id=matchday.id)
    assert planned is not None
    rows = _rows(plan_csv(deps, planned))
    assert len(rows) == 2, rows
    _assert_safe(rows, ["+1 Hälsa & Omsorg", HYPERLINK])
    assert any(cell.startswith("'-2 Stadshuset, våning ö") for cell in rows[1])
