"""Clicks and form submissions already taken, so a second delivery has no effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import InteractionRow


def claim(*, session: Session, key: str, now: datetime) -> bool:
    """True for the first delivery of this interaction, False for any repeat."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InteractionRow)
        .values(key=key[:200], received_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(InteractionRow.key)
    )
    return session.execute(statement).first() is not None


def release(*, session: Session, key: str) -> None:
    """Forget an interaction whose answer changed nothing (a field error), so it may come again."""
    session.execute(delete(InteractionRow).where(InteractionRow.key == key[:200]))


def prune(*, session: Session, before: datetime) -> int:
    """Forget interactions older than Slack would ever repeat."""
    result = session.execute(delete(InteractionRow).where(InteractionRow.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
