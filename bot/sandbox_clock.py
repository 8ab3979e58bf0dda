"""The clock the local sandbox moves: real time plus an offset kept in a small JSON file.

`matchday sandbox` writes the file (``MATCHDAY_CLOCK_FILE``) when someone presses "advance
time"; the app, a separate process, reads it through :class:`FileClock`. The file holds the
offset in seconds and a generation number that grows with every advance, so the app can
run its scheduler tick at once instead of waiting for the next real minute
(:meth:`FileClock.watch`). Production never sets the setting and uses ``SystemClock``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import Clock, SystemClock

__all__ = ["ClockFile", "FileClock", "read_clock_file", "write_clock_file"]

logger = logging.getLogger(__name__)
WATCH_INTERVAL = 0.5  # seconds between looks at the file while watching


@dataclass(frozen=True)
class ClockFile:
    """What the clock file says: how far ahead of real time, and how often it moved."""

    offset: timedelta = timedelta(0)
    generation: int = 0


def read_clock_file(path: Path) -> ClockFile:
    """The clock file's contents; a missing file means no offset. Raises ValueError if bad."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ClockFile()
    try:
        data = json.loads(raw)
        offset = float(data["offset_seconds"])
        generation = int(data.get("generation", 0))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a clock file: {error}") from None
    if offset < 0 or generation < 0:
        raise ValueError(f"{path} moves time backwards")
    return ClockFile(timedelta(seconds=offset), generation)


def write_clock_file(path: Path, state: ClockFile) -> None:
    """Write the clock file atomically (a reader never sees half a file)."""
    if state.offset < timedelta(0):
        raise ValueError("time only moves forward")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    payload = {"offset_seconds": state.offset.total_seconds(), "generation": state.generation}
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(temporary, path)


class FileClock:
    """Real time plus the offset in a clock file, re-read whenever the file changes."""

    def __init__(self, path: Path, *, base: Clock | None = None) -> None:
        self.path = Path(path)
        self._base: Clock = base if base is not None else SystemClock()
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._state = ClockFile()

    def _current(self) -> ClockFile:
        try:
            info = os.stat(self.path)
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._state = read_clock_file(self.path) if stamp else ClockFile()
                except (ValueError, OSError) as error:  # keep the last good offset
                    logger.warning("ignoring the clock file: %s", error)
                self._stamp = stamp
            return self._state

    @property
    def offset(self) -> timedelta:
        """How far this clock runs ahead of real time."""
        return self._current().offset

    @property
    def generation(self) -> int:
        """How many times the sandbox has moved the clock."""
        return self._current().generation

    def now(self) -> datetime:
        """Return real time plus the file's offset, in UTC."""
        return self._base.now() + self._current().offset

    def watch(
        self, on_advance: Callable[[], None], interval: float = WATCH_INTERVAL
    ) -> threading.Event:
        """Call ``on_advance`` in a daemon thread after each advance; set the result to stop."""
        stop = threading.Event()
        seen = self.generation

        def loop() -> None:
            nonlocal seen
            while not stop.wait(interval):
                generation = self.generation
                if generation == seen:
                    continue
                seen = generation
                try:
                    on_advance()
                except Exception:  # the watcher must outlive one failing tick
                    logger.exception("work after a clock advance failed")

        threading.Thread(target=loop, name="clock-watch", daemon=True).start()
        return stop

    def __repr__(self) -> str:
        return f"FileClock({str(self.path)!r}, offset={self.offset!r})"
