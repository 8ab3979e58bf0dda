"""Engines and sessions for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]


WORKER_TIMEOUT_MS = 30_000  # scheduled work and the sender may wait longer than a request


def make_engine(url: str, timeout_ms: int = WORKER_TIMEOUT_MS) -> Engine:
    """Create an engine whose statements give up after ``timeout_ms`` waiting or running.

    Web requests pass a short timeout so that a locked table or a slow database is answered
    politely inside Slack's three seconds instead of hanging. For SQLite the folder of the
    file is created and foreign keys are turned on.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeout_ms / 1000})
        event.listen(engine, "connect", _sqlite_pragmas(timeout_ms))
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    seconds = max(1, round(timeout_ms / 1000))
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=seconds,
        connect_args={
            "connect_timeout": max(2, seconds),
            "options": f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
        },
    )


def _begin_before_savepoint(connection: Any, _name: Any) -> None:
    """Open the transaction before a SAVEPOINT on SQLite.

    Python's sqlite3 emits BEGIN only before the first write. A SAVEPOINT issued before any
    write would then be the outermost transaction, and its RELEASE would commit at once:
    a pitch saved in a savepoint would be committed without the messages written after it,
    and a crash in between would lose them. BEGIN IMMEDIATE: a savepoint precedes a write.
    """
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def _sqlite_pragmas(timeout_ms: int) -> Callable[[Any, Any], None]:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        cursor.close()

    return pragmas


def make_session_factory(engine: Engine) -> SessionFactory:
    """A session factory whose sessions keep loaded values after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def wake_on_commit(sessions: SessionFactory, wake: Callable[[], None]) -> None:
    """Call ``wake`` after a transaction that enqueued outbox rows commits."""

    def committed(session: Session) -> None:
        if session.info.pop("outbox_enqueued", False):
            wake()

    def rolled_back(session: Session) -> None:
        session.info.pop("outbox_enqueued", None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_soft_rollback", lambda session, _previous: rolled_back(session))


def is_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds (used by /healthz)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not reachable"
        return False
    return True
