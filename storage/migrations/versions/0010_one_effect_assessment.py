"""one opportunity per published summary

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_version", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "one_opportunity_per_summary", ["focus_area_id", "assessment_version"]
        )


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_constraint("one_opportunity_per_summary", type_="unique")
        batch_op.drop_column("assessment_version")
