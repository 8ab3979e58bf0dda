"""registrar exports and retention of pitch content

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("exported_by", sa.String(length=32), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('new', 'all', 'final')", name=op.f("ck_register_exports_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_register_exports_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_exports")),
    )
    with op.batch_alter_table("register_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_register_exports_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["register_exports.id"],
            name=op.f("fk_register_entries_export_id_register_exports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_register_entries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint("export_id", "document_id", name="one_entry_per_export"),
    )
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_register_entries_export_id"), ["export_id"], unique=False
        )
        batch_op.create_index(
            "ix_register_entries_organisation_document",
            ["organisation_id", "document_id"],
            unique=False,
        )
    op.create_table(
        "pitch_content_removals",
        sa.Column("pitch_id", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pitch_id"],
            ["pitches.id"],
            name=op.f("fk_pitch_content_removals_pitch_id_pitches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pitch_id", name=op.f("pk_pitch_content_removals")),
    )


def downgrade() -> None:
    op.drop_table("pitch_content_removals")
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_register_entries_organisation_document")
        batch_op.drop_index(batch_op.f("ix_register_entries_export_id"))
    op.drop_table("register_entries")
    with op.batch_alter_table("register_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_exports_organisation_id"))
    op.drop_table("register_exports")
