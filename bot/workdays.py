"""The Swedish working-day calendar every scheduler uses.

A working day is Monday to Friday unless it is a Swedish public holiday or one of the three
eves when nearly every Swedish office is closed: Midsummer Eve (midsommarafton), Christmas Eve
(julafton) and New Year's Eve (nyårsafton).

Holidays come from the ``holidays`` package. Recent versions list the eves in the ``de_facto``
category (not in the default ``public`` one) and older versions list every Sunday as a holiday
("Söndag"/"Sunday"); this module asks for both categories, drops the Sunday entries and adds the
eves itself, so the answer does not depend on the installed version. Names are requested in
English explicitly, since ``holidays`` otherwise picks the language from the process locale.

Wall-clock rules: :func:`local_datetime` refuses wall times that do not exist (spring forward)
with :class:`NonexistentTimeError` and picks the first occurrence (``fold=0``) of ambiguous
ones (autumn back). Aware datetimes are always compared and subtracted in UTC.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "NonexistentTimeError",
    "add_working_days",
    "add_working_hours",
    "holidays_in_year",
    "is_nonexistent",
    "is_working_day",
    "local_datetime",
    "move_to_working_day",
    "next_working_day",
    "why_not_working",
    "working_hours_between",
]

DEFAULT_DAY_START = time(9)
DEFAULT_DAY_END = time(17)

_WEEKEND_NAMES = {5: "Saturday", 6: "Sunday"}
# Entries older `holidays` versions add for every Sunday; a Sunday is non-working anyway.
_SUNDAY_ENTRIES = frozenset({"sunday", "söndag"})
# Safety bound for loops that look for the next working day (no year lacks one).
_MAX_SEARCH_DAYS = 366


class NonexistentTimeError(ValueError):
    """A wall-clock time that is skipped in its zone (the spring-forward gap)."""


def _midsummer_eve(year: int) -> date:
    """Return Midsummer Eve: the Friday between 19 and 25 June."""
    june_19 = date(year, 6, 19)
    return june_19 + timedelta(days=(4 - june_19.weekday()) % 7)


def _library_holidays(year: int) -> Mapping[date, str]:
    """Ask `holidays` for Sweden's public and de facto holidays of ``year``, in English."""
    try:
        found = holidays.country_holidays(
            "SE", years=year, language="en_US", categories=("public", "de_facto")
        )
    except (ValueError, NotImplementedError):  # a version without the de_facto category
        found = holidays.country_holidays("SE", years=year, language="en_US")
    return {day: str(name) for day, name in found.items()}


@functools.lru_cache(maxsize=64)
def holidays_in_year(year: int) -> Mapping[date, str]:
    """Return the non-working holidays (including the three eves) of ``year`` by date."""
    names: dict[date, str] = {}
    for day, joined in _library_holidays(year).items():
        parts = [part.strip() for part in joined.split(";")]
        kept = [part for part in parts if part and part.lower() not in _SUNDAY_ENTRIES]
        if kept:
            names[day] = "; ".join(dict.fromkeys(kept))
    names.setdefault(_midsummer_eve(year), "Midsummer Eve")
    names.setdefault(date(year, 12, 24), "Christmas Eve")
    names.setdefault(date(year, 12, 31), "New Year's Eve")
    return MappingProxyType(dict(sorted(names.items())))


def why_not_working(day: date) -> str | None:
    """Return why ``day`` is not a working day (holiday name or weekday), or None if it is."""
    holiday = holidays_in_year(day.year).get(_as_date(day))
    if holiday is not None:
        return holiday
    return _WEEKEND_NAMES.get(day.weekday())


def is_working_day(day: date) -> bool:
    """Return True if ``day`` is a Swedish working day."""
    return why_not_working(day) is None


def next_working_day(day: date, *, include_today: bool = True) -> date:
    """Return the first working day on or after ``day`` (strictly after it without today)."""
    candidate = _as_date(day) if include_today else _as_date(day) + timedelta(days=1)
    for _ in range(_MAX_SEARCH_DAYS):
        if is_working_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise RuntimeError(f"no working day within a year of {day}")  # pragma: no cover


