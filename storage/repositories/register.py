"""The documents an organisation received through Matchday, and what its registrar was sent.

One small collector per kind of document (``COLLECTORS``): a new kind, such as the
questions startups ask about an opportunity, is one more function added to the tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.register import (
    Document,
    DocumentKind,
    answer_id,
    checkin_id,
    pitch_edit_id,
    pitch_id,
    question_id,
)
from storage.models import (
    OpportunityRow,
    OrganisationRow,
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    RegisterEntryRow,
    RegisterExportRow,
    RepresentativeRow,
    StartupRow,
)
from storage.models.pilots import CheckinRow, PilotPersonRow, PilotRow
from storage.repositories import questions

Collector = Callable[[Session, int], list[Document]]


def _pitches_to(organisation_id: int) -> Any:
    """(pitch, opportunity title, startup name, organisation number) of the organisation."""
    return (
        select(PitchRow, OpportunityRow.title, StartupRow.name, StartupRow.org_number)
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .join(StartupRow, StartupRow.id == PitchRow.startup_id)
        .where(OpportunityRow.organisation_id == organisation_id)
    )


def _marking(pitch: PitchRow) -> dict[str, Any]:
    return {
        "secret_sections": tuple(pitch.secret_sections or ()),
        "secret_reason": pitch.secret_reason or "",
    }


def pitches_received(session: Session, organisation_id: int) -> list[Document]:
    """Every pitch to the organisation's opportunities, received when first sent."""
    return [
        Document(
            id=pitch_id(pitch.id),
            kind=DocumentKind.PITCH,
            received_at=pitch.submitted_at,
            sender=startup,
            sender_org_number=number,
            opportunity=title,
            **_marking(pitch),
        )
        for pitch, title, startup, number in session.execute(_pitches_to(organisation_id))
    ]


def pitch_edits_received(session: Session, organisation_id: int) -> list[Document]:
    """Every edit of such a pitch: a supplement received when it was saved."""
    query = (
        _pitches_to(organisation_id)
        .add_columns(PitchDecisionRow.id, PitchDecisionRow.decided_at)
        .join(PitchDecisionRow, PitchDecisionRow.pitch_id == PitchRow.id)
        .where(PitchDecisionRow.decision == "edited")
    )
    return [
        Document(
            id=pitch_edit_id(pitch.id, decision),
            kind=DocumentKind.PITCH_EDIT,
            received_at=decided_at,
            sender=startup,
            sender_org_number=number,
            opportunity=title,
            **_marking(pitch),
        )
        for pitch, title, startup, number, decision, decided_at in session.execute(query)
    ]


def answers_received(session: Session, organisation_id: int) -> list[Document]:
    """Every answer a startup gave to a project group's question on its pitch."""
    query = (
        _pitches_to(organisation_id)
        .add_columns(PitchQuestionRow.id, PitchQuestionRow.answered_at)
        .join(PitchQuestionRow, PitchQuestionRow.pitch_id == PitchRow.id)
        .where(PitchQuestionRow.answered_at.is_not(None))
    )
    return [
        Document(
            id=answer_id(question),
            kind=DocumentKind.ANSWER,
            received_at=answered_at,
            sender=startup,
            sender_org_number=number,
            opportunity=title,
        )
        for _pitch, title, startup, number, question, answered_at in session.execute(query)
    ]


