"""Matchday's WSGI app in this process, for counting and profiling single requests.

The app is built as `matchday serve` builds it in a worker (``new_deps``, ``create_app``,
``make_wsgi``), without the worker threads (no sender, no tick), against a given database
and a fake Slack. Each request is timed from the WSGI call to the last byte, and the SQL
statements and connection checkouts of the request's own thread are counted through
SQLAlchemy's engine and pool events (work after the ack runs in other threads).
"""

from __future__ import annotations

import contextvars
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from benchmarks.ack_kinds import ADMIN, Request, replied
from bot.app import create_app, new_deps
from bot.config import Settings
from bot.deps import Deps
from bot.web import WsgiApp, make_wsgi
from handlers.inbox import Inbox
from sandbox.slack_api import FakeSlack
from storage.repositories import inbox


@dataclass
class Answer:
    """What the app answered, and what the request cost in the database."""

    status: str
    body: bytes
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0
    transactions: int = 0  # on PostgreSQL each is a BEGIN and a COMMIT/ROLLBACK round trip


class Counter:
    """SQL statements and pool checkouts of the thread that is counting."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _into(self) -> Answer | None:
        return getattr(self._local, "answer", None)

    @contextmanager
    def counting(self, answer: Answer) -> Iterator[None]:
        """Count into ``answer`` while the block runs in this thread."""
        self._local.answer = answer
        try:
            yield
        finally:
            self._local.answer = None

    def statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        """before_cursor_execute: one statement (a round trip on PostgreSQL)."""
        answer = self._into()
        if answer is not None:
            answer.statements.append(" ".join(statement.split())[:160])

    def begin(self, connection: Any, *_args: Any) -> None:
        """A transaction begun on a connection (on an autocommit connection there is none:
        no BEGIN, no COMMIT)."""
        answer = self._into()
        autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if answer is not None and not autocommit:
            answer.transactions += 1

    def checkout(self, *_args: Any) -> None:
        """Pool checkout: a session that reached the database."""
        answer = self._into()
        if answer is not None:
            answer.checkouts += 1


class InProcessApp:
    """The app, its database and a counter of what each request asks of the database."""

    def __init__(self, database_url: str, api_url: str, secret: str, token: str) -> None:
        settings = Settings(
            SLACK_BOT_TOKEN=token,
            SLACK_SIGNING_SECRET=secret,
            SLACK_API_URL=api_url,
            DATABASE_URL=database_url,
            MATCHDAY_ADMINS=frozenset({ADMIN}),
            MATCHDAY_WORKER=False,
            MATCHDAY_SCHEDULER=False,
        )
        self.deps: Deps = new_deps(settings)
        app = create_app(settings, self.deps)
        # Clicks and events are handled after their answer: not swept here (see settle).
        self.inbox = Inbox(app, self.deps)
        self.wsgi: WsgiApp = make_wsgi(app, self.deps, self.inbox)
        self.counter = Counter()
        event.listen(self.deps.engine, "before_cursor_execute", self.counter.statement)
        event.listen(self.deps.engine.pool, "checkout", self.counter.checkout)
        event.listen(self.deps.engine, "begin", self.counter.begin)

    def send(self, request: Request) -> Answer:
        """One request through the WSGI app, as gunicorn hands it over."""
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": io.StringIO(),
            "CONTENT_LENGTH": str(len(request.body)),
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        }
        for name, value in request.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        answer = Answer("", b"")

        def start_response(status: str, _headers: Any, *_rest: Any) -> None:
            answer.status = status

        def run() -> None:
            with self.counter.counting(answer):
                body = self.wsgi(environ, start_response)
                answer.body = b"".join(body)
            close = getattr(body, "close", None)
            if close is not None:
                close()  # as a WSGI server does once the body is sent

        # As on a server thread: what the request sets (its reader's language) stays with it
        # and does not leak into the caller's context.
        contextvars.copy_context().run(run)
        return answer

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every click and event answered so far has been handled."""
        deadline = time.monotonic() + timeout
        while True:
            with self.deps.sessions() as session:
                if inbox.waiting(session=session) == 0:
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the inbox was not handled in time")
            time.sleep(0.01)

    def reply(self, request: Request, fake: FakeSlack) -> bytes:
        """What the app sent through the request's response URL once it was handled: a
        command kept in the inbox is answered empty and replies there (b"": nothing)."""
        if not request.response_url:
            return b""
        self.settle()
        return replied(fake, request.response_url)

    def close(self) -> None:
        """Let the inbox and after-ack work finish, then close the database connections."""
        import handlers.language

        self.inbox.stop()
        self.deps.after_ack.shutdown()
        self.deps.engine.dispose()
        handlers.language._installed = None  # the next app installs its own
