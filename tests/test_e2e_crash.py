"""Nothing lost, nothing twice: `matchday serve` killed with SIGKILL in the middle of a burst
of pitches, with Slack failing or not; after a restart every committed pitch has exactly one
review card and one receipt in the fake Slack, and every acknowledged pitch was committed.
"""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.planning.problem import Priority
from bot.programme import OrganisationKind, Role
from handlers.matchday_plan import owe_fanout
from sandbox import payloads
from sandbox.signing import post_to_app
from sandbox.slack_api import FakeSlack
from storage.models import OutboxRow, OutboxStatus, PitchRow, StartupRow
from storage.repositories import matchdays, needs, organisations, startups
from tests.e2e import ADMIN, SIGNING_SECRET, ServerProcess, Workspace
from tests.test_e2e_pitches import pitch_values
from tests.test_e2e_programme import PM, add_member, org_id, setup_org

BURST = 50


def _rep(index: int) -> str:
    return f"UREPB{index:05d}"


def _seed(ws: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]) -> int:
    setup_org(ws)
    add_member(ws, org_id(sessions), PM, "project_manager")
    with sessions.begin() as session:
        for index in range(BURST):
            slack.add_user(_rep(index), f"rep{index}")
            startups.register(
                session=session,
                actor=ADMIN,
                name=f"Startup {index:02d}",
                org_number=f"5590{index:06d}",
                website="https://example.org",
                sector="health",
                description="d",
                representatives=[_rep(index)],
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
            deadline=datetime.now(UTC).date() + timedelta(days=14),
            contact_role=Role.PROJECT_MANAGER,
            channel_id="C0OPPS",
        )
    return opportunity.id


def _submission(sessions: sessionmaker[Session], opportunity: int, index: int) -> str:
    with sessions() as session:
        startup = session.scalar(
            select(StartupRow.id).where(StartupRow.name == f"Startup {index:02d}")
        )
    metadata = json.dumps({"opportunity": opportunity, "startup": startup})
    return payloads.view_submission(
        user_id=_rep(index),
        callback_id="pitch_submit",
        values=pitch_values(f"Solution of startup {index:02d}"),
        private_metadata=metadata,
    )


def _send(url: str, body: str) -> int:
    try:
        status, _headers, data = post_to_app(
            url, SIGNING_SECRET, body, "application/x-www-form-urlencoded", timeout=5
        )
    except OSError:
        return 0  # the server was killed: Slack would show the person an error
    return status if data.strip() in (b"", b"{}") else -status


def _drained(sessions: sessionmaker[Session], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            open_rows = session.scalar(
                select(func.count(OutboxRow.id)).where(
                    OutboxRow.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value])
                )
            )
        if open_rows == 0:
            return
        assert time.monotonic() < deadline, f"{open_rows} outbox rows never went out"
        time.sleep(0.2)


@pytest.mark.parametrize("trouble", ["none", "slack-failing"])
def test_a_burst_of_pitches_survives_sigkill(
    trouble: str,
    workspace: Workspace,
    slack: FakeSlack,
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
) -> None:
    opportunity = _seed(workspace, slack, sessions)
    bodies = [_submission(sessions, opportunity, index) for index in range(BURST)]
    if trouble == "slack-failing":
        slack.fail_next("chat.postMessage", status=503, count=25)
        slack.rate_limit("chat.postMessage", every_nth=3, retry_after=1)
        slack.lose_answers("chat.postMessage", 5)
    # A short lease: the restarted sender takes over the dead one's claims within seconds.
    lease = {"MATCHDAY_OUTBOX_LEASE_SECONDS": "3"}
    server = ServerProcess(database_url, slack.api_url, tmp_path / "a.log", **lease).start()
    endpoint = server.url + "/slack/events"
    killer = threading.Timer(random.uniform(0.3, 1.5), server.kill)  # noqa: S311
    killer.start()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda body: _send(endpoint, body), bodies))
    killer.join()
    server.kill()
    acknowledged = {index for index, status in enumerate(answers) if status == 200}
    slack.clear_failures()
    restarted = ServerProcess(database_url, slack.api_url, tmp_path / "b.log", **lease).start()
    try:
        _drained(sessions)
    finally:
        restarted.stop()
    with sessions() as session:
        committed = {
            name
            for (name,) in session.execute(
                select(StartupRow.name).join(PitchRow, PitchRow.startup_id == StartupRow.id)
            )
        }
    assert {f"Startup {index:02d}" for index in acknowledged} <= committed
    posted = [
        json.dumps(message.get("blocks"), ensure_ascii=False) for message in slack.messages("C0ORG")
    ]
    for index in range(BURST):
        name = f"Startup {index:02d}"
        cards = sum(1 for blocks in posted if f"Pitch from {name}" in blocks)
        assert cards == (1 if name in committed else 0), name
    for index in range(BURST):
        name = f"Startup {index:02d}"
        receipts = [m for m in slack.messages(_rep(index)) if "was sent" in m["text"]]
        assert len(receipts) == (1 if name in committed else 0), name


