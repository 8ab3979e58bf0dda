"""The outbox and its sender against the fake Slack, on SQLite and PostgreSQL.

What a person would notice: a message that follows a committed change always arrives, once;
one that follows a change rolled back never does; Slack's trouble delays it but never
duplicates or loses it; what Slack refuses for good is told to the person who acted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.background import AfterAck
from bot.clock import FixedClock
from bot.config import load_settings
from bot.deps import Deps
from bot.outbox import Pacer, Signal
from handlers import delivery  # noqa: F401 - the problem notice's builder
from sandbox.slack_api import FakeSlack
from storage.db import wake_on_commit
from storage.models import OutboxRow, OutboxStatus
from storage.repositories import outbox
from tests.e2e import BOT_TOKEN
from webapi.lookup import with_key
from worker.sender import LEASE, Sender

# Far ahead of real time (2037's calendar is 2026's): the shared test server's sender runs
# on the real clock and must never find this test's rows due, nor their leases run out.
START = datetime(2037, 12, 1, 9, 0, tzinfo=UTC)
ACTOR = "UACTOR0001"
READER = "UREADER001"


@pytest.fixture
def deps(engine: Engine, sessions: sessionmaker[Session], slack: FakeSlack) -> Iterator[Deps]:
    slack.add_user(ACTOR, "actor")
    slack.add_user(READER, "reader")
    slack.add_channel("C0GROUP", "group", members=[ACTOR, READER])
    slack.add_channel("C0NOBOT", "no-bot", members=[ACTOR], bot_member=False)
    settings = load_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=str(engine.url.render_as_string(hide_password=False)),
        MATCHDAY_SEND_RATE=1000,
    )
    signal = Signal()
    wake_on_commit(sessions, signal.wake)
    pool = AfterAck(workers=1)
    yield Deps(settings, engine, sessions, pool, FixedClock(START), signal)
    pool.shutdown()


def _sender(deps: Deps, slack: FakeSlack) -> Sender:
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    return Sender(deps, client, pacer=Pacer(1000, per_channel_interval=0), threads=4)


def _post(deps: Deps, key: str, channel: str = "C0GROUP", text: str = "hello", **extra) -> bool:
    with deps.sessions.begin() as session:
        return outbox.post(
            session=session,
            key=key,
            kind="notice",
            channel=channel,
            message={"text": text},
            now=deps.clock.now(),
            actor=ACTOR,
            **extra,
        )


def _texts(slack: FakeSlack, channel: str) -> list[str]:
    return [message["text"] for message in slack.messages(channel)]


def _row(deps: Deps, key: str) -> OutboxRow:
    with deps.sessions() as session:
        row = session.scalar(select(OutboxRow).where(OutboxRow.key == key))
        assert row is not None
        return row


def _later(deps: Deps, seconds: float) -> None:
    assert isinstance(deps.clock, FixedClock)
    deps.clock.advance(timedelta(seconds=seconds))


def test_a_committed_change_sends_its_message_once_and_a_rolled_back_one_none(
    deps: Deps, slack: FakeSlack
) -> None:
    assert _post(deps, "k:1", text="kept")
    assert not _post(deps, "k:1", text="kept again")  # a second submission: nothing added

    def change_that_fails() -> None:
        with deps.sessions.begin() as session:
            outbox.post(
                session=session,
                key="k:2",
                kind="notice",
                channel="C0GROUP",
                message={"text": "rolled back"},
                now=deps.clock.now(),
            )
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    sender = _sender(deps, slack)
    assert sender.drain() == 1
    assert _texts(slack, "C0GROUP") == ["kept"]
    row = _row(deps, "k:1")
    assert row.status == OutboxStatus.SENT.value
    assert row.result_ts == slack.messages("C0GROUP")[0]["ts"]
    meta = slack.messages("C0GROUP")[0]["metadata"]
    assert meta["event_payload"]["key"] == "k:1"


def test_the_commit_wakes_the_sender(deps: Deps) -> None:
    deps.outbox_signal.wait(0)
    _post(deps, "wake:1")
    assert deps.outbox_signal.wait(0.01)


def test_slack_answering_500_three_times_delays_the_message_but_sends_it_once(
    deps: Deps, slack: FakeSlack
) -> None:
    _post(deps, "retry:1", text="after trouble")
    slack.fail_next("chat.postMessage", status=500, count=3)
    sender = _sender(deps, slack)
    for wait in (0, 1, 2, 4):
        _later(deps, wait)
        sender.drain()
    assert _texts(slack, "C0GROUP") == ["after trouble"]
    row = _row(deps, "retry:1")
    assert row.status == OutboxStatus.SENT.value
    assert row.attempts == 4


def test_a_lost_answer_after_slack_took_the_message_does_not_post_it_twice(
    deps: Deps, slack: FakeSlack
) -> None:
    _post(deps, "lost:1", text="once only")
    slack.lose_answers("chat.postMessage", 1)
    sender = _sender(deps, slack)
    sender.drain()
    assert _row(deps, "lost:1").status == OutboxStatus.PENDING.value
    assert _row(deps, "lost:1").uncertain
    _later(deps, 5)
    sender.drain()
    assert _texts(slack, "C0GROUP") == ["once only"]
    row = _row(deps, "lost:1")
    assert row.status == OutboxStatus.SENT.value
    assert row.result_ts == slack.messages("C0GROUP")[0]["ts"]


def test_a_sender_killed_after_slack_answered_is_found_again_not_reposted(
    deps: Deps, slack: FakeSlack
) -> None:
    _post(deps, "crash:1", text="posted before the crash")
    _post(deps, "crash:2", channel=READER, text="a DM before the crash")
    # The dead sender claimed both rows and Slack took both messages; then it died.
    with deps.sessions.begin() as session:
        claimed = outbox.claim(
            session=session,
            ids=[row.id for row in session.scalars(select(OutboxRow))],
            now=deps.clock.now(),
            lease=LEASE,
            token="dead",
        )
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    for row in claimed:
        args = json.loads(row.payload)
        client.chat_postMessage(**with_key(args, row.key))
    sender = _sender(deps, slack)
    assert sender.drain() == 0  # the lease still holds
    _later(deps, LEASE.total_seconds() + 1)
    sender.drain()
    assert _texts(slack, "C0GROUP") == ["posted before the crash"]
    assert _texts(slack, READER) == ["a DM before the crash"]
    assert {_row(deps, key).status for key in ("crash:1", "crash:2")} == {"sent"}


def test_a_permanent_error_is_recorded_and_told_to_the_person_who_acted(
    deps: Deps, slack: FakeSlack
) -> None:
    _post(deps, "gone:1", channel="C0NOBOT", text="nobody can read this")
    sender = _sender(deps, slack)
    sender.drain()
    row = _row(deps, "gone:1")
    assert (row.status, row.error) == ("failed", "not_in_channel")
    told = _texts(slack, ACTOR)
    assert len(told) == 1
    assert "could not deliver" in told[0]
    assert "/invite @Matchday" in told[0]
    with deps.sessions() as session:
        problems = outbox.problems(session=session, limit=10)
    assert [(p.channel, p.error, p.actor) for p in problems] == [
        ("C0NOBOT", "not_in_channel", ACTOR)
    ]
    sender.drain()
    assert len(_texts(slack, ACTOR)) == 1  # told once


def test_an_unknown_error_is_permanent_after_a_few_tries(deps: Deps, slack: FakeSlack) -> None:
    _post(deps, "odd:1")
    slack.fail_next("chat.postMessage", error="something_new", count=3)
    sender = _sender(deps, slack)
    for _try in range(6):
        sender.drain()
        _later(deps, 10)
    row = _row(deps, "odd:1")
    assert (row.status, row.error, row.attempts) == ("failed", "something_new", 3)
    assert len(_texts(slack, ACTOR)) == 1


def test_a_broken_row_is_quarantined_and_the_others_still_go(deps: Deps, slack: FakeSlack) -> None:
    _post(deps, "fine:1", text="fine")
    _post(deps, "broken:1", text="broken")
    with deps.sessions.begin() as session:
        session.execute(
            update(OutboxRow).where(OutboxRow.key == "broken:1").values(payload="{not json")
        )
    _sender(deps, slack).drain()
    assert _texts(slack, "C0GROUP") == ["fine"]
    row = _row(deps, "broken:1")
    assert row.status == OutboxStatus.QUARANTINED.value
    assert row.error is not None and row.error.startswith("broken:")


def test_a_429_waits_for_retry_after_and_sends_once(deps: Deps, slack: FakeSlack) -> None:
    _post(deps, "limited:1", text="patient")
    slack.rate_limit("chat.postMessage", every_nth=2, retry_after=3)
    sender = _sender(deps, slack)
    sender.drain()
    row = _row(deps, "limited:1")
    assert row.status == "pending"
    assert row.due_at == START + timedelta(seconds=3)
    _later(deps, 3)
    sender.drain()
    assert _texts(slack, "C0GROUP") == ["patient"]


def test_an_uninstalled_app_holds_everything_until_it_is_back(deps: Deps, slack: FakeSlack) -> None:
    _post(deps, "held:1", text="one")
    _post(deps, "held:2", text="two")
    slack.fail_next("*", error="token_revoked", count=1)
    sender = _sender(deps, slack)
    sender.drain()
    assert slack.messages("C0GROUP") == []
    with deps.sessions() as session:
        assert {r.status for r in session.scalars(select(OutboxRow))} == {"held"}
    with deps.sessions.begin() as session:
        assert outbox.release(session=session, now=deps.clock.now()) == 2
    sender.drain()
    assert sorted(_texts(slack, "C0GROUP")) == ["one", "two"]


def test_an_update_waits_for_the_message_it_updates(deps: Deps, slack: FakeSlack) -> None:
    _post(deps, "card:1", text="first")
    with deps.sessions.begin() as session:
        outbox.update_message(
            session=session,
            key="card:1@2",
            kind="notice",
            channel="C0GROUP",
            message={"text": "second"},
            ts_of="card:1",
            now=deps.clock.now(),
        )
    slack.fail_next("chat.postMessage", status=503, count=1)
    sender = _sender(deps, slack)
    sender.drain()
    assert _row(deps, "card:1@2").status == "pending"  # deferred, not failed
    _later(deps, 3)
    sender.drain()
    _later(deps, 3)
    sender.drain()
    assert _texts(slack, "C0GROUP") == ["second"]
    assert _row(deps, "card:1@2").status == "sent"


def test_two_senders_share_one_database_without_duplicates(
    deps: Deps, slack: FakeSlack, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several senders share PostgreSQL; SQLite runs one sender")
    for index in range(1000):
        slack.add_channel(f"C{index:05d}X", f"c{index}", members=[ACTOR])
    with deps.sessions.begin() as session:
        for index in range(1000):
            outbox.post(
                session=session,
                key=f"fan:{index}",
                kind="notice",
                channel=f"C{index:05d}X",
                message={"text": f"m{index}"},
                now=deps.clock.now(),
                fanout=True,
            )
    senders = [_sender(deps, slack), _sender(deps, slack)]
    threads = [threading.Thread(target=sender.drain) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    posts = [call for call in slack.calls_to("chat.postMessage") if call.succeeded]
    assert len(posts) == 1000
    assert len({call.args["channel"] for call in posts}) == 1000
    with deps.sessions() as session:
        assert {r.status for r in session.scalars(select(OutboxRow))} == {"sent"}


def test_a_savepoint_inside_a_change_commits_only_with_it(deps: Deps) -> None:
    """What a use case writes in a savepoint is lost with the change, on SQLite too."""

    def change_that_fails() -> None:
        with deps.sessions.begin() as session:
            with session.begin_nested():
                outbox.post(
                    session=session,
                    key="nested:1",
                    kind="notice",
                    channel="C0GROUP",
                    message={"text": "inside a savepoint"},
                    now=deps.clock.now(),
                )
            raise RuntimeError("the change failed after the savepoint")

    with pytest.raises(RuntimeError):
        change_that_fails()
    with deps.sessions() as session:
        assert session.scalars(select(OutboxRow)).all() == []


def _respond_later(deps: Deps, slack: FakeSlack, key: str, issued_at: datetime) -> None:
    with deps.sessions.begin() as session:
        outbox.respond(
            session=session,
            key=key,
            kind="notice",
            response_url=slack.new_response_url(),
            user=ACTOR,
            issued_at=issued_at,
            now=deps.clock.now(),
            message={"text": f"answer {key}"},
        )


def test_an_answer_goes_through_the_response_url_while_slack_honours_it_else_by_dm(
    deps: Deps, slack: FakeSlack
) -> None:
    _respond_later(deps, slack, "fresh", deps.clock.now() - timedelta(minutes=5))
    _respond_later(deps, slack, "stale", deps.clock.now() - timedelta(minutes=31))
    _sender(deps, slack).drain()
    answered = [call.args.get("text") for call in slack.calls_to("response_url")]
    assert answered == ["answer fresh"]
    assert _texts(slack, ACTOR) == ["answer stale"]


class _Time:
    """A monotonic clock and a sleep that only move when told to."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def test_the_pacer_gives_each_conversation_one_message_a_second_and_keeps_a_budget() -> None:
    time_ = _Time()
    pacer = Pacer(2, monotonic=time_.monotonic, sleep=time_.sleep)
    assert pacer.ready("C1")
    pacer.reserve("C1")
    assert not pacer.ready("C1")
    assert pacer.ready("C2")
    time_.now += 1.0
    assert pacer.ready("C1")
    for _message in range(4):  # a budget of 2 a second: the last two wait half a second each
        pacer.take()
    assert time_.slept == pytest.approx(1.0)
    pacer.pause(3)
    pacer.take()
    assert time_.slept >= 4.0


