"""Processes started together migrate one database once.

Every `matchday` process migrates on start (bot/cli.py), and production starts several at
once: web processes beside workers, a release rolled out to all of them. On a new
database, or after an upgrade that brings a migration, they would each run it, and all
but the first fail on start ("table outbox already exists"). They take turns instead.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from storage import migrate
from tests.conftest import BACKENDS, fresh_database
from tests.test_config import cli_env

TOGETHER = 4


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet."""
    yield from fresh_database(request.param, tmp_path, migrated=False)


def _newest_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()


def test_processes_started_together_migrate_once_and_all_start(empty_database: str) -> None:
    env = cli_env(DATABASE_URL=empty_database)
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(TOGETHER)
    ]
    # Each one's output is small (a line per migration), well within a pipe's buffer.
    errors = [process.communicate(timeout=120)[1] for process in started]
    failures = [error for process, error in zip(started, errors, strict=True) if process.returncode]
    assert failures == []
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            assert [row[0] for row in versions] == [_newest_revision(empty_database)]
            assert "inbox" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_a_process_that_waits_too_long_for_another_gives_up_clearly(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process migrating for longer than the wait (here a second): this one says so
    instead of running the migrations beside it, and leaves the database as it was."""
    monkeypatch.setattr(migrate, "MIGRATION_WAIT_SECONDS", 1)
    engine = create_engine(empty_database)
    try:
        with (
            engine.connect() as holder,
            migrate.one_migrator_at_a_time(holder),
            pytest.raises(migrate.MigrationWaitError, match="another process has been"),
        ):
            migrate.upgrade(empty_database)
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
        migrate.upgrade(empty_database)  # once the other one is done
        with engine.connect() as connection:
            assert "inbox" in inspect(connection).get_table_names()
    finally:
        engine.dispose()
