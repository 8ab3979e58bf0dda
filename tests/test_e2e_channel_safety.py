"""End to end: confidential pitches go only where every reader may see them.

The fake Slack models channel privacy, sharing and membership; every assertion looks at
what the fake received. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from sandbox.slack_api import FakeSlack
from storage.models import OrganisationRow, PitchRow
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_pitches import SECRET, programme, send_pitch
from tests.test_e2e_programme import BUYER, NOBODY, PM, REP

# Words of the pitch that only the group, admins and the startup may read.
CONFIDENTIAL = (SECRET, "Sensors", "Ten homes", "acme.example/pilot")
SURFACES = ("chat.postMessage", "chat.update")


def _posted_to(slack: FakeSlack, channel: str) -> list[str]:
    return [
        json.dumps(call.args, ensure_ascii=False)
        for call in slack.calls
        if call.method in SURFACES and call.args.get("channel") == channel
    ]


def _assert_nothing_confidential(slack: FakeSlack, channel: str) -> None:
    posted = _posted_to(slack, channel)
    assert posted, f"nothing was posted to {channel}"
    for text in posted:
        for word in CONFIDENTIAL:
            assert word not in text, f"{word!r} reached {channel}: {text[:300]}"


def _quiet(slack: FakeSlack, seconds: float = 1.0) -> None:
    """Wait until the fake has had no call for a moment (the sender is done)."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < seconds:
        count = len(slack.calls)
        if count != last:
            last, since = count, time.monotonic()
        time.sleep(0.05)


def _joined(ws: Workspace, user: str, channel: str = "C0ORG") -> None:
    ws.fake.change_channel(channel, join=[user])
    event = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "G",
        "team": "T0FAKE",
        "inviter": BUYER,
        "event_ts": f"{time.time():.6f}",
    }
    assert ws.event(event).status == 200


def _left(ws: Workspace, user: str, channel: str = "C0ORG") -> None:
    ws.fake.change_channel(channel, leave=[user])
    event = {
        "type": "member_left_channel",
        "user": user,
        "channel": channel,
        "channel_type": "G",
        "team": "T0FAKE",
        "event_ts": f"{time.time():.6f}",
    }
    assert ws.event(event).status == 200


def _dms_naming(slack: FakeSlack, person: str, contains: str) -> list[dict[str, Any]]:
    return [
        call.args
        for call in slack.calls_to("chat.postMessage")
        if call.succeeded
        and call.args.get("channel") == person
        and contains in json.dumps(call.args, ensure_ascii=False)
    ]


def _pitch(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalars(select(PitchRow.id)).one())


