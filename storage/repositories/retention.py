"""Retention of pitch content: which pitches are due, and removing what they said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from bot.register import closed_long_enough
from storage.models import (
    MatchdayRequestRow,
    MeetingRow,
    OpportunityRow,
    PitchContentRemovalRow,
    PitchQuestionRow,
    PitchRow,
)
from storage.models.pilots import PilotRow


@dataclass(frozen=True)
class Expired:
    """A pitch whose content retention removes."""

    pitch_id: int
    organisation_id: int
    deadline: date


def _led_to_a_meeting() -> object:
    """A meeting (not cancelled) came of the pitch, directly or through a matchday request."""
    direct = exists().where(MeetingRow.pitch_id == PitchRow.id, MeetingRow.status != "cancelled")
    requested = exists().where(
        MatchdayRequestRow.pitch_id == PitchRow.id,
        MeetingRow.request_id == MatchdayRequestRow.id,
        MeetingRow.status != "cancelled",
    )
    return direct | requested


def expired(*, session: Session, today: date, months: int) -> list[Expired]:
    """Pitches with no meeting (nor pilot) whose opportunity closed more than ``months`` ago
    and whose content is still there."""
    removed = exists().where(PitchContentRemovalRow.pitch_id == PitchRow.id)
    piloted = exists().where(PilotRow.pitch_id == PitchRow.id)
    query = (
        select(PitchRow.id, OpportunityRow.organisation_id, OpportunityRow.deadline)
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .where(
            OpportunityRow.deadline < today,  # the exact month arithmetic follows in Python
            ~removed,
            ~piloted,
            ~_led_to_a_meeting(),  # type: ignore[operator]
        )
        .order_by(PitchRow.id)
    )
    return [
        Expired(pitch, organisation, deadline)
        for pitch, organisation, deadline in session.execute(query)
        if closed_long_enough(deadline, today, months)
    ]


def remove_content(*, session: Session, pitch_id: int, now: datetime, months: int) -> None:
    """Empty the pitch's texts and the answers given on it; keep the row, status,
    decisions and trade-secret marking, and record when."""
    session.execute(
        update(PitchRow)
        .where(PitchRow.id == pitch_id)
        .values(solution="", fit="", references="", pilot="", link="")
    )
    session.execute(
        update(PitchQuestionRow)
        .where(and_(PitchQuestionRow.pitch_id == pitch_id, PitchQuestionRow.answer.is_not(None)))
        .values(answer="")
    )
    session.add(PitchContentRemovalRow(pitch_id=pitch_id, removed_at=now, retention_months=months))


def removed_at(*, session: Session, pitch_id: int) -> datetime | None:
    """When retention removed the pitch's content (None: it is still there)."""
    return session.scalar(
        select(PitchContentRemovalRow.removed_at).where(PitchContentRemovalRow.pitch_id == pitch_id)
    )
