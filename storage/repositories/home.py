"""What App Home lists for one person: one query (plus a count) per section, a page at a time.

App Home is opened often, so every function here reads one page of one list with an indexed
query and counts the whole list with a second; nothing walks every organisation or startup.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.programme import Member, Role
from storage.models import (
    AssessmentRow,
    FocusAreaRow,
    FollowUpRow,
    MatchdayRequestRow,
    MatchdayRow,
    MeetingParticipantRow,
    MeetingRow,
    MemberRow,
    OpportunityRow,
    OrganisationRow,
    PitchRow,
    StartupRow,
)
from storage.models.pilots import CheckinRow, PilotPersonRow, PilotRow


@dataclass(frozen=True)
class Page:
    """One page of a list and how long the whole list is."""

    rows: list[Any]
    total: int


@dataclass(frozen=True)
class Figures:
    """The programme in one month (and what is open now)."""

    open_opportunities: int
    pitches: int
    meetings: int
    meetings_held: int
    follow_ups: int
    pilots: dict[str, int]


@dataclass(frozen=True)
class OpenOpportunity:
    id: int
    title: str
    organisation: str
    deadline: date
    pitch_id: int | None  # the caller's startup's pitch, when it pitched already


@dataclass(frozen=True)
class PitchLine:
    id: int
    opportunity: str
    organisation: str
    startup: str
    status: str
    submitted_at: datetime


@dataclass(frozen=True)
class AreaLine:
    id: int
    title: str
    organisation: str
    assessment_id: int | None
    state: str | None


@dataclass(frozen=True)
class MeetingLine:
    id: int
    organisation: str
    startup: str
    place: str
    starts_at: datetime | None


@dataclass(frozen=True)
class PilotLine:
    id: int
    title: str
    organisation: str
    startup: str
    status: str
    next_due: datetime | None
    open_checkin: int | None  # a posted check-in nobody has answered yet


@dataclass(frozen=True)
class NextMatchday:
    id: int
    title: str
    day: date
    status: str
    requests: int


def _count(session: Session, query: Any) -> int:
    return int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def figures(
    *, session: Session, start: datetime, end: datetime, now: datetime, today: date
) -> Figures:
    """Open opportunities now; pitches, meetings and follow-ups in [start, end) (meetings
    held: ended by now); pilots as they stand."""
    open_now = session.scalar(
        select(func.count(OpportunityRow.id)).where(
            OpportunityRow.status == "published", OpportunityRow.deadline >= today
        )
    )
    pitched = session.scalar(
        select(func.count(PitchRow.id)).where(
            PitchRow.submitted_at >= start, PitchRow.submitted_at < end
        )
    )
    in_month = and_(
        MeetingRow.status == "booked", MeetingRow.starts_at >= start, MeetingRow.starts_at < end
    )
    meetings = session.scalar(select(func.count(MeetingRow.id)).where(in_month))
    held = select(MeetingRow.id).where(in_month, MeetingRow.ends_at <= now).subquery()
    held_count = session.scalar(select(func.count()).select_from(held))
    both_yes = (
        select(FollowUpRow.meeting_id)
        .where(FollowUpRow.answer == "yes", FollowUpRow.meeting_id.in_(select(held.c.id)))
        .group_by(FollowUpRow.meeting_id)
        .having(func.count(FollowUpRow.id) >= 2)
        .subquery()
    )
    follow_ups = session.scalar(select(func.count()).select_from(both_yes))
    pilots = {
        str(status): int(count)
        for status, count in session.execute(
            select(PilotRow.status, func.count(PilotRow.id)).group_by(PilotRow.status)
        )
    }
    return Figures(
        int(open_now or 0),
        int(pitched or 0),
        int(meetings or 0),
        int(held_count or 0),
        int(follow_ups or 0),
        pilots,
    )


def next_matchday(*, session: Session, today: date) -> NextMatchday | None:
    """The soonest matchday from today on, with how many meetings were asked for."""
    row = session.scalar(
        select(MatchdayRow)
        .where(MatchdayRow.day >= today)
        .order_by(MatchdayRow.day, MatchdayRow.id)
        .limit(1)
    )
    if row is None:
        return None
    requests = session.scalar(
        select(func.count(MatchdayRequestRow.id)).where(MatchdayRequestRow.matchday_id == row.id)
    )
    return NextMatchday(row.id, row.title, row.day, row.status, int(requests or 0))


def open_opportunities(
    *, session: Session, today: date, startup_ids: Collection[int], offset: int, limit: int
) -> Page:
    """Published opportunities still open, soonest deadline first, with the startup's pitch."""
    mine = (
        select(PitchRow.opportunity_id, func.min(PitchRow.id).label("pitch_id"))
        .where(PitchRow.startup_id.in_(list(startup_ids) or [-1]))
        .group_by(PitchRow.opportunity_id)
        .subquery()
    )
    query = (
        select(
            OpportunityRow.id,
            OpportunityRow.title,
            OrganisationRow.name,
            OpportunityRow.deadline,
            mine.c.pitch_id,
        )
        .join(OrganisationRow, OrganisationRow.id == OpportunityRow.organisation_id)
        .outerjoin(mine, mine.c.opportunity_id == OpportunityRow.id)
        .where(OpportunityRow.status == "published", OpportunityRow.deadline >= today)
        .order_by(OpportunityRow.deadline, OpportunityRow.id)
    )
    rows = [OpenOpportunity(*row) for row in session.execute(query.offset(offset).limit(limit))]
    return Page(rows, _count(session, query))


