"""Pilots, their people and milestones, and their check-ins (the scheduler's due items)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of, utcnow

PILOT_STATUSES = ("active", "paused", "completed")
CADENCES = ("weekly", "biweekly", "monthly")
SIDES = ("organisation", "startup")
CHECKIN_STATUSES = ("on_track", "at_risk", "blocked")
OUTCOMES = ("procure", "extend", "stop", "other")
CONSENTS = ("named", "anonymous", "declined")
ESCALATIONS = ("blocked", "missed")


class PilotRow(Base):
    """A pilot between an organisation and a startup; ``version`` guards its transitions."""

    __tablename__ = "pilots"
    __table_args__ = (
        CheckConstraint(one_of("status", PILOT_STATUSES), name="status_known"),
        CheckConstraint(one_of("cadence", CADENCES), name="cadence_known"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_known"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint(f"outcome IS NULL OR {one_of('outcome', OUTCOMES)}", name="outcome_known"),
        CheckConstraint(
            f"organisation_consent IS NULL OR {one_of('organisation_consent', CONSENTS)}",
            name="organisation_consent_known",
        ),
        CheckConstraint(
            f"startup_consent IS NULL OR {one_of('startup_consent', CONSENTS)}",
            name="startup_consent_known",
        ),
        # One running (active or paused) pilot per channel.
        Index(
            "uq_pilots_open_channel",
            "channel_id",
            unique=True,
            sqlite_where=text("status <> 'completed'"),
            postgresql_where=text("status <> 'completed'"),
        ),
    )

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
    title: Mapped[str] = mapped_column(String(150))
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    cadence: Mapped[str] = mapped_column(String(16))
    weekday: Mapped[int] = mapped_column(Integer)
    checkin_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    anchor_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # A permanent Slack error from the last check-in (channel archived, app removed...).
    delivery_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    delivery_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    results: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    completed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completion_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    showcase_channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    organisation_consent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    startup_consent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The case card is claimed before it is posted, so it is shared once.
    card_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    card_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PilotPersonRow(Base):
    """A person in a pilot, on the organisation's or the startup's side."""

    __tablename__ = "pilot_people"
    __table_args__ = (
        UniqueConstraint("pilot_id", "user_id", name="one_side_per_person"),
        CheckConstraint(one_of("side", SIDES), name="side_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    side: Mapped[str] = mapped_column(String(16))


class MilestoneRow(Base):
    """A goal of a pilot with its target date."""

    __tablename__ = "pilot_milestones"
    __table_args__ = (UniqueConstraint("pilot_id", "position", name="one_milestone_per_place"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    target_date: Mapped[date] = mapped_column(Date)


class CheckinRow(Base):
    """One check-in: created ahead, claimed before it is posted, marked posted with its ts.

    Only the next check-in of a pilot exists unposted; ``(pilot_id, seq)`` is unique. A claim
    sets ``claimed_at``/``claim_token`` and counts an attempt; an attempt after the first
    looks for the message in Slack before posting again.
    """

    __tablename__ = "pilot_checkins"
    __table_args__ = (
        UniqueConstraint("pilot_id", "seq", name="one_checkin_per_number"),
        CheckConstraint(
            f"status IS NULL OR {one_of('status', CHECKIN_STATUSES)}", name="status_known"
        ),
        CheckConstraint(
            f"escalation IS NULL OR {one_of('escalation', ESCALATIONS)}", name="escalation_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    nominal_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # delivery
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # the answer
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    progress: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Counts the answer's changes: the message's refresh is owed once per revision.
    answer_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    missed: Mapped[bool] = mapped_column(Boolean, default=False)
    # the reminder after 24 working hours
    reminder_due_at: Mapped[datetime | None] = mapped_column(
        UtcDateTime(), nullable=True, index=True
    )
    reminder_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # the escalation to the admins
    escalation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    escalation_due_at: Mapped[datetime | None] = mapped_column(
        UtcDateTime(), nullable=True, index=True
    )
    escalation_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
