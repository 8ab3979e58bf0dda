"""The bottom layer of the matchday planner: the problem, the plan, and the rules a plan keeps.

A *matchday* is a day of slots (:func:`day_slots`) with ``tables`` meetings possible per slot.
Every party (a public organisation or a startup; both are just ids here) has a set of slots it
can make. A :class:`Request` asks for one meeting between an organisation and a startup with a
:class:`Priority`. A :class:`Plan` gives each request at most one (slot, table) so that

* nobody is double-booked (a party is in at most one meeting per slot),
* both parties are available in the meeting's slot,
* at most ``tables`` meetings run in the same slot (tables are interchangeable: slots are
  chosen first, concrete table numbers ``1..tables`` are handed out afterwards),

maximising the priority-weighted number of meetings.

Weights: must = 100, should = 10, could = 1. Placing one meeting in a plan displaces at most
three others (the organisation's meeting in that slot, the startup's, and one more if the slot
is full), so with a factor 10 between priorities a meeting is never given up for meetings of
lower priority only: one must outweighs any three shoulds, one should any three coulds.

Availability default: a party missing from ``Problem.availability`` is available in every
slot. That is what "a participant who never answers" gets: the form's default is "all day".

This module imports nothing of the planner above it: :mod:`bot.planning.indexed` numbers a
problem for the solvers, :mod:`bot.planning.greedy` and :mod:`bot.planning.exact` solve it and
:mod:`bot.planning.planner` is the entry point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import Enum
from itertools import pairwise
from typing import Final

__all__ = [
    "PRIORITY_WEIGHTS",
    "REASON_NEVER_BOTH_AVAILABLE",
    "REASON_NOT_SCHEDULED",
    "REASON_NO_ROOM",
    "REASON_PARTY_FULL",
    "REASON_REMOVED",
    "Meeting",
    "PartyId",
    "Plan",
    "PlanInputError",
    "Priority",
    "Problem",
    "Request",
    "RequestId",
    "Slot",
    "check_plan",
    "day_slots",
    "idle_gaps",
    "startups_without_meeting",
    "validate",
]

PartyId = str
RequestId = str


class PlanInputError(ValueError):
    """The matchday's settings or the problem cannot be planned; the message says why."""


class Priority(Enum):
    """How much a requested meeting matters."""

    MUST = "must"
    SHOULD = "should"
    COULD = "could"

    @property
    def weight(self) -> int:
        """The priority's weight in the objective."""
        return PRIORITY_WEIGHTS[self]


PRIORITY_WEIGHTS: Final[Mapping[Priority, int]] = {
    Priority.MUST: 100,
    Priority.SHOULD: 10,
    Priority.COULD: 1,
}

REASON_NEVER_BOTH_AVAILABLE: Final = "the two parties are never available at the same time"
REASON_PARTY_FULL: Final = "a party already meets someone in every slot they are available"
REASON_NO_ROOM: Final = "no table/slot left that both can make"
REASON_REMOVED: Final = "removed or declined"
REASON_NOT_SCHEDULED: Final = "not scheduled: the solver stopped before placing it"


@dataclass(frozen=True, slots=True)
class Slot:
    """One meeting slot of the day."""

    index: int
    start: time
    end: time


def _minutes(t: time) -> int:
    """Minutes since midnight of a whole-minute time."""
    if t.second or t.microsecond:
        raise PlanInputError(f"times must be whole minutes, not {t.isoformat()}")
    return t.hour * 60 + t.minute


