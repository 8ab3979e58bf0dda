"""Matchdays as values, and the bridge to the planner in bot.planning."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.planning.problem import Priority, Problem, Request, Slot, day_slots


@dataclass(frozen=True)
class Matchday:
    """A day of 1:1 meetings."""

    id: int
    title: str
    day: date
    starts: time
    ends: time
    meeting_minutes: int
    breaks: tuple[tuple[time, time], ...]
    tables: int
    place: str
    links: tuple[str, ...]
    timezone: str
    availability_deadline: date
    status: str

    def slots(self) -> list[Slot]:
        """The day's meeting slots."""
        return day_slots(self.starts, self.ends, self.meeting_minutes, list(self.breaks))

    def moment(self, wall: time) -> datetime:
        """A wall time of the day as an aware datetime where the matchday is."""
        return datetime.combine(self.day, wall, tzinfo=ZoneInfo(self.timezone))

    def where(self, table: int) -> str:
        """The table's place: its video link when online, otherwise the place and table."""
        if self.links:
            return self.links[(table - 1) % len(self.links)]
        return f"{self.place}, table {table}" if self.place else f"table {table}"


@dataclass(frozen=True)
class Party:
    """An organisation or a startup at a matchday."""

    kind: str  # "organisation" or "startup"
    ref_id: int
    unavailable: frozenset[int] = frozenset()
    answered: bool = False

    @property
    def key(self) -> str:
        """The party's id in the scheduling problem."""
        return party_key(self.kind, self.ref_id)


@dataclass(frozen=True)
class MeetingRequest:
    """A requested meeting with its priority."""

    id: int
    organisation_id: int
    startup_id: int
    priority: Priority
    pitch_id: int | None = None


@dataclass(frozen=True)
class Planned:
    """A matchday meeting as stored: its request, slot, table and each side's answer."""

    meeting_id: int
    request_id: int
    slot: int
    table: int
    organisation_accepts: bool | None = None
    startup_accepts: bool | None = None
    cancelled: bool = False

    @property
    def confirmed(self) -> bool:
        """Both sides accepted."""
        return bool(self.organisation_accepts and self.startup_accepts)


def party_key(kind: str, ref_id: int) -> str:
    """ "organisation:3" or "startup:7"."""
    return f"{kind}:{ref_id}"


@dataclass(frozen=True)
class Setup:
    """Everything the scheduler needs to know about one matchday."""

    matchday: Matchday
    parties: list[Party] = field(default_factory=list)
    requests: list[MeetingRequest] = field(default_factory=list)

    def problem(self) -> Problem:
        """The scheduling problem: slots, tables, availability and requests."""
        slots = len(self.matchday.slots())
        availability = {
            party.key: frozenset(range(slots)) - party.unavailable for party in self.parties
        }
        return Problem(
            slots=slots,
            tables=self.matchday.tables,
            availability=availability,
            requests=[
                Request(
                    str(request.id),
                    party_key("organisation", request.organisation_id),
                    party_key("startup", request.startup_id),
                    request.priority,
                )
                for request in self.requests
            ],
        )