def _pitch_lines(session: Session, query: Any, offset: int, limit: int) -> Page:
    rows = [
        PitchLine(row[0], row[1], row[2], row[3], row[4], row[5])
        for row in session.execute(query.offset(offset).limit(limit))
    ]
    return Page(rows, _count(session, query))


def _pitch_query() -> Any:
    return (
        select(
            PitchRow.id,
            OpportunityRow.title,
            OrganisationRow.name,
            StartupRow.name,
            PitchRow.status,
            PitchRow.submitted_at,
        )
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .join(OrganisationRow, OrganisationRow.id == OpportunityRow.organisation_id)
        .join(StartupRow, StartupRow.id == PitchRow.startup_id)
    )


def startup_pitches(
    *, session: Session, startup_ids: Collection[int], offset: int, limit: int
) -> Page:
    """The startups' own pitches, newest first, with where each stands."""
    query = (
        _pitch_query()
        .where(PitchRow.startup_id.in_(list(startup_ids) or [-1]))
        .order_by(PitchRow.submitted_at.desc(), PitchRow.id.desc())
    )
    return _pitch_lines(session, query, offset, limit)


def pitches_to_review(
    *, session: Session, organisation_ids: Collection[int], offset: int, limit: int
) -> Page:
    """Pitches waiting for a decision by these organisations' groups, oldest first."""
    query = (
        _pitch_query()
        .where(
            OpportunityRow.organisation_id.in_(list(organisation_ids) or [-1]),
            PitchRow.status == "submitted",
        )
        .order_by(PitchRow.submitted_at, PitchRow.id)
    )
    return _pitch_lines(session, query, offset, limit)


def areas(*, session: Session, organisation_ids: Collection[int], offset: int, limit: int) -> Page:
    """The groups' active focus areas with their assessment (if started), by organisation."""
    query = (
        select(
            FocusAreaRow.id,
            FocusAreaRow.title,
            OrganisationRow.name,
            AssessmentRow.id,
            AssessmentRow.state,
        )
        .join(OrganisationRow, OrganisationRow.id == FocusAreaRow.organisation_id)
        .outerjoin(AssessmentRow, AssessmentRow.focus_area_id == FocusAreaRow.id)
        .where(
            FocusAreaRow.organisation_id.in_(list(organisation_ids) or [-1]),
            FocusAreaRow.status == "active",
        )
        .order_by(OrganisationRow.name, FocusAreaRow.id)
    )
    rows = [AreaLine(*row) for row in session.execute(query.offset(offset).limit(limit))]
    return Page(rows, _count(session, query))


