"""Configuration: clear one-line errors, exit status 2, secrets never printed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings

BASE = {"SLACK_BOT_TOKEN": "xoxb-secret-value-123", "SLACK_SIGNING_SECRET": "topsecretsigning"}


def cli_env(**env: str) -> dict[str, str]:
    """This environment without Matchday's settings, then ``env``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MATCHDAY_", "DATABASE_"))
    }
    return {**clean, **env}


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_defaults_are_sqlite_and_stockholm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "MATCHDAY_TIMEZONE", "MATCHDAY_ADMINS", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.MATCHDAY_TIMEZONE == "Europe/Stockholm"
    assert settings.SLACK_API_URL == "https://slack.com/api/"
    assert settings.MATCHDAY_ADMINS == frozenset()


def test_admins_are_parsed_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHDAY_ADMINS", " U012ABCDEF, W034GHIJKL ,")
    assert load_settings().MATCHDAY_ADMINS == {"U012ABCDEF", "W034GHIJKL"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MATCHDAY_ADMINS", "alice,bob"),
        ("MATCHDAY_TIMEZONE", "Mars/Olympus"),
        ("SLACK_API_URL", "ftp://slack.example"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token-not-bot"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
    ],
)
def test_malformed_setting_is_named_without_echoing_the_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name} is malformed: expected ")
    assert value not in message


def test_serve_without_token_exits_2_with_one_line() -> None:
    result = run_cli("serve")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "matchday: SLACK_BOT_TOKEN is not set: expected a bot token starting with xoxb-."
    )
    assert "Traceback" not in result.stderr


def test_socket_needs_an_app_token() -> None:
    result = run_cli("socket", **BASE)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in result.stderr


def test_malformed_token_is_never_printed() -> None:
    result = run_cli(
        "serve", SLACK_BOT_TOKEN="xoxp-very-secret-user-token", SLACK_SIGNING_SECRET="x"
    )
    assert result.returncode == 2
    assert "xoxp-very-secret-user-token" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_creates_the_sqlite_file_and_its_folder(tmp_path) -> None:
    target = tmp_path / "nested" / "dir" / "matchday.db"
    result = run_cli("db", "upgrade", DATABASE_URL=f"sqlite:///{target}")
    assert result.returncode == 0, result.stderr
    assert target.exists()


def test_unreachable_database_is_one_clear_line_without_password() -> None:
    result = run_cli(
        "db", "upgrade", DATABASE_URL="postgresql+psycopg://app:hunter2@127.0.0.1:1/matchday"
    )
    assert result.returncode == 1
    assert (
        "cannot migrate the database at postgresql+psycopg://app:***@127.0.0.1:1/matchday"
        in result.stderr
    )
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_secrets_stay_out_of_reprs_and_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-do-not-print-me")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-do-not-print")
    settings = load_settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "do-not-print" not in shown
