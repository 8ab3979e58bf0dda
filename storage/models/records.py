"""Public records: what was exported to each organisation's registrar, and pitch retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of

EXPORT_KINDS = ("new", "all", "final")


class RegisterExportRow(Base):
    """One export to an organisation's registrar: when, by whom, and the register entries sent.

    ``documents`` holds the entries as they were exported (metadata only, never pitch text),
    so the files are built from exactly what was recorded, whatever changes later.
    """

    __tablename__ = "register_exports"
    __table_args__ = (CheckConstraint(one_of("kind", EXPORT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    # A Slack user id, or "retention" for the final export before pitch content is removed.
    exported_by: Mapped[str] = mapped_column(String(32))
    exported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class RegisterEntryRow(Base):
    """One document in one export: "new since the last export" means no entry yet."""

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("export_id", "document_id", name="one_entry_per_export"),
        Index("ix_register_entries_organisation_document", "organisation_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[int] = mapped_column(
        ForeignKey("register_exports.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(String(64))


class PitchContentRemovalRow(Base):
    """When retention removed a pitch's content (the row, status, decisions and marking stay)."""

    __tablename__ = "pitch_content_removals"

    pitch_id: Mapped[int] = mapped_column(
        ForeignKey("pitches.id", ondelete="CASCADE"), primary_key=True
    )
    removed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    retention_months: Mapped[int] = mapped_column(Integer)
