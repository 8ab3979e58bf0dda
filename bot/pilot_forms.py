"""Validation of the pilot forms: typed input in, a typed form or field errors out.

Errors are keyed by the modal's block id, ready for ``response_action: errors``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.form_text import TIMEZONE_MAX, typed
from bot.forms import FieldErrors
from bot.i18n import _
from bot.pilots import (
    MAX_PILOT_DAYS,
    Cadence,
    CheckinStatus,
    Milestone,
    Outcome,
    Person,
    Schedule,
    Side,
    first_nonexistent,
    nominal_date,
)

MILESTONE_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[:\-–—]?\s*(.*?)\s*$")
MAX_MILESTONES = 10
MILESTONE_MAX = 200
TITLE_MAX = 150
TEXT_MAX = 2900
ANSWER_MAX = 2000


@dataclass(frozen=True)
class NewPilotForm:
    """A valid new pilot."""

    title: str
    milestones: tuple[Milestone, ...]
    start: date
    end: date
    channel_id: str
    people: tuple[Person, ...]
    startup_id: int
    schedule: Schedule


@dataclass(frozen=True)
class AnswerForm:
    """A valid answer to a check-in."""

    status: CheckinStatus
    progress: str
    next_steps: str
    blockers: str


@dataclass(frozen=True)
class CompletionForm:
    """A valid completion of a pilot."""

    outcome: Outcome
    results: str
    lessons: str
    showcase_channel_id: str | None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _text(
    errors: FieldErrors, block_id: str, value: str | None, limit: int, *, multiline: bool = True
) -> str:
    clean = (value or "").strip()
    if not clean:
        errors[block_id] = _("Please fill this in.")
    return typed(errors, block_id, clean, limit, multiline=multiline)


def parse_milestones(
    text: str | None, start: date | None, end: date | None
) -> tuple[list[Milestone], str]:
    """Milestones from "2027-03-31 Goal" lines, or the sentence saying what is wrong."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return [], _("Please give at least one goal or milestone with its target date.")
    if len(lines) > MAX_MILESTONES:
        return [], _("Please give at most {count} milestones.").format(count=MAX_MILESTONES)
    found = []
    for number, line in enumerate(lines, start=1):
        match = MILESTONE_LINE.match(line)
        target = _date(match.group(1)) if match else None
        if match is None or target is None or not match.group(2):
            return [], _(
                "Line {number} should start with a target date and say the goal, "
                "for example: 2027-03-31 Ten care workers use the app every day"
            ).format(number=number)
        if start is not None and end is not None and not start <= target <= end:
            return [], _(
                "The milestone on line {number} is dated outside the pilot ({start} – {end})."
            ).format(number=number, start=start.isoformat(), end=end.isoformat())
        if len(match.group(2)) > MILESTONE_MAX:
            return [], _("Please keep line {number} under {limit} characters.").format(
                number=number, limit=MILESTONE_MAX
            )
        found.append(Milestone(match.group(2), target))
    return found, ""


def validate_schedule(
    *,
    cadence: str | None,
    weekday: str | None,
    at: str | None,
    timezone: str | None,
    anchor: date,
    until: date,
) -> tuple[Schedule | None, FieldErrors]:
    """Check cadence, weekday, time and zone, and that every check-in's local time exists."""
    errors: FieldErrors = {}
    if cadence not in {item.value for item in Cadence}:
        errors["cadence"] = _("Please choose how often the pilot checks in.")
    if weekday not in {str(day) for day in range(7)}:
        errors["weekday"] = _("Please choose a weekday.")
    wall: time | None = None
    try:
        wall = time.fromisoformat(at or "")
    except ValueError:
        errors["time"] = _("Please choose a time of day.")
    zone_name = typed(errors, "timezone", timezone, TIMEZONE_MAX)
    try:
        if "timezone" not in errors:
            ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file can have
        errors["timezone"] = _("Please give an IANA time zone name, such as Europe/Stockholm.")
    if errors:
        return None, errors
    assert cadence is not None and weekday is not None and wall is not None
    wall = wall.replace(second=0, microsecond=0)
    schedule = Schedule(Cadence(cadence), int(weekday), wall, zone_name, anchor, until)
    skipped_day = first_nonexistent(schedule)
    if skipped_day is not None:
        errors["time"] = _(
            "{time} does not exist on {day} in {zone}: the clocks skip it when summer time "
            "starts. Please choose another time."
        ).format(time=wall.strftime("%H:%M"), day=skipped_day.isoformat(), zone=zone_name)
        return None, errors
    if nominal_date(schedule, 0) > until:
        errors["cadence"] = _(
            "No check-in falls before the end date; choose a later end date or another weekday."
        )
        return None, errors
    return schedule, errors


