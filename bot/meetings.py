"""Ad hoc meetings: concrete slots on working days, in working hours, clear of bookings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.workdays import is_working_day, next_working_day

DEFAULT_LENGTH = 30
LENGTHS = (30, 45, 60)
PROPOSALS = 3
STEP = timedelta(minutes=15)  # slot starts fall on quarter hours


class MeetingStatus(StrEnum):
    """Where a meeting is."""

    PROPOSED = "proposed"
    BOOKED = "booked"
    CANCELLED = "cancelled"


class FollowUp(StrEnum):
    """The answer to "Follow up?" after a meeting."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


@dataclass(frozen=True)
class WorkingHours:
    """When meetings may be proposed, in the organisation's zone."""

    start: time = time(9)
    end: time = time(16)

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Read "09:00-16:00"; raise ValueError with a clear message otherwise."""
        try:
            first, second = (part.strip() for part in text.split("-", 1))
            hours = cls(time.fromisoformat(first), time.fromisoformat(second))
        except ValueError as error:
            raise ValueError("working hours look like 09:00-16:00") from error
        if hours.end <= hours.start:
            raise ValueError("working hours must end after they start")
        return hours


@dataclass(frozen=True)
class Busy:
    """A period when a participant already has a meeting."""

    start: datetime
    end: datetime


def _overlaps(start: datetime, end: datetime, busy: Iterable[Busy]) -> bool:
    return any(start < period.end and period.start < end for period in busy)


def propose_slots(
    *,
    after: datetime,
    zone: ZoneInfo,
    length_minutes: int,
    busy: list[Busy],
    hours: WorkingHours = WorkingHours(),
    count: int = PROPOSALS,
    one_per_day: bool = True,
    horizon_days: int = 60,
) -> list[datetime]:
    """The first ``count`` free starts after ``after``, on working days, within the hours.

    Proposals start on the next working day (nobody gets a same-day meeting), at most one
    a day so the other side has real choice, and never overlap anyone's booked meetings.
    Returned datetimes are aware, in ``zone``; DST is handled by building each wall time
    from its own date.
    """
    length = timedelta(minutes=length_minutes)
    local_after = after.astimezone(zone)
    day = next_working_day(local_after.date() + timedelta(days=1))
    found: list[datetime] = []
    last_day = local_after.date() + timedelta(days=horizon_days)
    while len(found) < count and day <= last_day:
        if is_working_day(day):
            for start in _starts(day, zone, hours, length):
                if start > after and not _overlaps(start, start + length, busy):
                    found.append(start)
                    if one_per_day:
                        break
                if len(found) >= count:
                    break
        day += timedelta(days=1)
    return found


def _starts(day: date, zone: ZoneInfo, hours: WorkingHours, length: timedelta) -> list[datetime]:
    opening = datetime.combine(day, hours.start)
    closing = datetime.combine(day, hours.end)
    starts = []
    wall = opening
    while wall + length <= closing:
        starts.append(wall.replace(tzinfo=zone))  # wall time of this very day: DST-safe
        wall += STEP
    return starts


@dataclass(frozen=True)
class Meeting:
    """A meeting as the workflows see it."""

    id: int
    organisation_id: int
    startup_id: int
    pitch_id: int | None
    status: MeetingStatus
    length_minutes: int
    place: str
    proposed: tuple[datetime, ...]
    starts_at: datetime | None
    ends_at: datetime | None
    sequence: int
    version: int
    organisation_people: tuple[str, ...]
    startup_people: tuple[str, ...]

    @property
    def everyone(self) -> tuple[str, ...]:
        """Every participant, the organisation's side first."""
        return self.organisation_people + self.startup_people

    def side_of(self, user_id: str) -> str | None:
        """ "organisation", "startup" or None for someone not in the meeting."""
        if user_id in self.organisation_people:
            return "organisation"
        if user_id in self.startup_people:
            return "startup"
        return None
