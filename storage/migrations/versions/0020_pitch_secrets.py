"""trade-secret marking of pitches; the audit trail

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("secret_sections", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("secret_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.drop_column("secret_reason")
        batch_op.drop_column("secret_sections")
