"""Periodic messages already claimed, such as the weekly digest of each week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class ScheduledSendRow(Base):
    """One periodic send, by key (for example "digest:2026-W49"): claimed once, ever."""

    __tablename__ = "scheduled_sends"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
