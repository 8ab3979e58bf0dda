"""Pitches, the decisions on them, and the questions about them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.pitch_forms import PitchForm
from bot.pitches import Pitch, PitchStatus, Question
from bot.trade_secrets import in_order
from storage.models import (
    OpportunityRow,
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    StartupRow,
)

_COLUMNS = (PitchRow, OpportunityRow.organisation_id, OpportunityRow.title, StartupRow.name)


def _query() -> Any:  # a Select of (pitch, organisation id, title, startup name)
    return (
        select(*_COLUMNS)
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .join(StartupRow, StartupRow.id == PitchRow.startup_id)
    )


def _pitch(found: Any) -> Pitch:
    row, organisation_id, title, startup_name = found[0], found[1], found[2], found[3]
    return Pitch(
        id=row.id,
        opportunity_id=row.opportunity_id,
        organisation_id=organisation_id,
        startup_id=row.startup_id,
        startup_name=startup_name,
        opportunity_title=title,
        solution=row.solution,
        fit=row.fit,
        references=row.references,
        pilot=row.pilot,
        link=row.link,
        status=PitchStatus(row.status),
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
        card_channel=row.card_channel,
        card_ts=row.card_ts,
        secret_sections=in_order(row.secret_sections or ()),
        secret_reason=row.secret_reason or "",
    )


def get(*, session: Session, pitch_id: int) -> Pitch | None:
    """The pitch with this id."""
    found = session.execute(_query().where(PitchRow.id == pitch_id)).first()
    return _pitch(found) if found else None


def find(*, session: Session, opportunity_id: int, startup_id: int) -> Pitch | None:
    """A startup's pitch to an opportunity, if it has one."""
    found = session.execute(
        _query().where(PitchRow.opportunity_id == opportunity_id, PitchRow.startup_id == startup_id)
    ).first()
    return _pitch(found) if found else None


def save(
    *,
    session: Session,
    actor: str,
    opportunity_id: int,
    startup_id: int,
    form: PitchForm,
    now: datetime,
) -> tuple[Pitch, bool]:
    """Create the pitch, or update the one that exists; True when it is new.

    A double click or a retried submission lands on the unique (opportunity, startup) pair
    and becomes an update, never a second pitch.
    """
    values = {
        "solution": form.solution,
        "fit": form.fit,
        "references": form.references,
        "pilot": form.pilot,
        "link": form.link,
        "secret_sections": list(form.secret_sections),
        "secret_reason": form.secret_reason,
        "updated_at": now,
    }
    created = False
    try:
        with session.begin_nested():
            session.add(
                PitchRow(
                    opportunity_id=opportunity_id,
                    startup_id=startup_id,
                    submitted_by=actor,
                    submitted_at=now,
                    status=PitchStatus.SUBMITTED.value,
                    **values,
                )
            )
        created = True
    except IntegrityError:
        session.execute(
            update(PitchRow)
            .where(PitchRow.opportunity_id == opportunity_id, PitchRow.startup_id == startup_id)
            .values(status=PitchStatus.SUBMITTED.value, **values)
        )
    pitch = find(session=session, opportunity_id=opportunity_id, startup_id=startup_id)
    assert pitch is not None
    decide(
        session=session,
        pitch_id=pitch.id,
        decision="submitted" if created else "edited",
        actor=actor,
        now=now,
    )
    return pitch, created


