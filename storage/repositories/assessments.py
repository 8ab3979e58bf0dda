"""Assessments: their position, their answers, and the bookkeeping of thread events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.assessment import STEPS, Position, State
from bot.needs import Answer, Assessment
from storage.models import AnswerRow, AssessmentRow, OutsiderNoticeRow, ProcessedEventRow


def to_assessment(row: AssessmentRow) -> Assessment:
    """An assessment row as a value."""
    return Assessment(
        id=row.id,
        focus_area_id=row.focus_area_id,
        channel_id=row.channel_id,
        thread_ts=row.thread_ts,
        position=Position(
            State(row.state),
            State(row.resume_state) if row.resume_state else None,
            row.editing,
        ),
        version=row.version,
        last_activity_at=row.last_activity_at,
    )


def for_area(*, session: Session, focus_area_id: int) -> Assessment | None:
    """The assessment of a focus area, if started."""
    row = session.scalar(select(AssessmentRow).where(AssessmentRow.focus_area_id == focus_area_id))
    return to_assessment(row) if row else None


def by_id(*, session: Session, assessment_id: int) -> Assessment | None:
    """The assessment with this id."""
    row = session.get(AssessmentRow, assessment_id)
    return to_assessment(row) if row else None


def by_thread(*, session: Session, channel_id: str, thread_ts: str) -> Assessment | None:
    """The assessment whose thread this is, if any."""
    row = session.scalar(
        select(AssessmentRow).where(
            AssessmentRow.channel_id == channel_id, AssessmentRow.thread_ts == thread_ts
        )
    )
    return to_assessment(row) if row else None


def start(
    *, session: Session, actor: str, focus_area_id: int, channel_id: str, now: datetime
) -> Assessment | None:
    """Create the assessment of an area; None when someone else started it first."""
    added = _insert_once(
        session,
        AssessmentRow,
        ["focus_area_id"],
        focus_area_id=focus_area_id,
        channel_id=channel_id,
        started_by=actor,
        last_activity_at=now,
        state=State.AREA.value,
        editing=False,
        version=1,
    )
    return for_area(session=session, focus_area_id=focus_area_id) if added else None


def _insert_once(session: Session, table: Any, keys: list[str], **values: Any) -> bool:
    """Insert a row unless one with these key columns exists; True when it was added.

    No savepoint: SQLite's driver would commit a savepoint that opens the transaction.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = session.execute(
        insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def open_thread(*, session: Session, assessment_id: int, thread_ts: str) -> bool:
    """Remember the thread the assessment lives in, unless it has one; True if it was set."""
    result = session.execute(
        update(AssessmentRow)
        .where(AssessmentRow.id == assessment_id, AssessmentRow.thread_ts.is_(None))
        .values(thread_ts=thread_ts)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def answers(*, session: Session, assessment_id: int) -> dict[State, Answer]:
    """The recorded answers by step."""
    rows = session.scalars(select(AnswerRow).where(AnswerRow.assessment_id == assessment_id))
    return {
        State(row.step): Answer(
            State(row.step), dict(row.fields), row.skipped, row.answered_by, row.answered_at
        )
        for row in rows
    }


def move(
    *,
    session: Session,
    assessment: Assessment,
    to: Position,
    now: datetime,
    touch: bool = True,
) -> bool:
    """Move to a new position if nobody moved it since it was read (version check)."""
    values: dict[str, object] = {
        "state": to.state.value,
        "resume_state": to.resume.value if to.resume else None,
        "editing": to.editing,
        "version": assessment.version + 1,
    }
    if touch:
        values["last_activity_at"] = now
    result = session.execute(
        update(AssessmentRow)
        .where(AssessmentRow.id == assessment.id, AssessmentRow.version == assessment.version)
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_answer(
    *,
    session: Session,
    assessment_id: int,
    step: State,
    fields: dict[str, str],
    skipped: bool,
    actor: str,
    now: datetime,
    source_ts: str | None = None,
    new: bool = False,
) -> None:
    """Save (or replace) the answer to a step.

    ``new``: the caller read the answers in this transaction and this step had none, so it
    is inserted without looking (an answer saved meanwhile makes the insert fail).
    """
    row = (
        None
        if new
        else session.scalar(
            select(AnswerRow).where(
                AnswerRow.assessment_id == assessment_id, AnswerRow.step == step.value
            )
        )
    )
    if row is None:
        row = AnswerRow(assessment_id=assessment_id, step=step.value)
        session.add(row)
    row.fields = fields
    row.skipped = skipped
    row.answered_by = actor
    row.answered_at = now
    row.source_ts = source_ts
    session.flush()


def answer_from_reply(
    *, session: Session, assessment_id: int, source_ts: str
) -> tuple[State, dict[str, str]] | None:
    """The step and fields of the answer that a thread reply gave, if it gave one."""
    row = session.scalar(
        select(AnswerRow).where(
            AnswerRow.assessment_id == assessment_id, AnswerRow.source_ts == source_ts
        )
    )
    return (State(row.step), dict(row.fields)) if row else None


def first_delivery(*, session: Session, event_id: str) -> bool:
    """Record an Events API delivery; False when this event was handled before (a retry)."""
    return _insert_once(session, ProcessedEventRow, ["event_id"], event_id=event_id)


def tell_once(*, session: Session, assessment_id: int, user_id: str) -> bool:
    """True the first time an outsider is to be told about this assessment."""
    return _insert_once(
        session,
        OutsiderNoticeRow,
        ["assessment_id", "user_id"],
        assessment_id=assessment_id,
        user_id=user_id,
    )


def stalled(*, session: Session, quiet_since: datetime) -> list[Assessment]:
    """Assessments in progress with no activity since ``quiet_since`` and no nudge yet."""
    steps = [state.value for state in STEPS]
    rows = session.scalars(
        select(AssessmentRow).where(
            AssessmentRow.state.in_(steps),
            AssessmentRow.thread_ts.is_not(None),
            AssessmentRow.last_activity_at <= quiet_since,
            or_(
                AssessmentRow.nudged_at.is_(None),
                AssessmentRow.nudged_at < AssessmentRow.last_activity_at,
            ),
        )
    )
    return [to_assessment(row) for row in rows]


def claim_nudge(*, session: Session, assessment: Assessment, now: datetime) -> bool:
    """Claim the nudge for this stall; exactly one process wins."""
    result = session.execute(
        update(AssessmentRow)
        .where(
            AssessmentRow.id == assessment.id,
            AssessmentRow.last_activity_at == assessment.last_activity_at,
            or_(
                AssessmentRow.nudged_at.is_(None),
                AssessmentRow.nudged_at < AssessmentRow.last_activity_at,
            ),
        )
        .values(nudged_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
