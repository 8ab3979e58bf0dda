"""Clicks and events acknowledged to Slack before they are handled (see handlers/inbox.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Executable, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import write_now
from storage.models import InboxRow
from storage.models.base import UtcDateTime
from storage.repositories import interactions


@dataclass(frozen=True)
class Delivery:
    """One delivery to hand to the app's listeners."""

    id: int
    kind: str
    content_type: str
    body: str
    attempts: int


@cache
def _receive_statement(dialect: str) -> Executable:
    """The insert of a delivery, built once per dialect: building SQL is not free, and this
    one runs before every click's and event's answer."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(InboxRow)
        .values(
            key=bindparam("key"),
            kind=bindparam("kind"),
            content_type=bindparam("content_type"),
            body=bindparam("body"),
            received_at=bindparam("received_at", type_=UtcDateTime()),
            lease_until=bindparam("lease_until", type_=UtcDateTime()),
            attempts=bindparam("attempts"),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(InboxRow.id)
    )


@cache
def _claim_and_receive_statement() -> Executable:
    """PostgreSQL: the click's claim and its delivery in one statement, so that on an
    autocommit connection they are one round trip and one commit, and still all or nothing.
    A claim already taken (a repeat) inserts no delivery."""
    return text(
        "WITH claimed AS ("
        " INSERT INTO interactions (key, received_at) VALUES (:claim, :received_at)"
        " ON CONFLICT (key) DO NOTHING RETURNING key)"
        " INSERT INTO inbox (key, kind, content_type, body, received_at, lease_until, attempts)"
        " SELECT :key, :kind, :content_type, :body, :received_at, :lease_until, :attempts"
        " FROM claimed"
        " ON CONFLICT (key) DO NOTHING RETURNING id"
    ).bindparams(
        bindparam("received_at", type_=UtcDateTime()),
        bindparam("lease_until", type_=UtcDateTime()),
    )


def keep(
    *,
    engine: Engine,
    key: str,
    kind: str,
    content_type: str,
    body: str,
    now: datetime,
    lease: timedelta,
    attempts: int = 1,
    claim: str = "",
) -> int | None:
    """Keep a delivery until it is handled, committed before this returns; None when it is
    a repeat (the same key already waiting, or ``claim`` already taken).

    This runs before the answer to every click and event, so it asks the database as little
    as it can: on PostgreSQL one statement on an autocommit connection (no BEGIN, no
    COMMIT of its own: one round trip); on SQLite one transaction (one fsync). Core, not
    the ORM: there is nothing to map. ``claim``: the click's key (see
    storage.repositories.interactions), taken together with the delivery.
    ``attempts``: 1 when the receiving process hands it on itself, 0 when a worker will."""
    values = {
        "key": key[:200],
        "kind": kind[:40],
        "content_type": content_type[:100],
        "body": body,
        "received_at": now,
        "lease_until": now + lease,
        "attempts": attempts,
    }
    dialect = engine.dialect.name

    def insert(connection: Connection) -> int | None:
        if claim and dialect == "postgresql":  # the claim and the delivery in one statement
            statement = _claim_and_receive_statement()
            return connection.execute(statement, {**values, "claim": claim[:200]}).scalar()
        if claim:
            claimed = connection.execute(
                interactions.claim_statement(dialect), {"key": claim[:200], "received_at": now}
            ).first()
            if claimed is None:
                return None
        return connection.execute(_receive_statement(dialect), values).scalar()

    return write_now(engine, insert, one_statement=dialect == "postgresql")


def handled(*, session: Session, delivery_id: int) -> None:
    """The delivery had its effect (or never can): it leaves the inbox."""
    session.execute(delete(InboxRow).where(InboxRow.id == delivery_id))


def later(*, session: Session, delivery_id: int, until: datetime) -> None:
    """Handling failed for a passing reason: the sweep tries again after ``until``."""
    session.execute(update(InboxRow).where(InboxRow.id == delivery_id).values(lease_until=until))


def take_due(
    *,
    engine: Engine,
    now: datetime,
    lease: timedelta,
    limit: int,
    handled: Collection[int] = (),
) -> list[Delivery]:
    """Take up to ``limit`` deliveries due, oldest first, each for ``lease``.

    Due: kept for a worker, or left behind by a handler whose lease ran out (its process
    died, or handling failed for a passing reason). One statement, committed before this
    returns (on PostgreSQL on an autocommit connection: one round trip): the sweeper runs it
    every few milliseconds while deliveries arrive. A delivery another process took first is
    not taken again: its lease is re-checked on the row as that process left it.

    ``handled``: deliveries the sweeper's process finished since its last sweep. They leave
    the inbox in the same transaction: one commit for them all and the take, where each
    used to be a commit of its own (on SQLite an fsync under the one write lock that the
    web process's next keep waits for).
    """
    due = (
        select(InboxRow.id)
        .where(InboxRow.lease_until <= now)
        .order_by(InboxRow.id)
        .limit(limit)
        .scalar_subquery()
    )
    statement = (
        update(InboxRow)
        .where(InboxRow.id.in_(due), InboxRow.lease_until <= now)
        .values(lease_until=now + lease, attempts=InboxRow.attempts + 1)
        .returning(
            InboxRow.id, InboxRow.kind, InboxRow.content_type, InboxRow.body, InboxRow.attempts
        )
    )
    if engine.dialect.name == "sqlite" and not handled:
        with engine.connect() as connection:
            # A read first: on SQLite an UPDATE takes the one write lock even when it finds
            # nothing, and the web process's next keep would wait for it.
            anything = select(InboxRow.id).where(InboxRow.lease_until <= now).limit(1)
            if connection.execute(anything).first() is None:
                return []
    gone = delete(InboxRow).where(InboxRow.id.in_(list(handled)))

    def sweep(connection: Connection) -> list[Any]:
        if handled:
            connection.execute(gone)
        return list(connection.execute(statement).all())

    rows = write_now(engine, sweep, one_statement=not handled)
    taken = [Delivery(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]
    return sorted(taken, key=lambda delivery: delivery.id)


def waiting(*, session: Session) -> int:
    """How many deliveries wait to be handled (for tests and metrics)."""
    return int(session.execute(select(func.count()).select_from(InboxRow)).scalar_one())
