"""Log lines as JSON carry the request's ids and Slack's error code; text stays readable."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter
from bot.web import describe
from sandbox import payloads


def test_a_json_log_line_carries_the_request_and_the_slack_error() -> None:
    record = logging.LogRecord(
        "matchday.slack", logging.INFO, __file__, 1, "slack %s", ("x",), None
    )
    record.slack_method = "chat.postMessage"
    record.slack_error = "not_in_channel"
    record.request = {"kind": "block_actions", "id": "pitch_shortlist", "user": "U1"}
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "slack x"
    assert line["level"] == "INFO"
    assert line["slack_error"] == "not_in_channel"
    assert line["request"]["id"] == "pitch_shortlist"


def test_a_request_is_described_by_its_ids_never_by_its_text() -> None:
    click = payloads.block_actions(
        user_id="UREP000001", action_id="pitch_shortlist", value="7", trigger_id="1.2.abc"
    )
    body = click.encode()
    facts = describe("application/x-www-form-urlencoded", body)
    assert facts["kind"] == "block_actions"
    assert facts["id"] == "pitch_shortlist"
    assert facts["user"] == "UREP000001"
    assert facts["once"].startswith("action:UREP000001:pitch_shortlist:")
    command = payloads.slash_command(
        text="pitches SECRET words", user_id="UPM0000001", channel_id="C1", trigger_id="t"
    )
    facts = describe("application/x-www-form-urlencoded", command.encode())
    # A command is kept in the inbox under its trigger id (it replies by its response_url).
    assert facts == {
        "kind": "command:pitches",
        "id": "t",
        "user": "UPM0000001",
        "later": "command:t",
    }
    assert "SECRET" not in json.dumps(facts)
