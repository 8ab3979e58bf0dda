"""experience exchanges and registrations from the public showcase

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('public', 'startup')", name=op.f("ck_exchange_interests_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_interests")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_exchange_interests_dedup_key")),
    )
    with op.batch_alter_table("exchange_interests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_interests_email"), ["email"], unique=False)

    op.create_table(
        "experience_exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("registration_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'cancelled')", name=op.f("ck_experience_exchanges_status_known")
        ),
        sa.CheckConstraint(
            "confirmed >= 0 AND confirmed <= seats",
            name=op.f("ck_experience_exchanges_never_overbooked"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_experience_exchanges_ends_after_start")
        ),
        sa.CheckConstraint(
            "registration_deadline <= starts_at",
            name=op.f("ck_experience_exchanges_deadline_before_start"),
        ),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_experience_exchanges_seats_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experience_exchanges")),
    )
    with op.batch_alter_table("experience_exchanges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_experience_exchanges_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "showcase_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_posts")),
    )
    with op.batch_alter_table("showcase_posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_showcase_posts_address_at", ["address", "posted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_showcase_posts_posted_at"), ["posted_at"], unique=False
        )

    op.create_table(
        "exchange_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("wants_to_learn", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('requested', 'confirmed', 'declined', 'waitlisted')",
            name=op.f("ck_exchange_registrations_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["experience_exchanges.id"],
            name=op.f("fk_exchange_registrations_exchange_id_experience_exchanges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_registrations")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_exchange_registrations_dedup_key")),
        sa.UniqueConstraint("token", name=op.f("uq_exchange_registrations_token")),
    )
    with op.batch_alter_table("exchange_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_registrations_email"), ["email"], unique=False
        )
        batch_op.create_index(
            "ix_exchange_registrations_exchange_state", ["exchange_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exchange_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_registrations_exchange_state")
        batch_op.drop_index(batch_op.f("ix_exchange_registrations_email"))

    op.drop_table("exchange_registrations")
    with op.batch_alter_table("showcase_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_showcase_posts_posted_at"))
        batch_op.drop_index("ix_showcase_posts_address_at")

    op.drop_table("showcase_posts")
    with op.batch_alter_table("experience_exchanges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experience_exchanges_starts_at"))

    op.drop_table("experience_exchanges")
    with op.batch_alter_table("exchange_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_interests_email"))

    op.drop_table("exchange_interests")
