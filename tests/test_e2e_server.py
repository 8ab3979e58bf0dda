"""The server as an operator meets it: health checks follow the database."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sandbox import payloads
from sandbox.signing import post_to_app
from sandbox.slack_api import FakeSlack
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.e2e import SIGNING_SECRET, ServerProcess


def health(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthz_is_503_when_the_database_goes_away(fake_slack: FakeSlack, tmp_path: Path) -> None:
    name, url = _create_postgres_database()
    server = ServerProcess(url, fake_slack.api_url, tmp_path / "server.log").start()
    try:
        assert health(server.url) == (200, {"database": "ok", "sender": "ok", "tick": "ok"})
        _drop_postgres_database(name)
        assert health(server.url) == (503, {"database": "unreachable"})
    finally:
        server.stop()
        _drop_postgres_database(name)


def test_unknown_paths_are_404_and_get_on_the_slack_endpoint_is_405(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'm.db'}", fake_slack.api_url, tmp_path / "s.log"
    ).start()
    try:
        for path, code in (("/nope", 404), ("/slack/events", 405)):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(server.url + path, timeout=5)
            assert caught.value.code == code
    finally:
        server.stop()


def _raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_requests_without_a_valid_signature_get_401_and_their_bodies_are_not_logged(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    log = tmp_path / "s.log"
    server = ServerProcess(f"sqlite:///{tmp_path / 'm.db'}", fake_slack.api_url, log).start()
    endpoint = server.url + "/slack/events"
    secret_marker = "SECRET-BODY-" + "x" * 200_000
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        cases = [
            {},
            {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=abc"},
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
            {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v0=abc"},
            {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=0"},
        ]
        for headers in cases:
            status, _body = _raw_post(endpoint, secret_marker.encode(), {**form, **headers})
            assert status == 401, headers
    finally:
        server.stop()
    text = log.read_text()
    assert "SECRET-BODY" not in text
    assert "Traceback" not in text
    assert len(text) < 20_000


def test_metrics_show_requests_and_what_the_worker_owes(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'm.db'}", fake_slack.api_url, tmp_path / "s.log"
    ).start()
    try:
        fake_slack.add_user("UHELP00001", "helper")
        status, _headers, _body = post_to_app(
            server.url + "/slack/events",
            SIGNING_SECRET,
            payloads.slash_command(
                text="help",
                user_id="UHELP00001",
                channel_id="C0ANY",
                trigger_id=fake_slack.issue_trigger_id(),
                response_url=fake_slack.new_response_url(),
            ),
            "application/x-www-form-urlencoded",
        )
        assert status == 200
        with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
            text = response.read().decode()
    finally:
        server.stop()
    assert 'matchday_request_seconds_count{kind="command:help"} 1.0' in text
    for name in (
        "matchday_outbox_due",
        "matchday_outbox_oldest_due_seconds",
        "matchday_checkins_due_unsent",
        "matchday_inbox_waiting",
        "matchday_tick_seconds_since_last",
        "matchday_sender_seconds_since_last",
        "matchday_slack_calls_total",
    ):
        assert name in text


def _help(server: ServerProcess, fake: FakeSlack, user: str = "UHELP00001") -> tuple[int, bytes]:
    status, _headers, body = post_to_app(
        server.url + "/slack/events",
        SIGNING_SECRET,
        payloads.slash_command(
            text="help",
            user_id=user,
            channel_id="C0ANY",
            trigger_id=fake.issue_trigger_id(),
            response_url=fake.new_response_url(),
        ),
        "application/x-www-form-urlencoded",
    )
    return status, body


def test_a_locked_table_or_a_dropped_database_is_answered_politely_within_3_seconds(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    name, url = _create_postgres_database()
    server = ServerProcess(url, fake_slack.api_url, tmp_path / "server.log").start()
    parsed = make_url(url)
    try:
        with psycopg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username, dbname=name
        ) as locker:
            locker.execute("LOCK TABLE members IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            status, body = _help(server, fake_slack)
            elapsed = time.monotonic() - started
            locker.rollback()
        assert status == 200
        assert elapsed < 3.0
        assert "can't reach its database" in body.decode()
        assert _help(server, fake_slack)[0] == 200  # and it recovers at once
        _drop_postgres_database(name)
        started = time.monotonic()
        status, body = _help(server, fake_slack)
        assert status == 200
        assert time.monotonic() - started < 3.0
        assert "nothing was changed" in body.decode()
    finally:
        server.stop()
        _drop_postgres_database(name)
    assert "Traceback" not in (tmp_path / "server.log").read_text()
