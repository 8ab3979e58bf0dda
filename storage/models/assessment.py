"""Focus areas, their needs assessments and answers, and the opportunities they publish."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of, utcnow

STATES = (
    "area", "challenge", "today", "outcome", "constraints", "owner", "review", "paused", "end",
)  # fmt: skip
STEPS = STATES[:6]
AREA_STATUSES = ("active", "archived")
OPPORTUNITY_STATUSES = ("published", "closed", "withdrawn")
ROLES = ("buyer", "procurement_manager", "project_manager", "product_manager", "other")


class FocusAreaRow(Base):
    """One of the three to five areas an organisation works on."""

    __tablename__ = "focus_areas"
    __table_args__ = (CheckConstraint(one_of("status", AREA_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    why: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AssessmentRow(Base):
    """The walk-through of one focus area, in one thread; ``version`` guards transitions."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(one_of("state", STATES), name="state_known"),
        UniqueConstraint("channel_id", "thread_ts", name="one_assessment_per_thread"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(
        ForeignKey("focus_areas.id", ondelete="CASCADE"), unique=True
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="area")
    resume_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_by: Mapped[str] = mapped_column(String(32))
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AnswerRow(Base):
    """The recorded answer to one step (the newest wins; skipped steps have no fields)."""

    __tablename__ = "assessment_answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "step", name="one_answer_per_step"),
        CheckConstraint(one_of("step", STEPS), name="step_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(16))
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The thread reply that gave this answer, so an edit of that reply can update it.
    source_ts: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


class ProcessedEventRow(Base):
    """Events API deliveries already handled: Slack's retries carry the same event_id."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OutsiderNoticeRow(Base):
    """People outside the group told once why their thread reply was not recorded."""

    __tablename__ = "outsider_notices"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id", name="told_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32))


class OpportunityRow(Base):
    """A matching opportunity published from an assessed focus area."""

    __tablename__ = "opportunities"
    __table_args__ = (
        CheckConstraint(one_of("status", OPPORTUNITY_STATUSES), name="status_known"),
        CheckConstraint(one_of("contact_role", ROLES), name="contact_role_known"),
        # One opportunity per summary: the same publish form submitted twice makes one.
        UniqueConstraint("focus_area_id", "assessment_version", name="one_opportunity_per_summary"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    focus_area_id: Mapped[int] = mapped_column(
        ForeignKey("focus_areas.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    contact_role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="published")
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    published_by: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Claimed by the scheduler before the 48-hour reminder and the closing notice are sent.
    reminder_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closing_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The assessment's version when its publish form was opened (None: published otherwise).
    assessment_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
