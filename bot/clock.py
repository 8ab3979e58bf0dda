"""The one clock the whole app reads time through.

Production uses :class:`SystemClock`; tests use :class:`FixedClock`; the demo sandbox uses
:class:`OffsetClock` so its "advance time" control can jump forward while time keeps running.
Every clock returns timezone-aware datetimes in UTC, and every clock refuses naive datetimes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "FixedClock", "OffsetClock", "SystemClock", "moved_by_hand"]


@runtime_checkable
class Clock(Protocol):
    """Anything that can tell the current time."""

    def now(self) -> datetime:
        """Return the current time as a timezone-aware datetime in UTC."""
        ...


def _to_utc(value: datetime, what: str) -> datetime:
    """Return ``value`` in UTC, refusing naive datetimes with a clear ValueError."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} must be timezone-aware (got naive {value.isoformat()}); "
            "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Europe/Stockholm'))"
        )
    return value.astimezone(UTC)


def _check_forward(delta: timedelta) -> None:
    """Refuse a delta that is not a timedelta or that would move time backwards."""
    if not isinstance(delta, timedelta):
        raise TypeError(f"delta must be a timedelta, got {type(delta).__name__}")
    if delta < timedelta(0):
        raise ValueError(f"time only moves forward; cannot advance by {delta}")


class SystemClock:
    """Real time, read from the operating system."""

    def now(self) -> datetime:
        """Return the real current time in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told to move; for tests. Thread-safe."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _to_utc(start, "start")
        self._start = self._now

    @property
    def offset(self) -> timedelta:
        """How far the clock was moved since it was made (it never moves by itself)."""
        with self._lock:
            return self._now - self._start

    def now(self) -> datetime:
        """Return the clock's current (fixed) time in UTC."""
        with self._lock:
            return self._now

    def set(self, dt: datetime) -> None:
        """Move the clock to ``dt`` (aware; earlier or later than now)."""
        value = _to_utc(dt, "dt")
        with self._lock:
            self._now = value

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (>= 0) and return the new time."""
        _check_forward(delta)
        with self._lock:
            self._now = self._now + delta
            return self._now

    def __repr__(self) -> str:
        return f"FixedClock({self.now().isoformat()})"


class OffsetClock:
    """Real time plus an adjustable offset; the sandbox's "advance time" control. Thread-safe.

    ``base`` defaults to a :class:`SystemClock`; pass another clock to test it deterministically.
    """

    def __init__(self, offset: timedelta = timedelta(0), *, base: Clock | None = None) -> None:
        _check_forward(offset)
        self._lock = threading.Lock()
        self._offset = offset
        self._base: Clock = base if base is not None else SystemClock()

    @property
    def offset(self) -> timedelta:
        """How far this clock runs ahead of its base clock."""
        with self._lock:
            return self._offset

    def now(self) -> datetime:
        """Return the base clock's time plus the offset, in UTC."""
        base_now = _to_utc(self._base.now(), "base clock time")
        with self._lock:
            return base_now + self._offset

    def advance(self, delta: timedelta) -> timedelta:
        """Jump forward by ``delta`` (>= 0) and return the new total offset."""
        _check_forward(delta)
        with self._lock:
            self._offset = self._offset + delta
            return self._offset

    def reset(self) -> None:
        """Go back to the base clock's time (offset zero)."""
        with self._lock:
            self._offset = timedelta(0)

    def __repr__(self) -> str:
        return f"OffsetClock(offset={self.offset!r}, base={self._base!r})"


def moved_by_hand(clock: Clock) -> timedelta:
    """How far ``clock`` has been moved by hand (not by time passing) since it was made.

    A system clock never is; an offset clock (the sandbox's *Advance time*) by its offset; a
    fixed clock by every move. The difference between two readings is the jump between them,
    which tells a running app's clock jump apart from time during which the app was away.
    """
    offset = getattr(clock, "offset", None)
    return offset if isinstance(offset, timedelta) else timedelta(0)