def validate_new_pilot(
    *,
    title: str | None,
    goals: str | None,
    start: str | None,
    end: str | None,
    channel: str | None,
    channel_problem: str = "",
    organisation_people: list[str],
    startup: str | None,
    startup_people: list[str],
    startup_ids: set[int],
    cadence: str | None,
    weekday: str | None,
    at: str | None,
    timezone: str | None,
    today: date,
) -> tuple[NewPilotForm | None, FieldErrors]:
    """Check the start-a-pilot form; ``channel_problem`` says if the bot cannot post there."""
    errors: FieldErrors = {}
    clean_title = _text(errors, "title", title, TITLE_MAX, multiline=False)
    first, last = _date(start), _date(end)
    if first is None:
        errors["start"] = _("Please choose the start date.")
    if last is None:
        errors["end"] = _("Please choose the end date.")
    elif first is not None and last <= first:
        errors["end"] = _("The end date must be after the start date.")
    elif last < today:
        errors["end"] = _("The end date has passed already.")
    elif first is not None and (last - first).days > MAX_PILOT_DAYS:
        errors["end"] = _("A pilot can last at most three years.")
    dates_ok = "start" not in errors and "end" not in errors
    milestones, problem = parse_milestones(goals, first if dates_ok else None, last)
    if problem:
        errors["goals"] = problem
    if not channel:
        errors["channel"] = _("Please choose the pilot's channel.")
    elif channel_problem:
        errors["channel"] = channel_problem
    if not organisation_people:
        errors["organisation_people"] = _("Please choose at least one person.")
    chosen = int(startup) if startup and startup.isdigit() else None
    if chosen is None:
        errors["startup"] = _("Please choose the startup.")
    elif chosen not in startup_ids:
        errors["startup"] = _("This has changed since the form opened: please choose again.")
    both = [person for person in startup_people if person in organisation_people]
    if not startup_people:
        errors["startup_people"] = _("Please choose at least one person.")
    elif both:
        errors["startup_people"] = _(
            "Someone you chose is on the organisation's side already; a person is on one side only."
        )
    schedule = None
    if dates_ok:
        assert first is not None and last is not None
        # The first check-in comes after the start day, which belongs to the kick-off.
        schedule, schedule_errors = validate_schedule(
            cadence=cadence,
            weekday=weekday,
            at=at,
            timezone=timezone,
            anchor=first + timedelta(days=1),
            until=last,
        )
        errors.update(schedule_errors)
    if errors or schedule is None:
        return None, errors
    assert first is not None and last is not None and channel and chosen is not None
    people = [Person(person, Side.ORGANISATION) for person in dict.fromkeys(organisation_people)]
    people += [Person(person, Side.STARTUP) for person in dict.fromkeys(startup_people)]
    return (
        NewPilotForm(
            clean_title, tuple(milestones), first, last, channel, tuple(people), chosen, schedule
        ),
        errors,
    )


def validate_answer(
    *, status: str | None, progress: str | None, next_steps: str | None, blockers: str | None
) -> tuple[AnswerForm | None, FieldErrors]:
    """Check the check-in form: a status, progress and next steps; blockers when blocked."""
    errors: FieldErrors = {}
    if status not in {item.value for item in CheckinStatus}:
        errors["status"] = _("Please choose how the pilot is going.")
    clean_progress = _text(errors, "progress", progress, ANSWER_MAX)
    clean_next = _text(errors, "next_steps", next_steps, ANSWER_MAX)
    clean_blockers = (blockers or "").strip()
    if status == CheckinStatus.BLOCKED.value and not clean_blockers:
        errors["blockers"] = _("Please say what blocks the pilot, so the admins can help.")
    elif len(clean_blockers) > ANSWER_MAX:
        errors["blockers"] = _("Please keep this under {limit} characters.").format(
            limit=ANSWER_MAX
        )
    if errors:
        return None, errors
    assert status is not None
    return AnswerForm(CheckinStatus(status), clean_progress, clean_next, clean_blockers), errors


def validate_completion(
    *,
    outcome: str | None,
    results: str | None,
    lessons: str | None,
    showcase: str | None,
    showcase_problem: str = "",
    pilot_channel: str,
) -> tuple[CompletionForm | None, FieldErrors]:
    """Check the completion form; ``showcase_problem`` says if the bot cannot post there."""
    errors: FieldErrors = {}
    if outcome not in {item.value for item in Outcome}:
        errors["outcome"] = _("Please choose the outcome.")
    clean_results = _text(errors, "results", results, TEXT_MAX)
    clean_lessons = _text(errors, "lessons", lessons, TEXT_MAX)
    if showcase and showcase == pilot_channel:
        errors["showcase"] = _(
            "The showcase channel is for other organisations; choose another channel than the "
            "pilot's own."
        )
    elif showcase and showcase_problem:
        errors["showcase"] = showcase_problem
    if errors:
        return None, errors
    assert outcome is not None
    return CompletionForm(Outcome(outcome), clean_results, clean_lessons, showcase or None), errors
