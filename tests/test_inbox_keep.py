"""Keeping a click or an event before the answer (storage.repositories.inbox.keep).

Both databases: a delivery kept is there for the worker; a repeat (the same event again,
the same click again, or a click already taken before its answer by a process that handles
clicks itself) keeps nothing, so it is handled once. Each test has a database of its own:
the shared test server's worker sweeps the shared one's inbox.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from storage.models import InboxRow, InteractionRow
from storage.repositories import inbox, interactions

BODY = '{"type":"event_callback","event":{"text":"Snö & is <på> *cykelbanorna*"}}'


def _keep(engine: Engine, key: str, claim: str = "") -> int | None:
    return inbox.keep(
        engine=engine,
        key=key,
        kind="event:message",
        content_type="application/json",
        body=BODY,
        now=SystemClock().now(),
        lease=timedelta(0),
        attempts=0,
        claim=claim,
    )


def _count(sessions: sessionmaker[Session], row: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(row)) or 0)


def test_an_event_is_kept_once_under_its_event_id(
    own_engine: Engine, own_sessions: sessionmaker[Session]
) -> None:
    first = _keep(own_engine, "event:Ev01")
    assert first is not None
    assert _keep(own_engine, "event:Ev01") is None  # Slack's retry while it waits
    [kept] = inbox.take_due(
        engine=own_engine, now=SystemClock().now(), lease=timedelta(seconds=30), limit=10
    )
    assert (kept.id, kept.body) == (first, BODY)  # as it came, for the listeners


def test_deliveries_due_are_taken_oldest_first_once_until_their_lease_ends(
    own_engine: Engine,
) -> None:
    kept = [_keep(own_engine, f"event:Ev{n:02d}") for n in range(5)]
    now = SystemClock().now()
    lease = timedelta(seconds=30)
    first = inbox.take_due(engine=own_engine, now=now, lease=lease, limit=3)
    assert [d.id for d in first] == kept[:3] and {d.attempts for d in first} == {1}
    # Another worker's sweep finds only what nobody holds.
    rest = inbox.take_due(engine=own_engine, now=now, lease=lease, limit=10)
    assert [d.id for d in rest] == kept[3:]
    assert inbox.take_due(engine=own_engine, now=now + lease / 2, lease=lease, limit=10) == []
    # A handler that died: its deliveries are due again when the lease ends.
    again = inbox.take_due(engine=own_engine, now=now + lease, lease=lease, limit=10)
    assert [d.id for d in again] == kept and {d.attempts for d in again} == {2}


def test_a_click_is_kept_with_its_claim_and_a_second_one_keeps_nothing(
    own_engine: Engine, own_sessions: sessionmaker[Session]
) -> None:
    key = "action:U1:pitch_ask:1700000000.000100"
    assert _keep(own_engine, key, claim=key) is not None
    assert _keep(own_engine, key, claim=key) is None  # a double click
    assert _count(own_sessions, InboxRow) == 1
    assert _count(own_sessions, InteractionRow) == 1


def test_a_click_already_taken_before_its_answer_is_not_kept_again(
    own_engine: Engine, own_sessions: sessionmaker[Session]
) -> None:
    # One process handled the click before answering (a `serve` with its worker inside);
    # Slack's retry reaches a web process with an inbox.
    key = "action:U1:meeting_pick:1700000000.000200"
    with own_sessions.begin() as session:
        assert interactions.claim(session=session, key=key, now=SystemClock().now())
    assert _keep(own_engine, key, claim=key) is None
    assert _count(own_sessions, InboxRow) == 0


def test_handled_deliveries_leave_the_inbox_with_the_next_take(
    own_engine: Engine, own_sessions: sessionmaker[Session]
) -> None:
    kept = [_keep(own_engine, f"event:Ev{n:02d}") or 0 for n in range(4)]
    now = SystemClock().now()
    lease = timedelta(seconds=30)
    handled = inbox.take_due(engine=own_engine, now=now, lease=lease, limit=2)
    assert _count(own_sessions, InboxRow) == 4
    # The two handled leave as the next two are taken: in one transaction.
    taken = inbox.take_due(
        engine=own_engine, now=now, lease=lease, limit=10, handled=[d.id for d in handled]
    )
    assert [d.id for d in taken] == kept[2:]
    with own_sessions() as session:
        assert list(session.scalars(select(InboxRow.id).order_by(InboxRow.id))) == kept[2:]
    # Nothing due: the handled still leave; what is held stays held.
    assert (
        inbox.take_due(engine=own_engine, now=now, lease=lease, limit=10, handled=[kept[2]]) == []
    )
    with own_sessions() as session:
        assert list(session.scalars(select(InboxRow.id))) == [kept[3]]


def test_a_late_handled_never_removes_a_later_delivery(
    own_engine: Engine, own_sessions: sessionmaker[Session]
) -> None:
    """A worker lets what it handled leave the inbox with its next sweep, by id. When the
    row went meanwhile (another sweep took it over after its lease and handled it, or it
    was removed), the id must not already name a new delivery: that one would be removed
    unhandled, and the click or the event behind it lost."""
    lease = timedelta(seconds=30)
    first = _keep(own_engine, "event:Ev01")
    [taken] = inbox.take_due(engine=own_engine, now=SystemClock().now(), lease=lease, limit=10)
    with own_sessions.begin() as session:  # handled and removed elsewhere meanwhile
        inbox.handled(session=session, delivery_id=taken.id)
    second = _keep(own_engine, "event:Ev02")
    assert second != first
    [delivery] = inbox.take_due(
        engine=own_engine, now=SystemClock().now(), lease=lease, limit=10, handled=[taken.id]
    )
    assert (delivery.id, delivery.attempts) == (second, 1)
    assert _count(own_sessions, InboxRow) == 1
