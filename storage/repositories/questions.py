"""Questions about opportunities, their answers, and the startups drafting a pitch.

The caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.pitches import PitchStatus
from bot.questions import OpportunityQuestion, QuestionState, ReceivedQuestion
from storage.models import (
    OpportunityQuestionRow,
    OpportunityRow,
    PitchDraftRow,
    PitchRow,
    RepresentativeRow,
    StartupRow,
)

_COLUMNS = (
    OpportunityQuestionRow,
    OpportunityRow.organisation_id,
    OpportunityRow.title,
    OpportunityRow.deadline,
    OpportunityRow.status,
    StartupRow.name,
    StartupRow.org_number,
)


def _query() -> Any:  # a Select of (question, organisation id, title, deadline, status, name, nr)
    return (
        select(*_COLUMNS)
        .join(OpportunityRow, OpportunityRow.id == OpportunityQuestionRow.opportunity_id)
        .join(StartupRow, StartupRow.id == OpportunityQuestionRow.startup_id)
    )


def _question(found: Any) -> OpportunityQuestion:
    row: OpportunityQuestionRow = found[0]
    return OpportunityQuestion(
        id=row.id,
        opportunity_id=row.opportunity_id,
        organisation_id=found[1],
        opportunity_title=found[2],
        deadline=found[3],
        opportunity_status=found[4],
        startup_id=row.startup_id,
        startup_name=found[5],
        asked_by=row.asked_by,
        question=row.question,
        named=row.named,
        asked_at=row.asked_at,
        state=QuestionState(row.state),
        answer=row.answer,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
    )


def question_key(text: str) -> str:
    """What makes two questions the same: the text casefolded, spaces collapsed (a digest)."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest()


def get(*, session: Session, question_id: int) -> OpportunityQuestion | None:
    """The question with this id."""
    found = session.execute(_query().where(OpportunityQuestionRow.id == question_id)).first()
    return _question(found) if found else None


def ask(
    *,
    session: Session,
    opportunity_id: int,
    startup_id: int,
    actor: str,
    text: str,
    named: bool,
    now: datetime,
) -> tuple[OpportunityQuestion, bool]:
    """Record a question once: the same form arriving twice is the question already there."""
    key = question_key(text)

    def existing() -> int | None:
        return session.scalar(
            select(OpportunityQuestionRow.id).where(
                OpportunityQuestionRow.opportunity_id == opportunity_id,
                OpportunityQuestionRow.asked_by == actor,
                OpportunityQuestionRow.question_key == key,
            )
        )

    found = existing()
    created = False
    if found is None:
        row = OpportunityQuestionRow(
            opportunity_id=opportunity_id,
            startup_id=startup_id,
            asked_by=actor,
            question=text,
            question_key=key,
            named=named,
            asked_at=now,
            state=QuestionState.OPEN.value,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            found, created = row.id, True
        except IntegrityError:  # the same form, arriving at the same moment
            found = existing()
            if found is None:
                raise
    question = get(session=session, question_id=found)
    assert question is not None
    return question, created


def answer(*, session: Session, question_id: int, text: str, actor: str, now: datetime) -> bool:
    """Record the answer; False when the question is no longer open (answered already)."""
    result = session.execute(
        update(OpportunityQuestionRow)
        .where(
            OpportunityQuestionRow.id == question_id,
            OpportunityQuestionRow.state == QuestionState.OPEN.value,
        )
        .values(state=QuestionState.ANSWERED.value, answer=text, answered_by=actor, answered_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_published(*, session: Session, question_id: int, channel: str, ts: str) -> None:
    """Remember where question and answer landed in the opportunity card's thread."""
    session.execute(
        update(OpportunityQuestionRow)
        .where(OpportunityQuestionRow.id == question_id)
        .values(published_channel=channel, published_ts=ts)
    )


def for_opportunity(*, session: Session, opportunity_id: int) -> list[OpportunityQuestion]:
    """Every question about one opportunity, oldest first."""
    rows = session.execute(
        _query()
        .where(OpportunityQuestionRow.opportunity_id == opportunity_id)
        .order_by(OpportunityQuestionRow.id)
    )
    return [_question(found) for found in rows]


def received_by(*, session: Session, organisation_id: int) -> list[ReceivedQuestion]:
    """Every question an organisation received, with the asking startup and its number.

    For the registrar's export and the opportunity's history (who asked is a record even
    when it was not published).
    """
    rows = session.execute(
        _query()
        .where(OpportunityRow.organisation_id == organisation_id)
        .order_by(OpportunityQuestionRow.asked_at, OpportunityQuestionRow.id)
    )
    return [
        ReceivedQuestion(
            id=found[0].id,
            opportunity_id=found[0].opportunity_id,
            opportunity_title=found[2],
            startup_name=found[5],
            startup_org_number=found[6],
            question=found[0].question,
            named=found[0].named,
            asked_at=found[0].asked_at,
            state=QuestionState(found[0].state),
            answer=found[0].answer,
            answered_at=found[0].answered_at,
        )
        for found in rows
    ]


def _visible(statement: Any, organisation_ids: Iterable[int] | None) -> Any:
    if organisation_ids is None:  # a programme admin: every organisation
        return statement
    return statement.where(OpportunityRow.organisation_id.in_(list(organisation_ids)))


def count_listed(*, session: Session, organisation_ids: Iterable[int] | None) -> int:
    """How many questions the list shows (None: every organisation's)."""
    statement = _visible(
        select(func.count(OpportunityQuestionRow.id)).join(
            OpportunityRow, OpportunityRow.id == OpportunityQuestionRow.opportunity_id
        ),
        organisation_ids,
    )
    return int(session.scalar(statement) or 0)


def listed(
    *, session: Session, organisation_ids: Iterable[int] | None, offset: int, limit: int
) -> list[OpportunityQuestion]:
    """One page of questions, newest first (None: every organisation's)."""
    statement = _visible(_query(), organisation_ids).order_by(
        OpportunityQuestionRow.asked_at.desc(), OpportunityQuestionRow.id.desc()
    )
    return [_question(found) for found in session.execute(statement.offset(offset).limit(limit))]


def mark_drafting(
    *, session: Session, opportunity_id: int, startup_id: int, actor: str, now: datetime
) -> None:
    """Record that a startup opened the Pitch form for an opportunity (once)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(PitchDraftRow)
        .values(
            opportunity_id=opportunity_id, startup_id=startup_id, opened_by=actor, opened_at=now
        )
        .on_conflict_do_nothing(index_elements=["opportunity_id", "startup_id"])
    )


def answer_readers(*, session: Session, opportunity_id: int, asker_startup_id: int) -> list[str]:
    """Every representative of every startup that pitched (not withdrawn), is drafting a
    pitch (opened the form, no pitch yet) or asked this question, each once."""
    pitched = select(PitchRow.startup_id).where(
        PitchRow.opportunity_id == opportunity_id, PitchRow.status != PitchStatus.WITHDRAWN.value
    )
    any_pitch = select(PitchRow.startup_id).where(PitchRow.opportunity_id == opportunity_id)
    drafting = select(PitchDraftRow.startup_id).where(
        PitchDraftRow.opportunity_id == opportunity_id,
        PitchDraftRow.startup_id.not_in(any_pitch),
    )
    startup_ids = set(session.scalars(pitched)) | set(session.scalars(drafting))
    startup_ids.add(asker_startup_id)
    users = session.scalars(
        select(RepresentativeRow.user_id)
        .where(RepresentativeRow.startup_id.in_(startup_ids))
        .order_by(RepresentativeRow.user_id)
    )
    return list(dict.fromkeys(users))
