"""Requests to be erased (GDPR): who asked, when, and what an admin decided and erased."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of

ERASURE_STATES = ("pending", "approved", "rejected")


class ErasureRequestRow(Base):
    """One person's request to be erased, and its decision.

    ``requester`` holds the Slack user id while the request waits (or was rejected); once
    the erasure ran it holds the pseudonym instead, never mapped back to the id.
    """

    __tablename__ = "erasure_requests"
    __table_args__ = (
        CheckConstraint(one_of("state", ERASURE_STATES), name="state_known"),
        # One open request per person, even when two clicks race.
        Index(
            "uq_erasure_requests_one_pending",
            "requester",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester: Mapped[str] = mapped_column(String(32), index=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # What was erased and what was kept, as row counts per table (no personal data).
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
