"""Startup profiles' history, pitches, review decisions and questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of, utcnow

PITCH_STATUSES = ("submitted", "shortlisted", "declined", "withdrawn")
DECISIONS = ("shortlisted", "declined", "question", "withdrawn", "submitted", "edited")


class ProfileRevisionRow(Base):
    """A startup profile as it was saved: who changed it, when, and what it said."""

    __tablename__ = "profile_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("startups.id", ondelete="CASCADE"), index=True
    )
    revised_by: Mapped[str] = mapped_column(String(32))
    revised_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    snapshot: Mapped[dict[str, str]] = mapped_column(JSON)


class PitchRow(Base):
    """One startup's pitch to one opportunity (never two)."""

    __tablename__ = "pitches"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "startup_id", name="one_pitch_per_startup"),
        CheckConstraint(one_of("status", PITCH_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("startups.id", ondelete="CASCADE"), index=True
    )
    solution: Mapped[str] = mapped_column(Text)
    fit: Mapped[str] = mapped_column(Text)
    references: Mapped[str] = mapped_column(Text, default="")
    pilot: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    card_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    card_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The sections the startup marks as trade secrets (names of the fields above), and why.
    secret_sections: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    secret_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class PitchDecisionRow(Base):
    """Every decision on a pitch: who, when, what and why (equal treatment)."""

    __tablename__ = "pitch_decisions"
    __table_args__ = (CheckConstraint(one_of("decision", DECISIONS), name="decision_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PitchQuestionRow(Base):
    """A question from the project group to a startup, and its answer."""

    __tablename__ = "pitch_questions"
    __table_args__ = (
        UniqueConstraint("pitch_id", "asked_by", "question_key", name="one_question_per_asker"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    # The question as a digest (casefolded, spaces collapsed): the same question from the
    # same person on the same pitch is recorded once, however often the form arrives.
    question_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    asked_by: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
