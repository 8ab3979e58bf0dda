"""The fake Slack Web API, driven by the real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from sandbox.slack_api import DEFAULT_BOT_TOKEN, FakeSlack


class Clock:
    """A hand-driven monotonic clock for trigger expiry."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(clock: Clock) -> Iterator[FakeSlack]:
    with FakeSlack(monotonic=clock) as fake:
        yield fake


@pytest.fixture
def fake(server: FakeSlack) -> FakeSlack:
    server.reset()
    server.add_user("U1", "alice", "Alice Andersson", locale="sv-SE")
    server.add_user("U2", "bob")
    server.add_channel("C1", "general", members=["U1", "U2"])
    server.add_channel("C2", "elsewhere", members=["U1"], bot_member=False)
    server.add_channel("C3", "old", members=["U1"], archived=True)
    return server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=DEFAULT_BOT_TOKEN, base_url=fake.api_url)


def error_of(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(title: str = "Pitch", **extra: object) -> dict[str, object]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [], **extra}


def test_api_url_and_auth_test(fake: FakeSlack, client: WebClient) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", fake.api_url)
    response = client.auth_test()
    assert (response["user_id"], response["team_id"], response["bot_id"]) == (
        "UMATCHBOT",
        "T0FAKE",
        "BMATCHBOT",
    )
    assert fake.calls_to("auth.test")[0].succeeded


def test_post_message_then_history(fake: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "pitch", "event_payload": {"id": 7}}
    first = client.chat_postMessage(channel="C1", text="first", metadata=metadata)
    second = client.chat_postMessage(channel="C1", text="second", blocks=[section("*second*")])
    assert first["channel"] == "C1"
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert second["message"]["blocks"][0]["text"]["text"] == "*second*"

    history = client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["second", "first"]
    assert "metadata" not in history["messages"][1]
    with_meta = client.conversations_history(channel="C1", include_all_metadata=True)
    assert with_meta["messages"][1]["metadata"] == metadata
    stored = fake.messages("C1")
    assert [(m["text"], m["user"], m["thread_ts"]) for m in stored] == [
        ("first", "UMATCHBOT", None),
        ("second", "UMATCHBOT", None),
    ]


def test_thread_replies(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="Step 1 of 6: the area?")["ts"]
    client.chat_postMessage(channel="C1", text="Thanks", thread_ts=parent)
    fake.add_message("C1", "U1", "Mobility", thread_ts=parent)

    replies = client.conversations_replies(channel="C1", ts=parent)
    assert [m["text"] for m in replies["messages"]] == [
        "Step 1 of 6: the area?",
        "Thanks",
        "Mobility",
    ]
    history = client.conversations_history(channel="C1")["messages"]
    assert len(history) == 1
    assert history[0]["reply_count"] == 2
    assert history[0]["reply_users"] == ["U1", "UMATCHBOT"]
    with pytest.raises(SlackApiError) as exc:
        client.conversations_replies(channel="C1", ts="1.000001")
    assert error_of(exc) == "thread_not_found"


def test_direct_messages_by_user_id(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="Your agenda")
    opened = client.conversations_open(users="U1")
    assert posted["channel"] == opened["channel"]["id"] == fake.dm_channel_id("U1")
    assert posted["channel"].startswith("D")
    client.chat_postMessage(channel=posted["channel"], text="Reminder")
    assert [m["text"] for m in fake.messages("U1")] == ["Your agenda", "Reminder"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="U404", text="nobody")
    assert error_of(exc) == "channel_not_found"


def test_channel_errors(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C2", text="hi")
    assert error_of(exc) == "not_in_channel"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C404", text="hi")
    assert error_of(exc) == "channel_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C3", text="hi")
    assert error_of(exc) == "is_archived"

    assert client.conversations_info(channel="C2")["channel"]["is_member"] is False
    client.conversations_join(channel="C2")
    assert client.chat_postMessage(channel="C2", text="hi")["ok"]
    assert "UMATCHBOT" in client.conversations_members(channel="C2")["members"]


