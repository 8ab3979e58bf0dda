"""one effect for matchdays: the define form's key and the plan's version

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("matchdays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_key", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("plan_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_unique_constraint("one_matchday_per_form", ["form_key"])


def downgrade() -> None:
    with op.batch_alter_table("matchdays", schema=None) as batch_op:
        batch_op.drop_constraint("one_matchday_per_form", type_="unique")
        batch_op.drop_column("plan_version")
        batch_op.drop_column("form_key")
