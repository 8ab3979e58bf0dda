"""Programme setup: admins, organisations, project groups, startups, the audit log."""

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

ORGANISATION_KINDS = ("municipality", "region", "agency", "state_owned", "other")
ROLES = ("buyer", "procurement_manager", "project_manager", "product_manager", "other")


class Admin(Base):
    """A programme admin added in Slack (configured admins live in MATCHDAY_ADMINS)."""

    __tablename__ = "admins"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OrganisationRow(Base):
    """A public organisation and the channel of its project group."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(one_of("kind", ORGANISATION_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # casefolded name: unique regardless of case, in every script (SQLite's lower() is ASCII-only)
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    opportunities_channel_id: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    members: Mapped[list[MemberRow]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class MemberRow(Base):
    """A person in a project group, with their role."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id", name="one_role_per_group"),
        CheckConstraint(one_of("role", ROLES), name="role_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    organisation: Mapped[OrganisationRow] = relationship(back_populates="members")


class StartupRow(Base):
    """A startup registered in the programme."""

    __tablename__ = "startups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str] = mapped_column(String(11), unique=True)
    website: Mapped[str] = mapped_column(String(500))
    sector: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32), default="", server_default="")
    about: Mapped[str] = mapped_column(Text, default="", server_default="")
    contacts: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    representatives: Mapped[list[RepresentativeRow]] = relationship(
        back_populates="startup", cascade="all, delete-orphan", order_by="RepresentativeRow.id"
    )


class RepresentativeRow(Base):
    """A person who speaks for a startup."""

    __tablename__ = "representatives"
    __table_args__ = (UniqueConstraint("startup_id", "user_id", name="one_seat_per_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("startups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    startup: Mapped[StartupRow] = relationship(back_populates="representatives")


class AuditEntry(Base):
    """Who did what, when: the record equal treatment asks for."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
