"""Pilots and their check-ins: cadences, due times, states and the rules around them.

A pilot runs from its start date to its end date. Check-ins follow a cadence (weekly, every
two weeks or monthly) on a weekday at a wall-clock time in the pilot's IANA time zone. A
check-in whose date is not a Swedish working day moves to the next working day at the same
wall time (:mod:`bot.workdays`), so 10:00 stays 10:00 across daylight-saving changes.

Monthly check-ins keep the weekday's place in the month of the first one: a first check-in on
the second Tuesday makes every check-in fall on a second Tuesday; a fifth weekday becomes the
last one of each month.

A pilot's life is a small state machine (:func:`transition`):

```mermaid
stateDiagram-v2
    [*] --> active: start
    active --> paused: pause
    paused --> active: resume
    active --> completed: complete
    paused --> completed: complete
    completed --> [*]
```
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import _
from bot.programme import Caller
from bot.workdays import add_working_hours, is_nonexistent, local_datetime, next_working_day

# A check-in posted this long after its due time says that it is late.
LATE_AFTER = timedelta(minutes=15)
# Unanswered for this many working hours: the pilot's people get one reminder.
REMINDER_WORKING_HOURS = 24
# This many missed check-ins in a row escalate to the admins (once per streak).
MISSED_IN_A_ROW = 2
# Longest pilot accepted; keeps schedules finite and checkable.
MAX_PILOT_DAYS = 3 * 366
CHECKIN_EVENT = "matchday_checkin"  # Slack message metadata event_type of a check-in


class Cadence(StrEnum):
    """How often a pilot checks in."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class PilotStatus(StrEnum):
    """Where a pilot is in its life."""

    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class Action(StrEnum):
    """What people do to a pilot."""

    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"
    RESCHEDULE = "reschedule"


class Side(StrEnum):
    """Which side of the pilot a person is on."""

    ORGANISATION = "organisation"
    STARTUP = "startup"


class CheckinStatus(StrEnum):
    """The answer to "how is the pilot going?"."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BLOCKED = "blocked"


class Outcome(StrEnum):
    """What came of a pilot."""

    PROCURE = "procure"
    EXTEND = "extend"
    STOP = "stop"
    OTHER = "other"


class Consent(StrEnum):
    """One side's answer to sharing a case card."""

    NAMED = "named"
    ANONYMOUS = "anonymous"
    DECLINED = "declined"


class Escalation(StrEnum):
    """Why a check-in was escalated to the admins."""

    BLOCKED = "blocked"
    MISSED = "missed"


class TransitionError(Exception):
    """The action does not apply to the pilot in its current state."""


_TRANSITIONS: dict[tuple[PilotStatus, Action], PilotStatus] = {
    (PilotStatus.ACTIVE, Action.PAUSE): PilotStatus.PAUSED,
    (PilotStatus.PAUSED, Action.RESUME): PilotStatus.ACTIVE,
    (PilotStatus.ACTIVE, Action.COMPLETE): PilotStatus.COMPLETED,
    (PilotStatus.PAUSED, Action.COMPLETE): PilotStatus.COMPLETED,
    (PilotStatus.ACTIVE, Action.RESCHEDULE): PilotStatus.ACTIVE,
    (PilotStatus.PAUSED, Action.RESCHEDULE): PilotStatus.PAUSED,
}


def transition(status: PilotStatus, action: Action) -> PilotStatus:
    """The pilot's state after ``action``, or TransitionError with a sentence for people."""
    after = _TRANSITIONS.get((status, action))
    if after is not None:
        return after
    if status is PilotStatus.COMPLETED:
        raise TransitionError(_("This pilot is completed; nothing about it can change now."))
    if action is Action.PAUSE:
        raise TransitionError(_("The pilot is already paused."))
    raise TransitionError(_("The pilot is not paused."))


# --- Schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When a pilot checks in: cadence, weekday (0 is Monday) and wall time in a zone.

    Check-ins fall on or after ``anchor`` and no later than ``until`` (the end date).
    """

    cadence: Cadence
    weekday: int
    at: time
    timezone: str
    anchor: date
    until: date

    @property
    def zone(self) -> ZoneInfo:
        """The pilot's time zone."""
        return ZoneInfo(self.timezone)

    def first_day(self) -> date:
        """The date of the first check-in (before any move to a working day)."""
        return self.anchor + timedelta(days=(self.weekday - self.anchor.weekday()) % 7)

    def ordinal(self) -> int:
        """For monthly cadences: which of the month's weekdays (1-4, or 5 for the last)."""
        return (self.first_day().day - 1) // 7 + 1