def test_message_block_limits(fake: FakeSlack, client: WebClient) -> None:
    assert client.chat_postMessage(channel="C1", text="x", blocks=[section("b")] * 50)["ok"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("b")] * 51)
    assert error_of(exc) == "invalid_blocks"
    assert exc.value.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]

    assert client.chat_postMessage(channel="C1", text="x", blocks=[section("a" * 3000)])["ok"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("a" * 3001)])
    assert error_of(exc) == "invalid_blocks"
    assert "[json-pointer:/blocks/0/text/text]" in exc.value.response["errors"][0]

    button = {
        "type": "button",
        "action_id": "pitch",
        "text": {"type": "plain_text", "text": "b" * 76},
    }
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(
            channel="C1", text="x", blocks=[{"type": "actions", "elements": [button]}]
        )
    assert error_of(exc) == "invalid_blocks"
    with pytest.raises(SlackApiError) as exc, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1", text="")
    assert error_of(exc) == "no_text"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="a" * 40001)
    assert error_of(exc) == "msg_too_long"
    assert len(fake.messages("C1")) == 2


def test_form_encoded_blocks_are_parsed(fake: FakeSlack, client: WebClient) -> None:
    blocks = [section("from a form")]
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})
    call = fake.wait_for("chat.postMessage")
    assert call.args["blocks"] == blocks
    assert fake.messages("C1")[0]["blocks"] == blocks


def test_update_delete_permalink(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]
    updated = client.chat_update(channel="C1", ts=ts, text="final", blocks=[section("final")])
    assert updated["message"]["text"] == "final"
    assert fake.messages("C1")[0]["blocks"] == [section("final")]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://fake.slack.test/archives/C1/p{ts.replace('.', '')}"
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C1", ts="1.000001", text="x")
    assert error_of(exc) == "message_not_found"
    client.chat_delete(channel="C1", ts=ts)
    assert fake.messages("C1") == []


def test_ephemeral_and_users_info(fake: FakeSlack, client: WebClient) -> None:
    assert client.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    assert fake.ephemeral_messages("C1")[0]["user"] == "U1"
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert (user["real_name"], user["tz"], user["locale"]) == (
        "Alice Andersson",
        "Europe/Stockholm",
        "sv-SE",
    )
    assert "locale" not in client.users_info(user="U2")["user"]
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U404")
    assert error_of(exc) == "user_not_found"


def test_modal_title_limit(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger_id(), view=modal("t" * 24))
    assert opened["view"]["id"] in fake.open_views
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=fake.issue_trigger_id(), view=modal("t" * 25))
    assert error_of(exc) == "invalid_arguments"
    assert exc.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    text_input = {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "Name"},
        "element": {"type": "plain_text_input", "action_id": "a"},
    }
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=fake.issue_trigger_id(), view=modal(blocks=[text_input]))
    assert error_of(exc) == "invalid_arguments"


def test_trigger_expires_after_three_seconds(
    fake: FakeSlack, clock: Clock, client: WebClient
) -> None:
    trigger = fake.issue_trigger_id()
    clock.now += 3.0
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal())
    assert error_of(exc) == "expired_trigger_id"
    fresh = fake.issue_trigger_id()
    clock.now += 2.9
    assert client.views_open(trigger_id=fresh, view=modal())["ok"]


def test_trigger_used_once(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger_id()
    view = client.views_open(trigger_id=trigger, view=modal())["view"]
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal())
    assert error_of(exc) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as exc:
        client.views_push(trigger_id="123.456.abc", view=modal())
    assert error_of(exc) == "invalid_trigger_id"

    pushed = client.views_push(trigger_id=fake.issue_trigger_id(), view=modal("Step 2"))["view"]
    assert pushed["previous_view_id"] == view["id"]
    assert pushed["root_view_id"] == view["id"]
    updated = client.views_update(view_id=pushed["id"], view=modal("Step 2b"))["view"]
    assert fake.open_views[pushed["id"]]["title"]["text"] == "Step 2b"
    assert updated["hash"] != pushed["hash"]


def test_views_publish_is_stored(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Waiting for you: 2 pitches")]}
    published = client.views_publish(user_id="U1", view=home)["view"]
    assert fake.home_views["U1"]["blocks"] == home["blocks"]
    assert fake.home_views["U1"]["id"] == published["id"]
    with pytest.raises(SlackApiError) as exc:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("x")] * 101})
    assert error_of(exc) == "invalid_arguments"


