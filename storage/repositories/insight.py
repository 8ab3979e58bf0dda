"""Counting the funnel, and the rows behind the CSV exports."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.insight import Funnel, Period
from storage.models import (
    AssessmentRow,
    FocusAreaRow,
    FollowUpRow,
    MeetingRow,
    OpportunityRow,
    OrganisationRow,
    PitchDecisionRow,
    PitchRow,
)
from storage.models.pilots import PilotRow


def _bounds(period: Period) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period.start, time(), tzinfo=UTC),
        datetime.combine(period.end + timedelta(days=1), time(), tzinfo=UTC),
    )


def funnel(*, session: Session, organisation_id: int, period: Period, now: datetime) -> Funnel:
    """One organisation's funnel in a period (events counted when they happened)."""
    start, end = _bounds(period)
    name = (
        session.scalar(select(OrganisationRow.name).where(OrganisationRow.id == organisation_id))
        or "?"
    )

    def count(query: Any) -> int:
        return int(session.scalar(query) or 0)

    assessed = count(
        select(func.count())
        .select_from(AssessmentRow)
        .join(FocusAreaRow, FocusAreaRow.id == AssessmentRow.focus_area_id)
        .where(
            FocusAreaRow.organisation_id == organisation_id,
            AssessmentRow.state.in_(["review", "end"]),
            AssessmentRow.last_activity_at >= start,
            AssessmentRow.last_activity_at < end,
        )
    )
    opportunities = count(
        select(func.count())
        .select_from(OpportunityRow)
        .where(
            OpportunityRow.organisation_id == organisation_id,
            OpportunityRow.published_at >= start,
            OpportunityRow.published_at < end,
        )
    )
    pitch_base = (
        select(func.count(func.distinct(PitchRow.id)))
        .select_from(PitchRow)
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .where(OpportunityRow.organisation_id == organisation_id)
    )
    pitches = count(pitch_base.where(PitchRow.submitted_at >= start, PitchRow.submitted_at < end))
    shortlisted = count(
        pitch_base.join(PitchDecisionRow, PitchDecisionRow.pitch_id == PitchRow.id).where(
            PitchDecisionRow.decision == "shortlisted",
            PitchDecisionRow.decided_at >= start,
            PitchDecisionRow.decided_at < end,
        )
    )
    held = (
        select(MeetingRow.id)
        .where(
            MeetingRow.organisation_id == organisation_id,
            MeetingRow.status == "booked",
            MeetingRow.ends_at <= now,
            MeetingRow.starts_at >= start,
            MeetingRow.starts_at < end,
        )
        .subquery()
    )
    meetings_held = count(select(func.count()).select_from(held))
    follow_ups = count(
        select(func.count())
        .select_from(held)
        .where(
            select(func.count())
            .select_from(FollowUpRow)
            .where(FollowUpRow.meeting_id == held.c.id, FollowUpRow.answer == "yes")
            .scalar_subquery()
            == 2
        )
    )
    pilots = list(
        session.scalars(select(PilotRow).where(PilotRow.organisation_id == organisation_id))
    )
    started = [p for p in pilots if period.start <= p.start_date <= period.end]
    completed = [p for p in pilots if p.completed_at is not None and start <= p.completed_at < end]
    outcomes: dict[str, int] = {}
    for pilot in completed:
        if pilot.outcome:
            outcomes[pilot.outcome] = outcomes.get(pilot.outcome, 0) + 1
    return Funnel(
        name=name,
        areas_assessed=assessed,
        opportunities=opportunities,
        pitches=pitches,
        shortlisted=shortlisted,
        meetings_held=meetings_held,
        follow_ups=follow_ups,
        pilots_started=len(started),
        pilots_active=sum(
            1 for p in pilots if p.status in ("active", "paused") and p.start_date <= period.end
        ),
        pilots_completed=len(completed),
        outcomes=outcomes,
    )


def organisation_ids(*, session: Session) -> list[int]:
    """Every organisation, by name."""
    return list(session.scalars(select(OrganisationRow.id).order_by(OrganisationRow.name)))
