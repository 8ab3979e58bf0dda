"""channel safety: channels' privacy as last checked, and outsiders noticed in them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_checks",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("is_shared", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('safe', 'public', 'shared', 'unknown')",
            name=op.f("ck_channel_checks_state_known"),
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_checks")),
    )
    op.create_table(
        "channel_outsiders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("episode", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "status IN ('present', 'claimed', 'settled')",
            name=op.f("ck_channel_outsiders_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_outsiders")),
        sa.UniqueConstraint("channel_id", "user_id", name="one_row_per_person"),
    )
    with op.batch_alter_table("channel_outsiders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_outsiders_channel_id"), ["channel_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_outsiders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_outsiders_channel_id"))
    op.drop_table("channel_outsiders")
    op.drop_table("channel_checks")