def test_response_url_is_recorded(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel="C1")
    assert url.startswith(fake.base_url + "response/")
    webhook = WebhookClient(url)
    response = webhook.send(text="Pitch saved", response_type="in_channel")
    assert response.status_code == 200
    call = fake.wait_for("response_url")
    assert call.args["text"] == "Pitch saved"
    assert call.succeeded
    assert fake.messages("C1")[0]["text"] == "Pitch saved"

    bad = webhook.send(text="x", blocks=[section("b")] * 51)
    assert bad.status_code == 400
    assert bad.body == "invalid_blocks"


def test_invalid_and_missing_token(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert error_of(exc) == "invalid_auth"
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=fake.api_url).auth_test()
    assert error_of(exc) == "not_authed"
    with pytest.raises(SlackApiError) as exc:
        WebClient(token=DEFAULT_BOT_TOKEN, base_url=fake.api_url).api_call("no.such")
    assert error_of(exc) == "unknown_method"


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack, client: WebClient) -> None:
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake.rate_limit("chat.postMessage", every_nth=2, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="eventually")["ok"]
    calls = fake.calls_to("chat.postMessage")
    assert [(c.status, c.succeeded) for c in calls] == [(429, False), (200, True)]
    assert calls[0].error == "ratelimited"
    assert len(fake.messages("C1")) == 1


def test_retry_after_header_and_fail_next(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("auth.test", every_nth=1, retry_after=7)
    request = urllib.request.Request(fake.api_url + "auth.test", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    assert exc.value.code == 429
    assert exc.value.headers["Retry-After"] == "7"
    fake.clear_failures()

    fake.fail_next("chat.postMessage", error="fatal_error", count=1)
    with pytest.raises(SlackApiError) as api_exc:
        client.chat_postMessage(channel="C1", text="lost")
    assert error_of(api_exc) == "fatal_error"
    fake.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as api_exc:
        client.chat_postMessage(channel="C1", text="lost")
    assert api_exc.value.response.status_code == 503
    assert client.chat_postMessage(channel="C1", text="kept")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 503, 200]
    assert [m["text"] for m in fake.messages("C1")] == ["kept"]


def test_files_upload_v2(fake: FakeSlack, client: WebClient) -> None:
    content = "organisation,meetings\nVäxjö kommun,4\n"
    response = client.files_upload_v2(
        channel="C1", content=content, filename="funnel.csv", title="Funnel", initial_comment="CSV"
    )
    file_id = response["file"]["id"]
    uploaded = fake.files[file_id]
    assert uploaded.content == content.encode()
    assert (uploaded.filename, uploaded.title, uploaded.channels) == (
        "funnel.csv",
        "Funnel",
        ["C1"],
    )
    message = fake.messages("C1")[0]
    assert message["text"] == "CSV"
    assert message["files"][0]["id"] == file_id


def test_wait_for_reports_what_was_seen(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        fake.wait_for("chat.update", timeout=0.05)
    client.chat_postMessage(channel="C1", text="kept")
    fake.reset_calls()
    assert fake.calls == []
    assert [m["text"] for m in fake.messages("C1")] == ["kept"]


def button_element(action_id: str = "go", value: str = "1", text: str = "Go") -> dict[str, object]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text},
    }


def select_of(count: int) -> dict[str, object]:
    options = [
        {"text": {"type": "plain_text", "text": f"S{i}"}, "value": str(i)} for i in range(count)
    ]
    return {"type": "static_select", "action_id": "pick", "options": options}


def fields_of(*texts: str) -> dict[str, object]:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": t} for t in texts]}


