"""The Swedish working-day calendar: holidays, eves, working hours and DST."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot import workdays
from bot.workdays import (
    NonexistentTimeError,
    add_working_days,
    add_working_hours,
    holidays_in_year,
    is_nonexistent,
    is_working_day,
    local_datetime,
    move_to_working_day,
    next_working_day,
    why_not_working,
    working_hours_between,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TEHRAN = ZoneInfo("Asia/Tehran")  # until 2022 its clocks sprang forward at 00:00 on a weekday


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Empty the per-year holiday cache before and after a test that changes its inputs."""
    holidays_in_year.cache_clear()
    yield
    holidays_in_year.cache_clear()


def sthlm(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Build an aware Europe/Stockholm datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


# --- Weekends and holidays ---------------------------------------------------------------


def test_weekdays_are_working_and_weekends_are_not() -> None:
    week = [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]  # Mon 2 .. Sun 8 March
    assert [is_working_day(d) for d in week] == [True] * 5 + [False, False]
    assert why_not_working(week[5]) == "Saturday"
    assert why_not_working(week[6]) == "Sunday"
    assert why_not_working(week[0]) is None


# Checked against holidays.country_holidays("SE", years=2026, language="en_US") (0.109).
HOLIDAYS_2026 = [
    (date(2026, 1, 1), "Thu", "New Year's Day"),
    (date(2026, 1, 6), "Tue", "Epiphany"),
    (date(2026, 4, 3), "Fri", "Good Friday"),
    (date(2026, 4, 5), "Sun", "Easter Sunday"),
    (date(2026, 4, 6), "Mon", "Easter Monday"),
    (date(2026, 5, 1), "Fri", "May Day"),
    (date(2026, 5, 14), "Thu", "Ascension Day"),
    (date(2026, 5, 24), "Sun", "Pentecost"),
    (date(2026, 6, 6), "Sat", "National Day"),
    (date(2026, 6, 19), "Fri", "Midsummer Eve"),
    (date(2026, 6, 20), "Sat", "Midsummer Day"),
    (date(2026, 10, 31), "Sat", "All Saints' Day"),
    (date(2026, 12, 24), "Thu", "Christmas Eve"),
    (date(2026, 12, 25), "Fri", "Christmas Day"),
    (date(2026, 12, 26), "Sat", "Second Day of Christmas"),
    (date(2026, 12, 31), "Thu", "New Year's Eve"),
]


@pytest.mark.parametrize(("day", "weekday", "name"), HOLIDAYS_2026)
def test_swedish_holidays_2026(day: date, weekday: str, name: str) -> None:
    assert day.strftime("%a") == weekday
    assert not is_working_day(day)
    assert why_not_working(day) == name


def test_public_holidays_agree_with_the_library() -> None:
    public = holidays.country_holidays("SE", years=2026, language="en_US")
    for day in public:
        if day.weekday() < 5:
            assert not is_working_day(day), day
    assert set(holidays_in_year(2026)) == set(public) | {
        date(2026, 6, 19),
        date(2026, 12, 24),
        date(2026, 12, 31),
    }


def test_a_holiday_on_a_weekend_is_named_as_the_holiday() -> None:
    assert why_not_working(date(2027, 12, 25)) == "Christmas Day"  # a Saturday
    assert why_not_working(date(2027, 6, 6)) == "National Day"  # a Sunday


def test_ordinary_days_around_the_holidays_are_working() -> None:
    for day in (date(2026, 1, 2), date(2026, 1, 5), date(2026, 4, 2), date(2026, 4, 7)):
        assert is_working_day(day), day
    assert is_working_day(date(2026, 12, 23))
    assert is_working_day(date(2026, 6, 18))


def test_a_datetime_is_treated_as_its_date() -> None:
    assert not is_working_day(sthlm(2026, 12, 24, 10))
    assert why_not_working(sthlm(2026, 12, 24, 10)) == "Christmas Eve"
    assert next_working_day(sthlm(2026, 12, 24, 10)) == date(2026, 12, 28)


# --- The three eves ------------------------------------------------------------------------

# (year, June day) of each Midsummer Eve.
MIDSUMMER_EVES = [(2024, 21), (2025, 20), (2026, 19), (2027, 25), (2028, 23), (2030, 21)]


@pytest.mark.parametrize(("year", "june_day"), MIDSUMMER_EVES)
def test_midsummer_eve_is_not_working(year: int, june_day: int) -> None:
    eve = date(year, 6, june_day)
    assert eve.weekday() == 4 and 19 <= eve.day <= 25
    assert not is_working_day(eve)
    assert why_not_working(eve) == "Midsummer Eve"
    assert is_working_day(eve - timedelta(days=1))  # the Thursday before works


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027, 2028, 2030])
def test_christmas_eve_is_not_working(year: int) -> None:
    eve = date(year, 12, 24)
    assert not is_working_day(eve)
    assert why_not_working(eve) == "Christmas Eve"


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027, 2028, 2030])
def test_new_years_eve_is_not_working(year: int) -> None:
    eve = date(year, 12, 31)
    assert not is_working_day(eve)
    assert why_not_working(eve) == "New Year's Eve"


