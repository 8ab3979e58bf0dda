"""Pilots, their people and milestones, their state, and the case card's consent and claim.

Check-ins live in :mod:`storage.repositories.checkins`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.pilots import (
    Cadence,
    Consent,
    Milestone,
    Occurrence,
    Outcome,
    Person,
    Pilot,
    PilotStatus,
    Schedule,
    Side,
)
from storage.models import (
    MilestoneRow,
    OpportunityRow,
    PilotPersonRow,
    PilotRow,
    PitchRow,
    RepresentativeRow,
)
from storage.repositories import audit, checkins

# --- Values ----------------------------------------------------------------------------------


def schedule_of(row: PilotRow) -> Schedule:
    """A pilot row's check-in schedule."""
    return Schedule(
        Cadence(row.cadence),
        row.weekday,
        row.checkin_time,
        row.timezone,
        row.anchor_date,
        row.end_date,
    )


def _pilot(row: PilotRow, people: list[PilotPersonRow], milestones: list[MilestoneRow]) -> Pilot:
    return Pilot(
        id=row.id,
        organisation_id=row.organisation_id,
        startup_id=row.startup_id,
        title=row.title,
        channel_id=row.channel_id,
        start=row.start_date,
        end=row.end_date,
        schedule=schedule_of(row),
        status=PilotStatus(row.status),
        version=row.version,
        people=tuple(Person(person.user_id, Side(person.side)) for person in people),
        milestones=tuple(Milestone(item.title, item.target_date) for item in milestones),
        pitch_id=row.pitch_id,
        delivery_error=row.delivery_error,
        outcome=Outcome(row.outcome) if row.outcome else None,
        results=row.results,
        lessons=row.lessons,
        showcase_channel_id=row.showcase_channel_id,
        organisation_consent=Consent(row.organisation_consent)
        if row.organisation_consent
        else None,
        startup_consent=Consent(row.startup_consent) if row.startup_consent else None,
        completed_by=row.completed_by,
        completion_ts=row.completion_ts,
        card_ts=row.card_ts,
    )


def _load(session: Session, rows: list[PilotRow]) -> list[Pilot]:
    ids = [row.id for row in rows]
    people: dict[int, list[PilotPersonRow]] = {pilot_id: [] for pilot_id in ids}
    milestones: dict[int, list[MilestoneRow]] = {pilot_id: [] for pilot_id in ids}
    if ids:
        for person in session.scalars(
            select(PilotPersonRow)
            .where(PilotPersonRow.pilot_id.in_(ids))
            .order_by(PilotPersonRow.id)
        ):
            people[person.pilot_id].append(person)
        for item in session.scalars(
            select(MilestoneRow)
            .where(MilestoneRow.pilot_id.in_(ids))
            .order_by(MilestoneRow.position)
        ):
            milestones[item.pilot_id].append(item)
    return [_pilot(row, people[row.id], milestones[row.id]) for row in rows]


# --- Pilots ----------------------------------------------------------------------------------


def create(
    *,
    session: Session,
    actor: str,
    organisation_id: int,
    startup_id: int,
    title: str,
    channel_id: str,
    start: date,
    end: date,
    schedule: Schedule,
    people: list[Person],
    milestones: list[Milestone],
    first: Occurrence | None,
    pitch_id: int | None = None,
) -> Pilot:
    """Start a pilot with its people, milestones and its first check-in."""
    row = PilotRow(
        organisation_id=organisation_id,
        startup_id=startup_id,
        pitch_id=pitch_id,
        title=title,
        channel_id=channel_id,
        start_date=start,
        end_date=end,
        cadence=schedule.cadence.value,
        weekday=schedule.weekday,
        checkin_time=schedule.at,
        timezone=schedule.timezone,
        anchor_date=schedule.anchor,
        status=PilotStatus.ACTIVE.value,
        created_by=actor,
        results="",
        lessons="",
    )
    session.add(row)
    session.flush()
    for person in people:
        session.add(PilotPersonRow(pilot_id=row.id, user_id=person.user_id, side=person.side.value))
    for position, milestone in enumerate(milestones, start=1):
        session.add(
            MilestoneRow(
                pilot_id=row.id,
                position=position,
                title=milestone.title,
                target_date=milestone.target,
            )
        )
    if first is not None:
        checkins.add_checkin(session=session, pilot_id=row.id, seq=1, due=first)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="pilot.started",
        subject=f"pilot:{row.id}",
        detail=f"title={title}; channel={channel_id}; startup={startup_id}",
    )
    return by_id(session=session, pilot_id=row.id)  # type: ignore[return-value]


def by_id(*, session: Session, pilot_id: int, people: bool = True) -> Pilot | None:
    """The pilot with this id (without its people and milestones when ``people`` is False)."""
    row = session.get(PilotRow, pilot_id)
    if row is None:
        return None
    return _load(session, [row])[0] if people else _pilot(row, [], [])


def by_ids(*, session: Session, pilot_ids: Collection[int]) -> dict[int, Pilot]:
    """Several pilots by id in one query, without their people and milestones."""
    if not pilot_ids:
        return {}
    rows = session.scalars(select(PilotRow).where(PilotRow.id.in_(list(pilot_ids))))
    return {row.id: _pilot(row, [], []) for row in rows}


