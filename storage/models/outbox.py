"""The outbox: every Slack call that follows a state change, written in the same transaction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of


class OutboxStatus(StrEnum):
    """Where one outbox row stands."""

    PENDING = "pending"  # waiting for its due time (or for a retry)
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"  # Slack took it (result_ts says where, when Slack gave one)
    FAILED = "failed"  # a permanent error: recorded and reported, never retried
    QUARANTINED = "quarantined"  # the row itself is broken (a bug): kept with its error
    HELD = "held"  # Slack cannot receive it now (app uninstalled, channel archived)


class OutboxRow(Base):
    """One Web API call owed to Slack, identified by an idempotency key."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(one_of("status", tuple(OutboxStatus)), name="status"),
        Index("ix_outbox_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(20))
    fanout: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # An earlier attempt may have reached Slack: look before posting again.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    result_channel: Mapped[str | None] = mapped_column(String(40))
    result_ts: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(300))
    on_sent: Mapped[str | None] = mapped_column(String(40))
    on_sent_args: Mapped[str | None] = mapped_column(Text)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)


class HeartbeatRow(Base):
    """When the tick or a sender last showed it was alive (any process, any instance)."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RunningSpanRow(Base):
    """A stretch of the app's time through which the scheduler's tick kept running.

    Each tick stretches its process's span to the tick's time; a clock the sandbox moved
    while the app ran is stretched over too. A check-in is "late because Matchday was not
    running" only when its due time lies outside every span.
    """

    __tablename__ = "running_spans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class InteractionRow(Base):
    """A click or form submission already taken: the same delivery again has no effect."""

    __tablename__ = "interactions"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class InboxRow(Base):
    """A click or an event acknowledged to Slack and not yet handled.

    Written before the acknowledgement, handled right after it, and deleted once handled:
    a process that dies in between leaves the row, and the next sweep handles it.
    """

    __tablename__ = "inbox"
    # An id names one delivery forever: a worker lets handled deliveries go by id, a
    # moment later, and must never remove a newer one that got the id meanwhile.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