def test_eves_are_added_even_if_the_library_lacks_them(
    monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    """An older `holidays` without de facto eves and with a Sunday on every Sunday."""

    def old_library(year: int) -> Mapping[date, str]:
        return {
            date(year, 4, 5): "Easter Sunday; Sunday",
            date(year, 4, 12): "Sunday",
            date(year, 12, 25): "Christmas Day",
        }

    monkeypatch.setattr(workdays, "_library_holidays", old_library)
    found = holidays_in_year(2026)
    assert found == {
        date(2026, 4, 5): "Easter Sunday",
        date(2026, 6, 19): "Midsummer Eve",
        date(2026, 12, 24): "Christmas Eve",
        date(2026, 12, 25): "Christmas Day",
        date(2026, 12, 31): "New Year's Eve",
    }
    assert why_not_working(date(2026, 4, 12)) == "Sunday"


def test_names_are_english_whatever_the_locale(
    monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(variable, "sv_SE.UTF-8")
    assert why_not_working(date(2026, 12, 25)) == "Christmas Day"
    assert why_not_working(date(2026, 1, 4)) == "Sunday"  # no "Söndag" entry leaks through


def test_holiday_lookups_are_cached_per_year() -> None:
    assert holidays_in_year(2026) is holidays_in_year(2026)
    with pytest.raises(TypeError):
        holidays_in_year(2026)[date(2026, 3, 3)] = "Invented"  # type: ignore[index]


# --- Next working day and adding working days -----------------------------------------------


def test_next_working_day_over_christmas() -> None:
    # Thu 24 eve, Fri 25 Christmas Day, Sat 26, Sun 27 -> Mon 28 December.
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_working_day(date(2026, 12, 23), include_today=False) == date(2026, 12, 28)


def test_next_working_day_over_new_year() -> None:
    # Thu 31 eve, Fri 1 New Year's Day, Sat 2, Sun 3 -> Mon 4 January 2027.
    assert next_working_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert next_working_day(date(2026, 12, 30), include_today=False) == date(2027, 1, 4)


def test_next_working_day_over_easter_and_midsummer() -> None:
    # Good Friday 3 April .. Easter Monday 6 April -> Tue 7 April.
    assert next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)
    assert next_working_day(date(2026, 4, 2), include_today=False) == date(2026, 4, 7)
    assert next_working_day(date(2026, 6, 19)) == date(2026, 6, 22)


def test_next_working_day_include_today() -> None:
    monday = date(2026, 3, 2)
    assert next_working_day(monday) == monday
    assert next_working_day(monday, include_today=False) == date(2026, 3, 3)
    assert next_working_day(date(2026, 3, 6), include_today=False) == date(2026, 3, 9)


def test_add_working_days() -> None:
    assert add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)  # Saturday -> Monday
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday -> Monday
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Saturday -> Monday
    assert add_working_days(date(2026, 3, 2), 10) == date(2026, 3, 16)
    # Fri 18 Dec + 5: 21, 22, 23, (24-27 closed), 28, 29.
    assert add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 29)
    # Over Easter: Wed 1 April + 2 -> Thu 2, Tue 7.
    assert add_working_days(date(2026, 4, 1), 2) == date(2026, 4, 7)


def test_add_working_days_refuses_negative() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_working_days(date(2026, 3, 2), -1)


# --- Working hours ---------------------------------------------------------------------------


def test_working_hours_within_one_day() -> None:
    hours = working_hours_between(sthlm(2026, 3, 2, 8), sthlm(2026, 3, 2, 18), tz=STOCKHOLM)
    assert hours == timedelta(hours=8)
    hours = working_hours_between(sthlm(2026, 3, 2, 10, 15), sthlm(2026, 3, 2, 11), tz=STOCKHOLM)
    assert hours == timedelta(minutes=45)


def test_working_hours_over_a_weekend() -> None:
    # Fri 15:00 -> Mon 11:00 is 2 + 2 working hours.
    hours = working_hours_between(sthlm(2026, 3, 6, 15), sthlm(2026, 3, 9, 11), tz=STOCKHOLM)
    assert hours == timedelta(hours=4)


