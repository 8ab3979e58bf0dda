"""The showcase forms' rate limit: accepted posts per address, counted in the database.

In the database rather than in one process, because `matchday serve` runs several worker
processes (and perhaps several instances): a count per process would let a sender through
once per process. The address is stored only as a keyed hash, and kept a day at most.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.models.exchanges import ShowcasePostRow

POSTS_KEPT = timedelta(days=1)


def address_key(address: str, secret: bytes) -> str:
    """The keyed hash the rate limit counts by (the address itself is never stored)."""
    return hashlib.blake2b(address.encode(), key=secret[:64], digest_size=16).hexdigest()


def posts_since(*, session: Session, address: str, since: datetime) -> int:
    """Accepted form posts from this address since then."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ShowcasePostRow)
            .where(ShowcasePostRow.address == address, ShowcasePostRow.posted_at >= since)
        )
        or 0
    )


def record_post(*, session: Session, address: str, now: datetime) -> None:
    """Count one accepted post; forget those older than a day."""
    session.execute(delete(ShowcasePostRow).where(ShowcasePostRow.posted_at < now - POSTS_KEPT))
    session.add(ShowcasePostRow(address=address, posted_at=now))
