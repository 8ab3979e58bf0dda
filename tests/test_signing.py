"""Slack request signing, and the payload builders as Bolt receives them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from sandbox import payloads
from sandbox.signing import post_to_app, sign, signed_headers
from sandbox.slack_api import DEFAULT_BOT_TOKEN, FakeSlack

SECRET = "matchday-test-signing-secret"

# The worked example in Slack's "Verifying requests from Slack" documentation
# (docs.slack.dev/authentication/verifying-requests-from-slack). Note the token is
# "xyzz0WbapA4vBCDEFasx0q6G": with any other token the documented signature cannot match.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_signature_matches_slack_documented_example() -> None:
    assert sign(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY) == DOC_SIGNATURE
    assert sign(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY.encode()) == DOC_SIGNATURE


def test_signed_headers_are_accepted_by_slack_signature_verifier() -> None:
    body = payloads.slash_command(text="help", user_id="U1", channel_id="C1")
    headers = signed_headers(SECRET, body)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "&x=1", headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    event = payloads.event_callback(payloads.app_home_opened_event("U1"))
    assert signed_headers(SECRET, event)["Content-Type"] == "application/json"


# ---- the builders' payloads through a real Bolt app ---------------------------------------
@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bolt(fake_api: FakeSlack) -> tuple[App, list[tuple[str, Any]]]:
    """A Bolt app (talking to the fake Web API) whose listeners record what they got."""
    seen: list[tuple[str, Any]] = []
    app = App(
        client=WebClient(token=DEFAULT_BOT_TOKEN, base_url=fake_api.api_url),
        signing_secret=SECRET,
        process_before_response=True,
    )

    @app.command("/matchday")
    def on_command(ack: Any, command: dict[str, Any]) -> None:
        seen.append(("command", command))
        ack("ok")

    @app.action("pitch")
    def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        seen.append(("action", (body, action)))
        ack()

    @app.view("pitch_form")
    def on_view(ack: Any, view: dict[str, Any]) -> None:
        seen.append(("view", view))
        ack()

    @app.view_closed("pitch_form")
    def on_closed(ack: Any, body: dict[str, Any]) -> None:
        seen.append(("closed", body))
        ack()

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        seen.append(("home", event))

    @app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        seen.append(("message", event))

    return app, seen


def dispatch(app: App, body: str, secret: str = SECRET) -> BoltResponse:
    headers: dict[str, str | Sequence[str]] = {**signed_headers(secret, body)}
    response: BoltResponse = app.dispatch(BoltRequest(body=body, headers=headers))
    return response


def test_bolt_accepts_signed_slash_command(bolt: tuple[App, list[tuple[str, Any]]]) -> None:
    app, seen = bolt
    body = payloads.slash_command(text="help", user_id="U1", channel_id="C1", trigger_id="1.2.3")
    response = dispatch(app, body)
    assert (response.status, response.body) == (200, "ok")
    command = seen[0][1]
    assert (command["command"], command["text"], command["trigger_id"]) == (
        "/matchday",
        "help",
        "1.2.3",
    )
    assert dispatch(app, body, secret="wrong").status == 401
    assert parse_qs(body)["api_app_id"] == ["A0MATCHDAY"]


def test_bolt_parses_block_actions(bolt: tuple[App, list[tuple[str, Any]]]) -> None:
    app, seen = bolt
    body = payloads.block_actions(
        user_id="U1",
        action_id="pitch",
        value="opp-7",
        channel_id="C1",
        message_ts="1732700000.000100",
        response_url="http://127.0.0.1:1/response/R1",
    )
    assert dispatch(app, body).status == 200
    payload, action = seen[0][1]
    assert (action["value"], action["type"]) == ("opp-7", "button")
    assert payload["container"]["message_ts"] == "1732700000.000100"
    assert payload["channel"]["id"] == "C1"
    menu = payloads.block_actions(
        user_id="U1", action_id="pitch", selected_option="a", view={"id": "V1"}
    )
    assert dispatch(app, menu).status == 200
    payload, action = seen[1][1]
    assert action["selected_option"]["value"] == "a"
    assert payload["container"] == {"type": "view", "view_id": "V1"}


def test_bolt_parses_view_submission_and_close(bolt: tuple[App, list[tuple[str, Any]]]) -> None:
    app, seen = bolt
    values = {
        "solution": {"text": payloads.plain_value("Route planning")},
        "kind": {"pick": payloads.static_value(("pilot", "A pilot"))},
        "owner": {"who": payloads.user_value("U2")},
        "team": {"who": payloads.users_value(["U1", "U2"])},
        "where": {"chan": payloads.conversation_value("C1")},
        "day": {"date": payloads.date_value("2026-12-01")},
        "at": {"time": payloads.time_value("09:00")},
        "flags": {"boxes": payloads.checkboxes_value(["gdpr", ("ok", "OK")])},
    }
    body = payloads.view_submission(
        user_id="U1", callback_id="pitch_form", values=values, private_metadata='{"opp": 7}'
    )
    assert dispatch(app, body).status == 200
    view = seen[0][1]
    state = view["state"]["values"]
    assert state["solution"]["text"] == {"type": "plain_text_input", "value": "Route planning"}
    assert state["kind"]["pick"]["selected_option"]["value"] == "pilot"
    assert state["team"]["who"]["selected_users"] == ["U1", "U2"]
    assert state["flags"]["boxes"]["selected_options"][1]["text"]["text"] == "OK"
    assert json.loads(view["private_metadata"]) == {"opp": 7}

    closed = payloads.view_closed(user_id="U1", callback_id="pitch_form")
    assert dispatch(app, closed).status == 200
    assert seen[1][0] == "closed"


def test_bolt_receives_events(bolt: tuple[App, list[tuple[str, Any]]]) -> None:
    app, seen = bolt
    challenge = dispatch(app, payloads.url_verification("abc123"))
    assert challenge.status == 200
    assert json.loads(challenge.body) == {"challenge": "abc123"}

    assert (
        dispatch(app, payloads.event_callback(payloads.app_home_opened_event("U1"))).status == 200
    )
    reply = payloads.message_event("U1", "C1", "Mobility", thread_ts="1732700000.000100")
    assert dispatch(app, payloads.event_callback(reply)).status == 200
    edit = payloads.message_changed_event("U1", "C1", reply["ts"], "Mobility!", "Mobility")
    assert dispatch(app, payloads.event_callback(edit)).status == 200
    kinds = [kind for kind, _ in seen]
    assert kinds == ["home", "message", "message"]
    assert seen[0][1]["tab"] == "home"
    assert seen[1][1]["thread_ts"] == "1732700000.000100"
    assert seen[2][1]["message"]["text"] == "Mobility!"
    assert payloads.message_event("U1", "D1", "hi")["channel_type"] == "im"


def test_post_to_app_returns_status_headers_and_body(fake_api: FakeSlack) -> None:
    status, headers, body = post_to_app(
        fake_api.api_url + "auth.test", SECRET, f"token={DEFAULT_BOT_TOKEN}", None
    )
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["user_id"] == "UMATCHBOT"
    status, _, body = post_to_app(fake_api.base_url + "nowhere", SECRET, "x=1", None)
    assert (status, body) == (404, b"not_found")
    with pytest.raises(ValueError, match="http"):
        post_to_app("file:///etc/passwd", SECRET, "", None)
