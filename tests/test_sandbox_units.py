"""The sandbox's parts on their own: the movable clock, Block Kit payloads, persistence,
ephemeral ownership, and what a person sees when the app answers badly or not at all."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest

from bot.clock import FixedClock
from bot.sandbox_clock import ClockFile, FileClock, read_clock_file, write_clock_file
from sandbox.actions import Interactions
from sandbox.blockkit import REQUIRED, action_arguments, compose, state_values
from sandbox.control import ClockControl
from sandbox.deliver import AppLink
from sandbox.persist import dump, restore
from sandbox.slack_state import Workspace
from sandbox.workspace import SandboxSlack, SandboxWorkspace
from tests.e2e import free_port

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
USER, CHANNEL = "U01MARIA", "C01PROJEKT"


# the clock ---------------------------------------------------------------------------------
def test_the_file_clock_is_real_time_until_the_file_moves_it(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = FileClock(path, base=FixedClock(START))
    assert clock.now() == START
    write_clock_file(path, ClockFile(timedelta(days=7), 1))
    assert clock.now() == START + timedelta(days=7)
    assert clock.generation == 1
    path.write_text("not json")
    assert clock.now() == START + timedelta(days=7)  # a damaged file keeps the last offset


def test_the_clock_file_refuses_to_go_backwards(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    with pytest.raises(ValueError, match="forward"):
        write_clock_file(path, ClockFile(timedelta(hours=-1), 1))
    path.write_text(json.dumps({"offset_seconds": -5}))
    with pytest.raises(ValueError, match="backwards"):
        read_clock_file(path)
    control = ClockControl(path)  # replaces the damaged file
    for bad in (timedelta(0), timedelta(seconds=-1), timedelta(days=400)):
        with pytest.raises(ValueError, match="forward only"):
            control.advance(bad)
    assert control.advance(timedelta(days=1)) > datetime.now(UTC) + timedelta(hours=23)
    with pytest.raises(ValueError, match="forward only"):
        control.advance_to(datetime(2020, 1, 1, tzinfo=UTC))


def test_watching_the_clock_runs_the_work_once_per_advance(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    control = ClockControl(path)
    ran: list[int] = []
    stop = FileClock(path).watch(lambda: ran.append(1), interval=0.02)
    try:
        time.sleep(0.1)
        assert ran == []
        control.advance(timedelta(hours=1))
        deadline = time.monotonic() + 3
        while not ran and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        assert ran == [1]
    finally:
        stop.set()


def test_the_app_uses_the_file_clock_only_when_the_sandbox_sets_it(tmp_path: Path) -> None:
    from bot.app import _clock
    from bot.clock import SystemClock
    from bot.config import load_settings

    assert isinstance(_clock(load_settings()), SystemClock)
    clock = _clock(load_settings(MATCHDAY_CLOCK_FILE=str(tmp_path / "clock.json")))
    assert isinstance(clock, FileClock)


def test_message_timestamps_follow_the_moved_clock() -> None:
    clock = FixedClock(START)
    workspace = SandboxWorkspace(clock.now)
    first = workspace.next_ts()
    clock.advance(timedelta(days=7))
    second = workspace.next_ts()
    assert float(first) == START.timestamp()
    assert float(second) == (START + timedelta(days=7)).timestamp()
    assert float(workspace.next_ts()) > float(second)  # unique even when time stands still


# Block Kit on Slack's side ------------------------------------------------------------------
MODAL_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}},
    {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
     "element": {"type": "plain_text_input", "action_id": "value"}},
    {"type": "input", "block_id": "kind", "label": {"type": "plain_text", "text": "Kind"},
     "element": {"type": "static_select", "action_id": "value", "options": [
         {"text": {"type": "plain_text", "text": "Municipality"}, "value": "municipality"}]}},
    {"type": "input", "block_id": "who", "optional": True,
     "label": {"type": "plain_text", "text": "Who"},
     "element": {"type": "multi_users_select", "action_id": "value"}},
    {"type": "input", "block_id": "when", "label": {"type": "plain_text", "text": "When"},
     "element": {"type": "datepicker", "action_id": "value"}},
]  # fmt: skip


def test_form_values_become_slacks_typed_state_with_required_errors() -> None:
    values, errors = state_values(
        MODAL_BLOCKS,
        {"name": {"value": "Södertälje"}, "kind": {"value": "municipality"}, "who": {"value": []}},
    )
    assert values["name"] == {"value": {"type": "plain_text_input", "value": "Södertälje"}}
    option = values["kind"]["value"]["selected_option"]
    assert option["value"] == "municipality"
    assert option["text"]["text"] == "Municipality"
    assert values["who"] == {"value": {"type": "multi_users_select", "selected_users": []}}
    assert values["when"] == {"value": {"type": "datepicker", "selected_date": None}}
    assert errors == {"when": REQUIRED}  # optional "who" may stay empty
    with pytest.raises(LookupError):
        state_values(MODAL_BLOCKS, {"kind": {"value": "not-an-option"}})


def test_a_click_carries_what_slack_sends_for_each_element() -> None:
    button = {"type": "button", "action_id": "go", "value": "42",
              "text": {"type": "plain_text", "text": "Go"}, "style": "primary"}  # fmt: skip
    assert action_arguments(button, None) == {
        "action_id": "go",
        "action_type": "button",
        "value": "42",
        "action_text": "Go",
        "action_fields": {"style": "primary"},
    }
    overflow = {
        "type": "overflow",
        "action_id": "more",
        "options": MODAL_BLOCKS[2]["element"]["options"],
    }
    picked = action_arguments(overflow, "municipality")["action_fields"]["selected_option"]
    assert picked["value"] == "municipality"
    users = action_arguments({"type": "users_select", "action_id": "who"}, "U03ANNA")
    assert users["action_fields"] == {"selected_user": "U03ANNA"}
    date = action_arguments({"type": "datepicker", "action_id": "d"}, "2026-03-02")
    assert date["action_fields"] == {"selected_date": "2026-03-02"}


def test_typed_text_is_escaped_and_mentions_become_slack_markup() -> None:
    handles = {"anna.berg": "U03ANNA"}
    channels = {"opportunities": "C02OPPS"}
    assert compose("@anna.berg owns it.", handles, channels) == "<@U03ANNA> owns it."
    assert compose("ask @anna.berg.", handles, channels) == "ask <@U03ANNA>."
    assert compose("see #opportunities", handles, channels) == "see <#C02OPPS|opportunities>"
    assert compose("@channel!", handles, channels) == "<!channel>!"
    assert compose("a <b> & @nobody", handles, channels) == "a &lt;b&gt; &amp; @nobody"


def test_the_workspace_survives_a_save_and_a_load() -> None:
    original = Workspace()
    original.users["U1"] = Workspace().users["UMATCHBOT"].__class__("U1", "anna", "Anna")
    original.store_message("C1", user="U1", text="hej")
    from sandbox.slack_state import Channel

    original.channels["C1"] = Channel("C1", "general", {"U1"})
    original.home_views["U1"] = {"type": "home", "blocks": []}
    data = json.loads(json.dumps(dump(original, seeded=True)))
    copy = Workspace()
    assert restore(copy, data) is True
    assert copy.channels["C1"].members == {"U1"}
    assert copy.messages["C1"][0]["text"] == "hej"
    assert copy.users["U1"].real_name == "Anna"
    assert copy.home_views["U1"]["type"] == "home"


# the app's answers, as a person sees them ---------------------------------------------------
class _FakeApp(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict[str, Any] | None, float]]] = []
    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        status, body, delay = self.answers.pop(0) if self.answers else (200, None, 0.0)
        time.sleep(delay)
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def world() -> Iterator[tuple[Interactions, SandboxSlack, type[_FakeApp]]]:
    """A sandbox Slack, a scripted app, and the page's actions between them."""
    slack = SandboxSlack(0, clock=FixedClock(START), bot_token="xoxb-t")
    slack.start()
    slack.add_user(USER, "maria", "Maria")
    slack.add_channel(CHANNEL, "projekt", members=[USER])
    _FakeApp.answers, _FakeApp.received = [], []
    app = ThreadingHTTPServer(("127.0.0.1", 0), _FakeApp)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    link = AppLink(f"http://127.0.0.1:{app.server_address[1]}/slack/events", "s3cret", timeout=0.5)
    try:
        yield Interactions(slack, link), slack, _FakeApp
    finally:
        app.shutdown()
        app.server_close()
        slack.stop()


