"""What needs someone's attention: for App Home and the admins' weekly digest."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    MeetingParticipantRow,
    MeetingRow,
    OpportunityRow,
    OrganisationRow,
    OutboxRow,
    OutboxStatus,
    ScheduledSendRow,
    StartupRow,
)
from storage.models.pilots import CheckinRow, PilotRow


@dataclass(frozen=True)
class Item:
    """One line of a list on App Home or in the digest."""

    text: str
    when: datetime | None = None
    channel: str | None = None


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    organisations = {row.id: row.name for row in session.scalars(select(OrganisationRow))}
    startups = {row.id: row.name for row in session.scalars(select(StartupRow))}
    return organisations, startups


def _pair(
    names: tuple[dict[int, str], dict[int, str]], organisation_id: int, startup_id: int
) -> str:
    return f"{names[0].get(organisation_id, '?')} × {names[1].get(startup_id, '?')}"


def _latest_checkins(session: Session) -> dict[int, CheckinRow]:
    latest = (
        select(CheckinRow.pilot_id, func.max(CheckinRow.seq).label("seq"))
        .where(CheckinRow.posted_at.is_not(None))
        .group_by(CheckinRow.pilot_id)
        .subquery()
    )
    rows = session.scalars(
        select(CheckinRow).join(
            latest, (latest.c.pilot_id == CheckinRow.pilot_id) & (latest.c.seq == CheckinRow.seq)
        )
    )
    return {row.pilot_id: row for row in rows}


def pilots_needing_help(session: Session) -> tuple[list[Item], list[Item]]:
    """(blocked pilots, pilots whose latest check-in was missed), active ones only."""
    names = _names(session)
    latest = _latest_checkins(session)
    blocked: list[Item] = []
    missed: list[Item] = []
    for pilot in session.scalars(select(PilotRow).where(PilotRow.status == "active")):
        checkin = latest.get(pilot.id)
        if checkin is None:
            continue
        label = f"{pilot.title} ({_pair(names, pilot.organisation_id, pilot.startup_id)})"
        if checkin.status == "blocked":
            blocked.append(Item(label, checkin.answered_at, pilot.channel_id))
        elif checkin.missed:
            missed.append(Item(label, checkin.due_at, pilot.channel_id))
    return blocked, missed


def closing_opportunities(session: Session, today: date, until: date) -> list[Item]:
    """Published opportunities whose deadline falls between two dates."""
    organisations, _startups = _names(session)
    rows = session.scalars(
        select(OpportunityRow)
        .where(
            OpportunityRow.status == "published",
            OpportunityRow.deadline >= today,
            OpportunityRow.deadline <= until,
        )
        .order_by(OpportunityRow.deadline)
    )
    return [
        Item(
            f"{row.title} ({organisations.get(row.organisation_id, '?')}, "
            f"{row.deadline.isoformat()})"
        )
        for row in rows
    ]


def unanswered_proposals(session: Session, before: datetime) -> list[Item]:
    """Meeting proposals nobody has picked a time for since before a moment."""
    names = _names(session)
    rows = session.scalars(
        select(MeetingRow).where(MeetingRow.status == "proposed", MeetingRow.created_at <= before)
    )
    return [Item(_pair(names, row.organisation_id, row.startup_id), row.created_at) for row in rows]


def upcoming_meetings(session: Session, user_id: str, now: datetime, limit: int = 10) -> list[Item]:
    """A person's booked meetings still to come, soonest first."""
    names = _names(session)
    rows = session.scalars(
        select(MeetingRow)
        .join(MeetingParticipantRow, MeetingParticipantRow.meeting_id == MeetingRow.id)
        .where(
            MeetingParticipantRow.user_id == user_id,
            MeetingRow.status == "booked",
            MeetingRow.starts_at >= now,
        )
        .order_by(MeetingRow.starts_at)
        .limit(limit)
    )
    return [
        Item(
            f"{_pair(names, row.organisation_id, row.startup_id)} — {row.place}",
            row.starts_at,
        )
        for row in rows
    ]


def pilots_of(
    session: Session, organisations_ids: Collection[int], startup_ids: Collection[int]
) -> list[Item]:
    """Active or paused pilots of these organisations or startups, with the next check-in."""
    names = _names(session)
    rows = session.scalars(
        select(PilotRow).where(
            PilotRow.status.in_(["active", "paused"]),
            or_(
                PilotRow.organisation_id.in_(list(organisations_ids)),
                PilotRow.startup_id.in_(list(startup_ids)),
            ),
        )
    )
    items = []
    for pilot in rows:
        upcoming = session.scalar(
            select(func.min(CheckinRow.due_at)).where(
                CheckinRow.pilot_id == pilot.id, CheckinRow.posted_at.is_(None)
            )
        )
        pair = _pair(names, pilot.organisation_id, pilot.startup_id)
        label = f"{pilot.title} ({pair}, {pilot.status})"
        items.append(Item(label, upcoming, pilot.channel_id))
    return items


def claim_send(session: Session, key: str, now: datetime) -> bool:
    """Claim a periodic send once, ever (for example the digest of one week)."""
    try:
        with session.begin_nested():
            session.add(ScheduledSendRow(key=key, claimed_at=now))
    except IntegrityError:
        return False
    return True


def undelivered_count(session: Session) -> int:
    """How many messages could not be delivered (as outbox.problems lists them)."""
    return int(
        session.scalar(
            select(func.count(OutboxRow.id)).where(
                OutboxRow.status.in_([OutboxStatus.FAILED.value, OutboxStatus.QUARANTINED.value]),
                OutboxRow.kind != "delivery_problem",
            )
        )
        or 0
    )
