"""The declarative base every Matchday table shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from bot.clock import Clock

# The execution option that carries the app's clock to the columns' defaults. Sessions made
# by storage.db.make_session_factory(engine, clock) set it on every statement they run.
CLOCK_OPTION = "matchday_clock"


class NoClockError(RuntimeError):
    """A row was stamped through a connection that carries no clock."""


def clock_of(context: ExecutionContext) -> Clock:
    """The app's clock the statement runs under; raises when the sessions were made without one."""
    clock = context.execution_options.get(CLOCK_OPTION)
    if clock is None:
        raise NoClockError(
            "this row needs the current time, but its session has no clock: make sessions "
            "with storage.db.make_session_factory(engine, clock)"
        )
    assert isinstance(clock, Clock)
    return clock


def utcnow(context: ExecutionContext) -> datetime:
    """The app's current time for a column default or onupdate (never the wall clock).

    SQLAlchemy calls this with the statement's execution context; the clock comes from the
    session factory, so the sandbox's moved clock and a test's fixed clock stamp rows too.
    """
    return clock_of(context).now()


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression limiting a column to these values."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base of every Matchday table."""

    # Named constraints let Alembic alter them later, on SQLite too.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC and read back aware, on SQLite and PostgreSQL alike.

    SQLite keeps no zone: without this, a Stockholm wall time and a UTC time would be
    compared as if they were the same kind of value.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store everything else in UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"an aware datetime is required, got {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back an aware datetime in UTC."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
