"""`matchday sandbox` as a person starts it: the demo survives restarts, ports are checked,
and a stopped app is shown as an error instead of a hang.

Also home of :class:`SandboxProcess`, which the browser test uses to start the sandbox.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from sandbox.demo import ADMIN, GENERAL_CHANNEL, PROJECT_CHANNEL
from tests.e2e import free_port

pytestmark = pytest.mark.e2e
READY_TIMEOUT = 60.0


class SandboxProcess:
    """`python -m bot.cli sandbox` in its own process group, with no Slack settings."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = data_dir.parent / f"{data_dir.name}-sandbox.out"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> SandboxProcess:
        """Start the sandbox and (by default) wait until the demo workspace is ready."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
        env.pop("DATABASE_URL", None)
        command = [sys.executable, "-m", "bot.cli", "sandbox", "--port", str(self.port)]
        command += ["--data-dir", str(self.data_dir)]
        with self.output.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # so a failed test can stop the app child too
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> dict[str, Any]:
        """Wait for the app to be up and the demo seeded; returns the admin's state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the sandbox exited: {self.log()}")
            try:
                state = self.state(ADMIN.id)
            except OSError:
                time.sleep(0.2)
                continue
            if state["status"]["app"] == "up" and state["status"]["seed"] == "done":
                return state
            if state["status"]["seed"].startswith("failed"):
                raise AssertionError(f"seeding failed: {state['status']}")
            time.sleep(0.2)
        raise AssertionError(f"the sandbox was not ready in {timeout:.0f} s: {self.log()}")

    def log(self) -> str:
        """What the sandbox printed, and the end of the app's log."""
        app_log = self.data_dir / "app.log"
        tail = app_log.read_text(errors="replace")[-1500:] if app_log.exists() else ""
        return self.output.read_text(errors="replace") + "\n--- app.log ---\n" + tail

    def state(self, user: str) -> dict[str, Any]:
        """What ``user`` sees right now."""
        url = f"{self.url}/sandbox/state?user={user}"
        with urllib.request.urlopen(url, timeout=5) as answer:
            data: dict[str, Any] = json.loads(answer.read())
            return data

    def act(self, user: str, **action: Any) -> dict[str, Any]:
        """Do what the page does for one click or message."""
        body = json.dumps({**action, "user": user}).encode()
        request = urllib.request.Request(
            f"{self.url}/sandbox/act", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=20) as answer:
            data: dict[str, Any] = json.loads(answer.read())
            return data

    def app_pid(self) -> int:
        """The pid of the `matchday serve` child (gunicorn's arbiter)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()]
        assert len(pids) == 1, pids
        return pids[0]

    def stop(self) -> int:
        """SIGTERM and wait (the sandbox stops the app); SIGKILL the group as a last resort."""
        process = self.process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # nothing of the group may outlive it
            os.killpg(process.pid, signal.SIGKILL)
        return int(process.returncode)


def wait_until(predicate: Any, timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def texts(items: list[dict[str, Any]]) -> str:
    """Every text and block of some messages, as one searchable string."""
    return json.dumps(items, ensure_ascii=False)


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    """A running sandbox with a fresh demo workspace."""
    process = SandboxProcess(tmp_path / "data").start()
    yield process
    assert process.stop() == 0, process.log()


def test_a_taken_port_is_reported_in_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = SandboxProcess(tmp_path / "data", port).start(wait=False)
        assert process.process is not None
        assert process.process.wait(timeout=20) == 1
    printed = process.output.read_text().strip().splitlines()
    assert printed == [
        f"matchday sandbox: port {port} on 127.0.0.1 is already in use; "
        "stop what runs there or use --port."
    ]


def test_a_restart_keeps_the_demo_and_does_not_seed_twice(tmp_path: Path) -> None:
    first = SandboxProcess(tmp_path / "data").start()
    try:
        assert first.act(ADMIN.id, kind="send", channel=GENERAL_CHANNEL, text="Kept?")["ok"]
        clock = first.state(ADMIN.id)["clock"]["now"]
        assert first.act(ADMIN.id, kind="advance", seconds=86400)["ok"]
    finally:
        assert first.stop() == 0, first.log()
    second = SandboxProcess(tmp_path / "data", first.port).start()
    try:
        state = second.state(ADMIN.id)
        assert "Kept?" in texts(state["messages"][GENERAL_CHANNEL])
        assert state["clock"]["offset_seconds"] >= 86400
        assert state["clock"]["now"] > clock
        assert not any("demo workspace set up" in a["what"] for a in state["activity"])
        assert second.act(ADMIN.id, kind="send", channel=PROJECT_CHANNEL, text="/matchday team")[
            "ok"
        ]
        team = texts(second.state(ADMIN.id)["ephemerals"])
        for name in ("U02SARA", "U03ANNA", "U04JOHAN", "U05ERIK"):
            assert name in team  # the app's own SQLite kept the project group
    finally:
        assert second.stop() == 0, second.log()


def test_a_stopped_app_is_shown_as_an_error_and_can_be_restarted(sandbox: SandboxProcess) -> None:
    os.kill(sandbox.app_pid(), signal.SIGTERM)
    wait_until(lambda: sandbox.state(ADMIN.id)["status"]["app"] == "down", 20, "app down")
    started = time.monotonic()
    outcome = sandbox.act(ADMIN.id, kind="send", channel=PROJECT_CHANNEL, text="/matchday help")
    assert time.monotonic() - started < 5
    assert not outcome["ok"]
    assert "dispatch_failed" in outcome["error"]
    shown = sandbox.state(ADMIN.id)
    assert any(e.get("sandbox_error") for e in shown["ephemerals"])
    assert any(not a["ok"] for a in shown["activity"])
    assert sandbox.act(ADMIN.id, kind="restart_app")["ok"]
    wait_until(lambda: sandbox.state(ADMIN.id)["status"]["app"] == "up", 40, "app up again")
    assert sandbox.act(ADMIN.id, kind="send", channel=PROJECT_CHANNEL, text="/matchday help")["ok"]


def test_one_data_directory_serves_one_sandbox_and_stopping_while_starting_is_prompt(
    tmp_path: Path,
) -> None:
    first = SandboxProcess(tmp_path / "data").start(wait=False)
    try:
        wait_until(lambda: (tmp_path / "data" / ".lock").exists(), 20, "the first sandbox")
        second = SandboxProcess(tmp_path / "data").start(wait=False)
        assert second.process is not None
        assert second.process.wait(timeout=20) == 1
        assert "is in use by another sandbox" in second.output.read_text()
    finally:
        started = time.monotonic()
        assert first.stop() == 0, first.log()
        assert time.monotonic() - started < 15