# (what is over, blocks at the limit, blocks one over it, the pointer Slack names)
OVER_THE_LIMIT = [
    ("fields", [fields_of(*["f"] * 10)], [fields_of(*["f"] * 11)], "/blocks/0/fields"),
    ("field text", [fields_of("f" * 2000)], [fields_of("f" * 2001)], "/blocks/0/fields/0/text"),
    (
        "actions",
        [{"type": "actions", "elements": [button_element(f"a{i}") for i in range(25)]}],
        [{"type": "actions", "elements": [button_element(f"a{i}") for i in range(26)]}],
        "/blocks/0/elements",
    ),
    (
        "options",
        [{"type": "actions", "elements": [select_of(100)]}],
        [{"type": "actions", "elements": [select_of(101)]}],
        "/blocks/0/elements/0/options",
    ),
    (
        "button value",
        [{"type": "actions", "elements": [button_element(value="v" * 2000)]}],
        [{"type": "actions", "elements": [button_element(value="v" * 2001)]}],
        "/blocks/0/elements/0/value",
    ),
    (
        "action_id",
        [{"type": "actions", "elements": [button_element("a" * 255)]}],
        [{"type": "actions", "elements": [button_element("a" * 256)]}],
        "/blocks/0/elements/0/action_id",
    ),
    (
        "block_id",
        [{**section("x"), "block_id": "b" * 255}],
        [{**section("x"), "block_id": "b" * 256}],
        "/blocks/0/block_id",
    ),
    (
        "header",
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}],
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        "/blocks/0/text/text",
    ),
    (
        "context elements",
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "/blocks/0/elements",
    ),
    (
        "context text",
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3000}]}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]}],
        "/blocks/0/elements/0/text",
    ),
    (
        "duplicate block_id",
        [{**section("x"), "block_id": "one"}, {**section("y"), "block_id": "two"}],
        [{**section("x"), "block_id": "one"}, {**section("y"), "block_id": "one"}],
        "/blocks/1/block_id",
    ),
    (
        "duplicate action_id in a block",
        [{"type": "actions", "elements": [button_element("a"), button_element("b")]}],
        [{"type": "actions", "elements": [button_element("a"), button_element("a")]}],
        "/blocks/0/elements/1/action_id",
    ),
]


@pytest.mark.parametrize(
    ("fits", "over", "pointer"),
    [case[1:] for case in OVER_THE_LIMIT],
    ids=[case[0] for case in OVER_THE_LIMIT],
)
def test_messages_over_a_limit_are_refused_whole(
    fake: FakeSlack,
    client: WebClient,
    fits: list[dict[str, object]],
    over: list[dict[str, object]],
    pointer: str,
) -> None:
    assert client.chat_postMessage(channel="C1", text="x", blocks=fits)["ok"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=over)
    assert error_of(exc) == "invalid_blocks"
    messages = exc.value.response["response_metadata"]["messages"]
    assert any(f"[json-pointer:{pointer}]" in message for message in messages), messages
    # Nothing cut and posted anyway: only the message that fits is in the channel.
    assert [m["blocks"] for m in fake.messages("C1")] == [fits]


@pytest.mark.parametrize(
    ("fits", "over", "pointer"),
    [case[1:] for case in OVER_THE_LIMIT],
    ids=[case[0] for case in OVER_THE_LIMIT],
)
def test_views_over_a_limit_are_refused(
    fake: FakeSlack,
    client: WebClient,
    fits: list[dict[str, object]],
    over: list[dict[str, object]],
    pointer: str,
) -> None:
    assert client.views_open(trigger_id=fake.issue_trigger_id(), view=modal(blocks=fits))["ok"]
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=fake.issue_trigger_id(), view=modal(blocks=over))
    assert error_of(exc) == "invalid_arguments"
    messages = exc.value.response["response_metadata"]["messages"]
    view_pointer = "/view" + pointer
    assert any(f"[json-pointer:{view_pointer}]" in message for message in messages), messages


def test_view_sizes_and_metadata(fake: FakeSlack, client: WebClient) -> None:
    fits = modal(blocks=[section("b")] * 100, private_metadata="m" * 3000)
    assert client.views_open(trigger_id=fake.issue_trigger_id(), view=fits)["ok"]
    for over, pointer in (
        (modal(blocks=[section("b")] * 101), "/view/blocks"),
        (modal(private_metadata="m" * 3001), "/view/private_metadata"),
    ):
        with pytest.raises(SlackApiError) as exc:
            client.views_open(trigger_id=fake.issue_trigger_id(), view=over)
        assert error_of(exc) == "invalid_arguments"
        assert any(
            f"[json-pointer:{pointer}]" in message
            for message in exc.value.response["response_metadata"]["messages"]
        )
    assert len(fake.open_views) == 1


def test_initial_options_must_be_offered(fake: FakeSlack, client: WebClient) -> None:
    boxes = {
        "type": "checkboxes",
        "action_id": "slots",
        "options": [{"text": {"type": "plain_text", "text": "09:00"}, "value": "0"}],
        "initial_options": [{"text": {"type": "plain_text", "text": "09:30"}, "value": "1"}],
    }
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(
            channel="C1", text="x", blocks=[{"type": "actions", "elements": [boxes]}]
        )
    assert error_of(exc) == "invalid_blocks"
