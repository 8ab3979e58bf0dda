"""Short SQLite writes of one process, committed together (``storage.db.write_now``).

SQLite lets one writer at a time hold a database file, and every commit is an fsync. Before
an answer to Slack the web process writes one small row per request (the inbox's keep, a
form's claim) while the worker process writes its own work to the same file. Each request
taking SQLite's lock on its own, a burst of clicks queued behind the worker once per
request, and the request threads raced one another for the lock: measured in a burst of
500 requests from 50 clients, one keep in a hundred lost 25 tries in a row (80 ms).

Here the writes of one engine take turns: the thread whose turn it is takes the lock once
for every write that is waiting (a group commit), runs each in a savepoint of its own,
commits them together and hands the turn to the next thread that arrived meanwhile. Each
write keeps its own meaning: it is committed before its caller returns, a write that raises
is undone alone (its savepoint), and each caller gives up after its own patience (the
engine's busy timeout, counted from its call), whoever holds the lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

T = TypeVar("T")
FIRST_PAUSE = 0.0002  # seconds before the lock is tried again; doubles up to LAST_PAUSE
LAST_PAUSE = 0.002
GAVE_UP = "database is locked: no turn to write within the timeout"
_this_thread = threading.local()  # .writing: this thread is running its turn's writes


@dataclass(eq=False)
class _Write(Generic[T]):
    """One caller's write, waiting for its turn."""

    work: Callable[[Connection], T]
    deadline: float
    ready: threading.Event = field(default_factory=threading.Event)  # done, or to lead
    finished: bool = False
    leads: bool = False
    result: T | None = None
    error: BaseException | None = None

    def finish(self, result: T | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.finished = result, error, True
        self.ready.set()


class Turns:
    """The writes through one engine of this process, a batch at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[_Write[Any]] = []
        self._writing = False
        self._patience: float | None = None  # seconds: the engine's busy timeout

    def write(self, engine: Engine, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a transaction with whatever else is waiting; committed on return.

        A write started inside a write of this thread's turn goes to SQLite on its own (and
        waits for the lock its own turn holds until the engine's timeout), as it did before
        writes took turns, instead of waiting for a turn that cannot come.
        """
        if getattr(_this_thread, "writing", False):
            with engine.begin() as connection:
                return work(connection)
        mine: _Write[T] = _Write(work, time.monotonic() + self.patience(engine))
        with self._lock:
            self._waiting.append(mine)
            mine.leads = not self._writing
            self._writing = True
        if not mine.leads:
            mine.ready.wait()  # the writer before finishes it, or hands this one the turn
        if not mine.finished:
            self._lead(engine)
        if mine.error is not None:
            raise mine.error
        return cast(T, mine.result)

    def patience(self, engine: Engine) -> float:
        """The engine's busy timeout in seconds (read once from a connection)."""
        if self._patience is None:
            with engine.connect() as connection:
                raw = connection.connection.dbapi_connection
                assert raw is not None
                self._patience = int(raw.execute("PRAGMA busy_timeout").fetchone()[0]) / 1000
        return self._patience

    def _lead(self, engine: Engine) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        _this_thread.writing = True
        try:
            _commit_together(engine, batch, round(self.patience(engine) * 1000))
        except BaseException as error:  # whatever happened, no caller is left waiting
            for write in batch:
                if not write.finished:
                    write.finish(error=error)
            raise
        finally:
            _this_thread.writing = False
            with self._lock:
                if self._waiting:
                    following = self._waiting[0]
                    following.leads = True
                    following.ready.set()
                else:
                    self._writing = False


def _commit_together(engine: Engine, batch: list[_Write[Any]], patience: int) -> None:
    """Take the file's lock (trying often until the last deadline), run every write of
    ``batch`` in one transaction and commit; each write gets its result or its error.
    ``patience``: the connection's busy timeout in ms, restored afterwards."""
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection  # pragmas: no round trip, no statement
        assert raw is not None
        raw.execute("PRAGMA busy_timeout=0")
        try:
            waiting = _take_the_lock(raw, batch)
            if not waiting:
                return
            _run_and_commit(connection, waiting)
        finally:
            if raw.in_transaction:  # the lock taken, the transaction not ended
                raw.rollback()
            raw.execute(f"PRAGMA busy_timeout={patience}")


def _take_the_lock(raw: Any, batch: list[_Write[Any]]) -> list[_Write[Any]]:
    """BEGIN IMMEDIATE, tried without waiting and again after at most LAST_PAUSE; a write
    whose deadline passes first is told so. Returns the writes still waiting."""
    pause = FIRST_PAUSE
    waiting = list(batch)
    while True:
        now = time.monotonic()
        for write in [write for write in waiting if now > write.deadline]:
            waiting.remove(write)
            write.finish(error=_gave_up())
        if not waiting:
            return []
        try:
            raw.execute("BEGIN IMMEDIATE")
            return waiting
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                for write in waiting:
                    write.finish(error=OperationalError("BEGIN IMMEDIATE", None, error))
                return []
        time.sleep(pause)
        pause = min(pause * 2, LAST_PAUSE)


def _gave_up() -> OperationalError:
    return OperationalError("write_now", None, sqlite3.OperationalError(GAVE_UP))


def _run_and_commit(connection: Connection, waiting: list[_Write[Any]]) -> None:
    """The writes in the transaction BEGIN IMMEDIATE opened, then one commit. Alone, a write
    needs no savepoint: its failure undoes the transaction, which is only its own."""
    results: list[tuple[_Write[Any], Any, BaseException | None]] = []
    with connection.begin():  # SQLAlchemy's view of the open transaction; commits at the end
        if len(waiting) == 1:
            results.append((waiting[0], waiting[0].work(connection), None))
        else:
            for write in waiting:
                try:
                    with connection.begin_nested():
                        results.append((write, write.work(connection), None))
                except Exception as failure:  # this write alone is undone
                    results.append((write, None, failure))
    for write, result, error in results:  # committed: now each caller may go on
        write.finish(result, error)


_turns: weakref.WeakKeyDictionary[Pool, Turns] = weakref.WeakKeyDictionary()
_turns_lock = threading.Lock()


def turns(engine: Engine) -> Turns:
    """The turns of this engine's writes (its copies with other options share its pool)."""
    found = _turns.get(engine.pool)
    if found is None:
        with _turns_lock:
            found = _turns.setdefault(engine.pool, Turns())
    return found