def add_working_days(day: date, n: int) -> date:
    """Return the ``n``-th working day after ``day``; n=0 gives ``day`` or the next working day.

    Counting starts from ``day`` whether or not it is itself a working day, so from Friday or
    Saturday one working day later is Monday (if Monday is working).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    result = _as_date(day)
    if n == 0:
        return next_working_day(result)
    for _ in range(n):
        result = next_working_day(result, include_today=False)
    return result


# --- Wall-clock time and DST ---------------------------------------------------------------


def _as_date(day: date) -> date:
    """Return ``day`` as a plain date (a datetime would break dictionary lookups)."""
    return day.date() if isinstance(day, datetime) else day


def _naive_wall(day: date, wall: time) -> datetime:
    """Combine a date and a naive wall time, refusing a wall time that carries a zone."""
    if wall.tzinfo is not None:
        raise ValueError(f"wall time must be naive (local wall clock), got {wall.isoformat()}")
    return datetime.combine(_as_date(day), wall.replace(fold=0))


def is_nonexistent(day: date, wall: time, tz: ZoneInfo) -> bool:
    """Return True if ``wall`` on ``day`` is skipped in ``tz`` (the spring-forward gap)."""
    naive = _naive_wall(day, wall)
    round_trip = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return round_trip.replace(tzinfo=None) != naive


def local_datetime(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """Return the aware datetime for ``wall`` on ``day`` in ``tz``, raising if it is skipped.

    A wall time in the spring-forward gap (e.g. 02:30 on 2026-03-29 in Europe/Stockholm) raises
    :class:`NonexistentTimeError`. An ambiguous wall time (autumn back, e.g. 02:30 on 2026-10-25
    in Europe/Stockholm happens twice) resolves to its first occurrence, ``fold=0``: summer time.
    """
    if is_nonexistent(day, wall, tz):
        raise NonexistentTimeError(
            f"{_as_date(day).isoformat()} {wall.isoformat()} does not exist in {tz.key}: "
            "the clocks skip it when summer time starts; choose another time"
        )
    return _naive_wall(day, wall).replace(tzinfo=tz)


def _lenient_local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """Like :func:`local_datetime`, but a skipped wall time becomes the instant after the gap."""
    aware = _naive_wall(day, wall).replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz)


def _require_aware(value: datetime, what: str) -> None:
    """Refuse naive datetimes with a clear ValueError."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


def move_to_working_day(local: datetime) -> datetime:
    """Return ``local`` unchanged on a working day, else the same wall time on the next one.

    The result is rebuilt from the new date and the wall time with the same tzinfo, so 09:00
    stays 09:00 across a DST change. If that wall time is skipped on the new day (spring
    forward), the result is the first instant after the gap (02:30 becomes 03:30).
    """
    _require_aware(local, "local")
    day = next_working_day(local.date())
    if day == local.date():
        return local
    moved = datetime.combine(day, local.time(), tzinfo=local.tzinfo)
    if isinstance(local.tzinfo, ZoneInfo) and is_nonexistent(day, local.time(), local.tzinfo):
        return moved.astimezone(UTC).astimezone(local.tzinfo)
    return moved


# --- Working hours ---------------------------------------------------------------------------


def _check_day(day_start: time, day_end: time) -> None:
    """Refuse an empty or inverted working day, or wall times carrying a zone."""
    if day_start.tzinfo is not None or day_end.tzinfo is not None:
        raise ValueError("day_start and day_end must be naive wall-clock times")
    if day_start >= day_end:
        raise ValueError(f"day_start {day_start} must be before day_end {day_end}")


def _working_windows(
    first: date, tz: ZoneInfo, day_start: time, day_end: time
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the (start, end) of each working day's hours from ``first`` onwards, in UTC."""
    day = first
    while True:
        if is_working_day(day):
            opens = _lenient_local(day, day_start, tz).astimezone(UTC)
            closes = _lenient_local(day, day_end, tz).astimezone(UTC)
            if opens < closes:
                yield opens, closes
        day += timedelta(days=1)


def working_hours_between(
    start: datetime,
    end: datetime,
    *,
    tz: ZoneInfo,
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> timedelta:
    """Return the working time between two aware datetimes (zero if ``end`` <= ``start``).

    Only the hours from ``day_start`` to ``day_end`` (wall clock in ``tz``) on working days
    count; the elapsed time is real time, so a window spanning a DST change counts truly.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    _check_day(day_start, day_end)
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    if end_utc <= start_utc:
        return total
    for opens, closes in _working_windows(start_utc.astimezone(tz).date(), tz, day_start, day_end):
        if opens >= end_utc:
            break
        overlap = min(closes, end_utc) - max(opens, start_utc)
        if overlap > timedelta(0):
            total += overlap
    return total


def add_working_hours(
    start: datetime,
    hours: float,
    *,
    tz: ZoneInfo,
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> datetime:
    """Return the aware datetime (in ``tz``) when ``hours`` working hours have passed.

    The inverse of :func:`working_hours_between`: for ``hours`` > 0 the result is inside a
    working window, and a target that lands exactly on closing time stays there rather than
    jumping to the next morning. ``hours`` == 0 returns ``start`` itself, converted to ``tz``.
    """
    _require_aware(start, "start")
    _check_day(day_start, day_end)
    if hours < 0:
        raise ValueError(f"hours must be >= 0, got {hours}")
    start_utc = start.astimezone(UTC)
    remaining = timedelta(hours=hours)
    if remaining == timedelta(0):
        return start_utc.astimezone(tz)
    windows = _working_windows(start_utc.astimezone(tz).date(), tz, day_start, day_end)
    for opens, closes in windows:
        begin = max(opens, start_utc)
        if begin >= closes:
            continue
        available = closes - begin
        if remaining <= available:
            return (begin + remaining).astimezone(tz)
        remaining -= available
    raise AssertionError("unreachable: working windows never run out")  # pragma: no cover
