"""Matchdays: the day's settings, each party's availability, and the requested meetings."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of, utcnow

MATCHDAY_STATUSES = ("collecting", "planned", "published")
PARTY_KINDS = ("organisation", "startup")
PRIORITIES = ("must", "should", "could")


class MatchdayRow(Base):
    """A day of 1:1 meetings between organisations and startups."""

    __tablename__ = "matchdays"
    __table_args__ = (
        CheckConstraint(one_of("status", MATCHDAY_STATUSES), name="status_known"),
        UniqueConstraint("form_key", name="one_matchday_per_form"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    day: Mapped[date] = mapped_column(Date)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    meeting_minutes: Mapped[int] = mapped_column(Integer)
    breaks: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    tables: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(500), default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)  # online: one link per table
    timezone: Mapped[str] = mapped_column(String(64))
    availability_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="collecting")
    plan_note: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    agenda_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The define form that created it (a digest): the same form submitted twice is one day.
    form_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Bumped by every stored plan: a re-plan computed from an older plan is not applied.
    plan_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MatchdayPartyRow(Base):
    """An organisation or a startup taking part, with the slots it cannot make."""

    __tablename__ = "matchday_parties"
    __table_args__ = (
        UniqueConstraint("matchday_id", "kind", "ref_id", name="one_entry_per_party"),
        CheckConstraint(one_of("kind", PARTY_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matchday_id: Mapped[int] = mapped_column(
        ForeignKey("matchdays.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer)  # organisations.id or startups.id
    unavailable: Mapped[list[int]] = mapped_column(JSON, default=list)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


class MatchdayRequestRow(Base):
    """A meeting someone asked for at a matchday, with its priority."""

    __tablename__ = "matchday_requests"
    __table_args__ = (
        UniqueConstraint(
            "matchday_id", "organisation_id", "startup_id", name="one_request_per_pair"
        ),
        CheckConstraint(one_of("priority", PRIORITIES), name="priority_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matchday_id: Mapped[int] = mapped_column(
        ForeignKey("matchdays.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"))
    pitch_id: Mapped[int | None] = mapped_column(
        ForeignKey("pitches.id", ondelete="SET NULL"), nullable=True
    )
    priority: Mapped[str] = mapped_column(String(8), default="should")
    requested_by: Mapped[str] = mapped_column(String(32))
    # Why the plan could not place it (empty when placed).
    unplaced_reason: Mapped[str] = mapped_column(String(200), default="")
