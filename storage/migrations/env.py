"""Alembic environment: migrations run against DATABASE_URL with Matchday's metadata."""

from __future__ import annotations

from alembic import context

from storage.db import make_engine
from storage.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    """Run the migrations online, in one transaction per run."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by storage.migrate"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
