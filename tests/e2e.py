"""End-to-end harness: `matchday serve` in a subprocess, driven over HTTP as Slack drives it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from sandbox import payloads
from sandbox.signing import post_to_app, retry_headers
from sandbox.slack_api import Call, FakeSlack

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-fake-bot-token"
ADMIN = "UADMIN0001"


_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    """One engine per database for the harness's own reads."""
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(url, poolclass=NullPool)
    return _ENGINES[url]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`matchday serve` exactly as an operator starts it, on a free port, with the worker
    inside (see SplitServerProcess for production's shape)."""

    worker_process = False

    def __init__(self, database_url: str, api_url: str, log_path: Path, **env: str) -> None:
        self.worker: subprocess.Popen[bytes] | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "MATCHDAY_ADMINS": ADMIN,
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        """Start and wait until /healthz answers 200."""
        log = self.log_path.open("ab")
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
            *(["--no-worker"] if self.worker_process else []),
        ]
        if self.worker_process:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker"],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        # Its own process group, so that kill() takes gunicorn's workers down with it.
        self.process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        # Generous: CI's two test processes share two cores with their servers and HiGHS.
        deadline = time.monotonic() + 60
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None or (self.worker and self.worker.poll() is not None):
                self.stop()
                raise RuntimeError(f"matchday exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except urllib.error.HTTPError as error:
                last = f"{error.code} {error.read()[:300]!r}"
                time.sleep(0.1)
            except OSError as error:
                last = repr(error)
                time.sleep(0.1)
        raise RuntimeError(
            f"matchday serve did not become healthy (last /healthz: {last}): "
            f"{self.log_path.read_text()[-2000:]}"
        )

    def kill(self) -> None:
        """SIGKILL the server and its workers at once, as a crash or an OOM kill would."""
        for process in (self.process, self.worker):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        for process in (self.process, self.worker):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class SplitServerProcess(ServerProcess):
    """Production's shape: `matchday serve --no-worker` beside a `matchday worker` process
    (clicks and events then reach the listeners through the inbox)."""

    worker_process = True


def until(condition: Any, timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def start_worker(database_url: str, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    """`matchday worker` on this database (no scheduled tick): it handles the inbox."""
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "MATCHDAY_SCHEDULER": "false",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def web_without_worker(database_url: str, fake: FakeSlack, folder: Path) -> ServerProcess:
    """`matchday serve` with no worker inside: it keeps what it answers in the inbox."""
    return ServerProcess(
        database_url,
        fake.api_url,
        folder / "web.log",
        MATCHDAY_WORKER="false",
        MATCHDAY_SCHEDULER="false",
    ).start()


@dataclass
class Response:
    """What the app answered to one request."""

    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON (an empty body is an empty dict)."""
        return json.loads(self.body) if self.body.strip() else {}


# How long to wait for a message Slack refused three times before taking it: the sender's
# backoff is 1 + 2 + 4 s (bot/outbox.backoff), and a busy shared CI machine can stretch that.
# Waiting returns as soon as the message is there, so a long bound costs nothing when it passes.
RETRIED = 60.0


class Workspace:
    """Sends the app what Slack would send when people type and click."""

    def __init__(self, server: ServerProcess, fake: FakeSlack) -> None:
        self.server = server
        self.fake = fake
        self.endpoint = server.url + "/slack/events"
        self._mark = 0  # calls before this index happened before the latest request

    def _wait(self, method: str, predicate: Any, timeout: float, since: int = 0) -> Call:
        started = time.time()
        deadline = time.monotonic() + timeout
        while True:
            calls = self.fake.calls[since:]
            for call in calls:
                if call.method == method and predicate(call):
                    return call
            if time.monotonic() > deadline:
                # When, what and how each call ended, so a failure says where time went.
                seen = [
                    f"{call.time - started:+.2f}s {call.method} {call.status}"
                    f"{'' if call.succeeded else ' ' + str(call.response.get('error'))}"
                    for call in calls
                ]
                raise AssertionError(f"no matching {method} call in {timeout}s; saw {seen}")
            time.sleep(0.02)

    def _post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> Response:
        self._mark = len(self.fake.calls)
        status, _headers, data = post_to_app(
            self.endpoint, SIGNING_SECRET, body, content_type, extra_headers=headers
        )
        if status == 200 and not data:
            self.settle()
        return Response(status, data)

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the app has handled the clicks and events it answered at once.

        The app answers a click or an event before handling it (handlers/inbox.py); in Slack
        its effect shows a moment later. The harness waits for that moment, so a test reads
        the effect of what it sent.
        """
        engine = _engine(str(self.server.env["DATABASE_URL"]))
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as connection:
                if not connection.execute(text("SELECT count(*) FROM inbox")).scalar():
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the app did not handle what it acknowledged in time")
            time.sleep(0.01)

    def command(self, user: str, channel: str, text: str) -> Response:
        """Type `/matchday <text>` in a channel; the answer is what the person sees.

        A web process without a worker answers a command empty and replies a moment later
        through the command's response_url (handlers/commands.py): that reply is returned
        as the answer's body, as Slack shows either the same way. (Messages that follow it
        through the same URL, such as a report after "counting...", are not the answer.)
        """
        response_url = self.fake.new_response_url()
        body = payloads.slash_command(
            text=text,
            user_id=user,
            channel_id=channel,
            trigger_id=self.fake.issue_trigger_id(),
            response_url=response_url,
        )
        response = self._post(body, "application/x-www-form-urlencoded")
        if response.status == 200 and not response.body:
            replies = self.fake.replies_to(response_url)  # _post waited for the handling
            if replies:
                return Response(200, json.dumps(replies[0].args).encode())
        return response

    def click(
        self,
        user: str,
        action_id: str,
        value: str = "",
        response_url: str | None = None,
        **extra: Any,
    ) -> Response:
        """Click a button."""
        body = payloads.block_actions(
            user_id=user,
            action_id=action_id,
            value=value,
            trigger_id=self.fake.issue_trigger_id(),
            response_url=response_url or self.fake.new_response_url(),
            **extra,
        )
        return self._post(body, "application/x-www-form-urlencoded")

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Response:
        """Submit a modal the app opened, with these input values."""
        body = payloads.view_submission(
            user_id=user,
            callback_id=view["callback_id"],
            values=values,
            private_metadata=view.get("private_metadata", ""),
        )
        return self._post(body, "application/x-www-form-urlencoded")

    def suggest(self, user: str, view: dict[str, Any], block_id: str, typed: str) -> dict[str, Any]:
        """Type into the external select of ``block_id`` in a modal the app opened; the
        app's options, after the fake checked them as Slack would before showing them."""
        element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
        body = payloads.block_suggestion(
            user_id=user,
            action_id=element["action_id"],
            block_id=block_id,
            value=typed,
            view=view,
        )
        response = self._post(body, "application/x-www-form-urlencoded")
        assert response.status == 200, response
        answer = response.json()
        assert isinstance(answer, dict)
        self.fake.check_options(answer)
        return answer

    def event(self, event: dict[str, Any], event_id: str | None = None, retry: int = 0) -> Response:
        """Deliver an Events API event (a retry repeats the event_id with Slack's headers)."""
        headers = retry_headers(retry) if retry else None
        return self._post(
            payloads.event_callback(event, event_id=event_id), "application/json", headers
        )

    def reply(self, user: str, channel: str, thread_ts: str, text: str) -> tuple[str, Response]:
        """Reply in a thread as a person; returns the reply's ts and the app's answer."""
        event = payloads.message_event(user, channel, text, thread_ts=thread_ts)
        return str(event["ts"]), self.event(event)

    def wait_post(self, channel: str, contains: str, timeout: float = 5.0) -> Call:
        """Wait for a chat.postMessage to a channel whose JSON contains the text."""
        return self._wait(
            "chat.postMessage",
            lambda c: (
                c.succeeded
                and c.args.get("channel") == channel
                and contains in json.dumps(c.args, ensure_ascii=False)
            ),
            timeout,
        )

    def wait_ephemeral(self, user: str, contains: str, timeout: float = 5.0) -> Call:
        """Wait for an ephemeral message to a person that contains the text."""
        return self._wait(
            "chat.postEphemeral",
            lambda c: (
                c.args.get("user") == user and contains in json.dumps(c.args, ensure_ascii=False)
            ),
            timeout,
        )

    def opened_modal(self, callback_id: str) -> dict[str, Any]:
        """The modal the app opened with this callback id after the latest request."""
        call = self._wait(
            "views.open",
            lambda c: c.succeeded and c.args["view"].get("callback_id") == callback_id,
            5.0,
            since=self._mark,
        )
        view = call.args["view"]
        assert isinstance(view, dict)
        return view

    def responses(self) -> list[dict[str, Any]]:
        """Everything the app sent through response URLs so far."""
        return [call.args for call in self.fake.calls_to("response_url")]

    def wait_response(self, contains: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for a response_url message whose JSON contains the given text."""
        call = self._wait(
            "response_url", lambda c: contains in json.dumps(c.args, ensure_ascii=False), timeout
        )
        return call.args
