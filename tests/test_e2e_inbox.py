"""Clicks and events are answered at once and handled after the answer (handlers/inbox.py).

What a web process answered survives it: killed with SIGKILL before the work was done,
its deliveries are handled by a worker, each exactly once, also when Slack delivers them
again. A delivery whose handler died is taken over when its lease ends, and one that keeps
failing is tried a few times, then dropped.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from slack_bolt import App, BoltResponse
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.ack_inprocess import InProcessApp
from benchmarks.ack_kinds import MANAGER, ORG_CHANNEL, THREAD_CHANNEL, Request, Seeded, seed
from benchmarks.ack_latency import populate
from bot.app import new_deps
from bot.config import Settings
from handlers.commands import HANDLERS, CommandRequest, Outcome
from handlers.inbox import MAX_ATTEMPTS, Inbox
from sandbox import payloads
from sandbox.blockkit import escape
from sandbox.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, post_to_app, signed_headers
from sandbox.slack_api import FakeSlack
from storage.models import AnswerRow, AssessmentRow, FocusAreaRow, InboxRow
from storage.repositories import inbox, languages, outbox
from tests.e2e import SIGNING_SECRET, ServerProcess, start_worker, until, web_without_worker

THREADS = 6


def _typed(n: int) -> str:
    """What the project manager types as the n-th thread's first answer."""
    return f"Snö & is <på> cykelbanorna — *äldre* faller, tråd {n}"


def _reply(seeded: Seeded, n: int) -> tuple[str, str]:
    """The first answer in the n-th seeded thread, as Slack delivers it (body, event id)."""
    event = payloads.message_event(
        MANAGER,
        THREAD_CHANNEL,
        escape(_typed(n)),  # Slack delivers it escaped
        ts=f"{time.time():.6f}",
        thread_ts=seeded.threads[n],
    )
    event_id = f"EvINBOX{n:05d}"
    return payloads.event_callback(event, event_id=event_id), event_id


def _deliver(server: ServerProcess, body: str) -> tuple[int, bytes]:
    status, _headers, data = post_to_app(
        server.url + "/slack/events", SIGNING_SECRET, body, JSON_CONTENT_TYPE
    )
    return status, data


def _answers(sessions: sessionmaker[Session], seeded: Seeded, count: int = THREADS) -> list[int]:
    """How many answers each of the first ``count`` seeded threads' assessments holds."""
    with sessions() as session:
        counts = dict(
            session.execute(
                select(AssessmentRow.thread_ts, func.count(AnswerRow.id))
                .outerjoin(AnswerRow, AnswerRow.assessment_id == AssessmentRow.id)
                .group_by(AssessmentRow.thread_ts)
            ).all()
        )
    return [int(counts.get(thread, 0)) for thread in seeded.threads[:count]]


def _recorded(sessions: sessionmaker[Session]) -> set[str]:
    """Every text value of the answers recorded."""
    with sessions() as session:
        fields = session.scalars(select(AnswerRow.fields)).all()
    return {str(value) for answer in fields for value in answer.values()}


