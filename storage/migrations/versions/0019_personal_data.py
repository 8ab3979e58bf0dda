"""requests to be erased, and pseudonyms

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(length=32), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_erasure_requests_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erasure_requests_requester"), ["requester"], unique=False
        )
        batch_op.create_index(
            "uq_erasure_requests_one_pending",
            ["requester"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_erasure_requests_one_pending")
        batch_op.drop_index(batch_op.f("ix_erasure_requests_requester"))
    op.drop_table("erasure_requests")
