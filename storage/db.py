"""Engines and sessions for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from storage.models.base import CLOCK_OPTION
from storage.sqlite_turns import turns

T = TypeVar("T")
WORKER_TIMEOUT_MS = 30_000  # scheduled work and the sender may wait longer than a request


RECYCLE_SECONDS = 30 * 60  # under the idle timeouts of PostgreSQL proxies and firewalls


def make_engine(url: str, timeout_ms: int = WORKER_TIMEOUT_MS, *, pre_ping: bool = True) -> Engine:
    """Create an engine whose statements give up after ``timeout_ms`` waiting or running.

    Web requests pass a short timeout so that a locked table or a slow database is answered
    politely inside Slack's three seconds instead of hanging. For SQLite the folder of the
    file is created and foreign keys are turned on.

    ``pre_ping`` pings PostgreSQL before every checkout (a round trip per session). The web
    engine goes without it: connections are replaced after RECYCLE_SECONDS, and when the
    database was restarted the first statement to meet a dead connection fails (the person
    reads that nothing was changed, an event is answered 500 and Slack sends it again) and
    SQLAlchemy invalidates every pooled connection at once, so the next request reconnects.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeout_ms / 1000})
        event.listen(engine, "connect", _sqlite_pragmas(timeout_ms))
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    seconds = max(1, round(timeout_ms / 1000))
    return create_engine(
        url,
        pool_pre_ping=pre_ping,
        pool_recycle=RECYCLE_SECONDS,
        pool_size=5,
        max_overflow=5,
        pool_timeout=seconds,
        connect_args={
            "connect_timeout": max(2, seconds),
            "options": f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
        },
    )


def write_now(engine: Engine, work: Callable[[Connection], T], *, one_statement: bool = False) -> T:
    """Run ``work`` in a transaction of its own and commit: a short write before an answer
    (or in the worker's tightest loop).

    With ``one_statement`` (``work`` runs a single statement, atomic by itself), PostgreSQL
    runs it on an autocommit connection: one round trip, no BEGIN and no COMMIT of its own.
    On SQLite, a writer that finds the file locked (the worker writing) waits in SQLite's
    busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries: a click in a
    burst may wait tens of milliseconds for a lock that was free most of that time. Here the
    lock is tried without waiting, and again after at most 2 ms, until the engine's own
    timeout, and the writes that arrive meanwhile from the process's other threads are
    committed with it, each in a savepoint of its own (storage/sqlite_turns.py).
    """
    if engine.dialect.name != "sqlite" and one_statement:
        with engine.connect() as connection:
            return work(connection.execution_options(isolation_level="AUTOCOMMIT"))
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        # (An in-memory SQLite database is one per thread's connection: nothing to share.)
        with engine.begin() as connection:
            return work(connection)
    return turns(engine).write(engine, work)


def _begin_before_savepoint(connection: Any, _name: Any) -> None:
    """Open the transaction before a SAVEPOINT on SQLite.

    Python's sqlite3 emits BEGIN only before the first write. A SAVEPOINT issued before any
    write would then be the outermost transaction, and its RELEASE would commit at once:
    a pitch saved in a savepoint would be committed without the messages written after it,
    and a crash in between would lose them. BEGIN IMMEDIATE: a savepoint precedes a write.
    """
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def _sqlite_pragmas(timeout_ms: int) -> Callable[[Any, Any], None]:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        cursor.close()

    return pragmas


_BLOCK = "matchday.request_scope"  # Session.info key: the request scope sharing this session
_local = threading.local()  # the request scope of this thread (never shared across threads)


