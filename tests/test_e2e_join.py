"""End to end: applying to join, merging duplicates, approving and rejecting, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from storage.models import ApplicantRow, ApplicationRow
from storage.repositories import audit, organisations, people, startups
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_programme import BUYER, NOBODY, PM, add_member, org_id, setup_org

REP2 = "UREP000002"


def startup_values(number: str = "556016-0680", **changes: str) -> dict[str, Any]:
    values = {
        "name": "Acme <!channel> AB",
        "org_number": number,
        "website": "https://acme.example",
        "sector": "Health tech",
        "description": "Fewer falls at home",
        "contact": "Anna Andersson, anna@acme.example, 070-123 45 67",
        **changes,
    }
    return {key: {"value": payloads.plain_value(value)} for key, value in values.items()}


def apply_as_startup(ws: Workspace, person: str, **changes: str) -> dict[str, Any]:
    ws.command(person, "D0JOIN", "join startup")
    view = ws.opened_modal("join_startup")
    answer: dict[str, Any] = ws.submit(person, view, startup_values(**changes)).json()
    return answer


def application(sessions: sessionmaker[Session]) -> ApplicationRow:
    with sessions() as session:
        return session.scalars(select(ApplicationRow)).one()


def card(ws: Workspace, admin: str = ADMIN) -> Any:
    return ws.wait_post(admin, "join_approve")


def wait_for_cards(ws: Workspace, count: int, admin: str = ADMIN) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        cards = [
            call
            for call in ws.fake.calls_to("chat.postMessage")
            if call.args["channel"] == admin and "join_approve" in json.dumps(call.args)
        ]
        if len(cards) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"expected {count} cards for {admin}")


def test_a_startup_applies_and_an_admin_approves_it(workspace: Workspace, sessions) -> None:
    ws = workspace
    ws.command(ADMIN, "C0ORG", f"admins add <@{PM}>")  # cards go to every admin
    choice = json.dumps(ws.command(NOBODY, "D0JOIN", "join").json())
    assert "join_startup" in choice
    assert "join_group" in choice

    ws.click(NOBODY, "join_startup", "startup")
    view = ws.opened_modal("join_startup")
    refused = ws.submit(
        NOBODY, view, startup_values("556016-0681", website="ftp://acme.example")
    ).json()
    assert set(refused["errors"]) == {"org_number", "website"}
    assert "check digit" in refused["errors"]["org_number"]
    with sessions() as session:
        assert session.scalars(select(ApplicationRow)).all() == []

    assert ws.submit(NOBODY, view, startup_values("5560160680")).json() == {}
    ws.wait_post(NOBODY, "went to the programme admins")
    first, second = card(ws, ADMIN), card(ws, PM)
    shown = json.dumps(first.args)
    assert "Acme &lt;!channel&gt; AB" in shown
    # The header is plain text (no mentions there); every mrkdwn text is escaped.
    assert "<!channel>" not in first.args["text"]
    assert all("<!channel>" not in json.dumps(block) for block in first.args["blocks"][1:])
    assert "556016-0680" in shown
    assert "anna@acme.example" in shown
    assert "join_approve" in json.dumps(second.args)

    # Someone who is not an admin replaying the button is refused, and nothing changes.
    application_id = str(application(sessions).id)
    ws.click(BUYER, "join_approve", application_id)
    ws.wait_response("Only programme admins can decide on applications")
    assert application(sessions).status == "pending"

    ws.click(ADMIN, "join_approve", application_id)
    ws.wait_post(NOBODY, "Good news")
    ws.fake.wait_for("chat.update", lambda c: "Approved by <@UADMIN0001>" in json.dumps(c.args))
    decided = application(sessions)
    assert (decided.status, decided.decided_by) == ("approved", ADMIN)
    assert decided.decided_at is not None
    with sessions() as session:
        startup = startups.by_org_number(session=session, org_number="556016-0680")
        assert startup is not None
        assert startup.representatives == (NOBODY,)
        assert (startup.name, startup.website, startup.sector) == (
            "Acme <!channel> AB",
            "https://acme.example",
            "Health tech",
        )
        assert "anna@acme.example" in startup.contacts
        # Registered exactly as an admin registers: by the deciding admin, in the audit log.
        actions = [(e.actor, e.action) for e in audit.entries(session=session)]
        assert (ADMIN, "startup.registered") in actions
        assert (ADMIN, "application.approved") in actions
        assert people.load_caller(session=session, user_id=NOBODY, configured_admins=()).is_startup

    # The second admin is told it was decided already; nothing happens twice.
    ws.click(PM, "join_approve", application_id)
    ws.wait_response("already approved this application")
    with sessions() as session:
        assert startups.count(session=session) == 1

    # Now a representative: the join message says so, and applying again is refused.
    assert "You already represent *Acme" in json.dumps(ws.command(NOBODY, "D0JOIN", "join").json())
    again = apply_as_startup(ws, NOBODY)
    assert "You already represent" in again["errors"]["org_number"]
    taken = apply_as_startup(ws, REP2)
    assert "already in the programme" in taken["errors"]["org_number"]


def test_duplicate_applications_for_one_number_are_merged(workspace: Workspace, sessions) -> None:
    ws = workspace
    assert apply_as_startup(ws, NOBODY) == {}
    card(ws)
    merged = apply_as_startup(
        ws, REP2, number="5560160680", name="ACME", contact="Bo Berg, bo@acme.example"
    )
    assert merged == {}
    ws.wait_post(REP2, "had already applied")
    ws.fake.wait_for(
        "chat.update",
        lambda c: (
            "2 people applied" in json.dumps(c.args) and "bo@acme.example" in json.dumps(c.args)
        ),
    )
    # Applying again changes nothing: the form says so, and no message is sent again.
    again = apply_as_startup(ws, NOBODY)
    assert "You have already applied" in again["errors"]["org_number"]
    with sessions() as session:
        assert len(session.scalars(select(ApplicationRow)).all()) == 1
        applicants = session.scalars(select(ApplicantRow.user_id).order_by(ApplicantRow.id)).all()
    assert applicants == [NOBODY, REP2]
    assert len(ws.fake.calls_to("chat.postMessage")) == 3  # one card, two receipts

    ws.click(ADMIN, "join_approve", str(application(sessions).id))
    ws.wait_post(REP2, "Good news")
    with sessions() as session:
        startup = startups.by_org_number(session=session, org_number="556016-0680")
    assert startup is not None
    assert startup.representatives == (NOBODY, REP2)


def test_simultaneous_applications_for_one_number_make_one(workspace: Workspace, sessions) -> None:
    ws = workspace
    views = {}
    for person in (NOBODY, REP2, BUYER):
        ws.command(person, "D0JOIN", "join startup")
        views[person] = ws.opened_modal("join_startup")
    answers: list[int] = []
    sends = [
        threading.Thread(
            target=lambda p=person: answers.append(ws.submit(p, views[p], startup_values()).status)
        )
        for person in views
    ]
    for send in sends:
        send.start()
    for send in sends:
        send.join()
    assert answers == [200, 200, 200]
    with sessions() as session:
        assert len(session.scalars(select(ApplicationRow)).all()) == 1
        assert len(session.scalars(select(ApplicantRow)).all()) == 3


def test_a_rejection_needs_a_reason_and_the_applicant_reads_it(
    workspace: Workspace, sessions
) -> None:
    ws = workspace
    apply_as_startup(ws, NOBODY)
    card(ws)
    application_id = str(application(sessions).id)
    ws.click(ADMIN, "join_reject", application_id)
    form = ws.opened_modal("join_reject")
    empty = ws.submit(ADMIN, form, {"reason": {"value": payloads.plain_value("  ")}}).json()
    assert "reason" in empty["errors"]
    assert application(sessions).status == "pending"
    reason = "The programme is for companies in the <!here> care sector."
    assert ws.submit(ADMIN, form, {"reason": {"value": payloads.plain_value(reason)}}).json() == {}
    told = ws.wait_post(NOBODY, "was not approved this time")
    assert "care sector" in json.dumps(told.args)
    assert "<!here>" not in json.dumps(told.args)
    ws.fake.wait_for("chat.update", lambda c: "Rejected by <@UADMIN0001>" in json.dumps(c.args))
    rejected = application(sessions)
    assert (rejected.status, rejected.decided_by, rejected.reason) == ("rejected", ADMIN, reason)
    with sessions() as session:
        assert startups.count(session=session) == 0
        assert ("application.rejected", f"reason={reason}") in [
            (e.action, e.detail) for e in audit.entries(session=session)
        ]
    # Approving a rejected application does nothing; the company may apply afresh.
    ws.click(ADMIN, "join_approve", application_id)
    ws.wait_response("already rejected this application")
    assert apply_as_startup(ws, NOBODY) == {}
    ws.wait_post(NOBODY, "went to the programme admins")
    wait_for_cards(ws, 2)  # the new application's card: nothing left running after the test


def test_a_group_request_is_approved_with_its_role(workspace: Workspace, sessions) -> None:
    ws = workspace
    assert "No organisation has a project group" in json.dumps(
        ws.command(NOBODY, "D0JOIN", "join group").json()
    )
    setup_org(ws)
    organisation = org_id(sessions)
    add_member(ws, organisation, BUYER, "buyer")
    ws.wait_response("Added <@UBUYER0001>")

    ws.click(NOBODY, "join_group", "group")
    view = ws.opened_modal("join_group")
    # The organisation is found by typing part of its name, in any case.
    found = ws.suggest(NOBODY, view, "organisation", "SÖDERT")
    assert [o["text"]["text"] for o in found["options"]] == ["Södertälje kommun"]
    assert found["options"][0]["value"] == str(organisation)
    missing = ws.submit(NOBODY, view, {"role": {"value": payloads.static_value("other")}}).json()
    assert set(missing["errors"]) == {"organisation"}
    values = {
        "organisation": {"value": payloads.static_value(str(organisation))},
        "role": {"value": payloads.static_value("procurement_manager")},
        "note": {"value": payloads.plain_value("Upphandlingsenheten, LOU och LOV")},
    }
    assert ws.submit(NOBODY, view, values).json() == {}
    ws.wait_post(NOBODY, "Your request to join the project group")
    request = ws.wait_post(ADMIN, "Request to join")
    assert "as procurement manager" in json.dumps(request.args, ensure_ascii=False)
    assert "Upphandlingsenheten" in json.dumps(request.args, ensure_ascii=False)
    again = ws.submit(NOBODY, view, values).json()
    assert "You have already asked" in again["errors"]["organisation"]

    # Members are not offered /matchday join; one who asks is told who it is for, and one
    # who clicks a Join button anyway is told they are already in the group.
    refused = json.dumps(ws.command(BUYER, "C0ORG", "join group").json())
    assert "Only people who are not yet in a project group" in refused
    assert "join" not in json.dumps(ws.command(BUYER, "C0ORG", "help").json())
    ws.click(BUYER, "join_group", "group")
    own = ws.opened_modal("join_group")
    already = ws.submit(BUYER, own, {**values}).json()
    assert (
        "already in the project group of Södertälje kommun, as buyer"
        in (already["errors"]["organisation"])
    )

    ws.click(ADMIN, "join_approve", str(application(sessions).id))
    ws.wait_post(NOBODY, "you are now in the project group")
    with sessions() as session:
        members = organisations.members(session=session, organisation_id=organisation)
    assert (NOBODY, "procurement_manager") in [(m.user_id, m.role.value) for m in members]
