"""Retention of pitch content on the app's clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app import make_client, new_deps
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.programme import OrganisationKind, Role
from bot.register import add_months, closed_long_enough
from handlers.retention import remove_expired_pitch_content
from sandbox.slack_api import FakeSlack
from sandbox.slack_state import BOT_USER_ID
from storage.models import (
    AuditEntry,
    MeetingRow,
    OpportunityRow,
    PitchContentRemovalRow,
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    RegisterExportRow,
)
from storage.repositories import languages, needs, organisations, startups
from tests.e2e import ADMIN, BOT_TOKEN
from worker.sender import Sender

PM = "UPM0000001"
REP = "UREP000001"
# Years ahead of real time (the calendar repeats every 28 years: 2053 is 2025, 2055 is 2027):
# the shared test server's sender, on the real clock, must never find this test's rows due.
SUBMITTED = datetime(2053, 5, 2, 9, 0, tzinfo=UTC)


@dataclass
class Programme:
    """The seeded pitches by what retention should do with them."""

    removed: int  # no meeting, opportunity closed 2053-06-01
    met: int  # same opportunity, a booked meeting
    recent: int  # no meeting, opportunity closed 2053-06-20 (too recently)
    region: int  # another organisation, only a cancelled meeting
    sodertalje: int
    region_org: int


@dataclass
class Runner:
    deps: Deps
    client: WebClient
    clock: FixedClock
    slack: FakeSlack


@pytest.fixture
def runner(
    database_url: str, slack: FakeSlack, sessions: sessionmaker[Session]
) -> Iterator[Runner]:
    for user_id, name in ((PM, "pm"), (REP, "rep"), (ADMIN, "admin")):
        slack.add_user(user_id, name)
    slack.add_channel("C0ORG", "sodertalje-projekt", members=[ADMIN, PM], is_private=True)
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        MATCHDAY_ADMINS=ADMIN,
    )
    assert settings.MATCHDAY_RETENTION_MONTHS == 24
    clock = FixedClock(datetime(2055, 5, 20, 8, 0, tzinfo=UTC))
    deps = new_deps(settings, clock=clock)
    yield Runner(deps, make_client(settings), clock, slack)
    deps.after_ack.shutdown()
    deps.engine.dispose()


def _opportunity(session: Session, organisation_id: int, title: str, deadline: date) -> int:
    area = needs.add_area(
        session=session, actor=PM, organisation_id=organisation_id, title=title, why="w"
    )
    row = OpportunityRow(
        organisation_id=organisation_id,
        focus_area_id=area.id,
        title=title,
        description="d",
        deadline=deadline,
        contact_role=Role.PROJECT_MANAGER.value,
        channel_id="C0OPPS",
        published_by=PM,
    )
    session.add(row)
    session.flush()
    return row.id


def _pitch(session: Session, opportunity_id: int, startup_id: int, text: str) -> int:
    row = PitchRow(
        opportunity_id=opportunity_id,
        startup_id=startup_id,
        solution=f"{text} solution",
        fit=f"{text} fit",
        references=f"{text} references",
        pilot=f"{text} pilot",
        link="https://example.com/" + text,
        status="declined",
        submitted_by=REP,
        submitted_at=SUBMITTED,
        updated_at=SUBMITTED,
        secret_sections=["solution"],
        secret_reason="Patent pending",
    )
    session.add(row)
    session.flush()
    session.add(
        PitchDecisionRow(
            pitch_id=row.id,
            decision="declined",
            reason="not now",
            decided_by=PM,
            decided_at=SUBMITTED,
        )
    )
    session.add(
        PitchQuestionRow(
            pitch_id=row.id,
            question="How many homes?",
            asked_by=PM,
            asked_at=SUBMITTED,
            answer=f"{text} answer",
            answered_by=REP,
            answered_at=SUBMITTED + timedelta(days=1),
        )
    )
    return row.id


def _meeting(
    session: Session, organisation_id: int, startup_id: int, pitch: int, status: str
) -> None:
    session.add(
        MeetingRow(
            organisation_id=organisation_id,
            startup_id=startup_id,
            pitch_id=pitch,
            status=status,
            length_minutes=30,
            place="Room 7",
            proposed_by=PM,
        )
    )


def seed(sessions: sessionmaker[Session]) -> Programme:
    with sessions.begin() as session:
        org, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0ORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        region, _new = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="C0REGION",
            name="Region Stockholm",
            kind=OrganisationKind.REGION,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        organisations.set_member(
            session=session,
            actor=ADMIN,
            organisation_id=org.id,
            user_id=PM,
            role=Role.PROJECT_MANAGER,
        )
        languages.choose(session=session, user_id=PM, language="en")  # the file's words
        ids = []
        for name, number in (("Acme", "556016-0680"), ("Beta", "212000-0142")):
            ids.append(
                startups.register(
                    session=session,
                    actor=ADMIN,
                    name=name,
                    org_number=number,
                    website="https://x.example",
                    sector="health",
                    description="d",
                    representatives=[REP] if name == "Acme" else [],
                ).id
            )
        acme, beta = ids
        closed = _opportunity(session, org.id, "Fewer falls", date(2053, 6, 1))
        later = _opportunity(session, org.id, "Night checks", date(2053, 6, 20))
        regional = _opportunity(session, region.id, "Cleaner air", date(2053, 1, 10))
        removed = _pitch(session, closed, acme, "removed")
        met = _pitch(session, closed, beta, "met")
        recent = _pitch(session, later, acme, "recent")
        other = _pitch(session, regional, beta, "region")
        _meeting(session, org.id, beta, met, "booked")
        _meeting(session, region.id, beta, other, "cancelled")
    return Programme(removed, met, recent, other, org.id, region.id)


def _content(session: Session, pitch_id: int) -> list[str]:
    pitch = session.get(PitchRow, pitch_id)
    assert pitch is not None
    answers = session.scalars(
        select(PitchQuestionRow.answer).where(PitchQuestionRow.pitch_id == pitch_id)
    ).all()
    return [pitch.solution, pitch.fit, pitch.references, pitch.pilot, pitch.link, *answers]  # type: ignore[list-item]


def _csv_in(slack: FakeSlack, user: str) -> list[dict[str, str]]:
    channel = slack.dm_channel_id(user)
    files = [f for f in slack.files.values() if f.completed and channel in f.channels]
    [found] = [f for f in files if f.filename.endswith(".csv")]
    return list(csv.DictReader(io.StringIO((found.content or b"").decode("utf-8-sig"))))


def test_month_arithmetic_of_the_retention_period() -> None:
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert closed_long_enough(date(2025, 6, 14), date(2027, 6, 15), 24)
    assert not closed_long_enough(date(2025, 6, 15), date(2027, 6, 15), 24)


def test_retention_removes_exactly_the_expired_content_once_a_day(
    runner: Runner, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    seeded = seed(sessions)
    # The card in the group's channel showed the pitch; it is built again without its texts.
    card = runner.slack.add_message("C0ORG", BOT_USER_ID, "Pitch from Acme: removed solution")
    with sessions.begin() as session:
        session.execute(
            update(PitchRow)
            .where(PitchRow.id == seeded.removed)
            .values(card_channel="C0ORG", card_ts=card["ts"])
        )
    with sessions() as session:
        before = {p: _content(session, p) for p in (seeded.met, seeded.recent)}
        decisions_before = len(session.scalars(select(PitchDecisionRow)).all())

    # 20 May 2055: the first opportunity closed 1 June 2053, not yet 24 months ago.
    # The region's (closed 10 January 2053) is due: only its pitch goes.
    assert remove_expired_pitch_content(runner.deps, runner.client) == 1
    runner.clock.set(datetime(2055, 5, 20, 15, 0, tzinfo=UTC))
    assert remove_expired_pitch_content(runner.deps, runner.client) == 0  # same day

    # 15 June 2055: now the first opportunity is due; several ticks that day, one run.
    runner.clock.set(datetime(2055, 6, 15, 6, 0, tzinfo=UTC))
    with caplog.at_level(logging.INFO, logger="handlers.retention"):
        assert remove_expired_pitch_content(runner.deps, runner.client) == 1
    assert f"removed the content of pitch {seeded.removed}" in caplog.text
    for _tick in range(3):
        assert remove_expired_pitch_content(runner.deps, runner.client) == 0

    with sessions() as session:
        assert _content(session, seeded.removed) == ["", "", "", "", "", ""]
        assert _content(session, seeded.region) == ["", "", "", "", "", ""]
        for pitch_id, content in before.items():
            assert _content(session, pitch_id) == content
        kept = session.get(PitchRow, seeded.removed)
        assert kept is not None
        assert kept.status == "declined"
        assert kept.secret_sections == ["solution"]
        assert kept.secret_reason == "Patent pending"
        assert session.scalars(select(PitchQuestionRow.question)).all() == ["How many homes?"] * 4
        assert len(session.scalars(select(PitchDecisionRow)).all()) == decisions_before
        removals = {
            row.pitch_id: row.removed_at for row in session.scalars(select(PitchContentRemovalRow))
        }
        assert removals == {
            seeded.region: datetime(2055, 5, 20, 8, 0, tzinfo=UTC),
            seeded.removed: datetime(2055, 6, 15, 6, 0, tzinfo=UTC),
        }
        audited = session.scalars(
            select(AuditEntry.subject).where(AuditEntry.action == "pitch_content_removed")
        ).all()
        assert sorted(audited) == sorted([f"pitch:{seeded.region}", f"pitch:{seeded.removed}"])
        exports = session.scalars(select(RegisterExportRow).order_by(RegisterExportRow.id)).all()
        # One final export per organisation, each made before its content went.
        assert [(e.organisation_id, e.kind) for e in exports] == [
            (seeded.region_org, "final"),
            (seeded.sodertalje, "final"),
        ]
        assert exports[1].exported_at == datetime(2055, 6, 15, 6, 0, tzinfo=UTC)

    Sender(runner.deps, runner.client).drain()
    # The region has no project manager: its registrar's file goes to the admins.
    region_ids = {row["Document id"] for row in _csv_in(runner.slack, ADMIN)}
    assert region_ids == {
        f"MD-PITCH-{seeded.region}",
        f"MD-ANSWER-{_answer(sessions, seeded.region)}",
    }
    rows = _csv_in(runner.slack, PM)
    assert {row["Document id"] for row in rows} == {
        f"MD-PITCH-{seeded.removed}",
        f"MD-PITCH-{seeded.met}",
        f"MD-PITCH-{seeded.recent}",
        *(f"MD-ANSWER-{_answer(sessions, p)}" for p in (seeded.removed, seeded.met, seeded.recent)),
    }
    [refreshed] = [c for c in runner.slack.calls_to("chat.update") if c.args["ts"] == card["ts"]]
    assert "Acme" in json.dumps(refreshed.args)
    assert "removed solution" not in json.dumps(refreshed.args)
    marked = next(r for r in rows if r["Document id"] == f"MD-PITCH-{seeded.removed}")
    assert marked["Secrecy marking"] == (
        "Marked as trade secret: Solution. Reason given: Patent pending"
    )
    assert "removed solution" not in str(rows)  # register entries, never the pitch text


def _answer(sessions: sessionmaker[Session], pitch_id: int) -> int:
    with sessions() as session:
        return int(
            session.scalars(
                select(PitchQuestionRow.id).where(PitchQuestionRow.pitch_id == pitch_id)
            ).one()
        )