def test_a_fan_out_to_one_channel_goes_one_message_a_second_in_order(
    deps: Deps, slack: FakeSlack
) -> None:
    time_ = _Time()
    with deps.sessions.begin() as session:
        for index in range(3):
            outbox.post(
                session=session,
                key=f"paced:{index}",
                kind="notice",
                channel="C0GROUP",
                message={"text": f"paced {index}"},
                now=deps.clock.now(),
                fanout=True,
            )
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    pacer = Pacer(1000, monotonic=time_.monotonic, sleep=time_.sleep)
    sender = Sender(deps, client, pacer=pacer)
    assert sender.drain() == 1
    assert sender.drain() == 0  # the channel's next slot is a second away
    time_.now += 1.0
    assert sender.drain() == 1
    time_.now += 1.0
    assert sender.drain() == 1
    assert _texts(slack, "C0GROUP") == ["paced 0", "paced 1", "paced 2"]


def test_the_tick_forgets_clicks_older_than_a_day(deps: Deps, slack: FakeSlack) -> None:
    from storage.models import InteractionRow
    from storage.repositories import interactions
    from worker.run import Worker

    with deps.sessions.begin() as session:
        assert interactions.claim(session=session, key="view:V1:h1", now=deps.clock.now())
    _later(deps, 23 * 3600)
    with deps.sessions.begin() as session:
        assert interactions.claim(session=session, key="view:V2:h2", now=deps.clock.now())
    _later(deps, 2 * 3600)
    worker = Worker(deps, WebClient(token=BOT_TOKEN, base_url=slack.api_url), lambda _d, _c: None)
    worker.tick()
    with deps.sessions() as session:
        assert [row.key for row in session.scalars(select(InteractionRow))] == ["view:V2:h2"]
