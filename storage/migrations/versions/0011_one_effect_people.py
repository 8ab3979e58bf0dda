"""one effect: a question asked twice is one question; a library item added twice is one

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _digest(text: str) -> str:
    """The same digest storage/repositories/resources.py computes (casefolded, spaces
    collapsed)."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("pitch_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "one_question_per_asker", ["pitch_id", "asked_by", "question_key"]
        )

    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_key", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    resources = sa.table(
        "resources",
        sa.column("id", sa.Integer()),
        sa.column("stage", sa.String()),
        sa.column("title", sa.String()),
        sa.column("title_key", sa.String()),
    )
    seen: set[tuple[str, str]] = set()
    rows = connection.execute(
        sa.select(resources.c.id, resources.c.stage, resources.c.title).order_by(resources.c.id)
    ).all()
    for row_id, stage, title in rows:
        key = _digest(title)
        if (stage, key) in seen:  # an older duplicate stays, with a key of its own
            key = _digest(f"{title}#{row_id}")
        seen.add((stage, key))
        connection.execute(
            sa.update(resources).where(resources.c.id == row_id).values(title_key=key)
        )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.alter_column("title_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("one_title_per_stage", ["stage", "title_key"])


def downgrade() -> None:
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_constraint("one_title_per_stage", type_="unique")
        batch_op.drop_column("title_key")
    with op.batch_alter_table("pitch_questions", schema=None) as batch_op:
        batch_op.drop_constraint("one_question_per_asker", type_="unique")
        batch_op.drop_column("question_key")
