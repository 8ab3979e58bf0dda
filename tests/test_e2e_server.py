"""The server as an operator meets it: health checks follow the database."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sandbox.slack_api import FakeSlack
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.e2e import ServerProcess


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
        assert health(server.url) == (200, {"database": "ok"})
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