def in_channel(*, session: Session, channel_id: str) -> Pilot | None:
    """The pilot of a channel: the running one, else the one completed last."""
    rows = session.scalars(
        select(PilotRow)
        .where(PilotRow.channel_id == channel_id)
        .order_by((PilotRow.status == PilotStatus.COMPLETED.value), PilotRow.id.desc())
        .limit(1)
    ).all()
    found = _load(session, list(rows))
    return found[0] if found else None


def running_in_channel(*, session: Session, channel_id: str) -> Pilot | None:
    """The active or paused pilot of a channel, if any."""
    row = session.scalar(
        select(PilotRow).where(
            PilotRow.channel_id == channel_id,
            PilotRow.status != PilotStatus.COMPLETED.value,
        )
    )
    return _load(session, [row])[0] if row else None


def of_person(
    *, session: Session, user_id: str, organisation_ids: list[int], everything: bool = False
) -> list[Pilot]:
    """Pilots someone is in or whose organisation they belong to (all with ``everything``)."""
    query = select(PilotRow).order_by(PilotRow.id.desc()).limit(40)
    if not everything:
        mine = select(PilotPersonRow.pilot_id).where(PilotPersonRow.user_id == user_id)
        query = query.where(
            or_(PilotRow.id.in_(mine), PilotRow.organisation_id.in_(organisation_ids))
        )
    return _load(session, list(session.scalars(query)))


def move(
    *,
    session: Session,
    pilot: Pilot,
    to: PilotStatus,
    actor: str,
    action: str,
    values: dict[str, object] | None = None,
) -> bool:
    """Change a pilot if nobody changed it since it was read (version check)."""
    result = session.execute(
        update(PilotRow)
        .where(PilotRow.id == pilot.id, PilotRow.version == pilot.version)
        .values(status=to.value, version=pilot.version + 1, **(values or {}))
    )
    moved = bool(result.rowcount)  # type: ignore[attr-defined]
    if moved:
        audit.record(session=session, actor=actor, action=action, subject=f"pilot:{pilot.id}")
    return moved


def schedule_values(schedule: Schedule) -> dict[str, object]:
    """The pilot columns holding a schedule, for :func:`move`."""
    return {
        "cadence": schedule.cadence.value,
        "weekday": schedule.weekday,
        "checkin_time": schedule.at,
        "timezone": schedule.timezone,
        "anchor_date": schedule.anchor,
    }


def record_consent(*, session: Session, pilot_id: int, side: Side, consent: Consent) -> bool:
    """Record one side's answer about the case card; False once the card is out.

    A changed answer counts the pilot's version up (the completion message is refreshed once
    per version); the same answer again changes nothing and returns False.
    """
    column = (
        PilotRow.organisation_consent if side is Side.ORGANISATION else PilotRow.startup_consent
    )
    result = session.execute(
        update(PilotRow)
        .where(
            PilotRow.id == pilot_id,
            PilotRow.card_claimed_at.is_(None),
            or_(column.is_(None), column != consent.value),
        )
        .values({column.key: consent.value, "version": PilotRow.version + 1})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def open_in_channel_by(
    *, session: Session, channel_id: str, actor: str, title: str, start: date, end: date
) -> Pilot | None:
    """The running pilot of a channel if this person started it with this title and dates.

    A start form submitted twice finds the pilot its first submission made.
    """
    found = running_in_channel(session=session, channel_id=channel_id)
    if found is None or (found.title, found.start, found.end) != (title, start, end):
        return None
    row = session.get(PilotRow, found.id)
    return found if row is not None and row.created_by == actor else None


def claim_card(*, session: Session, pilot_id: int, now: datetime) -> bool:
    """Claim the case card of a pilot; exactly one process wins."""
    result = session.execute(
        update(PilotRow)
        .where(PilotRow.id == pilot_id, PilotRow.card_claimed_at.is_(None))
        .values(card_claimed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_completion_message(*, session: Session, pilot_id: int, ts: str) -> None:
    """Remember the completion message (it carries the case-card buttons)."""
    session.execute(update(PilotRow).where(PilotRow.id == pilot_id).values(completion_ts=ts))


def release_card(*, session: Session, pilot_id: int) -> None:
    """Slack refused the case card: let the next agreement try again."""
    session.execute(
        update(PilotRow)
        .where(PilotRow.id == pilot_id, PilotRow.card_ts.is_(None))
        .values(card_claimed_at=None)
    )


def set_card(*, session: Session, pilot_id: int, ts: str) -> None:
    """Remember the case card posted to the showcase channel."""
    session.execute(update(PilotRow).where(PilotRow.id == pilot_id).values(card_ts=ts))


def startup_representatives(*, session: Session, startup_id: int) -> list[str]:
    """The user ids registered for a startup."""
    return list(
        session.scalars(
            select(RepresentativeRow.user_id)
            .where(RepresentativeRow.startup_id == startup_id)
            .order_by(RepresentativeRow.id)
        )
    )


@dataclass(frozen=True)
class PitchPrefill:
    """What a shortlisted pitch says about the pilot it may become."""

    pitch_id: int
    organisation_id: int
    startup_id: int
    opportunity_title: str
    status: str


def pitch_prefill(*, session: Session, pitch_id: int) -> PitchPrefill | None:
    """The organisation, startup and opportunity of a pitch, to start a pilot from it."""
    found = session.execute(
        select(
            PitchRow.id,
            OpportunityRow.organisation_id,
            PitchRow.startup_id,
            OpportunityRow.title,
            PitchRow.status,
        )
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .where(PitchRow.id == pitch_id)
    ).first()
    return PitchPrefill(*found) if found else None