def decide(
    *,
    session: Session,
    pitch_id: int,
    decision: str,
    actor: str,
    now: datetime,
    reason_code: str = "",
    reason: str = "",
) -> int:
    """Record a decision (or a submission, edit, question) with who, when and why; its id."""
    row = PitchDecisionRow(
        pitch_id=pitch_id,
        decision=decision,
        reason_code=reason_code,
        reason=reason,
        decided_by=actor,
        decided_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def latest_decision(*, session: Session, pitch_id: int) -> int:
    """The id of the pitch's newest recorded decision (0 when there is none)."""
    found = session.scalar(
        select(func.max(PitchDecisionRow.id)).where(PitchDecisionRow.pitch_id == pitch_id)
    )
    return int(found or 0)


def set_status(
    *,
    session: Session,
    pitch_id: int,
    status: PitchStatus,
    allowed_from: Iterable[PitchStatus],
    actor: str,
    now: datetime,
    reason_code: str = "",
    reason: str = "",
) -> bool:
    """Change a pitch's status if it is in one of ``allowed_from``, recording the decision."""
    result = session.execute(
        update(PitchRow)
        .where(PitchRow.id == pitch_id, PitchRow.status.in_([s.value for s in allowed_from]))
        .values(status=status.value, updated_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    decide(
        session=session,
        pitch_id=pitch_id,
        decision=status.value,
        actor=actor,
        now=now,
        reason_code=reason_code,
        reason=reason,
    )
    return True


def set_card(*, session: Session, pitch_id: int, channel: str, ts: str) -> None:
    """Remember where the pitch's review card is."""
    session.execute(
        update(PitchRow).where(PitchRow.id == pitch_id).values(card_channel=channel, card_ts=ts)
    )


def for_organisation(
    *, session: Session, organisation_id: int, opportunity_id: int | None = None
) -> list[Pitch]:
    """An organisation's pitches (optionally for one opportunity), newest first."""
    query = _query().where(OpportunityRow.organisation_id == organisation_id)
    if opportunity_id is not None:
        query = query.where(PitchRow.opportunity_id == opportunity_id)
    return [_pitch(found) for found in session.execute(query.order_by(PitchRow.id.desc()))]


def for_startups(*, session: Session, startup_ids: Iterable[int]) -> list[Pitch]:
    """The pitches of these startups, newest first."""
    query = _query().where(PitchRow.startup_id.in_(list(startup_ids)))
    return [_pitch(found) for found in session.execute(query.order_by(PitchRow.id.desc()))]


def count_for_opportunity(*, session: Session, opportunity_id: int) -> int:
    """How many pitches an opportunity has (withdrawn ones not counted)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(PitchRow)
            .where(
                PitchRow.opportunity_id == opportunity_id,
                PitchRow.status != PitchStatus.WITHDRAWN.value,
            )
        )
        or 0
    )


def decisions(*, session: Session, pitch_id: int) -> list[PitchDecisionRow]:
    """Every decision on a pitch, oldest first."""
    return list(
        session.scalars(
            select(PitchDecisionRow)
            .where(PitchDecisionRow.pitch_id == pitch_id)
            .order_by(PitchDecisionRow.id)
        )
    )


def ask(*, session: Session, pitch_id: int, question: str, actor: str, now: datetime) -> Question:
    """Record a question to the startup."""
    row = PitchQuestionRow(pitch_id=pitch_id, question=question, asked_by=actor, asked_at=now)
    session.add(row)
    session.flush()
    decide(
        session=session,
        pitch_id=pitch_id,
        decision="question",
        actor=actor,
        now=now,
        reason=question,
    )
    return Question(row.id, pitch_id, question, actor, None)


def question(*, session: Session, question_id: int) -> Question | None:
    """A question with its answer, if any."""
    row = session.get(PitchQuestionRow, question_id)
    return Question(row.id, row.pitch_id, row.question, row.asked_by, row.answer) if row else None


def questions_of(*, session: Session, pitch_id: int, limit: int = 20) -> list[Question]:
    """A pitch's questions with their answers, oldest first (at most ``limit``)."""
    rows = session.scalars(
        select(PitchQuestionRow)
        .where(PitchQuestionRow.pitch_id == pitch_id)
        .order_by(PitchQuestionRow.id)
        .limit(limit)
    )
    return [Question(r.id, r.pitch_id, r.question, r.asked_by, r.answer) for r in rows]


def answer(*, session: Session, question_id: int, text: str, actor: str, now: datetime) -> bool:
    """Record the startup's answer; False when it was already answered."""
    result = session.execute(
        update(PitchQuestionRow)
        .where(PitchQuestionRow.id == question_id, PitchQuestionRow.answer.is_(None))
        .values(answer=text, answered_by=actor, answered_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def question_key(text: str) -> str:
    """What makes two questions the same: the text casefolded, spaces collapsed (a digest)."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest()


def ask_once(
    *, session: Session, pitch_id: int, question: str, actor: str, now: datetime
) -> tuple[Question, bool]:
    """Record a question to the startup once: the same question from the same person on the
    same pitch (a form that arrives twice) is the question already recorded (False)."""
    key = question_key(question)

    def existing() -> PitchQuestionRow | None:
        return session.scalar(
            select(PitchQuestionRow).where(
                PitchQuestionRow.pitch_id == pitch_id,
                PitchQuestionRow.asked_by == actor,
                PitchQuestionRow.question_key == key,
            )
        )

    found = existing()
    if found is None:
        row = PitchQuestionRow(
            pitch_id=pitch_id, question=question, question_key=key, asked_by=actor, asked_at=now
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # the same form, arriving at the same moment
            found = existing()
            if found is None:
                raise
        else:
            decide(
                session=session,
                pitch_id=pitch_id,
                decision="question",
                actor=actor,
                now=now,
                reason=question,
            )
            return Question(row.id, pitch_id, question, actor, None), True
    return Question(found.id, found.pitch_id, found.question, found.asked_by, found.answer), False
