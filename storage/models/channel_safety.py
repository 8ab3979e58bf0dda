"""What Matchday last learnt about its channels' privacy, and the outsiders it noticed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, one_of

CHANNEL_STATES = ("safe", "public", "shared", "unknown")
OUTSIDER_STATUSES = ("present", "claimed", "settled")


class ChannelCheckRow(Base):
    """A channel's privacy as Slack last described it; ``revision`` counts the changes."""

    __tablename__ = "channel_checks"
    __table_args__ = (CheckConstraint(one_of("state", CHANNEL_STATES), name="state_known"),)

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    is_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When membership was last compared with the group (the periodic check's claim).
    members_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ChannelOutsiderRow(Base):
    """Someone in a group channel who is neither in the group nor an admin.

    ``episode`` counts the times they turned up unsettled: the project managers are told
    once per episode.
    """

    __tablename__ = "channel_outsiders"
    __table_args__ = (
        UniqueConstraint("channel_id", "user_id", name="one_row_per_person"),
        CheckConstraint(one_of("status", OUTSIDER_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    episode: Mapped[int] = mapped_column(Integer, default=1)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
