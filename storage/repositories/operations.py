"""Figures for operators: what is due but not yet done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.pilots import PilotStatus
from storage.models.pilots import CheckinRow, PilotRow


def checkins_due_unsent(*, session: Session, now: datetime) -> int:
    """Check-ins of active pilots that are due and neither posted nor failed."""
    return int(
        session.scalar(
            select(func.count(CheckinRow.id))
            .join(PilotRow, PilotRow.id == CheckinRow.pilot_id)
            .where(
                PilotRow.status == PilotStatus.ACTIVE.value,
                CheckinRow.due_at <= now,
                CheckinRow.posted_at.is_(None),
                CheckinRow.failed_at.is_(None),
            )
        )
        or 0
    )