def _waiting(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return inbox.waiting(session=session)


def _threads_and_web(
    database: str, sessions: sessionmaker[Session], slack: FakeSlack, folder: Path, threads: int
) -> tuple[Seeded, ServerProcess]:
    """``threads`` assessment threads waiting for their first answer, and a web process
    without a worker (healthy: a worker's beat is recorded first)."""
    populate(slack)
    seeded = seed(sessions, threads=threads)
    with sessions.begin() as session:
        outbox.beat(session=session, name="sender", now=datetime.now(UTC))
    return seeded, web_without_worker(database, slack, folder)


def _worker_empties_the_inbox(
    database: str, sessions: sessionmaker[Session], slack: FakeSlack, folder: Path
) -> None:
    """A `matchday worker` runs until the inbox is empty, then stops."""
    worker = start_worker(database, slack.api_url, folder / "worker.log")
    try:
        until(lambda: _waiting(sessions) == 0, 60, "the worker did not take the inbox")
    finally:
        worker.terminate()
        worker.wait(timeout=15)


def test_replies_a_killed_web_process_answered_are_handled_by_a_worker_once(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    seeded, web = _threads_and_web(own_database, own_sessions, slack, tmp_path, THREADS)
    replies = [_reply(seeded, n) for n in range(THREADS)]
    try:
        for body, _event_id in replies:
            assert _deliver(web, body) == (200, b"")
        assert _deliver(web, replies[0][0]) == (200, b"")  # Slack's retry while it waits
    finally:
        web.kill()  # SIGKILL: nothing after the answers was done
    assert _waiting(own_sessions) == THREADS
    assert _answers(own_sessions, seeded) == [0] * THREADS

    def told() -> set[str]:
        return {str(call.args.get("thread_ts")) for call in slack.calls_to("chat.postMessage")}

    worker = start_worker(own_database, slack.api_url, tmp_path / "worker.log")
    try:
        until(lambda: _waiting(own_sessions) == 0, 30, "the worker did not take the inbox")
        # Each thread is told its next step by the worker's sender.
        until(lambda: set(seeded.threads[:THREADS]) <= told(), 30, "a thread was not told")
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    assert _answers(own_sessions, seeded) == [1] * THREADS
    assert _recorded(own_sessions) == {_typed(n) for n in range(THREADS)}  # as typed, once

    # Slack delivers them all again (its retries): each is recorded once all the same.
    again = ServerProcess(
        own_database, slack.api_url, tmp_path / "again.log", MATCHDAY_SCHEDULER="false"
    ).start()
    try:
        for body, _event_id in replies:
            assert _deliver(again, body) == (200, b"")
        until(lambda: _waiting(own_sessions) == 0, 30, "the retries were not handled")
    finally:
        again.stop()
    assert _answers(own_sessions, seeded) == [1] * THREADS


BURST = 24


def test_a_burst_a_killed_web_process_answered_is_handled_once(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    # Replies arriving together are kept together (on SQLite in one transaction, see
    # storage/sqlite_turns.py): every one answered is in the inbox when the process dies.
    seeded, web = _threads_and_web(own_database, own_sessions, slack, tmp_path, BURST)
    replies = [_reply(seeded, n)[0] for n in range(BURST)]
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda body: _deliver(web, body), replies))
    finally:
        web.kill()  # SIGKILL right after the last answer
    assert answers == [(200, b"")] * BURST
    assert _waiting(own_sessions) == BURST
    _worker_empties_the_inbox(own_database, own_sessions, slack, tmp_path)
    assert _answers(own_sessions, seeded, BURST) == [1] * BURST
    assert _recorded(own_sessions) == {_typed(n) for n in range(BURST)}


def _command(server: ServerProcess, slack: FakeSlack, user: str, text: str) -> str:
    """Type `/matchday <text>` in the bench organisation's channel; its response URL."""
    response_url = slack.new_response_url()
    body = payloads.slash_command(
        text=text,
        user_id=user,
        channel_id=ORG_CHANNEL,
        trigger_id=slack.issue_trigger_id(),
        response_url=response_url,
    )
    status, _headers, data = post_to_app(
        server.url + "/slack/events", SIGNING_SECRET, body, FORM_CONTENT_TYPE
    )
    assert (status, data) == (200, b"")  # answered at once, empty: the reply comes later
    return response_url


def test_commands_a_killed_web_process_answered_are_replied_to_by_a_worker_once(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    populate(slack)
    seed(own_sessions, threads=1)
    hostile = "Snö & is <på> *cykelbanorna* <!channel>"
    with own_sessions.begin() as session:
        session.execute(
            update(FocusAreaRow).where(FocusAreaRow.title == "Area 1").values(title=hostile)
        )
        languages.choose(session=session, user_id=MANAGER, language="sv")
        outbox.beat(session=session, name="sender", now=datetime.now(UTC))  # healthy
    web = web_without_worker(own_database, slack, tmp_path)
    try:
        areas = _command(web, slack, MANAGER, "areas")
        unknown = _command(web, slack, MANAGER, "frobnicate <!here>")
    finally:
        web.kill()  # SIGKILL: nothing after the answers was done
    assert _waiting(own_sessions) == 2
    assert slack.calls_to("response_url") == []

    _worker_empties_the_inbox(own_database, own_sessions, slack, tmp_path)
    [listed] = [call.args for call in slack.replies_to(areas)]
    assert listed["response_type"] == "ephemeral"
    shown = json.dumps(listed, ensure_ascii=False)
    assert "Fokusområden för Bench kommun" in shown  # in the language the manager chose
    # Escaped once (shown as typed), its stars shown as look-alikes inside the bold title.
    assert "Snö &amp; is &lt;på&gt;" in shown and "&lt;!channel&gt;" in shown
    assert "<!channel>" not in shown and "&amp;amp;" not in shown
    [helped] = [call.args for call in slack.replies_to(unknown)]
    assert helped["response_type"] == "ephemeral"
    assert "Matchdays kommandon" in json.dumps(helped, ensure_ascii=False)
    assert "<!here>" not in json.dumps(helped)


def test_a_delivery_whose_handler_died_is_taken_over_after_its_lease(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    populate(slack)
    seeded = seed(own_sessions, threads=1)
    body, event_id = _reply(seeded, 0)
    now = datetime.now(UTC)
    with own_sessions.begin() as session:  # as a process leaves it that died while handling
        session.add(
            InboxRow(
                key="event:" + event_id,
                kind="event:message",
                content_type=JSON_CONTENT_TYPE,
                body=body,
                received_at=now,
                lease_until=now + timedelta(seconds=3),
                attempts=1,
            )
        )
    server = ServerProcess(
        own_database,
        slack.api_url,
        tmp_path / "server.log",
        MATCHDAY_SCHEDULER="false",
        MATCHDAY_INBOX_LEASE_SECONDS="2",
    ).start()
    try:
        until(lambda: _waiting(own_sessions) == 0, 20, "the lease ended, nobody took over")
    finally:
        server.stop()
    assert _answers(own_sessions, seeded)[:1] == [1]
    with own_sessions() as session:
        answered = session.scalar(select(AnswerRow.answered_at))
    # Its lease held while it ran: nobody took it over before the lease ended.
    assert answered is not None and answered >= now + timedelta(seconds=3)


def _retry_later(sessions: sessionmaker[Session]) -> bool:
    """The one delivery is kept, due again in RETRY_AFTER rather than now."""
    with sessions() as session:
        leases = list(session.scalars(select(InboxRow.lease_until)))
    return len(leases) == 1 and leases[0] > datetime.now(UTC) + timedelta(seconds=10)


class _Listeners:
    """Listeners that answer every delivery with one status (500: a passing failure, as
    when the database is away; 200: handled), counting the deliveries."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.calls = 0

    def dispatch(self, _request: object) -> BoltResponse:
        self.calls += 1
        return BoltResponse(status=self.status, body="")


def test_a_delivery_that_keeps_failing_is_retried_then_dropped(
    own_database: str, own_sessions: sessionmaker[Session]
) -> None:
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-test", DATABASE_URL=own_database, MATCHDAY_INBOX_LEASE_SECONDS=2
    )
    deps = new_deps(settings)
    failing = _Listeners(500)
    kept = Inbox(cast(App, failing), deps, here=False)  # the sweep below hands it on
    try:
        assert kept.receive(key="event:EvFAIL", kind="event:message", content_type="x", body=b"{}")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            with own_sessions.begin() as session:  # its retry is due (not after 30 s)
                session.execute(update(InboxRow).values(lease_until=datetime.now(UTC)))
            assert kept.sweep() == 1
            until(lambda n=attempt: failing.calls == n, 10, "not handed on")
            if attempt < MAX_ATTEMPTS:
                until(lambda: _retry_later(own_sessions), 10, "not kept for a retry")
        # Dropped: it leaves the inbox with the next sweep, as a handled one does.
        until(lambda: kept.sweep() >= 0 and _waiting(own_sessions) == 0, 10, "not dropped")
        assert kept.sweep() == 0
        assert failing.calls == MAX_ATTEMPTS
    finally:
        kept.stop()
        deps.engine.dispose()


def test_handled_deliveries_leave_the_inbox_with_the_sweep_after_them(
    own_database: str, own_sessions: sessionmaker[Session]
) -> None:
    """One commit for what a worker finished and what it takes next (not one each)."""
    deps = new_deps(Settings(SLACK_BOT_TOKEN="xoxb-test", DATABASE_URL=own_database))
    answering = _Listeners(200)
    web = Inbox(cast(App, answering), deps, here=False)  # as `serve --no-worker` makes it
    worker = Inbox(cast(App, answering), deps)  # as `matchday worker` makes it

    def receive(key: str) -> bool:
        return web.receive(key=key, kind="event:message", content_type="x", body=b"{}")

    try:
        assert all(receive(f"event:EvOK{n}") for n in range(3))
        assert worker.sweep() == 3
        until(lambda: answering.calls == 3, 10, "not handed on")
        assert _waiting(own_sessions) == 3  # handled, and still there until the next sweep
        until(lambda: worker.sweep() >= 0 and _waiting(own_sessions) == 0, 10, "not let go")
        # One handled just before the worker stops leaves the inbox as it stops.
        assert receive("event:EvOK9")
        assert worker.sweep() == 1
        until(lambda: answering.calls == 4, 10, "not handed on")
    finally:
        worker.stop()
        web.stop()
        deps.engine.dispose()
    assert _waiting(own_sessions) == 0
    assert answering.calls == 4


def test_when_the_inbox_cannot_keep_a_delivery_it_is_handled_before_the_answer(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database that refuses the insert (full, locked) costs the speed, not the reply."""
    populate(slack)
    seeded = seed(own_sessions, threads=1)
    running = InProcessApp(own_database, slack.api_url, SIGNING_SECRET, slack.bot_token)

    def refuse(**_kwargs: object) -> bool:
        raise OperationalError("INSERT INTO inbox", {}, Exception("database is locked"))

    monkeypatch.setattr(running.inbox, "receive", refuse)
    try:
        body, _event_id = _reply(seeded, 0)
        data = body.encode()
        headers = signed_headers(SIGNING_SECRET, data, content_type=JSON_CONTENT_TYPE)
        answer = running.send(Request(data, headers))
        assert answer.status.startswith("200")
        assert _answers(own_sessions, seeded)[:1] == [1]  # recorded before the answer
    finally:
        running.close()


def test_a_command_that_fails_after_its_answer_says_so_by_its_response_url_once(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slack had its empty answer: the polite notice goes through the response URL, and
    the command is not run again (it may have changed something before it failed)."""
    populate(slack)
    seed(own_sessions, threads=1)
    running = InProcessApp(own_database, slack.api_url, SIGNING_SECRET, slack.bot_token)
    runs: list[str] = []

    def broken(request: CommandRequest) -> Outcome:
        runs.append(request.args)
        raise RuntimeError("a bug in a subcommand")

    monkeypatch.setitem(HANDLERS, "areas", broken)
    try:
        response_url = slack.new_response_url()
        body = payloads.slash_command(
            text="areas",
            user_id=MANAGER,
            channel_id=ORG_CHANNEL,
            trigger_id=slack.issue_trigger_id(),
            response_url=response_url,
        ).encode()
        headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
        answer = running.send(Request(body, headers, response_url))
        assert (answer.status[:3], answer.body) == ("200", b"")
        running.settle()  # handled, and gone from the inbox: not tried again
        [notice] = [call.args for call in slack.replies_to(response_url)]
        assert notice["response_type"] == "ephemeral"
        # In the manager's language (their groups speak Swedish).
        assert "Tyvärr gick något fel hos oss och ingenting ändrades" in notice["text"]
        assert runs == [""]
    finally:
        running.close()