def checkins_received(session: Session, organisation_id: int) -> list[Document]:
    """Every check-in of the organisation's pilots answered by the startup's side."""
    startup_side = or_(
        CheckinRow.answered_by.in_(
            select(PilotPersonRow.user_id).where(
                PilotPersonRow.pilot_id == PilotRow.id, PilotPersonRow.side == "startup"
            )
        ),
        CheckinRow.answered_by.in_(
            select(RepresentativeRow.user_id).where(
                RepresentativeRow.startup_id == PilotRow.startup_id
            )
        ),
    )
    query = (
        select(CheckinRow, PilotRow.title, StartupRow.name, StartupRow.org_number)
        .add_columns(OpportunityRow.title)
        .join(PilotRow, PilotRow.id == CheckinRow.pilot_id)
        .join(StartupRow, StartupRow.id == PilotRow.startup_id)
        .outerjoin(PitchRow, PitchRow.id == PilotRow.pitch_id)
        .outerjoin(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .where(
            PilotRow.organisation_id == organisation_id,
            CheckinRow.answered_at.is_not(None),
            startup_side,
        )
    )
    documents = []
    for checkin, pilot, startup, number, opportunity in session.execute(query):
        assert checkin.answered_at is not None
        documents.append(
            Document(
                id=checkin_id(checkin.id),
                kind=DocumentKind.CHECKIN,
                received_at=checkin.answered_at,
                sender=startup,
                sender_org_number=number,
                opportunity=opportunity or "",
                details={"pilot": pilot, "number": str(checkin.seq)},
            )
        )
    return documents


def questions_received(session: Session, organisation_id: int) -> list[Document]:
    """Every question a startup asked about one of the organisation's opportunities.

    The asker is on record here even when the published question did not name them.
    """
    return [
        Document(
            id=question_id(question.id),
            kind=DocumentKind.QUESTION,
            received_at=question.asked_at,
            sender=question.startup_name,
            sender_org_number=question.startup_org_number,
            opportunity=question.opportunity_title,
        )
        for question in questions.received_by(session=session, organisation_id=organisation_id)
    ]


COLLECTORS: tuple[Collector, ...] = (
    pitches_received,
    pitch_edits_received,
    answers_received,
    questions_received,
    checkins_received,
)


def received(*, session: Session, organisation_id: int) -> list[Document]:
    """Every document the organisation received through Matchday, of every kind."""
    return [doc for collect in COLLECTORS for doc in collect(session, organisation_id)]


def hold(*, session: Session, organisation_id: int) -> None:
    """Lock the organisation's row: two exports at once never both send the same news."""
    session.execute(
        select(OrganisationRow.id).where(OrganisationRow.id == organisation_id).with_for_update()
    )


def exported_ids(*, session: Session, organisation_id: int) -> set[str]:
    """The ids of every document already exported to this organisation's registrar."""
    return set(
        session.scalars(
            select(RegisterEntryRow.document_id).where(
                RegisterEntryRow.organisation_id == organisation_id
            )
        )
    )


def last_exported_at(*, session: Session, organisation_id: int) -> datetime | None:
    """When the organisation's registrar was last sent an export (None: never)."""
    return session.scalar(
        select(RegisterExportRow.exported_at)
        .where(RegisterExportRow.organisation_id == organisation_id)
        .order_by(RegisterExportRow.exported_at.desc(), RegisterExportRow.id.desc())
        .limit(1)
    )


def record(
    *,
    session: Session,
    organisation_id: int,
    kind: str,
    actor: str,
    now: datetime,
    documents: list[Document],
) -> int:
    """Record one export and each document in it; returns the export's id."""
    row = RegisterExportRow(
        organisation_id=organisation_id,
        kind=kind,
        exported_by=actor,
        exported_at=now,
        documents=[doc.snapshot() for doc in documents],
    )
    session.add(row)
    session.flush()
    session.add_all(
        RegisterEntryRow(export_id=row.id, organisation_id=organisation_id, document_id=doc.id)
        for doc in documents
    )
    return row.id


@dataclass(frozen=True)
class Export:
    """One recorded export, as its files show it."""

    id: int
    organisation: str
    exported_at: datetime
    documents: list[Document]


def export(*, session: Session, export_id: int) -> Export | None:
    """A recorded export with its entries exactly as they were sent."""
    found = session.execute(
        select(RegisterExportRow, OrganisationRow.name)
        .join(OrganisationRow, OrganisationRow.id == RegisterExportRow.organisation_id)
        .where(RegisterExportRow.id == export_id)
    ).first()
    if found is None:
        return None
    row, name = found
    return Export(row.id, name, row.exported_at, [Document.from_snapshot(d) for d in row.documents])