def test_working_hours_over_a_holiday() -> None:
    # Wed 13 May 16:00 -> Fri 15 May 10:00; Ascension Day (Thu 14) does not count.
    hours = working_hours_between(sthlm(2026, 5, 13, 16), sthlm(2026, 5, 15, 10), tz=STOCKHOLM)
    assert hours == timedelta(hours=2)
    # Maundy Thursday 09:00 -> Tuesday after Easter 09:00: only the Thursday counts.
    hours = working_hours_between(sthlm(2026, 4, 2, 9), sthlm(2026, 4, 7, 9), tz=STOCKHOLM)
    assert hours == timedelta(hours=8)


def test_working_hours_with_custom_day_and_other_input_zones() -> None:
    start = datetime(2026, 3, 2, 7, tzinfo=UTC)  # 08:00 in Stockholm
    end = datetime(2026, 3, 2, 16, tzinfo=UTC)  # 17:00 in Stockholm
    hours = working_hours_between(start, end, tz=STOCKHOLM, day_start=time(8), day_end=time(16, 30))
    assert hours == timedelta(hours=8, minutes=30)


def test_working_hours_between_is_zero_backwards_and_refuses_bad_input() -> None:
    assert working_hours_between(sthlm(2026, 3, 3), sthlm(2026, 3, 2), tz=STOCKHOLM) == timedelta()
    with pytest.raises(ValueError, match="timezone-aware"):
        working_hours_between(datetime(2026, 3, 2, 9), sthlm(2026, 3, 3), tz=STOCKHOLM)
    with pytest.raises(ValueError, match="before day_end"):
        working_hours_between(
            sthlm(2026, 3, 2), sthlm(2026, 3, 3), tz=STOCKHOLM, day_start=time(17), day_end=time(9)
        )


def test_working_hours_count_real_time_over_a_skipped_hour() -> None:
    # Tehran, Mon 22 March 2021: 00:00 -> 01:00 was skipped, so a 00:00-12:00 day is 11 hours.
    start = datetime(2021, 3, 22, 1, tzinfo=TEHRAN)
    end = datetime(2021, 3, 23, 0, tzinfo=TEHRAN)
    hours = working_hours_between(start, end, tz=TEHRAN, day_start=time(0), day_end=time(12))
    assert hours == timedelta(hours=11)


def test_24_working_hours() -> None:
    # Mon 10:00 + 24 working hours: Mon 7, Tue 8, Wed 8, Thu 1 -> Thu 10:00.
    due = add_working_hours(sthlm(2026, 3, 2, 10), 24, tz=STOCKHOLM)
    assert due == sthlm(2026, 3, 5, 10)
    assert due.tzinfo is STOCKHOLM
    # Over Christmas: Wed 23 Dec 12:00 + 24 h: 23rd 5, (24-27 closed), 28th 8, 29th 8, 30th 3.
    due = add_working_hours(sthlm(2026, 12, 23, 12), 24, tz=STOCKHOLM)
    assert due == sthlm(2026, 12, 30, 12)


def test_add_working_hours_edges() -> None:
    # From a Saturday noon, the first working hour ends on Monday at 10:00.
    assert add_working_hours(sthlm(2026, 3, 7, 12), 1, tz=STOCKHOLM) == sthlm(2026, 3, 9, 10)
    # From before opening, the count starts at opening.
    assert add_working_hours(sthlm(2026, 3, 2, 6), 0.5, tz=STOCKHOLM) == sthlm(2026, 3, 2, 9, 30)
    # Landing exactly on closing time stays on that day.
    assert add_working_hours(sthlm(2026, 3, 2, 9), 8, tz=STOCKHOLM) == sthlm(2026, 3, 2, 17)
    # Zero hours is the start itself, in the requested zone.
    start = datetime(2026, 3, 7, 12, tzinfo=UTC)
    assert add_working_hours(start, 0, tz=STOCKHOLM) == start
    assert add_working_hours(start, 0, tz=STOCKHOLM).tzinfo is STOCKHOLM


def test_add_working_hours_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="hours must be >= 0"):
        add_working_hours(sthlm(2026, 3, 2, 9), -1, tz=STOCKHOLM)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_hours(datetime(2026, 3, 2, 9), 1, tz=STOCKHOLM)


