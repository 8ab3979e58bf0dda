"""questions startups ask about an opportunity, answered to all

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opportunity_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("startup_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_channel", sa.String(length=32), nullable=True),
        sa.Column("published_ts", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'answered', 'closed')",
            name=op.f("ck_opportunity_questions_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_questions_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["startup_id"],
            ["startups.id"],
            name=op.f("fk_opportunity_questions_startup_id_startups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_questions")),
        sa.UniqueConstraint(
            "opportunity_id", "asked_by", "question_key", name="one_opportunity_question"
        ),
    )
    with op.batch_alter_table("opportunity_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_questions_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_questions_startup_id"), ["startup_id"], unique=False
        )
    op.create_table(
        "pitch_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("startup_id", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_pitch_drafts_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["startup_id"],
            ["startups.id"],
            name=op.f("fk_pitch_drafts_startup_id_startups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitch_drafts")),
        sa.UniqueConstraint("opportunity_id", "startup_id", name="one_draft_per_startup"),
    )
    with op.batch_alter_table("pitch_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pitch_drafts_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pitch_drafts_startup_id"), ["startup_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pitch_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitch_drafts_startup_id"))
        batch_op.drop_index(batch_op.f("ix_pitch_drafts_opportunity_id"))
    op.drop_table("pitch_drafts")
    with op.batch_alter_table("opportunity_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_questions_startup_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_questions_opportunity_id"))
    op.drop_table("opportunity_questions")
