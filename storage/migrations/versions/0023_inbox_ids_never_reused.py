"""the inbox's ids are never given again (SQLite: AUTOINCREMENT)

A worker lets what it handled leave the inbox by id, with its next sweep. SQLite gives a
new row the highest id plus one, so once the highest row went (another sweep took it over
after its lease and handled it) the next delivery could get the same id, and the late
delete would remove it unhandled. AUTOINCREMENT makes SQLite count on instead;
PostgreSQL's sequence never gives an id twice, so nothing changes there.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _recreate_inbox(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # SQLite cannot alter a table's id in place: the batch copies the rows (and their ids)
    # into a new table, and SQLite counts on from the highest id copied.
    with op.batch_alter_table(
        "inbox", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _recreate_inbox(True)


def downgrade() -> None:
    _recreate_inbox(False)