@pytest.mark.parametrize(
    "start",
    [
        sthlm(2026, 3, 2, 10, 17),
        sthlm(2026, 3, 27, 16),  # across the spring-forward weekend
        sthlm(2026, 10, 23, 12),  # across the autumn-back weekend
        sthlm(2026, 12, 23, 20),  # across Christmas
        sthlm(2026, 6, 18, 8),  # across Midsummer
        datetime(2026, 4, 2, 6, 45, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("hours", [0.25, 1, 7.5, 8, 24, 100])
def test_add_working_hours_round_trips(start: datetime, hours: float) -> None:
    end = add_working_hours(start, hours, tz=STOCKHOLM)
    assert end > start
    assert is_working_day(end.date())
    assert time(9) <= end.timetz().replace(tzinfo=None) <= time(17)
    assert working_hours_between(start, end, tz=STOCKHOLM) == timedelta(hours=hours)


# --- DST -------------------------------------------------------------------------------------


def test_spring_forward_wall_time_does_not_exist() -> None:
    day = date(2026, 3, 29)  # 02:00 -> 03:00 in Europe/Stockholm
    assert is_nonexistent(day, time(2, 30), STOCKHOLM)
    assert is_nonexistent(day, time(2), STOCKHOLM)
    assert not is_nonexistent(day, time(1, 59), STOCKHOLM)
    assert not is_nonexistent(day, time(3), STOCKHOLM)
    assert not is_nonexistent(date(2026, 3, 28), time(2, 30), STOCKHOLM)
    with pytest.raises(NonexistentTimeError, match="does not exist in Europe/Stockholm"):
        local_datetime(day, time(2, 30), STOCKHOLM)
    assert issubclass(NonexistentTimeError, ValueError)


def test_spring_forward_day_offsets() -> None:
    before = local_datetime(date(2026, 3, 29), time(1, 30), STOCKHOLM)
    after = local_datetime(date(2026, 3, 29), time(3, 30), STOCKHOLM)
    assert before.utcoffset() == timedelta(hours=1)
    assert after.utcoffset() == timedelta(hours=2)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=1)


def test_autumn_back_ambiguous_time_takes_first_occurrence() -> None:
    day = date(2026, 10, 25)  # 03:00 -> 02:00 in Europe/Stockholm: 02:30 happens twice
    assert not is_nonexistent(day, time(2, 30), STOCKHOLM)
    first = local_datetime(day, time(2, 30), STOCKHOLM)
    assert first.fold == 0
    assert first.utcoffset() == timedelta(hours=2)  # still summer time
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # Even a wall time that asks for the second occurrence gets the first.
    assert local_datetime(day, time(2, 30, fold=1), STOCKHOLM) == first
    assert local_datetime(day, time(9), STOCKHOLM).utcoffset() == timedelta(hours=1)


def test_local_datetime_refuses_an_aware_wall_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_datetime(date(2026, 3, 2), time(9, tzinfo=UTC), STOCKHOLM)


def test_move_to_working_day_keeps_wall_time_across_spring_forward() -> None:
    saturday = sthlm(2026, 3, 28, 9)  # CET, +01:00
    moved = move_to_working_day(saturday)
    assert moved == sthlm(2026, 3, 30, 9)
    assert moved.timetz().replace(tzinfo=None) == time(9)
    assert moved.tzinfo is STOCKHOLM
    assert moved.utcoffset() == timedelta(hours=2)  # CEST
    assert moved.astimezone(UTC) - saturday.astimezone(UTC) == timedelta(hours=47)


def test_move_to_working_day_keeps_wall_time_across_autumn_back() -> None:
    saturday = sthlm(2026, 10, 24, 9)  # CEST, +02:00
    moved = move_to_working_day(saturday)
    assert moved == sthlm(2026, 10, 26, 9)
    assert moved.utcoffset() == timedelta(hours=1)  # CET
    assert moved.astimezone(UTC) - saturday.astimezone(UTC) == timedelta(hours=49)


def test_move_to_working_day_leaves_working_days_and_skips_holidays() -> None:
    monday = sthlm(2026, 3, 2, 9, 15)
    assert move_to_working_day(monday) is monday
    assert move_to_working_day(sthlm(2026, 12, 24, 9)) == sthlm(2026, 12, 28, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        move_to_working_day(datetime(2026, 3, 7, 9))


def test_move_to_working_day_into_a_skipped_wall_time() -> None:
    # Tehran's clocks jumped 00:00 -> 01:00 on Monday 22 March 2021: 00:30 became 01:30.
    moved = move_to_working_day(datetime(2021, 3, 20, 0, 30, tzinfo=TEHRAN))
    assert moved.date() == date(2021, 3, 22)
    assert moved.timetz().replace(tzinfo=None) == time(1, 30)
    assert moved.utcoffset() == timedelta(hours=4, minutes=30)
