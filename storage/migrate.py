"""Run Alembic migrations from code (no alembic.ini needed)."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

MIGRATIONS = Path(__file__).with_name("migrations")

# How long a process waits for another one migrating the same database before it gives up.
MIGRATION_WAIT_SECONDS = 600
# PostgreSQL's advisory lock for migrations: "matchday" read as a number.
_ADVISORY_KEY = int.from_bytes(b"matchday", "big")
# PostgreSQL's codes for a statement that waited past statement_timeout or lock_timeout.
_GAVE_UP_WAITING = ("57014", "55P03")


class MigrationWaitError(RuntimeError):
    """Another process has been migrating the database for longer than we wait."""

    def __init__(self) -> None:
        super().__init__(
            f"another process has been migrating this database for {MIGRATION_WAIT_SECONDS} s"
        )


@contextmanager
def one_migrator_at_a_time(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock while the migrations run on ``connection``.

    Every process migrates on start, and production starts several at once (web processes
    beside workers, a release rolled out to all). Each would otherwise run the same
    migrations, and all but the first fail on start. With the lock the next one finds the
    schema current and goes on. PostgreSQL: an advisory lock of the connection's session.
    SQLite: a lock on a file beside the database (an in-memory one has no neighbours).
    """
    if connection.dialect.name == "postgresql":
        with _advisory_lock(connection):
            yield
        return
    database = connection.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with _file_lock(Path(f"{database}-migrate.lock")):
        yield


@contextmanager
def _advisory_lock(connection: Connection) -> Iterator[None]:
    seconds = f"'{MIGRATION_WAIT_SECONDS}s'"
    try:
        with connection.begin():  # the engine's timeouts (30 s) only for this wait
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {seconds}")
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {seconds}")
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_ADVISORY_KEY})")
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) in _GAVE_UP_WAITING:
            raise MigrationWaitError from error
        raise
    try:
        yield
    finally:
        try:
            if connection.in_transaction():  # a failed migration left its transaction
                connection.rollback()
            with connection.begin():
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_ADVISORY_KEY})")
        except SQLAlchemyError:
            connection.invalidate()  # closed, and its session's lock with it


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        deadline = time.monotonic() + MIGRATION_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise MigrationWaitError from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration pointing at Matchday's migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Migrate the database to the given revision (every head by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database down to the given revision."""
    command.downgrade(alembic_config(database_url), revision)
