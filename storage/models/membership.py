"""Joining the programme, the resource library, and each person's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UtcDateTime, one_of, utcnow
from storage.models.programme import ROLES

APPLICATION_KINDS = ("startup", "group")
APPLICATION_STATUSES = ("pending", "approved", "rejected")
RESOURCE_STAGES = ("assessment", "pitch", "meeting", "pilot")
LANGUAGES = ("sv", "en")


class ApplicationRow(Base):
    """A request to join: a startup applying, or a person asking to join a project group."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(one_of("kind", APPLICATION_KINDS), name="kind_known"),
        CheckConstraint(one_of("status", APPLICATION_STATUSES), name="status_known"),
        CheckConstraint(
            "(kind = 'startup' AND org_number IS NOT NULL) "
            "OR (kind = 'group' AND organisation_id IS NOT NULL AND role IS NOT NULL)",
            name="kind_has_its_fields",
        ),
        CheckConstraint(f"role IS NULL OR {one_of('role', ROLES)}", name="role_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Set while pending ("startup:<number>" or "group:<organisation>:<person>"), NULL once
    # decided: the unique constraint keeps one pending application per company or request.
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    org_number: Mapped[str | None] = mapped_column(String(11), nullable=True, index=True)
    website: Mapped[str] = mapped_column(String(500), default="")
    sector: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(150), default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The decision: who, when and why (equal treatment asks for all three).
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    startup_id: Mapped[int | None] = mapped_column(
        ForeignKey("startups.id", ondelete="SET NULL"), nullable=True
    )

    applicants: Mapped[list[ApplicantRow]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicantRow.id"
    )


class ApplicantRow(Base):
    """A person behind an application; a merged duplicate adds another one."""

    __tablename__ = "application_applicants"
    __table_args__ = (
        UniqueConstraint("application_id", "user_id", name="one_seat_per_application"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    contact: Mapped[str] = mapped_column(String(300), default="")
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    application: Mapped[ApplicationRow] = relationship(back_populates="applicants")


class ApplicationCardRow(Base):
    """Where an admin's card for an application was posted, so every card can be updated."""

    __tablename__ = "application_cards"
    __table_args__ = (UniqueConstraint("application_id", "admin", name="one_card_per_admin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    admin: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))


class ResourceRow(Base):
    """An item of the programme's library: a template, checklist or guide for a stage."""

    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint(one_of("stage", RESOURCE_STAGES), name="stage_known"),
        UniqueConstraint("stage", "title_key", name="one_title_per_stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(150))
    # A digest of the title casefolded with spaces collapsed: one item of a title per
    # stage, so the same item added twice is one item.
    title_key: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    file_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class PersonLanguageRow(Base):
    """The language a person chose with /matchday language."""

    __tablename__ = "person_languages"
    __table_args__ = (CheckConstraint(one_of("language", LANGUAGES), name="language_known"),)

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class PersonLocaleRow(Base):
    """The locale Slack last gave for a person, so that every process knows it at once."""

    __tablename__ = "person_locales"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    locale: Mapped[str] = mapped_column(String(35))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrganisationLanguageRow(Base):
    """An organisation's language when it is not the default (Swedish for public bodies)."""

    __tablename__ = "organisation_languages"
    __table_args__ = (CheckConstraint(one_of("language", LANGUAGES), name="language_known"),)

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