def test_setup_refuses_a_public_and_a_shared_channel(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    ws.fake.add_channel("C0PUBLIC", "kommun-public", members=[ADMIN, PM])
    ws.fake.add_channel(
        "C0SHARED", "kommun-connect", members=[ADMIN, PM], is_private=True, is_ext_shared=True
    )
    for channel, why in (("C0PUBLIC", "is public"), ("C0SHARED", "shared with another")):
        assert ws.command(ADMIN, channel, "setup").status == 200
        refused = json.dumps(ws.opened_modal("setup_refused"), ensure_ascii=False)
        assert why in refused
        assert "private channel" in refused
        assert "/invite @Matchday" in refused
        assert "submit" not in json.loads(refused)
        # A crafted submission of the form for that channel is refused as well.
        form = {
            "type": "modal",
            "callback_id": "setup",
            "private_metadata": json.dumps({"channel": channel, "response_url": ""}),
        }
        answer = ws.submit(
            ADMIN,
            form,
            {
                "name": {"value": payloads.plain_value(f"Kommun {channel}")},
                "kind": {"value": payloads.static_value("municipality")},
                "opportunities_channel": {"value": payloads.conversation_value("C0OPPS")},
            },
        ).json()
        assert answer["response_action"] == "errors"
        assert "could not confirm" in answer["errors"]["name"]
    # Slack not answering is a refusal too (fail closed), with what to do.
    ws.fake.add_channel("C0QUIET", "kommun-quiet", members=[ADMIN], is_private=True)
    ws.fake.fail_next("conversations.info", "internal_error")
    ws.command(ADMIN, "C0QUIET", "setup")
    assert "could not check" in json.dumps(ws.opened_modal("setup_refused"))
    with sessions() as session:
        assert session.scalars(select(OrganisationRow.channel_id)).all() == []


def test_an_outsider_in_the_channel_never_reads_a_pitch_and_is_named_once(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    _joined(ws, NOBODY)
    _joined(ws, NOBODY)  # Slack's retry, or a second look: still one message
    notice = ws.wait_post(PM, f"<@{NOBODY}> is in <#C0ORG>")
    assert "channel_outsider_add" in json.dumps(notice.args)
    assert "channel_outsider_remove" in json.dumps(notice.args)

    send_pitch(ws, REP, opportunity)
    ws.wait_post(REP, "Your pitch for *Fewer falls at home* was sent")
    card = ws.wait_post("C0ORG", "Pitch from Acme")
    shown = json.dumps(card.args, ensure_ascii=False)
    assert "Fewer falls at home" in shown
    assert "to review" in shown
    assert "pitch_view" in shown
    assert "not in the project group" in shown
    _quiet(slack)
    _assert_nothing_confidential(slack, "C0ORG")
    assert len(_dms_naming(slack, PM, f"<@{NOBODY}> is in")) == 1

    # Open pitch: the full pitch for the group, nothing for the outsider.
    pitch = _pitch(sessions)
    ws.click(PM, "pitch_view", str(pitch))
    assert SECRET in json.dumps(ws.opened_modal("pitch_view"))
    mark = len(slack.calls)
    ws.click(NOBODY, "pitch_view", str(pitch))
    refusal = ws.wait_response("You can't do this here")
    text = json.dumps(refusal, ensure_ascii=False)
    for word in (*CONFIDENTIAL, "Acme", "Fewer falls"):
        assert word not in text
    ws.click(NOBODY, "pitch_view", "999999")  # a pitch that does not exist: the same words
    _quiet(slack, 0.5)
    assert not [c for c in slack.calls[mark:] if c.method == "views.open"]
    answers = [json.dumps(c.args) for c in slack.calls[mark:] if c.method == "response_url"]
    assert len(answers) == 2 and answers[0] == answers[1]

    # The startup's answer to a question stays out of the card's thread as well.
    ws.click(PM, "pitch_ask", str(pitch))
    asked = ws.opened_modal("pitch_ask")
    assert (
        ws.submit(PM, asked, {"question": {"value": payloads.plain_value("Price?")}}).json() == {}
    )
    dm = ws.wait_post(REP, "The project group has a question")
    question = next(
        element["value"]
        for block in dm.args["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == "pitch_answer"
    )
    ws.click(REP, "pitch_answer", question)
    form = ws.opened_modal("pitch_answer")
    answer = {"answer": {"value": payloads.plain_value("ANSWER-FOR-THE-GROUP")}}
    assert ws.submit(REP, form, answer).json() == {}
    ws.wait_post("C0ORG", "answered the question")
    ws.click(PM, "pitch_view", str(pitch))
    assert "ANSWER-FOR-THE-GROUP" in json.dumps(ws.opened_modal("pitch_view"))
    _quiet(slack, 0.5)
    assert not [t for t in _posted_to(slack, "C0ORG") if "ANSWER-FOR-THE-GROUP" in t]
    _assert_nothing_confidential(slack, "C0ORG")

    # Once the outsider has left, the next refresh of the card shows the pitch again.
    _left(ws, NOBODY)
    ws.click(PM, "pitch_shortlist", str(pitch))
    ws._wait(
        "chat.update",
        lambda c: c.args.get("channel") == "C0ORG" and SECRET in json.dumps(c.args),
        10,
    )


def test_the_project_manager_settles_an_outsider(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    programme(ws, sessions)
    _joined(ws, NOBODY)
    notice = ws.wait_post(PM, f"<@{NOBODY}> is in <#C0ORG>")
    value = next(
        element["value"]
        for block in notice.args["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == "channel_outsider_add"
    )
    ws.click(NOBODY, "channel_outsider_remove", value)  # not theirs to settle
    ws.wait_response("Only programme admins and this group's project managers")
    ws.click(PM, "channel_outsider_add", value)
    form = ws.opened_modal("team_add_member")
    assert NOBODY in json.dumps(form)
    ws.click(PM, "channel_outsider_remove", value)
    ws.wait_response(f"stay short until <@{NOBODY}> has left the channel")
    # They leave and come back: that is a new time to tell.
    _left(ws, NOBODY)
    _joined(ws, NOBODY)
    _quiet(slack)
    assert len(_dms_naming(slack, PM, f"<@{NOBODY}> is in")) == 2


def test_a_channel_that_slack_cannot_describe_gets_only_short_cards(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    slack.fail_next("conversations.info", "internal_error", count=2)
    send_pitch(ws, REP, opportunity)
    card = ws.wait_post("C0ORG", "Pitch from Acme", timeout=10)
    assert "Slack could not tell me who can read this channel" in json.dumps(card.args)
    _quiet(slack)
    _assert_nothing_confidential(slack, "C0ORG")


def test_conversations_members_failing_is_fail_closed(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    slack.fail_next("conversations.members", "internal_error", count=2)
    send_pitch(ws, REP, opportunity)
    ws.wait_post("C0ORG", "Pitch from Acme", timeout=10)
    _quiet(slack)
    _assert_nothing_confidential(slack, "C0ORG")


def test_sharing_and_making_public_are_told_once_and_cards_follow(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    slack.change_channel("C0ORG", is_ext_shared=True)
    shared = {"type": "channel_shared", "connected_team_id": "T0OTHER", "channel": "C0ORG"}
    ws.event(shared, event_id="EvSHARED01")
    ws.event(shared, event_id="EvSHARED01", retry=1)
    for person in (PM, BUYER, ADMIN):
        ws.wait_post(person, "is now shared with another organisation")
    send_pitch(ws, REP, opportunity)
    card = ws.wait_post("C0ORG", "Pitch from Acme", timeout=10)
    assert "shared with people outside" in json.dumps(card.args)

    slack.change_channel("C0ORG", is_ext_shared=False)
    unshared = {
        "type": "channel_unshared",
        "previously_connected_team_id": "T0OTHER",
        "channel": "C0ORG",
        "is_ext_shared": False,
    }
    ws.event(unshared)
    ws.wait_post(PM, "is private and not shared any more")

    slack.change_channel("C0ORG", is_private=False)
    converted = payloads.message_event(
        PM, "C0ORG", "made this channel *public*.", subtype="channel_convert_to_public"
    )
    ws.event(converted)
    ws.wait_post(ADMIN, "is now public")
    _quiet(slack)
    for person in (PM, BUYER, ADMIN):
        assert len(_dms_naming(slack, person, "is now shared")) == 1
        assert len(_dms_naming(slack, person, "is now public")) == 1
    _assert_nothing_confidential(slack, "C0ORG")


def test_events_about_channels_matchday_does_not_know_are_ignored(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    programme(ws, sessions)
    _quiet(slack, 0.5)
    slack.reset_calls()
    _joined(ws, NOBODY, "C0OPPS")
    ws.event({"type": "channel_shared", "connected_team_id": "T0OTHER", "channel": "C0ELSE"})
    ws.event({"type": "member_left_channel", "user": NOBODY, "channel": "C0NOWHERE"})
    _quiet(slack, 1.0)
    assert slack.calls_to("chat.postMessage") == []


def test_the_periodic_check_notices_drift_that_no_event_reported(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session], database_url: str
) -> None:
    from bot.app import make_client, new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from handlers.channel_safety import check_group_channels
    from worker.sender import Sender

    ws = workspace
    programme(ws, sessions)
    slack.change_channel("C0ORG", join=[NOBODY])  # no event: Slack's was lost
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-fake-bot-token",
        SLACK_API_URL=slack.api_url,
    )
    deps = new_deps(settings)
    base = deps.clock.now()
    clock = FixedClock(base + timedelta(minutes=5))
    deps = type(deps)(deps.settings, deps.engine, deps.sessions, deps.after_ack, clock)
    client = make_client(settings)
    assert check_group_channels(deps, client) == 2  # both groups' channels were looked at
    Sender(deps, client).drain()
    assert _dms_naming(slack, PM, f"<@{NOBODY}> is in") == []  # still in the grace after setup
    clock.set(base + timedelta(hours=2))
    assert check_group_channels(deps, client) == 2
    assert check_group_channels(deps, client) == 0  # each channel at most every half hour
    Sender(deps, client).drain()
    ws.wait_post(PM, f"<@{NOBODY}> is in <#C0ORG>")
    clock.set(base + timedelta(hours=3))
    assert check_group_channels(deps, client) == 2
    Sender(deps, client).drain()
    _quiet(slack, 0.5)
    assert len(_dms_naming(slack, PM, f"<@{NOBODY}> is in")) == 1
