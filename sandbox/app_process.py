"""The app beside the sandbox: `matchday serve`, unchanged, as a child process.

It is configured only through its environment, as an operator would configure it: the
sandbox's Web API as ``SLACK_API_URL``, a signing secret the sandbox knows, the demo admin
in ``MATCHDAY_ADMINS``, its own SQLite database and the sandbox's clock file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class AppProcess:
    """Starts, watches and stops `matchday serve` on 127.0.0.1."""

    def __init__(self, port: int, env: Mapping[str, str], log_path: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = dict(env)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the app (it migrates its database first) without waiting for it."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def wait_healthy(
        self, timeout: float = START_TIMEOUT, stopping: threading.Event | None = None
    ) -> str | None:
        """Wait until /healthz answers 200; returns None, or why the app did not come up."""
        deadline = time.monotonic() + timeout
        stopping = stopping or threading.Event()
        while time.monotonic() < deadline:
            code = self.exit_code()
            if code is not None:
                return f"the app exited with status {code}: {self.last_log_line()}"
            if self.healthy():
                return None
            if stopping.wait(0.2):
                return "stopped before the app was up"
        return f"the app did not answer /healthz within {timeout:.0f} s: {self.last_log_line()}"

    def healthy(self) -> bool:
        """Whether /healthz answers 200 within a second."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except OSError:
            return False

    def exit_code(self) -> int | None:
        """The exit status once the app has stopped; None while it runs (or never started)."""
        return self.process.poll() if self.process is not None else None

    def last_log_line(self) -> str:
        """The app log's last non-empty line (its one-line error, when it failed)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 4000))
                lines = log.read().decode("utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1].strip() if lines else ""

    def stop(self) -> None:
        """Stop the app: SIGTERM (gunicorn's graceful stop), then SIGKILL."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
