"""End to end over HTTP: `matchday serve` answers signed requests as Slack sends them.

Runs once per database (SQLite and PostgreSQL). The app's Web API calls go to the fake Slack,
where the assertions look.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from sandbox.signing import post_to_app
from storage.repositories import organisations, people, startups
from tests.e2e import ADMIN, SIGNING_SECRET, Workspace

PM, BUYER, TECH, OTHER, REP, NOBODY = (
    "UPM0000001",
    "UBUYER0001",
    "UTECH00001",
    "UOTHER0001",
    "UREP000001",
    "UNOBODY001",
)


def setup_org(
    ws: Workspace,
    channel: str = "C0ORG",
    name: str = "Södertälje kommun",
    language: str | None = "en",
) -> dict[str, Any]:
    """Link a channel as the admin does; the organisation reads ``language`` (these tests
    check English texts, while a municipality reads Swedish by default)."""
    response = ws.command(ADMIN, channel, "setup")
    assert response.status == 200
    view = ws.opened_modal("setup")
    answer = ws.submit(
        ADMIN,
        view,
        {
            "name": {"value": payloads.plain_value(name)},
            "kind": {"value": payloads.static_value("municipality")},
            "opportunities_channel": {"value": payloads.conversation_value("C0OPPS")},
        },
    )
    assert answer.status == 200
    assert answer.json() == {}, answer.json()
    if language:
        said = ws.command(ADMIN, channel, f"language organisation {language}").json()
        assert "Only" not in json.dumps(said), said
    return view


def add_member(ws: Workspace, organisation_id: int, user: str, role: str, actor: str = ADMIN):
    assert ws.click(actor, "team_add_member", str(organisation_id)).status == 200
    view = ws.opened_modal("team_add_member")
    return ws.submit(
        actor,
        view,
        {
            "user": {"value": payloads.user_value(user)},
            "role": {"value": payloads.static_value(role)},
        },
    )


def org_id(sessions: sessionmaker[Session], channel: str = "C0ORG") -> int:
    with sessions() as session:
        organisation = organisations.by_channel(session=session, channel_id=channel)
    assert organisation is not None
    return organisation.id


def test_healthz_is_200_when_the_database_answers(workspace: Workspace) -> None:
    with urllib.request.urlopen(workspace.server.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        # The shared test server runs no tick (see conftest); test_e2e_server checks "tick".
        assert json.loads(response.read()) == {"database": "ok", "sender": "ok"}


def test_help_is_answered_in_the_acknowledgement(workspace: Workspace) -> None:
    started = time.monotonic()
    response = workspace.command(NOBODY, "C0ORG", "help")
    elapsed = time.monotonic() - started
    assert response.status == 200
    assert elapsed < 3
    body = response.json()
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body)
    assert "/matchday help" in text
    assert "/matchday setup" not in text
    assert "not part of the programme yet" in text


def test_an_unknown_subcommand_gets_the_help_not_silence(workspace: Workspace) -> None:
    body = workspace.command(ADMIN, "C0ORG", "frobnicate <!channel>").json()
    text = json.dumps(body)
    assert "I don't know" in text
    assert "/matchday setup" in text
    assert "<!channel>" not in text


def test_a_command_whose_response_url_slack_refuses_is_answered_by_dm(
    workspace: Workspace,
) -> None:
    # The worker was away for more than 30 minutes: Slack no longer takes the command's
    # response_url, and the person gets the reply in their messages with Matchday.
    workspace.fake.fail_next("response_url", "expired_url", status=404)
    workspace.command(ADMIN, "C0ORG", "frobnicate")
    dm = workspace.wait_post(ADMIN, "I don't know")
    assert "/matchday setup" in json.dumps(dm.args)
    [refused] = workspace.fake.calls_to("response_url")
    assert refused.status == 404


def test_forged_and_stale_signatures_get_401_and_change_nothing(
    workspace: Workspace, sessions
) -> None:
    body = payloads.slash_command(
        text="setup",
        user_id=ADMIN,
        channel_id="C0ORG",
        trigger_id=workspace.fake.issue_trigger_id(),
    )
    status, _headers, _data = post_to_app(workspace.endpoint, "not-the-secret", body)
    assert status == 401
    from sandbox.signing import sign

    stale = int(time.time()) - 6 * 60
    request = urllib.request.Request(
        workspace.endpoint,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(stale),
            "X-Slack-Signature": sign(SIGNING_SECRET, stale, body),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 401
    time.sleep(0.3)
    assert workspace.fake.calls_to("views.open") == []


@pytest.mark.parametrize(
    "body", ["payload=not-json", "payload=%7B%22type%22%3A%22block_actions%22%7D", "garbage"]
)
def test_malformed_payloads_never_get_a_500(workspace: Workspace, body: str) -> None:
    status, _headers, _data = post_to_app(
        workspace.endpoint, SIGNING_SECRET, body, "application/x-www-form-urlencoded"
    )
    assert status < 500


def test_setup_links_the_channel_and_running_it_again_edits(workspace: Workspace, sessions) -> None:
    setup_org(workspace)
    workspace.wait_response("Linked this channel to *Södertälje kommun*")
    with sessions() as session:
        organisation = organisations.by_channel(session=session, channel_id="C0ORG")
    assert organisation is not None
    assert organisation.opportunities_channel_id == "C0OPPS"
    assert organisation.timezone == "Europe/Stockholm"

    workspace.command(ADMIN, "C0ORG", "setup")
    call = workspace.fake.wait_for(
        "views.open",
        lambda c: '"initial_value": "S\\u00f6dert\\u00e4lje kommun"' in json.dumps(c.args),
    )
    view = call.args["view"]
    workspace.submit(
        ADMIN,
        view,
        {
            "name": {"value": payloads.plain_value("Södertälje kommun")},
            "kind": {"value": payloads.static_value("municipality")},
            "opportunities_channel": {"value": payloads.conversation_value("C0NOBOT")},
        },
    )
    message = workspace.wait_response("Updated *Södertälje kommun*")
    assert "Invite me" in json.dumps(message) or workspace.wait_response("Invite me")
    with sessions() as session:
        assert len(organisations.all_organisations(session=session)) == 1


def test_setup_field_errors_save_nothing(workspace: Workspace, sessions) -> None:
    workspace.command(ADMIN, "C0ORG", "setup")
    view = workspace.opened_modal("setup")
    answer = workspace.submit(
        ADMIN,
        view,
        {
            "name": {"value": payloads.plain_value("   ")},
            "kind": {"value": payloads.static_value(None)},
            "opportunities_channel": {"value": payloads.conversation_value("C0ORG")},
        },
    )
    assert answer.status == 200
    errors = answer.json()
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"name", "kind", "opportunities_channel"}
    with sessions() as session:
        assert organisations.all_organisations(session=session) == []


def test_a_second_organisation_cannot_take_an_existing_name(workspace: Workspace, sessions) -> None:
    setup_org(workspace)
    workspace.command(ADMIN, "C0REGION", "setup")
    view = workspace.fake.wait_for(
        "views.open", lambda c: "C0REGION" in c.args["view"].get("private_metadata", "")
    ).args["view"]
    answer = workspace.submit(
        ADMIN,
        view,
        {
            "name": {"value": payloads.plain_value("SÖDERTÄLJE KOMMUN")},
            "kind": {"value": payloads.static_value("region")},
            "opportunities_channel": {"value": payloads.conversation_value("C0OPPS")},
        },
    )
    assert answer.json()["errors"] == {"name": "Another organisation already has this name."}


def test_team_members_are_added_with_roles_and_removed(workspace: Workspace, sessions) -> None:
    setup_org(workspace)
    organisation = org_id(sessions)
    shown = workspace.command(ADMIN, "C0ORG", "team").json()
    assert "Nobody is in the project group yet" in json.dumps(shown)
    assert "team_add_member" in json.dumps(shown)

    assert add_member(workspace, organisation, BUYER, "buyer").json() == {}
    updated = workspace.wait_response("Added <@UBUYER0001> as Buyer")
    assert updated["replace_original"] is True
    assert "No technical competence" in json.dumps(updated)
    dm = workspace.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == BUYER)
    assert "project group of *Södertälje kommun*" in dm.args["text"]

    add_member(workspace, organisation, TECH, "product_manager")
    complete = workspace.wait_response("Added <@UTECH00001> as Product manager")
    assert "competence" not in json.dumps(complete)

    add_member(workspace, organisation, TECH, "project_manager")
    workspace.wait_response("<@UTECH00001> is now Project manager")

    workspace.click(ADMIN, "team_remove_member", f"{organisation}:{BUYER}")
    workspace.wait_response("Removed <@UBUYER0001> from the project group")
    with sessions() as session:
        members = organisations.members(session=session, organisation_id=organisation)
    assert [(m.user_id, m.role.value) for m in members] == [(TECH, "project_manager")]


def test_a_project_manager_manages_the_group_but_a_buyer_cannot(
    workspace: Workspace, sessions
) -> None:
    setup_org(workspace)
    organisation = org_id(sessions)
    add_member(workspace, organisation, PM, "project_manager")
    add_member(workspace, organisation, BUYER, "buyer")
    workspace.wait_response("Added <@UBUYER0001>")

    assert add_member(workspace, organisation, TECH, "other", actor=PM).json() == {}
    with sessions() as session:
        assert len(organisations.members(session=session, organisation_id=organisation)) == 3

    seen_by_buyer = json.dumps(workspace.command(BUYER, "C0ORG", "team").json())
    assert "<@UPM0000001>" in seen_by_buyer
    assert "team_add_member" not in seen_by_buyer
    # A buyer replaying the PM's button is refused, and nothing changes.
    workspace.click(BUYER, "team_remove_member", f"{organisation}:{PM}")
    workspace.wait_response("Only programme admins and this group's project managers")
    with sessions() as session:
        assert len(organisations.members(session=session, organisation_id=organisation)) == 3


def test_team_in_an_unlinked_channel_says_what_to_do_first(workspace: Workspace) -> None:
    text = json.dumps(workspace.command(ADMIN, "C0REGION", "team").json())
    assert "not linked to an organisation yet" in text
    assert "/matchday setup" in text


def test_startup_registration_with_field_errors_then_success(
    workspace: Workspace, sessions
) -> None:
    workspace.command(ADMIN, "C0ORG", "startup")
    view = workspace.opened_modal("startup_register")
    values = {
        "name": {"value": payloads.plain_value("Acme <!channel>")},
        "org_number": {"value": payloads.plain_value("556016-0681")},
        "website": {"value": payloads.plain_value("acme.example")},
        "sector": {"value": payloads.plain_value("Health tech")},
        "description": {"value": payloads.plain_value("We make waiting rooms shorter")},
        "representatives": {"value": payloads.users_value([REP])},
    }
    refused = workspace.submit(ADMIN, view, values).json()
    assert set(refused["errors"]) == {"org_number", "website"}
    with sessions() as session:
        assert startups.count(session=session) == 0

    values["org_number"] = {"value": payloads.plain_value("5560160680")}
    values["website"] = {"value": payloads.plain_value("https://acme.example")}
    assert workspace.submit(ADMIN, view, values).json() == {}
    confirmation = workspace.wait_response("Registered *Acme &lt;!channel&gt;* (556016-0680)")
    assert "<!channel>" not in json.dumps(confirmation)
    welcome = workspace.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == REP)
    assert "You now represent" in welcome.args["text"]
    with sessions() as session:
        assert people.load_caller(session=session, user_id=REP, configured_admins=()).is_startup

    again = workspace.submit(ADMIN, view, values).json()
    assert "already registered" in again["errors"]["org_number"]


def test_a_forged_submission_from_a_non_admin_saves_nothing(workspace: Workspace, sessions) -> None:
    workspace.command(ADMIN, "C0ORG", "startup")
    view = workspace.opened_modal("startup_register")
    answer = workspace.submit(
        BUYER,
        view,
        {
            "name": {"value": payloads.plain_value("Sneaky AB")},
            "org_number": {"value": payloads.plain_value("5560160680")},
            "website": {"value": payloads.plain_value("https://sneaky.example")},
            "sector": {"value": payloads.plain_value("x")},
            "description": {"value": payloads.plain_value("y")},
            "representatives": {"value": payloads.users_value([BUYER])},
        },
    ).json()
    assert "Only programme admins" in answer["errors"]["name"]
    with sessions() as session:
        assert startups.count(session=session) == 0


def test_admins_add_list_and_remove_admins(workspace: Workspace) -> None:
    added = json.dumps(
        workspace.command(ADMIN, "C0ORG", f"admins add <@{PM}|project.manager>").json()
    )
    assert "<@UPM0000001> is now a programme admin" in added
    listed = json.dumps(workspace.command(PM, "C0ORG", "admins").json())
    assert "<@UADMIN0001>" in listed
    assert "<@UPM0000001>" in listed
    kept = json.dumps(workspace.command(PM, "C0ORG", f"admins remove <@{ADMIN}>").json())
    assert "MATCHDAY_ADMINS" in kept
    removed = json.dumps(workspace.command(ADMIN, "C0ORG", f"admins remove <@{PM}>").json())
    assert "no longer an admin" in removed
    refused = json.dumps(workspace.command(PM, "C0ORG", "admins").json())
    assert "Only programme admins can use `/matchday admins`" in refused


ROLE_MATRIX = {
    # subcommand: the people who may use it
    "setup": {ADMIN},
    "startup": {ADMIN},
    "admins": {ADMIN},
    "team": {ADMIN, PM, BUYER},
}


@pytest.mark.parametrize("subcommand", sorted(ROLE_MATRIX))
def test_every_role_against_every_subcommand(
    workspace: Workspace, sessions, subcommand: str
) -> None:
    setup_org(workspace)
    setup_org(workspace, "C0REGION", "Region Stockholm")
    add_member(workspace, org_id(sessions), PM, "project_manager")
    add_member(workspace, org_id(sessions), BUYER, "buyer")
    add_member(workspace, org_id(sessions, "C0REGION"), OTHER, "buyer")
    with sessions.begin() as session:
        startups.register(
            session=session,
            actor=ADMIN,
            name="Acme",
            org_number="556016-0680",
            website="https://acme.example",
            sector="x",
            description="y",
            representatives=[REP],
        )
    for person in (ADMIN, PM, BUYER, OTHER, REP, NOBODY):
        body = workspace.command(person, "C0ORG", subcommand).json()
        text = json.dumps(body)
        allowed = person in ROLE_MATRIX[subcommand]
        refused = "Only " in text
        assert refused is not allowed, f"{person} /matchday {subcommand}: {text[:300]}"


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (ADMIN, "Programme at a glance"),
        (PM, "Your project groups"),
        (REP, "Your startups"),
        (NOBODY, "What to do first"),
    ],
)
def test_app_home_shows_each_role_what_it_belongs_to(
    workspace: Workspace, sessions, person: str, expected: str
) -> None:
    setup_org(workspace)
    add_member(workspace, org_id(sessions), PM, "project_manager")
    with sessions.begin() as session:
        startups.register(
            session=session,
            actor=ADMIN,
            name="Acme",
            org_number="556016-0680",
            website="https://acme.example",
            sector="x",
            description="y",
            representatives=[REP],
        )
    answer = workspace.event(payloads.app_home_opened_event(person))
    assert answer.status == 200
    call = workspace.fake.wait_for("views.publish", lambda c: c.args["user_id"] == person)
    assert expected in json.dumps(call.args["view"])
    other_org = "Region" if person != ADMIN else ""
    assert not other_org or "Region Stockholm" not in json.dumps(call.args["view"])


def test_a_modal_still_opens_when_slack_rate_limits_the_first_try(workspace: Workspace) -> None:
    workspace.fake.rate_limit("views.open", every_nth=100, retry_after=0)
    workspace.command(ADMIN, "C0ORG", "startup")
    assert workspace.opened_modal("startup_register")["title"]["text"] == "Register startup"
    statuses = [call.status for call in workspace.fake.calls_to("views.open")]
    assert statuses == [429, 200]


def test_an_expired_trigger_gets_a_polite_message(workspace: Workspace) -> None:
    body = payloads.slash_command(
        text="startup",
        user_id=ADMIN,
        channel_id="C0ORG",
        trigger_id="1.2.expired-or-unknown",
        response_url=workspace.fake.new_response_url(),
    )
    status, _headers, _data = post_to_app(workspace.endpoint, SIGNING_SECRET, body)
    assert status == 200
    workspace.wait_response("did not let me open the form in time")