class RequestSession(Session):
    """A session that, lent for one block of a request scope, outlives the block.

    Outside a request scope (the worker, the tick, tests, work after the ack) it is an
    ordinary session: ``with factory() as session`` closes it at the end of the block.
    """

    def __exit__(
        self,
        type_: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        scope = self.info.get(_BLOCK)
        if isinstance(scope, _Scope) and scope.depth > 0:
            scope.end_read(self, failed=type_ is not None)
            return
        super().__exit__(type_, value, traceback)


class SessionFactory(sessionmaker[Session]):
    """Matchday's sessionmaker: every ``with`` block of one request shares one session.

    Inside ``request_scope(factory)`` (the web app opens one per Slack request) the
    outermost ``with factory() as session`` and ``with factory.begin() as session`` blocks
    of the request's thread use one session and so one connection checkout, and the reads
    of the request share one transaction until a ``begin()`` block commits (on PostgreSQL a
    session is a BEGIN and a ROLLBACK round trip besides its statements). Each block keeps
    the meaning it has on its own:

    * a block starts with an empty identity map: rows are read afresh, and the objects of
      earlier blocks are detached, as they were when each block had its own session;
    * ``begin()`` commits at the end of its block and rolls back on an exception, so what a
      block writes is durable when the block ends (before the acknowledgement);
    * a plain block that raised, or that wrote without committing, is rolled back, as
      closing its own session would have done;
    * a block opened inside another block gets a session of its own, as before.
    """

    def __call__(self, **local_kw: Any) -> Session:
        scope = _scope_of(self)
        if scope is None or local_kw or not scope.can_share(write=False):
            return super().__call__(**local_kw)
        return scope.start()

    def begin(self) -> AbstractContextManager[Session]:
        scope = _scope_of(self)
        if scope is None or not scope.can_share(write=True):
            return super().begin()
        return scope.writing()

    def fresh(self, **local_kw: Any) -> Session:
        """A session of its own, even inside a request scope."""
        return super().__call__(**local_kw)


class _Scope:
    """One request's shared session (created on first use) and the blocks using it."""

    def __init__(self, factory: SessionFactory) -> None:
        self.factory = factory
        self.connection: Connection | None = None
        self.session: Session | None = None
        self.depth = 0  # blocks open on the shared session
        self.writes = False  # one of them is a begin() block

    def can_share(self, *, write: bool) -> bool:
        """Whether a new block may use the shared session.

        Inside a ``begin()`` block a block gets a session of its own (its own transaction,
        as before); inside plain blocks a plain block shares, and so does a ``begin()``
        block while nothing is written yet.
        """
        if self.depth == 0:
            return True
        if self.writes:
            return False
        return not write or self.session is None or not _pending(self.session)

    def start(self) -> Session:
        if self.session is None:
            # Bound to a connection of the scope: a commit ends the transaction, and the
            # next block goes on with the same connection rather than check out another.
            bind = self.factory.kw["bind"]
            self.connection = bind.connect()
            self.session = self.factory.fresh(bind=self.connection)
            self.session.info[_BLOCK] = self
        if self.depth == 0:
            self.session.expunge_all()  # rows are read afresh, as by a session of its own
        self.depth += 1
        return self.session

    def end_read(self, session: Session, *, failed: bool) -> None:
        self.depth -= 1
        if failed or (self.depth == 0 and _pending(session)):
            session.rollback()  # what closing a session of its own would have done

    @contextmanager
    def writing(self) -> Iterator[Session]:
        session = self.start()
        self.writes = True
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        else:
            session.commit()
        finally:
            session.info.pop(_FLUSHED, None)
            self.writes = False
            self.depth -= 1

    def close(self) -> None:
        try:
            if self.session is not None:
                self.session.close()
        finally:
            self.session = None
            if self.connection is not None:
                self.connection.close()
                self.connection = None


_FLUSHED = "matchday.flushed"  # Session.info key: statements written since the last commit


def _pending(session: Session) -> bool:
    """Whether the session holds writes not committed (flushed or not)."""
    return bool(session.info.get(_FLUSHED) or session.new or session.dirty or session.deleted)


def _scope_of(factory: SessionFactory) -> _Scope | None:
    scope: _Scope | None = getattr(_local, "scope", None)
    return scope if scope is not None and scope.factory is factory else None


@contextmanager
def request_scope(factory: sessionmaker[Session]) -> Iterator[None]:
    """Let the blocks of this thread's request share one session (see SessionFactory).

    The session is closed when the scope ends: a read transaction still open is rolled
    back, and the connection goes back to the pool. Nested scopes are the outer one.
    """
    if not isinstance(factory, SessionFactory) or getattr(_local, "scope", None) is not None:
        yield
        return
    scope = _Scope(factory)
    _local.scope = scope
    try:
        yield
    finally:
        _local.scope = None
        scope.close()


def make_session_factory(engine: Engine, clock: Clock) -> SessionFactory:
    """A session factory whose sessions keep loaded values after commit.

    Every time a row is stamped with (``created_at``, ``updated_at`` and the other column
    defaults) is read from ``clock``, the app's one clock: the statements of these sessions
    carry it to the defaults (storage.models.base.utcnow). The engine and its pool are shared.
    Inside ``request_scope`` the blocks of one request share a session (SessionFactory).
    """
    factory = SessionFactory(
        engine.execution_options(**{CLOCK_OPTION: clock}),
        class_=RequestSession,
        expire_on_commit=False,
    )
    event.listen(factory, "after_flush", _note_flush)
    event.listen(factory, "after_commit", _forget_flush)
    event.listen(factory, "after_soft_rollback", lambda session, _previous: _forget_flush(session))
    return factory


def _note_flush(session: Session, _context: Any) -> None:
    session.info[_FLUSHED] = True


def _forget_flush(session: Session) -> None:
    session.info.pop(_FLUSHED, None)


def wake_on_commit(sessions: sessionmaker[Session], wake: Callable[[], None]) -> None:
    """Call ``wake`` after a transaction that enqueued outbox rows commits."""

    def committed(session: Session) -> None:
        if session.info.pop("outbox_enqueued", False):
            wake()

    def rolled_back(session: Session) -> None:
        session.info.pop("outbox_enqueued", None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_soft_rollback", lambda session, _previous: rolled_back(session))


def is_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds (used by /healthz)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not reachable"
        return False
    return True
