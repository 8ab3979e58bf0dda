"""Upcoming matchdays and a person's own meetings at them (read-only, for /matchday matchdays)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.matchday_list import OwnMeeting, UpcomingMatchday
from storage.models import (
    MatchdayRow,
    MeetingParticipantRow,
    MeetingRow,
    OrganisationRow,
    StartupRow,
)


def upcoming(
    *, session: Session, user_id: str, today: date, limit: int | None = None
) -> list[UpcomingMatchday]:
    """Matchdays from today on, soonest first, each with this person's meetings at it."""
    rows = list(
        session.scalars(
            select(MatchdayRow)
            .where(MatchdayRow.day >= today)
            .order_by(MatchdayRow.day, MatchdayRow.starts, MatchdayRow.id)
            .limit(limit)
        )
    )
    meetings = _own_meetings(session, [row.id for row in rows], user_id)
    return [
        UpcomingMatchday(
            id=row.id,
            title=row.title,
            day=row.day,
            starts=row.starts,
            ends=row.ends,
            timezone=row.timezone,
            place=row.place,
            links=tuple(str(link) for link in row.links or ()),
            status=row.status,
            availability_deadline=row.availability_deadline,
            meetings=tuple(meetings.get(row.id, ())),
        )
        for row in rows
    ]


def _own_meetings(
    session: Session, matchday_ids: list[int], user_id: str
) -> dict[int, list[OwnMeeting]]:
    if not matchday_ids:
        return {}
    found = session.execute(
        select(MeetingRow, MeetingParticipantRow.side, OrganisationRow.name, StartupRow.name)
        .join(MeetingParticipantRow, MeetingParticipantRow.meeting_id == MeetingRow.id)
        .join(OrganisationRow, OrganisationRow.id == MeetingRow.organisation_id)
        .join(StartupRow, StartupRow.id == MeetingRow.startup_id)
        .where(
            MeetingRow.matchday_id.in_(matchday_ids),
            MeetingParticipantRow.user_id == user_id,
            MeetingRow.status != "cancelled",
        )
        .order_by(MeetingRow.starts_at, MeetingRow.id)
    )
    meetings: dict[int, list[OwnMeeting]] = defaultdict(list)
    for meeting, side, organisation_name, startup_name in found:
        assert meeting.matchday_id is not None
        meetings[meeting.matchday_id].append(
            OwnMeeting(
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                counterpart=startup_name if side == "organisation" else organisation_name,
                table_no=meeting.table_no,
                confirmed=meeting.status == "booked",
            )
        )
    return meetings