@dataclass(frozen=True)
class Occurrence:
    """One check-in of a schedule: its cadence date, the working day and the due instant."""

    index: int
    nominal: date
    day: date
    due_at: datetime

    @property
    def moved(self) -> bool:
        """True when the cadence date was not a working day."""
        return self.day != self.nominal


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date:
    first_of_month = date(year, month, 1)
    first = first_of_month + timedelta(days=(weekday - first_of_month.weekday()) % 7)
    if ordinal <= 4:
        return first + timedelta(weeks=ordinal - 1)
    fifth = first + timedelta(weeks=4)
    return fifth if fifth.month == month else first + timedelta(weeks=3)


def nominal_date(schedule: Schedule, index: int) -> date:
    """The cadence date of the check-in number ``index`` (0 is the first)."""
    first = schedule.first_day()
    if schedule.cadence is Cadence.WEEKLY:
        return first + timedelta(weeks=index)
    if schedule.cadence is Cadence.BIWEEKLY:
        return first + timedelta(weeks=2 * index)
    months = first.year * 12 + first.month - 1 + index
    return _nth_weekday(months // 12, months % 12 + 1, schedule.weekday, schedule.ordinal())


def wall_time(day: date, at: time, zone: ZoneInfo, *, strict: bool) -> datetime:
    """``at`` on ``day`` in ``zone``; a skipped wall time raises, or (lenient) ends the gap."""
    if strict:
        return local_datetime(day, at, zone)
    if is_nonexistent(day, at, zone):
        return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)
    return datetime.combine(day, at, tzinfo=zone)


def occurrence(schedule: Schedule, index: int, *, strict: bool = False) -> Occurrence:
    """The check-in number ``index``, moved to a working day, at its local wall time.

    With ``strict`` a wall time the clocks skip that day raises NonexistentTimeError;
    otherwise the check-in is due at the first instant after the gap.
    """
    nominal = nominal_date(schedule, index)
    day = next_working_day(nominal)
    return Occurrence(
        index, nominal, day, wall_time(day, schedule.at, schedule.zone, strict=strict)
    )


def occurrences(schedule: Schedule, *, start: int = 0) -> Iterator[Occurrence]:
    """Every check-in of the schedule from index ``start``, up to its ``until`` date."""
    index = start
    while nominal_date(schedule, index) <= schedule.until:
        yield occurrence(schedule, index)
        index += 1


def _index_before(schedule: Schedule, day: date) -> int:
    """An index whose check-in is due before ``day`` (or 0): a safe place to start looking.

    Check-ins are at least seven days apart and a move to a working day is shorter than
    that, so the check-in one before the cadence date on or before ``day`` is due earlier.
    """
    first = schedule.first_day()
    if day <= first:
        return 0
    if schedule.cadence is Cadence.MONTHLY:
        estimate = (day.year - first.year) * 12 + day.month - first.month
    else:
        weeks = 1 if schedule.cadence is Cadence.WEEKLY else 2
        estimate = (day - first).days // (7 * weeks)
    return max(0, estimate - 1)


def next_occurrence(schedule: Schedule, after: datetime) -> Occurrence | None:
    """The first check-in due strictly after ``after``, or None when the pilot has ended."""
    start = _index_before(schedule, after.astimezone(schedule.zone).date())
    for found in occurrences(schedule, start=start):
        if found.due_at > after:
            return found
    return None


@dataclass(frozen=True)
class CatchUp:
    """What to post for a pending check-in: the latest one due, and how many were skipped."""

    nominal: date
    due_at: datetime
    skipped: int
    late: bool


def catch_up(schedule: Schedule, nominal: date, due_at: datetime, now: datetime) -> CatchUp:
    """After downtime, post only the latest check-in that is due, marked late.

    ``nominal``/``due_at`` are the pending check-in's; every later check-in of the schedule
    already due by ``now`` replaces it, and the ones passed over are counted as skipped.
    """
    latest_nominal, latest_due, skipped = nominal, due_at, 0
    for found in occurrences(schedule, start=_index_before(schedule, nominal)):
        if found.due_at > now:
            break
        if found.nominal > nominal:
            latest_nominal, latest_due = found.nominal, found.due_at
            skipped += 1
    return CatchUp(latest_nominal, latest_due, skipped, now - latest_due > LATE_AFTER)


def first_nonexistent(schedule: Schedule) -> date | None:
    """The first check-in day on which the wall time does not exist (spring forward), if any."""
    zone = schedule.zone
    for found in occurrences(schedule):
        if is_nonexistent(found.day, schedule.at, zone):
            return found.day
    return None


