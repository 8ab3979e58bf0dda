"""End to end at the size of a big programme, on SQLite and PostgreSQL.

80 organisations, 401 startups and a matchday with 3,000 requested meetings and 48 tables,
built through the repositories; then every surface is opened for each role through signed
requests against `matchday serve`, with a fake Slack that rejects what Slack rejects.
Nothing may be refused, no action may go missing, and startup #401 must be as easy to
choose as startup #1.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.views.matchdays import AGENDA_PAGE
from bot.views.paging import page_value
from sandbox import payloads
from sandbox.slack_api import Call, FakeSlack
from sandbox.slack_limits import check_message
from storage.models import MatchdayRequestRow, StartupRow
from tests.big_programme import BigProgramme, organisation_name, seed_big_programme
from tests.e2e import ADMIN, Response, Workspace

STRANGER = "UNOBODY001"
CHANNEL = "C0BIG0000"  # the first organisation's project-group channel
PUBLIC = "C0OPPS"
SURFACES = (
    "help",
    "team",
    "areas",
    "opportunities",
    "pitches",
    "matchdays",
    "matchday",
    "pilot",
    "report",
    "resources",
    "profile",
    "join",
    "admins",
    "startup",
    "export",
    "language",
)
GENERIC_FAILURE = "Something went wrong"
OVERVIEW_ACTIONS = {"matchday_plan", "matchday_publish", "matchday_export", "matchday_request"}


@dataclass(frozen=True)
class Person:
    """Someone who opens the surfaces, and where they type."""

    role: str
    user: str
    channel: str


@pytest.fixture
def big(workspace: Workspace, sessions: sessionmaker[Session]) -> BigProgramme:
    """The big programme, and its people in the fake Slack."""
    started = time.monotonic()
    programme = seed_big_programme(sessions, SystemClock(), startups=401)
    seeded = time.monotonic() - started
    assert seeded < 60, f"seeding took {seeded:.1f} s"
    fake = workspace.fake
    people = [programme.member, programme.representatives[0], programme.representatives[-1]]
    for user in people:
        fake.add_user(user, user.lower())
    fake.add_channel(
        CHANNEL,
        "big-projektgrupp",
        members=[ADMIN, programme.member],
        is_private=True,
    )
    fake.add_channel(PUBLIC, "opportunities", members=[ADMIN, STRANGER, *people])
    fake.reset_calls()
    return programme


def people_of(big: BigProgramme) -> list[Person]:
    """One person of each role."""
    return [
        Person("admin", big.admin, CHANNEL),
        Person("project group", big.member, CHANNEL),
        Person("startup #401", big.representatives[big.last], PUBLIC),
        Person("newcomer", STRANGER, PUBLIC),
    ]


def rejections(fake: FakeSlack) -> list[Call]:
    """What the fake Slack refused (over a limit, unknown channel, bad arguments …)."""
    return [call for call in fake.calls if not call.succeeded]


def settle(fake: FakeSlack, quiet: float = 0.5, timeout: float = 60.0) -> None:
    """Wait until the app stopped calling Slack for ``quiet`` seconds (after-ack work)."""
    deadline = time.monotonic() + timeout
    seen, since = len(fake.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(fake.calls)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


def action_ids(blocks: list[dict[str, Any]]) -> set[str]:
    """Every action id of the buttons and menus in these blocks."""
    found = set()
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id"):
                found.add(str(element["action_id"]))
    return found


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons in these blocks by action id."""
    found = {}
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("type") == "button":
                found[str(element["action_id"])] = element
    return found


def reply_problems(response: Response) -> list[str]:
    """Why Slack would refuse the app's immediate answer to a command, if it would."""
    if response.status != 200:
        return [f"HTTP {response.status}"]
    answer = response.json()
    if not answer or ("blocks" not in answer and "text" not in answer):
        return []
    violation = check_message(answer.get("text"), answer.get("blocks"))
    return violation.to_response().get("errors", [violation.error]) if violation else []