def _hhmm(minutes: int) -> str:
    """Minutes since midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_slots(
    start: time, end: time, meeting_minutes: int, breaks: list[tuple[time, time]]
) -> list[Slot]:
    """The day's slots from start to end in meetings of ``meeting_minutes``, skipping breaks."""
    if meeting_minutes <= 0:
        raise PlanInputError(
            f"the meeting length must be a positive number of minutes, not {meeting_minutes}"
        )
    day_start, day_end = _minutes(start), _minutes(end)
    if day_end < day_start:
        raise PlanInputError(
            f"the matchday ends ({_hhmm(day_end)}) before it starts ({_hhmm(day_start)})"
        )
    if day_end == day_start:
        raise PlanInputError(
            f"the matchday ends when it starts ({_hhmm(day_start)}): there is no time to meet"
        )
    spans: list[tuple[int, int]] = []
    for b_start, b_end in breaks:
        lo, hi = _minutes(b_start), _minutes(b_end)
        label = f"the break {_hhmm(lo)}–{_hhmm(hi)}"
        if hi <= lo:
            raise PlanInputError(f"{label} must end after it starts")
        if lo < day_start or hi > day_end:
            raise PlanInputError(
                f"{label} is outside the day ({_hhmm(day_start)}–{_hhmm(day_end)})"
            )
        spans.append((lo, hi))
    spans.sort()
    for (lo1, hi1), (lo2, hi2) in pairwise(spans):
        if lo2 < hi1:
            raise PlanInputError(
                f"the breaks {_hhmm(lo1)}–{_hhmm(hi1)} and {_hhmm(lo2)}–{_hhmm(hi2)} overlap"
            )
    slots: list[Slot] = []
    cursor = day_start
    for lo, hi in [*spans, (day_end, day_end)]:
        length = lo - cursor
        if length % meeting_minutes:
            raise PlanInputError(
                f"the meeting length ({meeting_minutes} minutes) does not divide the time from "
                f"{_hhmm(cursor)} to {_hhmm(lo)} ({length} minutes, "
                f"{length % meeting_minutes} minutes left over)"
            )
        for m in range(cursor, lo, meeting_minutes):
            slots.append(
                Slot(
                    len(slots),
                    time(m // 60, m % 60),
                    time((m + meeting_minutes) // 60, (m + meeting_minutes) % 60),
                )
            )
        cursor = max(cursor, hi)
    if not slots:
        raise PlanInputError("the breaks leave no time for a meeting")
    return slots


@dataclass(frozen=True, slots=True)
class Request:
    """A requested meeting between an organisation and a startup."""

    id: RequestId
    organisation: PartyId
    startup: PartyId
    priority: Priority

    @property
    def weight(self) -> int:
        """The request's weight in the objective."""
        return PRIORITY_WEIGHTS[self.priority]


@dataclass(frozen=True)
class Problem:
    """A matchday to plan; a party missing from ``availability`` is available in every slot."""

    slots: int
    tables: int
    availability: dict[PartyId, frozenset[int]]
    requests: list[Request]

    def available(self, party: PartyId) -> frozenset[int]:
        """The slots ``party`` can make (every slot when the party never answered)."""
        found = self.availability.get(party)
        return frozenset(range(self.slots)) if found is None else found

    def common_slots(self, request: Request) -> list[int]:
        """The slots both parties of ``request`` can make, in order."""
        both = self.available(request.organisation) & self.available(request.startup)
        return sorted(s for s in both if 0 <= s < self.slots)


@dataclass(frozen=True, slots=True)
class Meeting:
    """A scheduled meeting: a request in a slot at a table (tables count from 1)."""

    request_id: RequestId
    slot: int
    table: int


@dataclass(frozen=True)
class Plan:
    """A schedule and how good it is.

    ``objective`` is the weighted value of ``meetings``; ``bound`` an upper bound on the best
    possible value; ``gap`` is ``(bound - objective) / bound`` (0 when proven optimal);
    ``moved`` (re-plans only) the requests whose slot changed and ``dropped`` those that
    had a meeting before and have none now without being removed.
    """

    meetings: tuple[Meeting, ...]
    unplaced: dict[RequestId, str]
    objective: int
    bound: float
    proven_optimal: bool
    gap: float
    solver: str
    seconds: float
    moved: frozenset[RequestId] = frozenset()
    dropped: frozenset[RequestId] = frozenset()
    note: str = ""

    def slot_of(self) -> dict[RequestId, int]:
        """Each scheduled request's slot."""
        return {m.request_id: m.slot for m in self.meetings}

    def table_of(self) -> dict[RequestId, int]:
        """Each scheduled request's table."""
        return {m.request_id: m.table for m in self.meetings}


def validate(problem: Problem) -> None:
    """Raise :class:`PlanInputError` naming everything that makes ``problem`` unplannable."""
    issues: list[str] = []
    if problem.slots <= 0:
        issues.append(f"the matchday has no slots ({problem.slots}); it needs at least one")
    if problem.tables <= 0:
        issues.append(
            f"the matchday has {problem.tables} tables; at least one table is needed "
            "for any meeting to take place"
        )
    for party, slots in sorted(problem.availability.items()):
        outside = sorted(s for s in slots if not 0 <= s < problem.slots)
        if outside:
            issues.append(
                f"{party} is available in slots {outside} that the day does not have "
                f"(slots are numbered 0 to {problem.slots - 1})"
            )
    seen: set[RequestId] = set()
    for request in problem.requests:
        if request.id in seen:
            issues.append(f"request id {request.id!r} is used more than once")
        seen.add(request.id)
        if not request.organisation or not request.startup:
            issues.append(f"request {request.id!r} lacks an organisation or a startup")
        elif request.organisation == request.startup:
            issues.append(f"request {request.id!r} asks {request.organisation} to meet themselves")
    if issues:
        raise PlanInputError("; ".join(issues))


# --- checks and measures ---------------------------------------------------------------------


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every rule ``plan`` breaks for ``problem`` (an empty list when it is valid)."""
    errors: list[str] = []
    requests = {r.id: r for r in problem.requests}
    seen: set[RequestId] = set()
    busy: set[tuple[PartyId, int]] = set()
    tables_used: set[tuple[int, int]] = set()
    load: dict[int, int] = {}
    for m in plan.meetings:
        request = requests.get(m.request_id)
        if request is None:
            errors.append(f"{m.request_id}: no such request")
            continue
        if m.request_id in seen:
            errors.append(f"{m.request_id}: scheduled twice")
        seen.add(m.request_id)
        if not 0 <= m.slot < problem.slots:
            errors.append(f"{m.request_id}: slot {m.slot} does not exist")
        if not 1 <= m.table <= problem.tables:
            errors.append(f"{m.request_id}: table {m.table} does not exist")
        if (m.slot, m.table) in tables_used:
            errors.append(f"{m.request_id}: table {m.table} in slot {m.slot} is taken twice")
        tables_used.add((m.slot, m.table))
        load[m.slot] = load.get(m.slot, 0) + 1
        for party in (request.organisation, request.startup):
            if m.slot not in problem.available(party):
                errors.append(f"{m.request_id}: {party} is not available in slot {m.slot}")
            if (party, m.slot) in busy:
                errors.append(f"{m.request_id}: {party} is double-booked in slot {m.slot}")
            busy.add((party, m.slot))
    for slot, n in sorted(load.items()):
        if n > problem.tables:
            errors.append(f"slot {slot} has {n} meetings for {problem.tables} tables")
    for rid in requests:
        if rid in seen and rid in plan.unplaced:
            errors.append(f"{rid}: both scheduled and unplaced")
        if rid not in seen and rid not in plan.unplaced:
            errors.append(f"{rid}: neither scheduled nor reported unplaced")
    value = sum(requests[m.request_id].weight for m in plan.meetings if m.request_id in requests)
    if value != plan.objective:
        errors.append(f"objective {plan.objective} but the meetings are worth {value}")
    return errors


def idle_gaps(problem: Problem, plan: Plan) -> int:
    """Idle gaps summed over parties: for each party, its runs of consecutive meetings - 1."""
    requests = {r.id: r for r in problem.requests}
    slots_of: dict[PartyId, set[int]] = {}
    for m in plan.meetings:
        request = requests[m.request_id]
        slots_of.setdefault(request.organisation, set()).add(m.slot)
        slots_of.setdefault(request.startup, set()).add(m.slot)
    gaps = 0
    for slots in slots_of.values():
        runs = sum(1 for s in slots if s - 1 not in slots)
        gaps += runs - 1
    return gaps


def startups_without_meeting(problem: Problem, plan: Plan) -> set[PartyId]:
    """Startups with at least one request but no meeting in ``plan``."""
    placed = plan.slot_of()
    met = {r.startup for r in problem.requests if r.id in placed}
    return {r.startup for r in problem.requests} - met
