"""running spans: when the scheduler's tick was running, so lateness is decided from a record

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "running_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_running_spans")),
    )
    with op.batch_alter_table("running_spans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_running_spans_ended_at"), ["ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("running_spans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_running_spans_ended_at"))
    op.drop_table("running_spans")