def reminder_due(posted_at: datetime, timezone: str) -> datetime:
    """When an unanswered check-in earns its reminder: 24 working hours after it was posted."""
    return add_working_hours(posted_at, REMINDER_WORKING_HOURS, tz=ZoneInfo(timezone))


def retry_delay(attempts: int, retry_after: float = 0) -> timedelta:
    """How long to wait before trying a check-in again after a transient failure.

    Doubles from one minute per attempt, at most an hour, and never shorter than Slack's
    Retry-After.
    """
    backoff = timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))
    return max(backoff, timedelta(seconds=retry_after))


def checkin_key(pilot_id: int, checkin_id: int) -> str:
    """The key a check-in message carries in its Slack metadata, to find it again."""
    return f"pilot-{pilot_id}-checkin-{checkin_id}"


# --- Pilots as values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone in a pilot, on one side."""

    user_id: str
    side: Side


@dataclass(frozen=True)
class Milestone:
    """A goal of the pilot with its target date."""

    title: str
    target: date


@dataclass(frozen=True)
class Pilot:
    """A pilot and its people."""

    id: int
    organisation_id: int
    startup_id: int
    title: str
    channel_id: str
    start: date
    end: date
    schedule: Schedule
    status: PilotStatus
    version: int
    people: tuple[Person, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    pitch_id: int | None = None
    delivery_error: str | None = None
    outcome: Outcome | None = None
    results: str = ""
    lessons: str = ""
    showcase_channel_id: str | None = None
    organisation_consent: Consent | None = None
    startup_consent: Consent | None = None
    completed_by: str | None = None
    completion_ts: str | None = None
    card_ts: str | None = None

    def side_of(self, user_id: str) -> Side | None:
        """The side this person is on, or None when they are not in the pilot."""
        for person in self.people:
            if person.user_id == user_id:
                return person.side
        return None

    def on(self, side: Side) -> list[str]:
        """The user ids on one side."""
        return [person.user_id for person in self.people if person.side is side]

    @property
    def user_ids(self) -> list[str]:
        """Everyone in the pilot, organisation first."""
        return self.on(Side.ORGANISATION) + self.on(Side.STARTUP)


@dataclass(frozen=True)
class Checkin:
    """One check-in of a pilot and its answer."""

    id: int
    pilot_id: int
    seq: int
    nominal: date
    due_at: datetime
    attempts: int = 0
    posted_at: datetime | None = None
    message_ts: str | None = None
    late: bool = False
    skipped: int = 0
    failed_error: str | None = None
    status: CheckinStatus | None = None
    progress: str = ""
    next_steps: str = ""
    blockers: str = ""
    answered_by: str | None = None
    answered_at: datetime | None = None
    missed: bool = False

    @property
    def answered(self) -> bool:
        """True once someone from the pilot answered."""
        return self.answered_at is not None


def missed_streak_escalates(recent: Sequence[Checkin]) -> bool:
    """True when the newest posted check-ins (newest first) end a streak of exactly two misses.

    Escalating at exactly two means one message per streak, however long it grows.
    """
    streak = 0
    for checkin in recent:
        if not checkin.missed:
            break
        streak += 1
    return streak == MISSED_IN_A_ROW


def case_card_consent(organisation: Consent | None, startup: Consent | None) -> tuple[bool, bool]:
    """Whether a case card may be shared (both sides agreed) and whether it is anonymised."""
    agreed = (
        organisation is not None
        and startup is not None
        and Consent.DECLINED not in (organisation, startup)
    )
    return agreed, Consent.ANONYMOUS in (organisation, startup)


# --- Who may do what -------------------------------------------------------------------------


def may_start(caller: Caller, organisation_id: int) -> bool:
    """Admins and the organisation's project group start its pilots."""
    return caller.is_admin or organisation_id in caller.memberships


def may_view(caller: Caller, pilot: Pilot) -> bool:
    """The pilot's people, its organisation's project group and admins see a pilot."""
    return (
        caller.is_admin
        or pilot.side_of(caller.user_id) is not None
        or pilot.organisation_id in caller.memberships
    )


def may_manage(caller: Caller, pilot: Pilot) -> bool:
    """The pilot's people and admins pause, resume, reschedule and complete it."""
    return caller.is_admin or pilot.side_of(caller.user_id) is not None


def may_answer(user_id: str, pilot: Pilot) -> bool:
    """Only the pilot's own people answer its check-ins."""
    return pilot.side_of(user_id) is not None