def wait_response_after(ws: Workspace, mark: int, contains: str, timeout: float) -> Call:
    """The first response_url message after call ``mark`` whose JSON has the text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in ws.fake.calls[mark:]:
            if call.method == "response_url" and contains in json.dumps(
                call.args, ensure_ascii=False
            ):
                return call
        time.sleep(0.05)
    raise AssertionError(f"no response with {contains!r}")


# --- every surface, every role ---------------------------------------------------------------
def test_every_list_and_form_opens_for_every_role_without_a_rejection(
    workspace: Workspace, big: BigProgramme
) -> None:
    ws = workspace
    problems: dict[str, list[str]] = {}
    for person in people_of(big):
        for surface in SURFACES:
            response = ws.command(person.user, person.channel, surface)
            found = reply_problems(response)
            if GENERIC_FAILURE in response.body.decode("utf-8", "replace"):
                found.append("generic failure")
            if found:
                problems[f"{person.role}: /matchday {surface}"] = found
    settle(ws.fake)
    assert problems == {}
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []
    # Every answer that came later (response URLs, modals) is there and was accepted.
    assert ws.fake.calls_to("views.open"), "no form was opened"


def test_the_matchday_overview_keeps_its_actions_at_size(
    workspace: Workspace, big: BigProgramme
) -> None:
    ws = workspace
    response = ws.command(big.admin, CHANNEL, "matchday")
    assert reply_problems(response) == []
    blocks = response.json()["blocks"]
    assert OVERVIEW_ACTIONS <= action_ids(blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    parties = len(big.organisation_ids) + len(big.startup_ids)
    assert f"of {parties} parties" in text  # every party counted, none cut


def _open_homes(ws: Workspace, people: list[Person]) -> dict[str, dict[str, Any]]:
    for person in people:
        ws.event(payloads.app_home_opened_event(person.user))
    settle(ws.fake)
    published = {
        str(call.args.get("user_id")): call.args["view"]
        for call in ws.fake.calls_to("views.publish")
        if call.succeeded
    }
    assert set(published) >= {person.user for person in people}
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []
    return published


def test_home_of_members_startups_and_newcomers_is_accepted(
    workspace: Workspace, big: BigProgramme
) -> None:
    homes = _open_homes(workspace, [p for p in people_of(big) if p.role != "admin"])
    assert {"join_startup", "join_group"} <= action_ids(homes[STRANGER]["blocks"])


def test_home_of_admins_is_accepted_with_plan_and_publish(
    workspace: Workspace, big: BigProgramme
) -> None:
    homes = _open_homes(workspace, [p for p in people_of(big) if p.role == "admin"])
    # The seeded matchday collects requests: its Home offers Plan; Publish comes with a plan.
    actions = action_ids(homes[big.admin]["blocks"])
    assert "matchday_plan" in actions
    assert "matchday_publish" not in actions


# --- pickers ------------------------------------------------------------------------------
def _request_form(ws: Workspace, big: BigProgramme) -> dict[str, Any]:
    ws.click(big.admin, "matchday_request", str(big.matchday_id))
    return ws.opened_modal("matchday_request")


def test_startup_401_is_found_chosen_and_saved(
    workspace: Workspace, big: BigProgramme, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    view = _request_form(ws, big)
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds["startup"] == kinds["organisation"] == "external_select"

    # Nothing typed: the first hundred, and a label that says more match.
    first = ws.suggest(big.admin, view, "startup", "")
    (group,) = first["option_groups"]
    assert len(group["options"]) == 100
    assert "type more" in group["label"]["text"]
    # Every organisation fits in one answer (80).
    organisations = ws.suggest(big.admin, view, "organisation", "")
    assert len(organisations["options"]) == 80

    # Startup #401 by its organisation number, with or without the dash, and by name.
    number = big.org_numbers[big.last]
    for typed in (number, number.replace("-", ""), "älvsjö 401", "ÄLVSJÖ 401"):
        found = ws.suggest(big.admin, view, "startup", typed)
        assert [o["value"] for o in found["options"]] == [str(big.startup_ids[big.last])], typed
        assert number in found["options"][0]["text"]["text"]
    organisation = ws.suggest(big.admin, view, "organisation", "digital utveckling 80")
    assert [o["value"] for o in organisation["options"]] == [str(big.organisation_ids[-1])]

    values = {
        "organisation": {"value": payloads.static_value(str(big.organisation_ids[-1]))},
        "startup": {"value": payloads.static_value(str(big.startup_ids[big.last]))},
        "priority": {"value": payloads.static_value("must")},
    }
    assert ws.submit(big.admin, view, values).json() == {}
    with sessions() as session:
        saved = session.scalar(
            select(MatchdayRequestRow).where(
                MatchdayRequestRow.organisation_id == big.organisation_ids[-1],
                MatchdayRequestRow.startup_id == big.startup_ids[big.last],
            )
        )
    assert saved is not None and saved.priority == "must"
    settle(ws.fake)
    assert ws.fake.calls_to("options"), "the fake did not see the options"
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []


def test_a_startup_gone_since_the_form_opened_is_a_field_error(
    workspace: Workspace, big: BigProgramme, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    view = _request_form(ws, big)
    gone = big.startup_ids[big.last]
    with sessions.begin() as session:
        session.execute(delete(StartupRow).where(StartupRow.id == gone))
    values = {
        "organisation": {"value": payloads.static_value(str(big.organisation_ids[0]))},
        "startup": {"value": payloads.static_value(str(gone))},
        "priority": {"value": payloads.static_value("should")},
    }
    answer = ws.submit(big.admin, view, values)
    assert answer.status == 200
    assert set(answer.json()["errors"]) == {"startup"}
    assert "has changed" in answer.json()["errors"]["startup"]
    assert ws.suggest(big.admin, view, "startup", big.org_numbers[big.last]) == {"options": []}


def test_pickers_answer_only_those_who_may_use_the_form(
    workspace: Workspace, big: BigProgramme
) -> None:
    ws = workspace
    view = _request_form(ws, big)
    rep = big.representatives[big.last]
    # The add-request form is the admins': nobody else gets its options.
    assert ws.suggest(rep, view, "startup", "") == {"options": []}
    assert ws.suggest(big.member, view, "organisation", "") == {"options": []}

    # The start-a-pilot form: the organisation's project group finds startup #401 …
    ws.command(big.member, CHANNEL, "pilot new")
    pilot_form = ws.opened_modal("pilot_new")
    found = ws.suggest(big.member, pilot_form, "startup", "401")
    assert [o["value"] for o in found["options"]] == [str(big.startup_ids[big.last])]
    # … a startup representative typing into the same form gets nothing.
    assert ws.suggest(rep, pilot_form, "startup", "401") == {"options": []}

    # Asking to join a project group: anyone may search every organisation.
    ws.click(STRANGER, "join_group", "group")
    join_form = ws.opened_modal("join_group")
    found = ws.suggest(STRANGER, join_form, "organisation", "örebro")
    assert len(found["options"]) == 10
    assert all("Örebro" in o["text"]["text"] for o in found["options"])
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []


# --- the plan at size ------------------------------------------------------------------------
def test_the_plan_is_paged_to_every_row_and_exported_whole(
    workspace: Workspace, big: BigProgramme
) -> None:
    ws = workspace
    url = ws.fake.new_response_url()
    mark = len(ws.fake.calls)
    ws.click(big.admin, "matchday_plan", str(big.matchday_id), response_url=url)
    plan = wait_response_after(ws, mark, "Plan:", timeout=240).args
    blocks = plan["blocks"]
    assert OVERVIEW_ACTIONS <= action_ids(blocks)
    counted = re.search(r"Plan: ([\d,]+) meetings", json.dumps(plan))
    assert counted is not None
    meetings = int(counted[1].replace(",", ""))
    assert meetings > 1000

    # Next, page after page, reaches every planned meeting, each with the actions first.
    seen: set[tuple[str, str]] = set()
    pages = 0
    while True:
        pages += 1
        text = json.dumps(blocks, ensure_ascii=False)
        seen |= set(re.findall(r"`(\d\d:\d\d)` T(\d+) · ", text))
        assert OVERVIEW_ACTIONS <= action_ids(blocks[:6]), f"page {pages} lost its actions"
        following = buttons(blocks).get("matchday_plan_page_next")
        if following is None or pages > meetings:
            break
        mark = len(ws.fake.calls)
        ws.click(big.admin, following["action_id"], following["value"], response_url=url)
        blocks = wait_response_after(ws, mark, "Showing", timeout=60).args["blocks"]
    assert len(seen) == meetings
    assert pages > 1
    settle(ws.fake)
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []

    mark = len(ws.fake.calls)
    ws.click(big.admin, "matchday_export", str(big.matchday_id), response_url=url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(f.content for f in ws.fake.files.values()):
        time.sleep(0.1)
    csv_text = next(f.content for f in ws.fake.files.values() if f.content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == meetings  # the whole plan, none cut
    settle(ws.fake)
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []

    # An organisation's agenda (as its Previous/Next buttons show it; publishing would send
    # the same to all 481 parties) is paged, and every meeting on it can be accepted.
    per_organisation = Counter(row["organisation"] for row in rows)
    busiest = max(
        range(len(big.organisation_ids)), key=lambda i: per_organisation[organisation_name(i)]
    )
    own = per_organisation[organisation_name(busiest)]
    member = big.member if busiest == 0 else f"UBIGM{busiest:05d}"
    ws.fake.add_user(member, member.lower())
    where = ws.fake.new_response_url(member)
    first = page_value(0, m=big.matchday_id, k="organisation", r=big.organisation_ids[busiest])
    mark = len(ws.fake.calls)
    ws.click(member, "matchday_agenda_page_next", first, response_url=where)
    blocks = wait_response_after(ws, mark, "matchday_accept", timeout=60).args["blocks"]
    accepts: set[str] = set()
    pages = 0
    while True:
        pages += 1
        accepts |= {
            str(element["value"])
            for block in blocks
            for element in block.get("elements", [])
            if isinstance(element, dict) and element.get("action_id") == "matchday_accept"
        }
        following = buttons(blocks).get("matchday_agenda_page_next")
        if following is None or pages > own:
            break
        mark = len(ws.fake.calls)
        ws.click(member, following["action_id"], following["value"], response_url=where)
        blocks = wait_response_after(ws, mark, "matchday_accept", timeout=60).args["blocks"]
    assert len(accepts) == own
    assert pages == -(-own // AGENDA_PAGE)
    settle(ws.fake)
    assert [(c.method, c.error, c.response) for c in rejections(ws.fake)] == []
