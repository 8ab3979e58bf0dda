"""Slot proposals and calendar files for ad hoc meetings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.calendar_files import CalendarMeeting, build_ics, meeting_uid
from bot.meetings import Busy, WorkingHours, propose_slots
from bot.workdays import is_working_day

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM)


def test_three_slots_on_three_working_days_skipping_christmas() -> None:
    slots = propose_slots(after=at(23, 10), zone=STOCKHOLM, length_minutes=30, busy=[])
    assert slots == [at(28, 9), at(29, 9), at(30, 9)]
    assert all(is_working_day(slot.date()) for slot in slots)


def test_booked_meetings_are_avoided_for_every_participant() -> None:
    busy = [Busy(at(28, 9), at(28, 11, 15)), Busy(at(29, 8), at(29, 17))]
    slots = propose_slots(after=at(23, 10), zone=STOCKHOLM, length_minutes=45, busy=busy)
    assert slots == [at(28, 11, 15), at(30, 9), at(4, 9, month=1).replace(year=2027)]


def test_slots_stay_inside_working_hours() -> None:
    hours = WorkingHours(time(13), time(14))
    slots = propose_slots(after=at(1, 8), zone=STOCKHOLM, length_minutes=60, busy=[], hours=hours)
    assert all(slot.time() == time(13) for slot in slots)
    assert (
        propose_slots(after=at(1, 8), zone=STOCKHOLM, length_minutes=90, busy=[], hours=hours) == []
    )


def test_the_next_three_follow_the_last_proposal() -> None:
    first = propose_slots(after=at(1, 8), zone=STOCKHOLM, length_minutes=30, busy=[])
    following = propose_slots(after=first[-1], zone=STOCKHOLM, length_minutes=30, busy=[])
    assert following[0].date() > first[-1].date()
    assert not set(first) & set(following)


def test_local_times_survive_the_switch_to_summer_time() -> None:
    slots = propose_slots(after=at(26, 12, month=3), zone=STOCKHOLM, length_minutes=30, busy=[])
    assert [slot.hour for slot in slots] == [9, 9, 9]
    assert slots[0].utcoffset() == timedelta(hours=1)  # Friday 27 March: winter time
    assert slots[1].utcoffset() == timedelta(hours=2)  # Monday 30 March: summer time


@pytest.mark.parametrize("text", ["9 to 16", "16:00-09:00", "nonsense"])
def test_bad_working_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="working hours"):
        WorkingHours.parse(text)


def test_working_hours_are_read_from_text() -> None:
    assert WorkingHours.parse("08:30-15:00") == WorkingHours(time(8, 30), time(15))


def _event(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_calendar_file_has_zone_uid_and_sequence() -> None:
    meeting = CalendarMeeting(
        meeting_uid(7), 0, at(28, 9), at(28, 9, 30), "Acme × Södertälje", "About falls", "Room 1"
    )
    calendar = _event(build_ics(meeting, stamp=datetime(2026, 11, 27, tzinfo=UTC)))
    assert calendar["method"] == "REQUEST"
    event = next(component for component in calendar.walk("VEVENT"))
    assert str(event["uid"]) == "meeting-7@matchday"
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == at(28, 9)
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert any(component.name == "VTIMEZONE" for component in calendar.walk())


def test_a_change_raises_the_sequence_and_a_cancel_says_so() -> None:
    moved = CalendarMeeting(meeting_uid(7), 1, at(29, 10), at(29, 10, 30), "M", "", "")
    changed = _event(build_ics(moved, stamp=datetime(2026, 11, 27, tzinfo=UTC)))
    event = next(component for component in changed.walk("VEVENT"))
    assert event["sequence"] == 1
    cancelled = _event(build_ics(moved, cancelled=True, stamp=datetime(2026, 11, 27, tzinfo=UTC)))
    assert cancelled["method"] == "CANCEL"
    assert str(next(component for component in cancelled.walk("VEVENT"))["status"]) == "CANCELLED"
