"""one effect per interaction: one open pilot per channel, check-in answer revisions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'completed'")


def upgrade() -> None:
    # A channel holds one running (active or paused) pilot: the start form submitted twice
    # makes one pilot, whatever the timing.
    op.create_index(
        "uq_pilots_open_channel",
        "pilots",
        ["channel_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    # Each change of a check-in's answer counts up: the refresh of its message is owed once
    # per revision, and the same click twice changes nothing.
    with op.batch_alter_table("pilot_checkins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answer_revision", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pilot_checkins", schema=None) as batch_op:
        batch_op.drop_column("answer_revision")
    op.drop_index("uq_pilots_open_channel", table_name="pilots")
