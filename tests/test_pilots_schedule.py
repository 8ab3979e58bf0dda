"""Pilot schedules: cadences, working-day moves, DST, catch-up, reminders and the state machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.pilots import (
    Action,
    Cadence,
    Checkin,
    Consent,
    PilotStatus,
    Schedule,
    TransitionError,
    case_card_consent,
    catch_up,
    first_nonexistent,
    missed_streak_escalates,
    next_occurrence,
    occurrence,
    occurrences,
    reminder_due,
    retry_delay,
    transition,
)
from bot.workdays import NonexistentTimeError

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def weekly(weekday: int, anchor: date, until: date, at: time = time(10), **kw: object) -> Schedule:
    return Schedule(
        kw.get("cadence", Cadence.WEEKLY),  # type: ignore[arg-type]
        weekday,
        at,
        str(kw.get("zone", "Europe/Stockholm")),
        anchor,
        until,
    )


def local(due: datetime) -> tuple[date, time]:
    value = due.astimezone(STOCKHOLM)
    return value.date(), value.time()


def test_weekly_check_ins_keep_their_wall_time_across_spring_forward() -> None:
    schedule = weekly(0, date(2028, 3, 13), date(2028, 4, 30))
    first, second, third = list(occurrences(schedule))[:3]
    assert [local(item.due_at) for item in (first, second, third)] == [
        (date(2028, 3, 13), time(10)),
        (date(2028, 3, 20), time(10)),
        (date(2028, 3, 27), time(10)),
    ]
    # 10:00 is 09:00 UTC in winter and 08:00 UTC after the clocks sprang forward on the 26th.
    assert second.due_at.astimezone(UTC).hour == 9
    assert third.due_at.astimezone(UTC).hour == 8


def test_weekly_check_ins_keep_their_wall_time_across_fall_back() -> None:
    schedule = weekly(0, date(2026, 10, 19), date(2026, 11, 30))
    first, second = list(occurrences(schedule))[:2]
    assert (first.due_at.astimezone(UTC).hour, second.due_at.astimezone(UTC).hour) == (8, 9)
    assert local(second.due_at) == (date(2026, 10, 26), time(10))


def test_biweekly_and_monthly_cadences() -> None:
    biweekly = weekly(2, date(2027, 1, 11), date(2027, 3, 1), cadence=Cadence.BIWEEKLY)
    assert [item.nominal for item in occurrences(biweekly)] == [
        date(2027, 1, 13),
        date(2027, 1, 27),
        date(2027, 2, 10),
        date(2027, 2, 24),
    ]
    # The first check-in is on the second Tuesday of February, so every one is.
    monthly = weekly(1, date(2027, 2, 8), date(2027, 6, 30), cadence=Cadence.MONTHLY)
    assert [item.nominal for item in occurrences(monthly)] == [
        date(2027, 2, 9),
        date(2027, 3, 9),
        date(2027, 4, 13),
        date(2027, 5, 11),
        date(2027, 6, 8),
    ]
    # A fifth Friday becomes the last Friday of each month.
    last = weekly(4, date(2027, 1, 29), date(2027, 4, 30), cadence=Cadence.MONTHLY)
    assert [item.nominal for item in occurrences(last)] == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
    ]


def test_christmas_moves_check_ins_to_the_next_working_day() -> None:
    thursdays = weekly(3, date(2026, 12, 14), date(2027, 1, 31))
    moved = [(item.nominal, item.day) for item in occurrences(thursdays) if item.moved]
    assert moved == [
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas Eve, Day, Boxing Day, Sunday
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Eve and Day, then the weekend
    ]
    christmas_eve = occurrence(thursdays, 1)
    assert local(christmas_eve.due_at) == (date(2026, 12, 28), time(10))
    fridays = weekly(4, date(2026, 12, 21), date(2027, 1, 10))
    assert [item.day for item in occurrences(fridays)][:2] == [date(2026, 12, 28), date(2027, 1, 4)]


def test_a_weekend_weekday_moves_to_monday() -> None:
    saturdays = weekly(5, date(2027, 5, 1), date(2027, 5, 20))
    assert [item.day for item in occurrences(saturdays)] == [
        date(2027, 5, 3),
        date(2027, 5, 10),
        date(2027, 5, 17),
    ]


def test_a_wall_time_the_clocks_skip_is_refused_or_ends_the_gap() -> None:
    # Israel springs forward at 02:00 on the Friday before the last Sunday of March.
    schedule = weekly(4, date(2028, 3, 10), date(2028, 4, 7), time(2, 30), zone="Asia/Jerusalem")
    assert first_nonexistent(schedule) == date(2028, 3, 24)
    index = next(i for i, item in enumerate(occurrences(schedule)) if item.day == date(2028, 3, 24))
    with pytest.raises(NonexistentTimeError):
        occurrence(schedule, index, strict=True)
    lenient = occurrence(schedule, index).due_at.astimezone(ZoneInfo("Asia/Jerusalem"))
    assert (lenient.date(), lenient.time()) == (date(2028, 3, 24), time(3, 30))
    # Stockholm changes its clocks on Sundays, which are never check-in days.
    assert first_nonexistent(weekly(6, date(2027, 3, 1), date(2027, 4, 30), time(2, 30))) is None


def test_next_occurrence_is_strictly_after_and_stops_at_the_end_date() -> None:
    schedule = weekly(0, date(2027, 1, 4), date(2027, 2, 1))
    first = occurrence(schedule, 0)
    assert next_occurrence(schedule, first.due_at - timedelta(seconds=1)) == first
    assert next_occurrence(schedule, first.due_at) == occurrence(schedule, 1)
    late_in_year = datetime(2027, 1, 20, tzinfo=UTC)
    assert next_occurrence(schedule, late_in_year) == occurrence(schedule, 3)
    assert next_occurrence(schedule, datetime(2027, 2, 2, tzinfo=UTC)) is None


def test_catch_up_posts_the_latest_missed_check_in_once_marked_late() -> None:
    schedule = weekly(0, date(2027, 1, 4), date(2027, 6, 1))
    pending = occurrence(schedule, 0)
    on_time = catch_up(
        schedule, pending.nominal, pending.due_at, pending.due_at + timedelta(minutes=1)
    )
    assert (on_time.nominal, on_time.skipped, on_time.late) == (pending.nominal, 0, False)
    slow = catch_up(
        schedule, pending.nominal, pending.due_at, pending.due_at + timedelta(minutes=20)
    )
    assert (slow.nominal, slow.skipped, slow.late) == (pending.nominal, 0, True)
    # Down for three weeks: one late check-in for the fourth Monday, three passed over.
    back = occurrence(schedule, 3).due_at + timedelta(hours=2)
    caught = catch_up(schedule, pending.nominal, pending.due_at, back)
    assert (caught.nominal, caught.skipped, caught.late) == (date(2027, 1, 25), 3, True)
    assert next_occurrence(schedule, back) == occurrence(schedule, 4)


def test_the_reminder_comes_after_24_working_hours() -> None:
    posted = datetime(2026, 12, 4, 16, 0, tzinfo=STOCKHOLM)  # Friday afternoon
    assert reminder_due(posted, "Europe/Stockholm") == datetime(
        2026, 12, 9, 16, 0, tzinfo=STOCKHOLM
    )
    before_christmas = datetime(2026, 12, 23, 10, 0, tzinfo=STOCKHOLM)
    assert reminder_due(before_christmas, "Europe/Stockholm").date() == date(2026, 12, 30)


def test_retries_back_off_and_honour_retry_after() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 7, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=60),
        timedelta(minutes=60),
    ]
    assert retry_delay(1, retry_after=300) == timedelta(minutes=5)


def test_the_pilot_state_machine() -> None:
    assert transition(PilotStatus.ACTIVE, Action.PAUSE) is PilotStatus.PAUSED
    assert transition(PilotStatus.PAUSED, Action.RESUME) is PilotStatus.ACTIVE
    assert transition(PilotStatus.PAUSED, Action.COMPLETE) is PilotStatus.COMPLETED
    for status, action in (
        (PilotStatus.PAUSED, Action.PAUSE),
        (PilotStatus.ACTIVE, Action.RESUME),
        (PilotStatus.COMPLETED, Action.RESUME),
        (PilotStatus.COMPLETED, Action.RESCHEDULE),
    ):
        with pytest.raises(TransitionError):
            transition(status, action)


def _checkin(missed: bool) -> Checkin:
    return Checkin(1, 1, 1, date(2027, 1, 4), datetime(2027, 1, 4, tzinfo=UTC), missed=missed)


def test_two_misses_in_a_row_escalate_once_per_streak() -> None:
    assert not missed_streak_escalates([_checkin(True)])
    assert missed_streak_escalates([_checkin(True), _checkin(True)])
    assert missed_streak_escalates([_checkin(True), _checkin(True), _checkin(False)])
    assert not missed_streak_escalates([_checkin(True), _checkin(True), _checkin(True)])
    assert not missed_streak_escalates([_checkin(True), _checkin(False)])


def test_a_case_card_needs_both_sides_and_is_anonymised_if_either_asks() -> None:
    assert case_card_consent(None, Consent.NAMED) == (False, False)
    assert case_card_consent(Consent.NAMED, Consent.NAMED) == (True, False)
    assert case_card_consent(Consent.NAMED, Consent.ANONYMOUS) == (True, True)
    assert case_card_consent(Consent.DECLINED, Consent.ANONYMOUS) == (False, True)
