"""one effect per meeting proposal form

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

The proposal form's Slack view id is kept on the meeting it created: the same form
submitted twice finds the meeting instead of proposing a second one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_meetings_proposal_key"), ["proposal_key"])


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_meetings_proposal_key"), type_="unique")
        batch_op.drop_column("proposal_key")
