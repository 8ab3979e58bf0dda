"""End to end: an admin answers someone outside Slack who registered on the showcase.

They have no Slack account to ask with, so an admin looks them up by the e-mail address
they gave: `/matchday privacy <address>` shows what is held, sends it as a file, and erases
it in one transaction, leaving the address nowhere in the database.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models.exchanges import ExchangeInterestRow, ExchangeRegistrationRow, ExchangeRow
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_privacy import every_text
from tests.test_e2e_programme import PM

ADDRESS = "Eva.Ek@Gotland.example"
OTHER = "someone.else@example.org"


def seed(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        exchange = ExchangeRow(
            title="AI i hemtjänsten",
            starts_at=now + timedelta(days=20),
            ends_at=now + timedelta(days=20, hours=2),
            place="Visby",
            seats=10,
            registration_deadline=now + timedelta(days=10),
            created_by=ADMIN,
        )
        session.add(exchange)
        session.flush()
        for n, (name, email) in enumerate((("Eva Ek", ADDRESS), ("Olle Berg", OTHER))):
            session.add(
                ExchangeRegistrationRow(
                    exchange_id=exchange.id,
                    name=name,
                    organisation="Region Gotland",
                    role="Utvecklare",
                    email=email,
                    wants_to_learn=f"Mail me at {email}",
                    token=f"token-{n}",
                    dedup_key=f"dedup-{n}",
                )
            )
        session.add(
            ExchangeInterestRow(
                kind="public",
                organisation="Region Gotland",
                contact_name="Eva Ek",
                email=ADDRESS.lower(),
                message="We want to join",
                dedup_key="interest-1",
            )
        )


def admin_file(ws: Workspace) -> dict[str, Any]:
    channel = ws.fake.dm_channel_id(ADMIN)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for f in ws.fake.files.values():
            if f.completed and channel in f.channels and f.filename.endswith("address.json"):
                loaded = json.loads(f.content or b"{}")
                assert isinstance(loaded, dict)
                return loaded
        time.sleep(0.05)
    raise AssertionError("the file did not arrive")


def traces(sessions: sessionmaker[Session], needle: str) -> list[str]:
    return [
        f"{table}.{column}"
        for table, column, text in every_text(sessions)
        if needle.lower() in text.lower()
    ]


def test_an_admin_exports_and_erases_a_visitors_data_by_address(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(sessions)
    answer = json.dumps(ws.command(ADMIN, "D0ADMIN", f"privacy {ADDRESS}").json())
    assert "Matchday holds 2 rows under" in answer
    assert "privacy_visitor_erase" in answer

    ws.click(ADMIN, "privacy_visitor_export", ADDRESS.lower())
    held = admin_file(ws)
    shown = json.dumps(held, ensure_ascii=False)
    assert "Eva Ek" in shown and "We want to join" in shown
    assert "Olle Berg" not in shown and OTHER not in shown  # nobody else's registration

    ws.click(ADMIN, "privacy_visitor_erase", ADDRESS.lower())
    ws.wait_response("you will get a message when it is done")
    ws.wait_post(ADMIN, "rows no longer hold that name or address")
    assert traces(sessions, ADDRESS) == []
    with sessions() as session:
        rows = session.scalars(select(ExchangeRegistrationRow).order_by("id")).all()
        assert [(r.name, r.email) for r in rows] == [("", ""), ("Olle Berg", OTHER)]
        assert "Mail me at" in rows[0].wants_to_learn  # the text stays, the address goes
        interest = session.scalars(select(ExchangeInterestRow)).one()
        assert (interest.contact_name, interest.email) == ("", "")
    again = json.dumps(ws.command(ADMIN, "D0ADMIN", f"privacy {ADDRESS}").json())
    assert "Matchday holds nothing under" in again


def test_only_admins_look_people_up_by_address(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    seed(sessions)
    refused = json.dumps(ws.command(PM, "C0ORG", f"privacy {ADDRESS}").json())
    assert "Only programme admins can look people up by e-mail address" in refused
    ws.click(PM, "privacy_visitor_erase", ADDRESS.lower())
    ws.wait_response("Only programme admins can look people up by e-mail address")
    assert traces(sessions, ADDRESS) != []
    odd = json.dumps(ws.command(ADMIN, "D0ADMIN", "privacy not an address").json())
    assert "admins add an e-mail address" in odd