def _open_modal(slack: SandboxSlack, blocks: list[dict[str, Any]]) -> str:
    title, submit = {"type": "plain_text", "text": "Setup"}, {"type": "plain_text", "text": "Save"}
    view = {
        "type": "modal",
        "callback_id": "setup",
        "title": title,
        "submit": submit,
        "blocks": blocks,
    }
    body = json.dumps({"trigger_id": slack.trigger_for(USER), "view": view}).encode()
    request = urllib.request.Request(
        slack.api_url + "views.open",
        body,
        {"Content-Type": "application/json", "Authorization": "Bearer xoxb-t"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return str(json.loads(answer.read())["view"]["id"])


def test_a_command_is_acknowledged_as_an_ephemeral_only_its_author_sees(world: Any) -> None:
    interactions, slack, app = world
    app.answers.append((200, {"text": "Hello", "blocks": []}, 0.0))
    assert interactions.send(USER, CHANNEL, "/matchday help").ok
    assert "command=%2Fmatchday" in app.received[0]
    [shown] = slack.snapshot(USER)["ephemerals"]
    assert shown["text"] == "Hello"
    assert slack.snapshot("U0SOMEONE")["ephemerals"] == []


def test_a_slow_app_and_a_stopped_app_are_errors_not_hangs(world: Any) -> None:
    interactions, slack, app = world
    app.answers.append((200, {}, 1.0))
    started = time.monotonic()
    outcome = interactions.send(USER, CHANNEL, "/matchday help")
    assert time.monotonic() - started < 1.0
    assert "operation_timeout" in outcome.error
    app.answers.append((500, {"error": "boom"}, 0.0))
    assert "HTTP 500" in interactions.send(USER, CHANNEL, "/matchday help").error
    interactions.link.endpoint = f"http://127.0.0.1:{free_port()}/slack/events"
    assert "dispatch_failed" in interactions.send(USER, CHANNEL, "/matchday help").error
    errors = [e for e in slack.snapshot(USER)["ephemerals"] if e.get("sandbox_error")]
    assert len(errors) == 3
    assert [a["ok"] for a in slack.snapshot(USER)["activity"][-3:]] == [False, False, False]


def test_modal_answers_show_errors_update_and_close_like_slack(world: Any) -> None:
    interactions, slack, app = world
    view_id = _open_modal(slack, MODAL_BLOCKS[:3])
    assert slack.snapshot(USER)["modal"][0]["id"] == view_id
    outcome = interactions.submit(USER, view_id, {"name": {"value": "X"}})
    assert outcome.errors == {"kind": REQUIRED} and app.received == []
    raw = {"name": {"value": "X"}, "kind": {"value": "municipality"}}
    app.answers.append((200, {"response_action": "errors", "errors": {"name": "Taken."}}, 0.0))
    assert interactions.submit(USER, view_id, raw).errors == {"name": "Taken."}
    assert slack.snapshot(USER)["modal"][0]["errors"] == {"name": "Taken."}
    submitted = json.loads(parse_qs(app.received[0])["payload"][0])
    assert submitted["view"]["state"]["values"]["name"]["value"]["value"] == "X"
    new = {"type": "modal", "title": {"type": "plain_text", "text": "Done"}, "blocks": []}
    app.answers.append((200, {"response_action": "update", "view": new}, 0.0))
    assert interactions.submit(USER, view_id, raw).ok
    [shown] = slack.snapshot(USER)["modal"]
    assert shown["title"]["text"] == "Done" and shown["errors"] == {}
    app.answers.append((200, None, 0.0))
    assert interactions.submit(USER, view_id, raw).ok
    assert slack.snapshot(USER)["modal"] == []


def test_replacing_an_ephemeral_through_its_response_url_changes_it_in_place(world: Any) -> None:
    _interactions, slack, _app = world
    shown = slack.add_ephemeral(CHANNEL, USER, {"text": "Team: 1 member"})
    url = slack.response_url_for(USER, CHANNEL, ephemeral_ts=shown["ts"])
    body = json.dumps({"replace_original": True, "text": "Team: 2 members"}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5):
        pass
    [now] = slack.snapshot(USER)["ephemerals"]
    assert now["ts"] == shown["ts"] and now["text"] == "Team: 2 members"


def test_pushed_views_stack_and_clear_and_closing_tells_the_app_when_asked(world: Any) -> None:
    interactions, slack, app = world
    view_id = _open_modal(slack, MODAL_BLOCKS[:2])
    raw = {"name": {"value": "X"}}
    title = {"type": "plain_text", "text": "Second"}
    second = {"type": "modal", "title": title, "blocks": [], "notify_on_close": True}
    app.answers.append((200, {"response_action": "push", "view": second}, 0.0))
    assert interactions.submit(USER, view_id, raw).ok
    stack = slack.snapshot(USER)["modal"]
    assert [v["title"]["text"] for v in stack] == ["Setup", "Second"]
    assert stack[1]["previous_view_id"] == view_id
    assert interactions.close(USER, stack[1]["id"]).ok  # Cancel: back to the first view
    closed = json.loads(parse_qs(app.received[-1])["payload"][0])
    assert closed["type"] == "view_closed" and closed["is_cleared"] is False
    assert [v["title"]["text"] for v in slack.snapshot(USER)["modal"]] == ["Setup"]
    bad = {"type": "modal", "title": {"type": "plain_text", "text": "A title far too long"}}
    app.answers.append((200, {"response_action": "update", "view": {**bad, "blocks": "x"}}, 0.0))
    assert not interactions.submit(USER, view_id, raw).ok
    assert "Slack refused" in slack.snapshot(USER)["modal"][0]["errors"]["_"]
    app.answers.append((200, {"response_action": "clear"}, 0.0))
    assert interactions.submit(USER, view_id, raw).ok
    assert slack.snapshot(USER)["modal"] == []
