"""A short write before an answer waits for SQLite's lock by trying often (storage.db.write_now).

SQLite's own busy handler sleeps ever longer between tries (up to 100 ms); write_now tries
again within 2 ms of the lock coming free, gives up after the engine's timeout like any
statement, and leaves the connection's busy timeout as it found it. The threads of one
process take turns, each within its own timeout counted from its call.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from storage.db import make_engine, write_now

PATIENCE_MS = 1500


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", timeout_ms=PATIENCE_MS)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _hold_the_lock(path: str, seconds: float, taken: threading.Event) -> None:
    """Another process's writer: holds SQLite's write lock for ``seconds``."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    taken.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def _insert(connection: Connection) -> int:
    connection.execute(text("INSERT INTO t (n) VALUES (1)"))
    return int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())


def _held(engine: Engine, seconds: float) -> threading.Thread:
    taken = threading.Event()
    path = str(engine.url.database)
    holder = threading.Thread(target=_hold_the_lock, args=(path, seconds, taken))
    holder.start()
    assert taken.wait(5)
    return holder


def test_a_write_waits_for_the_lock_and_goes_through_once(engine: Engine) -> None:
    holder = _held(engine, 0.2)
    started = time.monotonic()
    assert write_now(engine, _insert) == 1  # once, though it was tried many times
    waited = time.monotonic() - started
    holder.join()
    assert 0.15 < waited < PATIENCE_MS / 1000  # it waited for the lock, not for its timeout


def test_a_write_gives_up_after_the_engines_timeout_and_keeps_its_busy_timeout(
    engine: Engine,
) -> None:
    holder = _held(engine, PATIENCE_MS / 1000 + 0.5)
    started = time.monotonic()
    with pytest.raises(OperationalError):
        write_now(engine, _insert)
    assert time.monotonic() - started < PATIENCE_MS / 1000 + 0.3
    holder.join()
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == PATIENCE_MS
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0


def _together(engine: Engine, count: int) -> tuple[list[int], list[BaseException], float]:
    """``count`` threads calling write_now at once: their results, errors and the time
    the slowest took."""
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def one() -> None:
        start.wait()
        try:
            results.append(write_now(engine, _insert))
        except BaseException as error:  # collected for the assertions
            errors.append(error)

    began = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors, time.monotonic() - began


def test_a_burst_of_writers_behind_a_held_lock_all_go_through_once(engine: Engine) -> None:
    holder = _held(engine, 0.2)  # the worker writing while twelve requests arrive
    results, errors, _took = _together(engine, 12)
    holder.join()
    assert errors == []
    assert sorted(results) == list(range(1, 13))  # each one row, each seeing the ones before


def test_writers_taking_turns_still_give_up_within_one_timeout(engine: Engine) -> None:
    # Each writer's patience counts from its call, its turn included: the last of six does
    # not wait six timeouts (Slack's three seconds would be long gone).
    holder = _held(engine, PATIENCE_MS / 1000 + 1.0)
    results, errors, took = _together(engine, 6)
    holder.join()
    assert results == []
    assert len(errors) == 6
    assert all(isinstance(error, OperationalError) for error in errors)
    assert took < PATIENCE_MS / 1000 + 0.5


def test_a_write_that_fails_is_undone_alone_while_the_others_waiting_with_it_land(
    engine: Engine,
) -> None:
    # Writes that wait together are committed together; one that raises is undone on its
    # own (its row gone), and its caller, only its caller, gets its error.
    holder = _held(engine, 0.3)
    outcomes: dict[str, object] = {}

    def failing(connection: Connection) -> int:
        connection.execute(text("INSERT INTO t (n) VALUES (99)"))
        raise ValueError("the form changed under it")

    def call(name: str, work: Callable[[Connection], int]) -> None:
        try:
            outcomes[name] = write_now(engine, work)
        except ValueError as error:
            outcomes[name] = error

    threads = [threading.Thread(target=call, args=(f"w{i}", _insert)) for i in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)  # all five are waiting behind the held lock
    bad = threading.Thread(target=call, args=("bad", failing))
    bad.start()
    for thread in [*threads, bad]:
        thread.join()
    holder.join()
    assert isinstance(outcomes.pop("bad"), ValueError)
    assert sorted(outcomes.values()) == [1, 2, 3, 4, 5]  # type: ignore[type-var]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t WHERE n = 99")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 5


def test_a_write_started_inside_a_write_gives_up_instead_of_waiting_forever(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.db'}", timeout_ms=300)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))

    def nested(connection: Connection) -> int:
        connection.execute(text("INSERT INTO t (n) VALUES (1)"))
        return write_now(engine, _insert)  # the outer write holds the lock

    started = time.monotonic()
    with pytest.raises(OperationalError):
        write_now(engine, nested)
    assert time.monotonic() - started < 3  # the engine's timeout, not a hang
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()
