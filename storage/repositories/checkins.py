"""Check-ins: the due items of the scheduler, their claims, answers, reminders and escalations.

Claims are conditional UPDATEs: exactly one process sees a row come back. Times are stored
in UTC by the columns' type (computed due times arrive in the pilot's zone). A claim of a
check-in counts an attempt; a claim older than the lease is taken over, and the attempt
counter tells the new owner to look for the message in Slack before posting again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.pilots import Checkin, CheckinStatus, Escalation, Occurrence, PilotStatus
from storage.models import CheckinRow, PilotRow


def _checkin(row: CheckinRow) -> Checkin:
    return Checkin(
        id=row.id,
        pilot_id=row.pilot_id,
        seq=row.seq,
        nominal=row.nominal_date,
        due_at=row.due_at,
        attempts=row.attempts,
        posted_at=row.posted_at,
        message_ts=row.message_ts,
        late=row.late,
        skipped=row.skipped,
        failed_error=row.last_error if row.failed_at else None,
        status=CheckinStatus(row.status) if row.status else None,
        progress=row.progress,
        next_steps=row.next_steps,
        blockers=row.blockers,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
        missed=row.missed,
    )


def add_checkin(*, session: Session, pilot_id: int, seq: int, due: Occurrence) -> None:
    """Create a pilot's next check-in ahead of its due time."""
    session.add(
        CheckinRow(
            pilot_id=pilot_id,
            seq=seq,
            nominal_date=due.nominal,
            due_at=due.due_at,
            attempts=0,
            late=False,
            skipped=0,
            progress="",
            next_steps="",
            blockers="",
            missed=False,
        )
    )


def checkin(*, session: Session, checkin_id: int) -> Checkin | None:
    """The check-in with this id."""
    row = session.get(CheckinRow, checkin_id)
    return _checkin(row) if row else None


def history(*, session: Session, pilot_id: int, limit: int = 12) -> list[Checkin]:
    """A pilot's check-ins, newest first (the pending one included)."""
    rows = session.scalars(
        select(CheckinRow)
        .where(CheckinRow.pilot_id == pilot_id)
        .order_by(CheckinRow.seq.desc())
        .limit(limit)
    )
    return [_checkin(row) for row in rows]


def pending(*, session: Session, pilot_id: int) -> Checkin | None:
    """The pilot's next check-in, not posted yet."""
    row = session.scalar(
        select(CheckinRow).where(
            CheckinRow.pilot_id == pilot_id,
            CheckinRow.posted_at.is_(None),
            CheckinRow.failed_at.is_(None),
        )
    )
    return _checkin(row) if row else None


