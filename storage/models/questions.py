"""Questions startups ask about an opportunity, and the startups drafting a pitch to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.questions import QuestionState
from storage.models.base import Base, UtcDateTime, one_of

QUESTION_STATES = tuple(state.value for state in QuestionState)


class OpportunityQuestionRow(Base):
    """A startup's question about a published opportunity, and the group's answer to all."""

    __tablename__ = "opportunity_questions"
    __table_args__ = (
        CheckConstraint(one_of("state", QUESTION_STATES), name="state_known"),
        # The same form arriving twice records one question.
        UniqueConstraint(
            "opportunity_id", "asked_by", "question_key", name="one_opportunity_question"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("startups.id", ondelete="CASCADE"), index=True
    )
    asked_by: Mapped[str] = mapped_column(String(32))  # a Slack user id
    question: Mapped[str] = mapped_column(Text)
    question_key: Mapped[str] = mapped_column(String(64))  # digest: casefolded, spaces collapsed
    named: Mapped[bool] = mapped_column(Boolean, default=False)  # the asker agreed to be named
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default=QuestionState.OPEN.value)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # Slack user id
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Where question and answer were published in the opportunity card's thread.
    published_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    published_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PitchDraftRow(Base):
    """A startup opened the Pitch form for an opportunity: it is drafting a pitch.

    Slack modals keep no drafts, so opening the form is the only signal there is.
    """

    __tablename__ = "pitch_drafts"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "startup_id", name="one_draft_per_startup"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("startups.id", ondelete="CASCADE"), index=True
    )
    opened_by: Mapped[str] = mapped_column(String(32))  # a Slack user id
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
