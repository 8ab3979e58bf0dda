"""Clicks and form submissions already taken, so a second delivery has no effect."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Engine, Executable, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import write_now
from storage.models import InteractionRow
from storage.models.base import UtcDateTime


@cache
def claim_statement(dialect: str) -> Executable:
    """The insert of ``claim``, built once per dialect (it runs before every click's answer).

    Bound with ``key`` and ``received_at``; returns a row for the first delivery only."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(InteractionRow)
        .values(key=bindparam("key"), received_at=bindparam("received_at", type_=UtcDateTime()))
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(InteractionRow.key)
    )


def claim(*, session: Session, key: str, now: datetime) -> bool:
    """True for the first delivery of this interaction, False for any repeat."""
    statement = claim_statement(session.get_bind().dialect.name)
    return session.execute(statement, {"key": key[:200], "received_at": now}).first() is not None


def claim_now(*, engine: Engine, key: str, now: datetime) -> bool:
    """``claim`` committed before this returns, in as few round trips as the database allows.

    It runs before every form submission's answer, in a transaction of its own (a retry that
    arrives while the form is handled must find it): on PostgreSQL one statement on an
    autocommit connection (one round trip, no BEGIN and no COMMIT), on SQLite one Core
    transaction (one fsync)."""
    statement = claim_statement(engine.dialect.name)
    values = {"key": key[:200], "received_at": now}
    return write_now(
        engine,
        lambda connection: connection.execute(statement, values).first() is not None,
        one_statement=True,
    )


def release(*, session: Session, key: str) -> None:
    """Forget an interaction whose answer changed nothing (a field error), so it may come again."""
    session.execute(delete(InteractionRow).where(InteractionRow.key == key[:200]))


def prune(*, session: Session, before: datetime) -> int:
    """Forget interactions older than Slack would ever repeat."""
    result = session.execute(delete(InteractionRow).where(InteractionRow.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
