"""Settings read from the environment, with one clear line per bad setting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.text import USER_ID

DEFAULT_DATABASE_URL = "sqlite:///data/matchday.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# What each setting expects, said once for the error line.
EXPECTED = {
    "SLACK_BOT_TOKEN": "a bot token starting with xoxb-",
    "SLACK_SIGNING_SECRET": "the signing secret from the Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token starting with xapp- (needed for Socket Mode)",
    "SLACK_API_URL": "an http(s) URL ending in /api/, such as https://slack.com/api/",
    "DATABASE_URL": "a SQLAlchemy URL such as sqlite:///data/matchday.db "
    "or postgresql+psycopg://user@host/dbname",
    "MATCHDAY_TIMEZONE": "an IANA time zone name such as Europe/Stockholm",
    "MATCHDAY_NUDGE_DAYS": "a whole number of working days from 1 to 60",
    "MATCHDAY_QUESTION_LEAD_DAYS": "a whole number of working days from 0 to 30",
    "MATCHDAY_SCHEDULER": "true or false",
    "MATCHDAY_WORKER": "true or false",
    "MATCHDAY_WORKING_HOURS": "a range of local times such as 09:00-16:00",
    "MATCHDAY_ADMINS": "a comma-separated list of Slack user ids such as U012ABCDEF,U034GHIJKL",
    "MATCHDAY_SEND_RATE": "messages a second the app may send in the workspace (1 to 1000)",
    "MATCHDAY_LOG_FORMAT": "text or json",
    "MATCHDAY_OUTBOX_LEASE_SECONDS": "seconds from 2 to 3600",
    "MATCHDAY_INBOX_LEASE_SECONDS": "seconds from 2 to 3600",
    "MATCHDAY_WORKER_NICE": "a niceness from 0 to 19",
    "MATCHDAY_DB_TIMEOUT_MS": "milliseconds a web request may wait for the database (100 to 10000)",
    "MATCHDAY_CLOCK_FILE": "the path of the sandbox's clock file (set by `matchday sandbox` only)",
    "MATCHDAY_SHOWCASE": "true or false",
    "MATCHDAY_JOIN_URL": "an http(s) URL where startups join the programme",
    "MATCHDAY_RETENTION_MONTHS": "a whole number of months, 1 or more",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and what it expects."""


class Settings(BaseSettings):
    """Matchday's configuration; every field maps to one environment variable."""

    # The environment wins over a `.env` file in the working directory (see .env.example).
    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=True, extra="ignore", env_file=".env"
    )

    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_API_URL: str = DEFAULT_SLACK_API_URL
    DATABASE_URL: str = DEFAULT_DATABASE_URL
    MATCHDAY_TIMEZONE: str = "Europe/Stockholm"
    MATCHDAY_NUDGE_DAYS: int = Field(default=5, ge=1, le=60)
    # Questions about an opportunity close this many Swedish working days before its deadline.
    MATCHDAY_QUESTION_LEAD_DAYS: int = Field(default=2, ge=0, le=30)
    # The worker inside the web process: the outbox sender, the planner and (with
    # MATCHDAY_SCHEDULER) the tick. Production sets it false and runs `matchday worker`.
    MATCHDAY_WORKER: bool = True
    MATCHDAY_SCHEDULER: bool = True
    MATCHDAY_WORKING_HOURS: str = "09:00-16:00"
    # Slack's workspace-wide budget for messages; each conversation also gets one a second.
    MATCHDAY_SEND_RATE: float = Field(default=20.0, ge=1, le=1000)
    # How long a sender holds a claimed message; a sender that died is taken over after it.
    MATCHDAY_OUTBOX_LEASE_SECONDS: int = Field(default=60, ge=2, le=3600)
    # How long a process holds a click or event it is handling; one that died is taken over
    # after it (handlers/inbox.py).
    MATCHDAY_INBOX_LEASE_SECONDS: int = Field(default=30, ge=2, le=3600)
    # `matchday worker` runs this much nicer than the web processes beside it (Linux nice).
    MATCHDAY_WORKER_NICE: int = Field(default=10, ge=0, le=19)
    MATCHDAY_LOG_FORMAT: Literal["text", "json"] = "text"
    # A request gives up on a slow or locked database after this long, well inside Slack's 3 s.
    MATCHDAY_DB_TIMEOUT_MS: int = Field(default=1500, ge=100, le=10_000)
    MATCHDAY_ADMINS: Annotated[frozenset[str], NoDecode] = Field(default=frozenset())
    # Set only by `matchday sandbox`: the app's time is real time plus this file's offset.
    MATCHDAY_CLOCK_FILE: Path | None = None
    # The public showcase under /showcase (and `matchday showcase export`); false: 404.
    MATCHDAY_SHOWCASE: bool = True
    # Where a startup joins the programme, linked from the showcase's "how to pitch".
    MATCHDAY_JOIN_URL: str | None = None
    # Pitch content (texts, answers) is removed this many months after the opportunity
    # closed, when the pitch led to no meeting; the registrar gets a final export first.
    MATCHDAY_RETENTION_MONTHS: int = Field(default=24, ge=1)

    @field_validator("SLACK_BOT_TOKEN")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("wrong token kind")
        return value

    @field_validator("SLACK_APP_TOKEN")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("wrong token kind")
        return value

    @field_validator("SLACK_SIGNING_SECRET")
    @classmethod
    def _signing_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("empty")
        return value

    @field_validator("SLACK_API_URL")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("MATCHDAY_JOIN_URL")
    @classmethod
    def _join_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value.strip()):
            raise ValueError("not an http(s) URL")
        return value.strip()

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("unsupported database")
        return value

    @field_validator("MATCHDAY_TIMEZONE")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("MATCHDAY_WORKING_HOURS")
    @classmethod
    def _working_hours(cls, value: str) -> str:
        from bot.meetings import WorkingHours

        WorkingHours.parse(value)
        return value

    @field_validator("MATCHDAY_ADMINS", mode="before")
    @classmethod
    def _admins(cls, value: object) -> frozenset[str]:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, list | tuple | set | frozenset):
            ids = [str(part) for part in value]
        else:
            raise ValueError("not a list")
        if not all(USER_ID.match(user_id) for user_id in ids):
            raise ValueError("not Slack user ids")
        return frozenset(ids)

    @property
    def timezone(self) -> ZoneInfo:
        """The programme's default time zone."""
        return ZoneInfo(self.MATCHDAY_TIMEZONE)

    def require(self, *names: str) -> None:
        """Raise ConfigError for the first of the named settings that is unset."""
        for name in names:
            if getattr(self, name) is None:
                raise ConfigError(f"{name} is not set: expected {EXPECTED[name]}.")

    def sqlite_path(self) -> Path | None:
        """The SQLite file behind DATABASE_URL, or None for other databases."""
        prefix = "sqlite:///"
        if not self.DATABASE_URL.startswith(prefix):
            return None
        path = self.DATABASE_URL[len(prefix) :].split("?", 1)[0]
        return None if path in ("", ":memory:") else Path(path)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation failures into one ConfigError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "configuration"
        expected = EXPECTED.get(name, "a valid value")
        # Never echo the value: it may be a secret.
        raise ConfigError(f"{name} is malformed: expected {expected}.") from None
