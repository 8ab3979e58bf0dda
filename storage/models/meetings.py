"""Meetings (ad hoc and at matchdays), their participants, and the follow-up answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of, utcnow

MEETING_STATUSES = ("proposed", "booked", "cancelled")
SIDES = ("organisation", "startup")
ANSWERS = ("yes", "maybe", "no")


class MeetingRow(Base):
    """A 1:1 meeting between an organisation and a startup."""

    __tablename__ = "meetings"
    __table_args__ = (CheckConstraint(one_of("status", MEETING_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("startups.id", ondelete="CASCADE"), index=True
    )
    pitch_id: Mapped[int | None] = mapped_column(
        ForeignKey("pitches.id", ondelete="SET NULL"), nullable=True
    )
    # Matchday meetings: the request they answer, their slot and table, and each side's word.
    matchday_id: Mapped[int | None] = mapped_column(
        ForeignKey("matchdays.id", ondelete="CASCADE"), nullable=True, index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("matchday_requests.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    table_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    organisation_accepts: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    startup_accepts: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    length_minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(500))
    # ISO datetimes offered to the startup, newest round last.
    proposed: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    proposed_by: Mapped[str] = mapped_column(String(32))
    # The proposal form (Slack's view id) that created it: one form, one meeting.
    proposal_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    reminder_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    follow_up_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class MeetingParticipantRow(Base):
    """A person in a meeting, on the organisation's or the startup's side."""

    __tablename__ = "meeting_participants"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="one_seat_per_meeting"),
        CheckConstraint(one_of("side", SIDES), name="side_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    side: Mapped[str] = mapped_column(String(16))


class FollowUpRow(Base):
    """Each side's answer to "Follow up?" (the programme's headline figure)."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("meeting_id", "side", name="one_answer_per_side"),
        CheckConstraint(one_of("side", SIDES), name="side_known"),
        CheckConstraint(one_of("answer", ANSWERS), name="answer_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())
