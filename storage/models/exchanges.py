"""Experience exchanges shown on the public showcase, registrations for them, and general
interest in taking part ("We want to take part")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of, utcnow

EXCHANGE_STATUSES = ("open", "cancelled")
REGISTRATION_STATES = ("requested", "confirmed", "declined", "waitlisted")
INTEREST_KINDS = ("public", "startup")


class ExchangeRow(Base):
    """An experience exchange: a meeting for organisations not yet in the programme."""

    __tablename__ = "experience_exchanges"
    __table_args__ = (
        CheckConstraint(one_of("status", EXCHANGE_STATUSES), name="status_known"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("confirmed >= 0 AND confirmed <= seats", name="never_overbooked"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("registration_deadline <= starts_at", name="deadline_before_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str] = mapped_column(String(500))  # an address or a video link
    agenda: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer)
    # Seats taken: raised only by a conditional UPDATE (confirmed < seats), so two admins
    # confirming at once never overbook; the CHECK above is the last guard.
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    registration_deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(32))  # Slack user id of the admin
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ExchangeRegistrationRow(Base):
    """A visitor's registration for an exchange, decided by an admin in Slack."""

    __tablename__ = "exchange_registrations"
    __table_args__ = (
        CheckConstraint(one_of("state", REGISTRATION_STATES), name="state_known"),
        Index("ix_exchange_registrations_exchange_state", "exchange_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("experience_exchanges.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))  # personal data
    organisation: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), index=True)  # personal data
    wants_to_learn: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="requested")
    language: Mapped[str] = mapped_column(String(2), default="sv")
    # The private link of the confirmation page (secrets.token_urlsafe(32)).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # The form's one-time nonce: the same form posted twice registers once.
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ExchangeInterestRow(Base):
    """ "We want to take part": a public organisation or a startup asking to join."""

    __tablename__ = "exchange_interests"
    __table_args__ = (CheckConstraint(one_of("kind", INTEREST_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))  # personal data
    email: Mapped[str] = mapped_column(String(254), index=True)  # personal data
    message: Mapped[str] = mapped_column(Text, default="")
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ShowcasePostRow(Base):
    """One accepted form post, for the per-address rate limit (kept a day at most).

    The address is stored only as a keyed hash: enough to count, not to find the visitor.
    """

    __tablename__ = "showcase_posts"
    __table_args__ = (Index("ix_showcase_posts_address_at", "address", "posted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
