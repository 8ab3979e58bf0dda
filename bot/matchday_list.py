"""What /matchday matchdays lists: upcoming matchdays and the reader's own meetings at them.

Plain records, filled by storage and shown by bot/views/matchday_list.py, so that storage
needs nothing from the views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time


@dataclass(frozen=True)
class OwnMeeting:
    """One of the caller's meetings at a matchday."""

    starts_at: datetime | None
    ends_at: datetime | None
    counterpart: str
    table_no: int | None
    confirmed: bool


@dataclass(frozen=True)
class UpcomingMatchday:
    """A matchday as the list shows it."""

    id: int
    title: str
    day: date
    starts: time
    ends: time
    timezone: str
    place: str
    links: tuple[str, ...]
    status: str  # collecting, planned, published
    availability_deadline: date
    meetings: tuple[OwnMeeting, ...] = field(default=())