def meetings(*, session: Session, user_id: str, now: datetime, offset: int, limit: int) -> Page:
    """The person's booked meetings still to come, soonest first."""
    query = (
        select(
            MeetingRow.id,
            OrganisationRow.name,
            StartupRow.name,
            MeetingRow.place,
            MeetingRow.starts_at,
        )
        .join(MeetingParticipantRow, MeetingParticipantRow.meeting_id == MeetingRow.id)
        .join(OrganisationRow, OrganisationRow.id == MeetingRow.organisation_id)
        .join(StartupRow, StartupRow.id == MeetingRow.startup_id)
        .where(
            MeetingParticipantRow.user_id == user_id,
            MeetingRow.status == "booked",
            MeetingRow.starts_at >= now,
        )
        .order_by(MeetingRow.starts_at, MeetingRow.id)
    )
    rows = [MeetingLine(*row) for row in session.execute(query.offset(offset).limit(limit))]
    return Page(rows, _count(session, query))


def pilots(
    *,
    session: Session,
    user_id: str,
    organisation_ids: Collection[int],
    startup_ids: Collection[int],
    offset: int,
    limit: int,
) -> Page:
    """Running pilots the person is in (or whose group or startup they belong to).

    Each with its next check-in and the posted check-in still waiting for an answer.
    """
    upcoming = (
        select(CheckinRow.pilot_id, func.min(CheckinRow.due_at).label("due"))
        .where(CheckinRow.posted_at.is_(None))
        .group_by(CheckinRow.pilot_id)
        .subquery()
    )
    waiting = (
        select(CheckinRow.pilot_id, func.max(CheckinRow.id).label("checkin"))
        .where(
            CheckinRow.posted_at.is_not(None),
            CheckinRow.message_ts.is_not(None),
            CheckinRow.status.is_(None),
        )
        .group_by(CheckinRow.pilot_id)
        .subquery()
    )
    person = aliased(PilotPersonRow)
    query = (
        select(
            PilotRow.id,
            PilotRow.title,
            OrganisationRow.name,
            StartupRow.name,
            PilotRow.status,
            upcoming.c.due,
            waiting.c.checkin,
        )
        .join(OrganisationRow, OrganisationRow.id == PilotRow.organisation_id)
        .join(StartupRow, StartupRow.id == PilotRow.startup_id)
        .outerjoin(upcoming, upcoming.c.pilot_id == PilotRow.id)
        .outerjoin(waiting, waiting.c.pilot_id == PilotRow.id)
        .where(
            PilotRow.status.in_(["active", "paused"]),
            or_(
                PilotRow.organisation_id.in_(list(organisation_ids) or [-1]),
                PilotRow.startup_id.in_(list(startup_ids) or [-1]),
                PilotRow.id.in_(select(person.pilot_id).where(person.user_id == user_id)),
            ),
        )
        .order_by(upcoming.c.due, PilotRow.id)
    )
    rows = [PilotLine(*row) for row in session.execute(query.offset(offset).limit(limit))]
    return Page(rows, _count(session, query))


def members_by_organisation(
    *, session: Session, organisation_ids: Collection[int] | None = None
) -> dict[int, list[Member]]:
    """Project-group members of these organisations (of all, when None), in one query."""
    query = select(MemberRow).order_by(MemberRow.id)
    if organisation_ids is not None:
        query = query.where(MemberRow.organisation_id.in_(list(organisation_ids) or [-1]))
    found: dict[int, list[Member]] = {}
    for row in session.scalars(query):
        found.setdefault(row.organisation_id, []).append(
            Member(row.organisation_id, row.user_id, Role(row.role))
        )
    return found


def waiting_reviews(
    *, session: Session, organisation_ids: Collection[int] | None = None
) -> dict[int, int]:
    """How many pitches wait for each organisation's decision, in one query."""
    query = (
        select(OpportunityRow.organisation_id, func.count(PitchRow.id))
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .where(PitchRow.status == "submitted")
        .group_by(OpportunityRow.organisation_id)
    )
    if organisation_ids is not None:
        query = query.where(OpportunityRow.organisation_id.in_(list(organisation_ids) or [-1]))
    return {int(org): int(count) for org, count in session.execute(query)}
