"""Every interaction has one effect: the same submission or click delivered twice, a burst
of pitches with Slack failing, and a pitch whose card Slack took but whose answer was lost."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from sandbox.signing import post_to_app
from sandbox.slack_api import FakeSlack
from storage.models import PitchDecisionRow, PitchRow
from tests.e2e import RETRIED, SIGNING_SECRET, Workspace
from tests.test_e2e_pitches import open_pitch_form, pitch_values, programme
from tests.test_e2e_programme import PM, REP


def _deliver(ws: Workspace, body: str) -> tuple[int, bytes]:
    status, _headers, data = post_to_app(
        ws.endpoint, SIGNING_SECRET, body, "application/x-www-form-urlencoded"
    )
    return status, data


def _posts(slack: FakeSlack, channel: str, contains: str) -> int:
    return sum(
        1
        for call in slack.calls_to("chat.postMessage")
        if call.succeeded
        and call.args.get("channel") == channel
        and contains in json.dumps(call.args, ensure_ascii=False)
    )


def _settled(slack: FakeSlack, seconds: float = 1.5) -> None:
    """Wait until the fake has been quiet for a moment (the sender is done)."""
    last = -1
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < seconds:
        count = len(slack.calls)
        if count != last:
            last, quiet_since = count, time.monotonic()
        time.sleep(0.1)


def test_the_same_submission_delivered_twice_has_one_effect(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    body = payloads.view_submission(
        user_id=REP,
        callback_id=view["callback_id"],
        values=pitch_values(),
        private_metadata=view.get("private_metadata", ""),
        view_id="VSAME00001",
        hash="1712345678.abcdef",
    )
    results: list[tuple[int, bytes]] = []
    threads = [threading.Thread(target=lambda: results.append(_deliver(ws, body))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _data in results] == [200, 200]
    assert _deliver(ws, body)[0] == 200  # and once more, a second later
    ws.wait_post("C0ORG", "Pitch from Acme", timeout=10)
    ws.wait_post(REP, "was sent", timeout=10)
    _settled(slack)
    with sessions() as session:
        assert session.scalar(select(func.count(PitchRow.id))) == 1
        assert session.scalar(select(func.count(PitchDecisionRow.id))) == 1
    assert _posts(slack, "C0ORG", "Pitch from Acme") == 1
    assert _posts(slack, REP, "was sent") == 1


def test_a_corrected_form_counts_although_slack_sends_the_same_view_again(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    common = {
        "user_id": REP,
        "callback_id": view["callback_id"],
        "private_metadata": view.get("private_metadata", ""),
        "view_id": "VFIXED0001",
        "hash": "1712345678.fixed",
    }
    wrong = {**pitch_values(), "fit": {"value": payloads.plain_value("")}}
    status, data = _deliver(ws, payloads.view_submission(values=wrong, **common))
    assert status == 200
    assert "errors" in json.loads(data)
    status, data = _deliver(ws, payloads.view_submission(values=pitch_values(), **common))
    assert (status, data.strip()) == (200, b"")
    ws.wait_post(REP, "was sent", timeout=10)


def test_shortlist_clicked_twice_tells_the_startup_once(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    assert ws.submit(REP, view, pitch_values()).json() == {}
    ws.wait_post("C0ORG", "Pitch from Acme", timeout=10)
    with sessions() as session:
        pitch = session.scalars(select(PitchRow.id)).one()
    body = payloads.block_actions(
        user_id=PM,
        action_id="pitch_shortlist",
        value=str(pitch),
        trigger_id=slack.issue_trigger_id(),
        response_url=slack.new_response_url(),
    )
    assert _deliver(ws, body)[0] == 200
    assert _deliver(ws, body)[0] == 200  # Slack's retry of the same click
    second = payloads.block_actions(  # a real second click, a moment later
        user_id=PM,
        action_id="pitch_shortlist",
        value=str(pitch),
        trigger_id=slack.issue_trigger_id(),
        response_url=slack.new_response_url(),
    )
    assert _deliver(ws, second)[0] == 200
    ws.wait_post(REP, "shortlisted", timeout=10)
    _settled(slack)
    assert _posts(slack, REP, "shortlisted") == 1


def test_a_burst_of_pitches_while_slack_fails_gives_every_message_once(
    workspace: Workspace, slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    slack.fail_next("chat.postMessage", status=500, count=3)
    slack.lose_answers("chat.postMessage", 2)  # Slack took these two; the answers are lost
    assert ws.submit(REP, view, pitch_values()).json() == {}
    edit = open_pitch_form(ws, REP, opportunity)
    assert ws.submit(REP, edit, pitch_values("SECOND VERSION")).json() == {}
    ws.wait_post(REP, "was updated", timeout=RETRIED)
    ws.wait_post("C0ORG", "Pitch from Acme", timeout=RETRIED)
    _settled(slack, 3)
    assert _posts(slack, "C0ORG", "Pitch from Acme") == 1  # posted once, then updated
    assert _posts(slack, REP, "was sent") == 1
    assert _posts(slack, REP, "was updated") == 1
    cards = [m for m in slack.messages("C0ORG") if "Pitch from Acme" in json.dumps(m)]
    assert len(cards) == 1
    assert "SECOND VERSION" in json.dumps(cards[0])
