"""`matchday sandbox`: Slack's side, locally, with the app running unchanged beside it.

One port (3000 by default, on 127.0.0.1 only) serves the page and the Slack Web API the
app calls; the app is `matchday serve` on another port, started here as a child process.
Everything is kept in the data directory (``data/sandbox`` by default): ``slack.json``
(Slack's side), ``matchday.db`` (the app's own SQLite database), ``clock.json`` (the
clock the "advance time" control moves) and ``app.log``.
"""

from __future__ import annotations

import copy
import errno
import fcntl
import os
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import IO

from sandbox.actions import Interactions
from sandbox.app_process import AppProcess
from sandbox.control import AppSupervisor, ClockControl
from sandbox.deliver import AppLink
from sandbox.demo import ADMIN, PEOPLE, Seeder, SeedError, seed_slack
from sandbox.page import Page
from sandbox.persist import Saver, dump, load, restore
from sandbox.workspace import SandboxSlack

BOT_TOKEN = "xoxb-sandbox-bot-token"
DEFAULT_DATA_DIR = Path("data/sandbox")
HOST = "127.0.0.1"


def say(line: str) -> None:
    """One line for the person at the terminal."""
    print(f"matchday sandbox: {line}", flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _lock(data_dir: Path) -> IO[str] | None:
    """Hold the data directory for this sandbox; None when another one holds it."""
    handle = (data_dir / ".lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def run(port: int = 3000, app_port: int = 0, data_dir: Path = DEFAULT_DATA_DIR) -> int:
    """Run the sandbox until SIGINT or SIGTERM; returns the exit status."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(data_dir)
    if lock is None:
        say(f"{data_dir} is in use by another sandbox; stop it or pass another --data-dir.")
        return 1
    try:
        return _run(port, app_port, data_dir)
    finally:
        lock.close()


def _run(port: int, app_port: int, data_dir: Path) -> int:
    clock = ClockControl(data_dir / "clock.json")
    slack = SandboxSlack(port, clock=clock.clock, bot_token=BOT_TOKEN)
    try:
        slack.start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            say(f"port {port} on {HOST} is already in use; stop what runs there or use --port.")
        else:
            say(f"cannot listen on {HOST}:{port}: {error.strerror or error}")
        return 1
    try:
        return _serve(slack, clock, app_port, data_dir)
    finally:
        slack.stop()


def _restore(slack: SandboxSlack, data_dir: Path) -> bool:
    """Load the saved workspace; returns whether the app's side was already seeded."""
    state_path, database = data_dir / "slack.json", data_dir / "matchday.db"
    try:
        saved = load(state_path)
    except ValueError as error:
        say(f"starting a new demo workspace: {error}")
        saved = None
    if saved is not None and not database.exists():
        say("the app's database is gone, so the demo workspace starts afresh.")
        saved = None
    if saved is None:
        seed_slack(slack)
        return False
    with slack.lock:
        seeded = restore(slack.workspace, saved)
    slack.changed()
    return seeded


def _serve(slack: SandboxSlack, clock: ClockControl, app_port: int, data_dir: Path) -> int:
    seeded = _restore(slack, data_dir)

    def snapshot() -> dict[str, object]:
        with slack.lock:  # a copy, so saving never races the server's threads
            return copy.deepcopy(dump(slack.workspace, seeded=seeded))

    saver = Saver(data_dir / "slack.json", snapshot).start()
    slack.on_change.append(saver.mark)
    secret = secrets.token_hex(24)
    process = AppProcess(
        app_port or free_port(), _app_env(slack, secret, data_dir), data_dir / "app.log"
    )
    stop = threading.Event()
    supervisor = AppSupervisor(process, slack, stop)
    interactions = Interactions(slack, AppLink(process.url + "/slack/events", secret))
    timezone = os.environ.get("MATCHDAY_TIMEZONE", "Europe/Stockholm")
    slack.page = Page(
        slack, interactions, clock, supervisor, {p.id: p.about for p in PEOPLE}, timezone
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    say(f"open http://{HOST}:{slack.port} in your browser (Ctrl-C stops it)")
    try:
        problem = supervisor.start()
        if stop.is_set():
            return 0
        if problem:
            say(f"{problem} (log: {process.log_path})")
            return 1
        if not seeded:
            seeded = _seed(slack, interactions, stop)
        else:
            slack.set_status(seed="done")
        while not stop.wait(1.0):
            pass
        return 0
    finally:
        supervisor.stop()
        slack.on_change.remove(saver.mark)
        saver.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        say("stopped.")


def _seed(slack: SandboxSlack, interactions: Interactions, stop: threading.Event) -> bool:
    """Set up the app's side of the demo; returns whether it worked."""

    def progress(step: str) -> None:
        if stop.is_set():
            raise SeedError("stopped")
        slack.set_status(seed=f"setting up the demo: {step}")

    try:
        Seeder(interactions, progress).run()
    except (SeedError, LookupError) as error:
        if stop.is_set():
            return False
        slack.set_status(seed=f"failed: {error}")
        say(f"could not set up the demo workspace: {error}")
        return False
    slack.set_status(seed="done")
    slack.log("sandbox", "demo workspace set up")
    return True


def _app_env(slack: SandboxSlack, secret: str, data_dir: Path) -> dict[str, str]:
    """The app's environment: the operator's, with Slack and storage pointed at the sandbox."""
    replaced = ("DATABASE_URL", "MATCHDAY_ADMINS", "MATCHDAY_CLOCK_FILE", "MATCHDAY_SCHEDULER")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k not in replaced}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=f"http://{HOST}:{slack.port}/api/",
        DATABASE_URL=f"sqlite:///{data_dir / 'matchday.db'}",
        MATCHDAY_ADMINS=ADMIN.id,
        MATCHDAY_CLOCK_FILE=str(data_dir / "clock.json"),
        PYTHONUNBUFFERED="1",
    )
    return env


if __name__ == "__main__":
    sys.exit(run())
