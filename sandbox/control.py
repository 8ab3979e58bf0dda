"""The sandbox's two controls beyond Slack: moving the clock, and keeping the app running."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from bot.sandbox_clock import ClockFile, FileClock, read_clock_file, write_clock_file
from sandbox.app_process import AppProcess
from sandbox.workspace import SandboxSlack

MAX_JUMP = timedelta(days=366)
WATCH_INTERVAL = 2.0


class ClockControl:
    """Moves the clock that both the app and the sandbox read (a file; see bot.sandbox_clock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = FileClock(path)
        self._lock = threading.Lock()
        try:
            read_clock_file(path)
        except ValueError:  # a damaged file: start again from real time
            write_clock_file(path, ClockFile())

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by ``delta`` (more than zero, at most a year); returns the new now."""
        if not timedelta(0) < delta <= MAX_JUMP:
            raise ValueError("time moves forward only, by at most a year at a time")
        with self._lock:
            current = read_clock_file(self.path)
            write_clock_file(self.path, ClockFile(current.offset + delta, current.generation + 1))
        return self.clock.now()

    def advance_to(self, when: datetime) -> datetime:
        """Jump forward to ``when`` (timezone-aware, later than now)."""
        if when.tzinfo is None:
            raise ValueError("give the time with its time zone")
        return self.advance(when - self.clock.now())


class AppSupervisor:
    """Starts the app, notices when it stops, and restarts it when asked."""

    def __init__(
        self, process: AppProcess, slack: SandboxSlack, stopping: threading.Event | None = None
    ) -> None:
        self.process = process
        self.slack = slack
        self._stopping = stopping  # set when the sandbox is asked to stop
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="app-watch", daemon=True)

    def start(self) -> str | None:
        """Start the app and wait until it is healthy; returns why not, if it is not."""
        self.slack.set_status(app="starting", app_detail="")
        self.process.start()
        problem = self.process.wait_healthy(stopping=self._stopping)
        if problem:
            self.slack.set_status(app="down", app_detail=problem)
            self.slack.log("sandbox", "the app did not start", False, problem)
        else:
            self.slack.set_status(app="up", app_detail=self.process.url)
            self.slack.log("sandbox", f"the app is up at {self.process.url}")
        if not self._watcher.is_alive():
            self._watcher.start()
        return problem

    def restart_in_background(self) -> bool:
        """Restart the app unless a restart is already under way; returns whether it began."""
        if not self._busy.acquire(blocking=False):
            return False

        def restart() -> None:
            try:
                self.process.stop()
                self.start()
            finally:
                self._busy.release()

        threading.Thread(target=restart, name="app-restart", daemon=True).start()
        return True

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_INTERVAL):
            if self._busy.locked():
                continue
            code = self.process.exit_code()
            healthy = code is None and self.process.healthy()
            status = self.slack.status.get("app")
            if healthy and status != "up":
                self.slack.set_status(app="up", app_detail=self.process.url)
            elif not healthy and status == "up":
                why = (
                    f"the app exited with status {code}: {self.process.last_log_line()}"
                    if code is not None
                    else "the app does not answer /healthz"
                )
                self.slack.set_status(app="down", app_detail=why)
                self.slack.log("sandbox", "the app is down", False, why)

    def stop(self) -> None:
        """Stop watching and stop the app."""
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=5)
        self.process.stop()
