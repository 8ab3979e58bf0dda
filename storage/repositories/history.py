"""An opportunity's history, read from the records each workflow keeps; never written here.

Each source is one small function returning its events; ``SOURCES`` lists them, so a new
kind of record joins the history by adding one function. Nothing in this module (or any
other repository) updates or deletes a decision or an audit entry.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.history import Event, History, in_order
from storage.models import (
    AuditEntry,
    OpportunityRow,
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    StartupRow,
)
from storage.models.questions import OpportunityQuestionRow

Source = Callable[..., list[Event]]  # (*, session, opportunity_id) -> events


def _published(*, session: Session, opportunity_id: int) -> list[Event]:
    """When the opportunity was published, and by whom."""
    row = session.get(OpportunityRow, opportunity_id)
    if row is None:
        return []
    detail = f"{row.title} (deadline {row.deadline.isoformat()})"
    return [
        Event(
            row.published_at,
            "published",
            actor=row.published_by,
            detail=detail,
            source=f"opportunities:{row.id}",
        )
    ]


def _opportunity_audit(*, session: Session, opportunity_id: int) -> list[Event]:
    """Changes to the opportunity itself recorded in the audit log (publishing aside)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.subject == f"opportunity:{opportunity_id}",
            AuditEntry.action != "opportunity.published",
        )
        .order_by(AuditEntry.id)
    )
    return [
        Event(
            row.at,
            "opportunity_changed",
            actor=row.actor,
            reason_code=row.action,
            detail=row.detail,
            source=f"audit_log:{row.id}",
        )
        for row in rows
    ]


def _pitch_decisions(*, session: Session, opportunity_id: int) -> list[Event]:
    """Every pitch received, edited and withdrawn, and every decision with who and why.

    A question is recorded both as a decision and as a question; it is told once, by
    :func:`_pitch_questions`, which also knows its answer.
    """
    found = session.execute(
        select(PitchDecisionRow, StartupRow.name)
        .join(PitchRow, PitchRow.id == PitchDecisionRow.pitch_id)
        .join(StartupRow, StartupRow.id == PitchRow.startup_id)
        .where(PitchRow.opportunity_id == opportunity_id, PitchDecisionRow.decision != "question")
        .order_by(PitchDecisionRow.id)
    )
    return [
        Event(
            row.decided_at,
            row.decision,
            actor=row.decided_by,
            startup=name,
            reason_code=row.reason_code,
            detail=row.reason,
            source=f"pitch_decisions:{row.id}",
        )
        for row, name in found
    ]


def _pitch_questions(*, session: Session, opportunity_id: int) -> list[Event]:
    """The project group's questions to a startup, and the startup's answers."""
    found = session.execute(
        select(PitchQuestionRow, StartupRow.name)
        .join(PitchRow, PitchRow.id == PitchQuestionRow.pitch_id)
        .join(StartupRow, StartupRow.id == PitchRow.startup_id)
        .where(PitchRow.opportunity_id == opportunity_id)
        .order_by(PitchQuestionRow.id)
    )
    events = []
    for row, name in found:
        source = f"pitch_questions:{row.id}"
        events.append(Event(row.asked_at, "question", row.asked_by, name, "", row.question, source))
        if row.answer is not None and row.answered_at is not None:
            events.append(
                Event(
                    row.answered_at, "answer", row.answered_by or "", name, "", row.answer, source
                )
            )
    return events


def _startup_questions(*, session: Session, opportunity_id: int) -> list[Event]:
    """Questions startups asked about the opportunity, and the group's answers to all."""
    found = session.execute(
        select(OpportunityQuestionRow, StartupRow.name)
        .join(StartupRow, StartupRow.id == OpportunityQuestionRow.startup_id)
        .where(OpportunityQuestionRow.opportunity_id == opportunity_id)
        .order_by(OpportunityQuestionRow.id)
    )
    events = []
    for row, name in found:
        source = f"opportunity_questions:{row.id}"
        events.append(
            Event(row.asked_at, "startup_question", row.asked_by, name, "", row.question, source)
        )
        if row.answer is not None and row.answered_at is not None:
            events.append(
                Event(
                    row.answered_at,
                    "startup_question_answered",
                    row.answered_by or "",
                    name,
                    "",
                    row.answer,
                    source,
                )
            )
    return events


SOURCES: tuple[Source, ...] = (
    _published,
    _opportunity_audit,
    _pitch_decisions,
    _pitch_questions,
    _startup_questions,
)


def of_opportunity(*, session: Session, opportunity_id: int) -> History | None:
    """The opportunity's whole history, oldest first (None when there is no such opportunity)."""
    row = session.get(OpportunityRow, opportunity_id)
    if row is None:
        return None
    events = [
        event
        for source in SOURCES
        for event in source(session=session, opportunity_id=opportunity_id)
    ]
    return History(row.id, row.title, row.organisation_id, in_order(events))


def find_opportunities(
    *, session: Session, words: str, organisation_ids: list[int] | None
) -> list[tuple[int, str, int]]:
    """Opportunities (id, title, organisation id) whose title holds ``words``, newest first,
    among ``organisation_ids`` (None: every organisation)."""
    query = select(OpportunityRow.id, OpportunityRow.title, OpportunityRow.organisation_id)
    if organisation_ids is not None:
        query = query.where(OpportunityRow.organisation_id.in_(organisation_ids))
    wanted = " ".join(words.casefold().split())
    found = session.execute(query.order_by(OpportunityRow.id.desc())).all()
    return [
        (int(row[0]), str(row[1]), int(row[2]))
        for row in found
        if wanted in " ".join(str(row[1]).casefold().split())
    ]