def reschedule_pending(*, session: Session, pilot_id: int, due: Occurrence | None) -> bool:
    """Move (or, with ``due`` None, drop) a pending check-in nobody has tried to post yet.

    A check-in with an attempt may already be in Slack; it is left alone and is found there.
    """
    condition = and_(
        CheckinRow.pilot_id == pilot_id,
        CheckinRow.posted_at.is_(None),
        CheckinRow.failed_at.is_(None),
        CheckinRow.attempts == 0,
        CheckinRow.claimed_at.is_(None),
    )
    if due is None:
        row = session.scalar(select(CheckinRow).where(condition))
        if row is None:
            return False
        session.delete(row)
        return True
    result = session.execute(
        update(CheckinRow).where(condition).values(nominal_date=due.nominal, due_at=due.due_at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _claimable(now: datetime, lease: timedelta) -> list[ColumnElement[bool]]:
    return [
        CheckinRow.posted_at.is_(None),
        CheckinRow.failed_at.is_(None),
        or_(CheckinRow.claimed_at.is_(None), CheckinRow.claimed_at < now - lease),
        or_(CheckinRow.retry_at.is_(None), CheckinRow.retry_at <= now),
    ]


def due_checkins(
    *, session: Session, now: datetime, lease: timedelta, limit: int = 5000
) -> list[int]:
    """Ids of check-ins of active pilots that are due and free to claim."""
    return list(
        session.scalars(
            select(CheckinRow.id)
            .join(PilotRow, PilotRow.id == CheckinRow.pilot_id)
            .where(
                PilotRow.status == PilotStatus.ACTIVE.value,
                CheckinRow.due_at <= now,
                *_claimable(now, lease),
            )
            .order_by(CheckinRow.due_at)
            .limit(limit)
        )
    )


def claim_checkin(
    *, session: Session, checkin_id: int, now: datetime, lease: timedelta, token: str
) -> Checkin | None:
    """Claim a due check-in for posting, counting the attempt; None when another has it."""
    row = session.scalars(
        update(CheckinRow)
        .where(
            CheckinRow.id == checkin_id,
            CheckinRow.pilot_id.in_(
                select(PilotRow.id).where(PilotRow.status == PilotStatus.ACTIVE.value)
            ),
            *_claimable(now, lease),
        )
        .values(claimed_at=now, claim_token=token, attempts=CheckinRow.attempts + 1)
        .returning(CheckinRow)
    ).first()
    return _checkin(row) if row else None


def claim_checkins(
    *,
    session: Session,
    checkin_ids: Collection[int],
    now: datetime,
    lease: timedelta,
    token: str,
) -> list[Checkin]:
    """Claim several due check-ins in one statement; those another process has are left out."""
    if not checkin_ids:
        return []
    rows = session.scalars(
        update(CheckinRow)
        .where(
            CheckinRow.id.in_(list(checkin_ids)),
            CheckinRow.pilot_id.in_(
                select(PilotRow.id).where(PilotRow.status == PilotStatus.ACTIVE.value)
            ),
            *_claimable(now, lease),
        )
        .values(claimed_at=now, claim_token=token, attempts=CheckinRow.attempts + 1)
        .returning(CheckinRow)
    ).all()
    return sorted((_checkin(row) for row in rows), key=lambda checkin: checkin.id)


def record_posted(
    *,
    session: Session,
    checkin_id: int,
    token: str,
    now: datetime,
    message_ts: str,
    nominal: date,
    due_at: datetime,
    late: bool,
    skipped: int,
    reminder_due_at: datetime,
) -> bool:
    """Mark a claimed check-in posted; False when the claim was lost to another process."""
    result = session.execute(
        update(CheckinRow)
        .where(
            CheckinRow.id == checkin_id,
            CheckinRow.claim_token == token,
            CheckinRow.posted_at.is_(None),
        )
        .values(
            posted_at=now,
            message_ts=message_ts,
            nominal_date=nominal,
            due_at=due_at,
            late=late,
            skipped=skipped,
            reminder_due_at=reminder_due_at,
            retry_at=None,
            last_error=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_retry(
    *, session: Session, checkin_id: int, token: str, error: str, retry_at: datetime
) -> bool:
    """Release a claim after a transient failure; the check-in is tried again at ``retry_at``."""
    result = session.execute(
        update(CheckinRow)
        .where(CheckinRow.id == checkin_id, CheckinRow.claim_token == token)
        .values(claimed_at=None, claim_token=None, retry_at=retry_at, last_error=error[:64])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_failed(
    *, session: Session, checkin_id: int, pilot_id: int, token: str, error: str, now: datetime
) -> bool | None:
    """Record a permanent failure on the check-in and the pilot.

    Returns None when the claim was lost, else True when this starts a streak of failures
    (the admins are told once per streak).
    """
    result = session.execute(
        update(CheckinRow)
        .where(CheckinRow.id == checkin_id, CheckinRow.claim_token == token)
        .values(failed_at=now, last_error=error[:64])
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    first = session.execute(
        update(PilotRow)
        .where(PilotRow.id == pilot_id, PilotRow.delivery_error.is_(None))
        .values(delivery_error=error[:64], delivery_error_at=now)
    )
    if not first.rowcount:  # type: ignore[attr-defined]
        session.execute(
            update(PilotRow).where(PilotRow.id == pilot_id).values(delivery_error=error[:64])
        )
    return bool(first.rowcount)  # type: ignore[attr-defined]


def clear_delivery_error(*, session: Session, pilot_id: int) -> None:
    """A check-in went out again: forget the pilot's delivery problem."""
    session.execute(
        update(PilotRow)
        .where(PilotRow.id == pilot_id, PilotRow.delivery_error.is_not(None))
        .values(delivery_error=None, delivery_error_at=None)
    )


def next_seq(*, session: Session, pilot_id: int) -> int:
    """The number the pilot's next check-in gets."""
    return (
        int(
            session.scalar(select(func.max(CheckinRow.seq)).where(CheckinRow.pilot_id == pilot_id))
            or 0
        )
        + 1
    )


def recent_posted(*, session: Session, pilot_id: int, before_seq: int, limit: int) -> list[Checkin]:
    """The posted check-ins before number ``before_seq``, newest first."""
    rows = session.scalars(
        select(CheckinRow)
        .where(
            CheckinRow.pilot_id == pilot_id,
            CheckinRow.seq < before_seq,
            CheckinRow.posted_at.is_not(None),
        )
        .order_by(CheckinRow.seq.desc())
        .limit(limit)
    )
    return [_checkin(row) for row in rows]


def mark_missed(*, session: Session, checkin_id: int) -> bool:
    """Mark an unanswered check-in missed (its successor is out); False if it was answered."""
    result = session.execute(
        update(CheckinRow)
        .where(
            CheckinRow.id == checkin_id,
            CheckinRow.answered_at.is_(None),
            CheckinRow.missed.is_(False),
        )
        .values(missed=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def escalate(*, session: Session, checkin_id: int, reason: Escalation, now: datetime) -> bool:
    """Queue one escalation of a check-in; False when it was escalated (or queued) before."""
    result = session.execute(
        update(CheckinRow)
        .where(CheckinRow.id == checkin_id, CheckinRow.escalation_due_at.is_(None))
        .values(escalation=reason.value, escalation_due_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def answer(
    *,
    session: Session,
    checkin_id: int,
    actor: str,
    now: datetime,
    status: CheckinStatus,
    progress: str | None = None,
    next_steps: str | None = None,
    blockers: str | None = None,
) -> Checkin:
    """Record an answer (a status click keeps the texts given before)."""
    found, _revision = answered(
        session=session,
        checkin_id=checkin_id,
        actor=actor,
        now=now,
        status=status,
        progress=progress,
        next_steps=next_steps,
        blockers=blockers,
    )
    return found


def answered(
    *,
    session: Session,
    checkin_id: int,
    actor: str,
    now: datetime,
    status: CheckinStatus,
    progress: str | None = None,
    next_steps: str | None = None,
    blockers: str | None = None,
) -> tuple[Checkin, int | None]:
    """Record an answer; the check-in and its new answer revision, None when nothing changed.

    The same answer from the same person again (a click delivered twice) changes nothing,
    so what follows an answer is owed once per revision.
    """
    texts = {"progress": progress, "next_steps": next_steps, "blockers": blockers}
    for _attempt in range(3):
        row = session.execute(
            select(
                CheckinRow.status,
                CheckinRow.answered_by,
                CheckinRow.progress,
                CheckinRow.next_steps,
                CheckinRow.blockers,
                CheckinRow.answer_revision,
            ).where(CheckinRow.id == checkin_id)
        ).one()
        before = {"progress": row.progress, "next_steps": row.next_steps, "blockers": row.blockers}
        after = {key: before[key] if text is None else text for key, text in texts.items()}
        if (row.status, row.answered_by) == (status.value, actor) and after == before:
            found = checkin(session=session, checkin_id=checkin_id)
            assert found is not None
            return found, None
        revision = int(row.answer_revision or 0) + 1
        result = session.execute(
            update(CheckinRow)
            .where(
                CheckinRow.id == checkin_id,
                CheckinRow.answer_revision == row.answer_revision,
            )
            .values(
                status=status.value,
                answered_by=actor,
                answered_at=now,
                missed=False,
                answer_revision=revision,
                **after,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            session.expire_all()
            found = checkin(session=session, checkin_id=checkin_id)
            assert found is not None
            return found, revision
    raise RuntimeError(f"check-in {checkin_id}: the answer kept changing under us")


# --- Reminders and escalations ----------------------------------------------------------------


def _reminder_claimable(now: datetime, lease: timedelta) -> list[ColumnElement[bool]]:
    return [
        CheckinRow.reminder_due_at <= now,
        CheckinRow.reminder_sent_at.is_(None),
        CheckinRow.answered_at.is_(None),
        CheckinRow.missed.is_(False),
        or_(
            CheckinRow.reminder_claimed_at.is_(None),
            CheckinRow.reminder_claimed_at < now - lease,
        ),
    ]


def due_reminders(*, session: Session, now: datetime, lease: timedelta) -> list[int]:
    """Ids of posted check-ins of active pilots, unanswered for 24 working hours."""
    return list(
        session.scalars(
            select(CheckinRow.id)
            .join(PilotRow, PilotRow.id == CheckinRow.pilot_id)
            .where(
                PilotRow.status == PilotStatus.ACTIVE.value,
                *_reminder_claimable(now, lease),
            )
        )
    )


def claim_reminder(*, session: Session, checkin_id: int, now: datetime, lease: timedelta) -> bool:
    """Claim a check-in's reminder; exactly one process wins."""
    result = session.execute(
        update(CheckinRow)
        .where(CheckinRow.id == checkin_id, *_reminder_claimable(now, lease))
        .values(reminder_claimed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_reminded(*, session: Session, checkin_id: int, now: datetime) -> None:
    """The reminder went out."""
    session.execute(
        update(CheckinRow).where(CheckinRow.id == checkin_id).values(reminder_sent_at=now)
    )


def _escalation_claimable(now: datetime, lease: timedelta) -> list[ColumnElement[bool]]:
    return [
        CheckinRow.escalation_due_at <= now,
        CheckinRow.escalated_at.is_(None),
        or_(
            CheckinRow.escalation_claimed_at.is_(None),
            CheckinRow.escalation_claimed_at < now - lease,
        ),
    ]


def due_escalations(*, session: Session, now: datetime, lease: timedelta) -> list[int]:
    """Ids of check-ins whose escalation is queued and not sent."""
    return list(session.scalars(select(CheckinRow.id).where(*_escalation_claimable(now, lease))))


def claim_escalation(
    *, session: Session, checkin_id: int, now: datetime, lease: timedelta
) -> Escalation | None:
    """Claim a queued escalation; its reason, or None when another process has it."""
    result = session.execute(
        update(CheckinRow)
        .where(CheckinRow.id == checkin_id, *_escalation_claimable(now, lease))
        .values(escalation_claimed_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    reason = session.scalar(select(CheckinRow.escalation).where(CheckinRow.id == checkin_id))
    return Escalation(reason) if reason else None


def mark_escalated(*, session: Session, checkin_id: int, now: datetime) -> None:
    """The escalation went out."""
    session.execute(update(CheckinRow).where(CheckinRow.id == checkin_id).values(escalated_at=now))
