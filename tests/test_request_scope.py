"""One session per Slack request (storage.db.request_scope), with each block's own meaning.

The web app lets every ``with sessions()`` / ``with sessions.begin()`` block of a request
share one connection. These tests hold it to what separate sessions guaranteed: a block's
commit is durable when the block ends, a failed or uncommitted block leaves nothing, rows
are read afresh in each block, and a block inside a write block keeps its own transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import request_scope
from storage.models.programme import Admin as AdminRow


@pytest.fixture
def checkouts(engine: Engine) -> Iterator[list[int]]:
    """Connection checkouts of this thread."""
    me = threading.get_ident()
    counted: list[int] = []

    def checkout(*_args: object) -> None:
        if threading.get_ident() == me:
            counted.append(1)

    event.listen(engine.pool, "checkout", checkout)
    yield counted
    event.remove(engine.pool, "checkout", checkout)


def _admins(sessions: sessionmaker[Session]) -> set[str]:
    """What another connection sees (committed rows only)."""
    with sessions.fresh() as session:  # type: ignore[attr-defined]
        return set(session.scalars(select(AdminRow.user_id)))


def _add(session: Session, user_id: str) -> None:
    session.add(AdminRow(user_id=user_id, added_by="UTEST"))
    session.flush()


def test_a_request_uses_one_connection_and_each_write_is_durable_when_its_block_ends(
    sessions: sessionmaker[Session], checkouts: list[int]
) -> None:
    with request_scope(sessions):
        with sessions() as session:
            assert session.scalars(select(AdminRow)).all() == []
        with sessions.begin() as session:
            _add(session, "UFIRST")
        assert _admins(sessions) == {"UFIRST"}  # committed before the request ends
        checkouts.clear()  # _admins checked out a connection of its own
        with sessions.begin() as session:
            _add(session, "USECOND")
        with sessions() as session:
            assert set(session.scalars(select(AdminRow.user_id))) == {"UFIRST", "USECOND"}
    assert checkouts == []  # the request's connection was kept, not checked out again
    assert _admins(sessions) == {"UFIRST", "USECOND"}


def test_a_failed_write_block_leaves_nothing_and_the_request_goes_on(
    sessions: sessionmaker[Session],
) -> None:
    def failing_listener() -> None:
        with sessions.begin() as session:
            _add(session, "UFAILED")
            raise RuntimeError("the listener failed")

    with request_scope(sessions):
        with pytest.raises(RuntimeError):
            failing_listener()
        with sessions.begin() as session:
            _add(session, "ULATER")
    assert _admins(sessions) == {"ULATER"}


def test_a_plain_block_that_wrote_without_committing_leaves_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with request_scope(sessions):
        with sessions() as session:
            _add(session, "UNOTSAVED")
        with sessions.begin() as session:
            _add(session, "USAVED")
    assert _admins(sessions) == {"USAVED"}


def test_each_block_reads_rows_afresh(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _add(session, "UADMIN")
    with request_scope(sessions):
        with sessions() as session:
            first = session.get(AdminRow, "UADMIN")
            assert first is not None and first.added_by == "UTEST"
        with sessions.fresh() as other, other.begin():  # type: ignore[attr-defined]
            row = other.get(AdminRow, "UADMIN")
            assert row is not None
            row.added_by = "UCHANGED"
        with sessions() as session:
            again = session.get(AdminRow, "UADMIN")
            assert again is not None and again.added_by == "UCHANGED"
        assert first.added_by == "UTEST"  # the earlier block's object is left as it was


def test_a_block_inside_a_write_block_keeps_its_own_transaction(
    sessions: sessionmaker[Session],
) -> None:
    def failing_listener() -> None:
        with sessions.begin() as outer:
            with sessions.begin() as inner:  # (SQLite: before the outer block writes)
                assert inner is not outer
                _add(inner, "UINNER")
            _add(outer, "UOUTER")
            raise RuntimeError("the outer block failed after the inner one committed")

    with request_scope(sessions), pytest.raises(RuntimeError):
        failing_listener()
    assert _admins(sessions) == {"UINNER"}


def test_other_threads_never_share_the_request_session(sessions: sessionmaker[Session]) -> None:
    seen: list[Session] = []
    with request_scope(sessions), sessions() as mine:

        def after_ack() -> None:
            with sessions() as theirs:
                seen.append(theirs)

        worker = threading.Thread(target=after_ack)
        worker.start()
        worker.join()
    assert seen and seen[0] is not mine
