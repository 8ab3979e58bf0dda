"""The app's clocks: real, fixed and offset time, always aware and in UTC."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import Clock, FixedClock, OffsetClock, SystemClock

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_every_clock_is_a_clock() -> None:
    clocks: list[Clock] = [SystemClock(), FixedClock(START), OffsetClock()]
    for clock in clocks:
        assert isinstance(clock, Clock)
        now = clock.now()
        assert now.tzinfo is UTC


def test_system_clock_tells_real_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert before <= now <= after


def test_fixed_clock_stands_still() -> None:
    clock = FixedClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_fixed_clock_converts_other_zones_to_utc() -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=STOCKHOLM))
    assert clock.now() == START
    assert clock.now().tzinfo is UTC
    clock.set(datetime(2026, 7, 1, 9, tzinfo=STOCKHOLM))  # summer time, +02:00
    assert clock.now() == datetime(2026, 7, 1, 7, tzinfo=UTC)


def test_fixed_clock_set_and_advance() -> None:
    clock = FixedClock(START)
    assert clock.advance(timedelta(hours=3)) == START + timedelta(hours=3)
    assert clock.now() == START + timedelta(hours=3)
    clock.advance(timedelta(0))
    assert clock.now() == START + timedelta(hours=3)
    clock.set(START - timedelta(days=1))  # set may go back; advance may not
    assert clock.now() == START - timedelta(days=1)


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 3, 2, 9))
    clock = FixedClock(START)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2026, 3, 2, 9))
    assert clock.now() == START


def test_fixed_clock_refuses_going_backwards_and_non_timedeltas() -> None:
    clock = FixedClock(START)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(TypeError):
        clock.advance(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        FixedClock("2026-03-02T08:00:00+00:00")  # type: ignore[arg-type]
    assert clock.now() == START


def test_fixed_clock_advance_is_thread_safe() -> None:
    clock = FixedClock(START)
    threads = [
        threading.Thread(target=lambda: [clock.advance(timedelta(seconds=1)) for _ in range(500)])
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == START + timedelta(seconds=4000)


def test_offset_clock_adds_its_offset_to_the_base() -> None:
    base = FixedClock(START)
    clock = OffsetClock(base=base)
    assert clock.offset == timedelta(0)
    assert clock.now() == START
    assert clock.advance(timedelta(days=2)) == timedelta(days=2)
    assert clock.advance(timedelta(hours=1)) == timedelta(days=2, hours=1)
    assert clock.offset == timedelta(days=2, hours=1)
    assert clock.now() == START + timedelta(days=2, hours=1)
    base.advance(timedelta(minutes=5))  # time keeps running underneath
    assert clock.now() == START + timedelta(days=2, hours=1, minutes=5)
    clock.reset()
    assert clock.offset == timedelta(0)
    assert clock.now() == START + timedelta(minutes=5)


def test_offset_clock_runs_ahead_of_real_time() -> None:
    clock = OffsetClock(timedelta(days=7))
    before = datetime.now(UTC) + timedelta(days=7)
    now = clock.now()
    after = datetime.now(UTC) + timedelta(days=7)
    assert before <= now <= after
    assert now.tzinfo is UTC


def test_offset_clock_refuses_going_backwards() -> None:
    with pytest.raises(ValueError, match="forward"):
        OffsetClock(timedelta(hours=-1))
    clock = OffsetClock(base=FixedClock(START))
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(hours=-1))
    assert clock.offset == timedelta(0)


def test_offset_clock_refuses_a_naive_base_clock() -> None:
    class NaiveClock:
        def now(self) -> datetime:
            return datetime(2026, 3, 2, 9)

    with pytest.raises(ValueError, match="timezone-aware"):
        OffsetClock(base=NaiveClock()).now()


def test_offset_clock_advance_is_thread_safe() -> None:
    clock = OffsetClock(base=FixedClock(START))
    threads = [
        threading.Thread(target=lambda: [clock.advance(timedelta(seconds=1)) for _ in range(500)])
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.offset == timedelta(seconds=4000)
    assert clock.now() == START + timedelta(seconds=4000)


def test_clocks_have_readable_reprs() -> None:
    assert repr(SystemClock()) == "SystemClock()"
    assert "2026-03-02T08:00:00+00:00" in repr(FixedClock(START))
    assert "offset=" in repr(OffsetClock(timedelta(hours=1)))
