"""Alembic environment: migrations run against DATABASE_URL with Matchday's metadata."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from storage.db import make_engine
from storage.migrate import one_migrator_at_a_time
from storage.models import Base
from storage.models.base import UtcDateTime

target_metadata = Base.metadata


def render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    """Write UtcDateTime columns as plain timezone-aware DateTime in migrations."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    """Run the migrations online, in one transaction per run."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by storage.migrate"
    engine = make_engine(url)
    with engine.connect() as connection, one_migrator_at_a_time(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