PARTIES = 150  # organisations, and as many startups: 300 parties, one person each


def _matchday_of_300_parties(
    slack: FakeSlack, sessions: sessionmaker[Session]
) -> tuple[int, list[str]]:
    people: list[str] = []
    with sessions.begin() as session:
        matchday = matchdays.create(
            session=session,
            actor=ADMIN,
            title="Matchday Health",
            day=date(2027, 3, 10),
            starts=wall_time(9),
            ends=wall_time(16),
            meeting_minutes=30,
            breaks=[],
            tables=20,
            place="Stadshuset",
            links=[],
            timezone="Europe/Stockholm",
            availability_deadline=date(2027, 3, 1),
        )
        for number in range(PARTIES):
            organisation, _new = organisations.save(
                session=session,
                actor=ADMIN,
                channel_id=f"C0MD{number:05d}",
                name=f"Organisation {number}",
                kind=OrganisationKind.MUNICIPALITY,
                opportunities_channel_id="C0OPPS",
                timezone="Europe/Stockholm",
            )
            member, rep = f"UMDORG{number:04d}", f"UMDREP{number:04d}"
            organisations.set_member(
                session=session,
                actor=ADMIN,
                organisation_id=organisation.id,
                user_id=member,
                role=Role.BUYER,
            )
            startup = startups.register(
                session=session,
                actor=ADMIN,
                name=f"Fanout Startup {number}",
                org_number=f"5591{number:06d}",
                website="https://example.org",
                sector="x",
                description="d",
                representatives=[rep],
            )
            matchdays.add_request(
                session=session,
                actor=ADMIN,
                matchday_id=matchday.id,
                organisation_id=organisation.id,
                startup_id=startup.id,
                priority=Priority.SHOULD,
            )
            people += [member, rep]
    for person in people:
        slack.add_user(person, person.lower())
    return matchday.id, people


@pytest.mark.parametrize("trouble", ["none", "slack-failing"])
def test_a_matchday_invitation_fan_out_to_300_parties_survives_sigkill(
    trouble: str,
    slack: FakeSlack,
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
) -> None:
    matchday_id, people = _matchday_of_300_parties(slack, sessions)
    if trouble == "slack-failing":
        slack.fail_next("chat.postMessage", status=502, count=40)
        slack.rate_limit("chat.postMessage", every_nth=7, retry_after=1)
        slack.lose_answers("chat.postMessage", 10)
    settings = {"MATCHDAY_OUTBOX_LEASE_SECONDS": "3", "MATCHDAY_SEND_RATE": "300"}
    server = ServerProcess(database_url, slack.api_url, tmp_path / "a.log", **settings).start()
    with sessions.begin() as session:  # the admin's "send invitations", as the listener does it
        assert owe_fanout(
            session, matchday_id=matchday_id, what="invite", now=datetime.now(UTC), actor=ADMIN
        )
    time.sleep(random.uniform(0.3, 2.0))  # noqa: S311 - somewhere in the middle of the fan-out
    server.kill()
    sent_before = len([c for c in slack.calls_to("chat.postMessage") if c.succeeded])
    slack.clear_failures()
    restarted = ServerProcess(database_url, slack.api_url, tmp_path / "b.log", **settings).start()
    try:
        _drained(sessions, timeout=90)
    finally:
        restarted.stop()
    prefix = f"matchday:{matchday_id}:invite:"
    for person in people:
        keys = [
            ((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
            for m in slack.messages(person)
        ]
        assert len([key for key in keys if str(key).startswith(prefix)]) == 1, person
    assert sent_before < len(people)  # the kill did land in the middle
