"""Meetings, their participants' bookings, and the follow-up answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.meetings import Busy, FollowUp, Meeting, MeetingStatus
from storage.models.meetings import FollowUpRow, MeetingParticipantRow, MeetingRow


def _meeting(session: Session, row: MeetingRow) -> Meeting:
    people = list(
        session.scalars(
            select(MeetingParticipantRow)
            .where(MeetingParticipantRow.meeting_id == row.id)
            .order_by(MeetingParticipantRow.id)
        )
    )
    return Meeting(
        id=row.id,
        organisation_id=row.organisation_id,
        startup_id=row.startup_id,
        pitch_id=row.pitch_id,
        status=MeetingStatus(row.status),
        length_minutes=row.length_minutes,
        place=row.place,
        proposed=tuple(datetime.fromisoformat(text) for text in row.proposed),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        sequence=row.sequence,
        version=row.version,
        organisation_people=tuple(p.user_id for p in people if p.side == "organisation"),
        startup_people=tuple(p.user_id for p in people if p.side == "startup"),
    )


def get(*, session: Session, meeting_id: int) -> Meeting | None:
    """The meeting with this id."""
    row = session.get(MeetingRow, meeting_id)
    return _meeting(session, row) if row else None


def by_proposal_key(*, session: Session, key: str) -> Meeting | None:
    """The meeting a proposal form (by its key) created, if any."""
    row = session.scalar(select(MeetingRow).where(MeetingRow.proposal_key == key))
    return _meeting(session, row) if row else None


def create(
    *,
    session: Session,
    actor: str,
    organisation_id: int,
    startup_id: int,
    pitch_id: int | None,
    length_minutes: int,
    place: str,
    organisation_people: Iterable[str],
    startup_people: Iterable[str],
    proposed: list[datetime],
    key: str | None = None,
    now: datetime | None = None,
) -> tuple[Meeting, bool]:
    """A proposed meeting with its participants and the first times offered.

    ``key`` names the form that asked for it: the same form submitted twice (even at the
    same moment) finds the first meeting, and the second value returned is False.
    """
    if key:
        existing = by_proposal_key(session=session, key=key)
        if existing is not None:
            return existing, False
    row = MeetingRow(
        organisation_id=organisation_id,
        startup_id=startup_id,
        pitch_id=pitch_id,
        length_minutes=length_minutes,
        place=place,
        proposed=[moment.isoformat() for moment in proposed],
        proposed_by=actor,
        proposal_key=key or None,
    )
    if now is not None:
        row.created_at = now
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        if not key:
            raise
        existing = by_proposal_key(session=session, key=key)
        if existing is None:
            raise
        return existing, False
    for side, people in (("organisation", organisation_people), ("startup", startup_people)):
        for user_id in dict.fromkeys(people):
            session.add(MeetingParticipantRow(meeting_id=row.id, user_id=user_id, side=side))
    session.flush()
    return _meeting(session, row), True


def busy(
    *, session: Session, people: Iterable[str], except_meeting: int | None = None
) -> list[Busy]:
    """The booked meetings of any of these people."""
    query = (
        select(MeetingRow.starts_at, MeetingRow.ends_at)
        .join(MeetingParticipantRow, MeetingParticipantRow.meeting_id == MeetingRow.id)
        .where(
            MeetingParticipantRow.user_id.in_(list(people)),
            MeetingRow.status == MeetingStatus.BOOKED.value,
        )
    )
    if except_meeting is not None:
        query = query.where(MeetingRow.id != except_meeting)
    return [Busy(start, end) for start, end in session.execute(query) if start and end]


def offer(*, session: Session, meeting: Meeting, proposed: list[datetime]) -> bool:
    """Replace the times on offer (version-guarded)."""
    result = session.execute(
        update(MeetingRow)
        .where(
            MeetingRow.id == meeting.id,
            MeetingRow.version == meeting.version,
            MeetingRow.status != MeetingStatus.CANCELLED.value,
        )
        .values(proposed=[m.isoformat() for m in proposed], version=meeting.version + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def book(*, session: Session, meeting: Meeting, start: datetime, end: datetime) -> bool:
    """Book (or move) the meeting to a time; a move raises the calendar SEQUENCE."""
    moving = meeting.status is MeetingStatus.BOOKED
    result = session.execute(
        update(MeetingRow)
        .where(
            MeetingRow.id == meeting.id,
            MeetingRow.version == meeting.version,
            MeetingRow.status != MeetingStatus.CANCELLED.value,
        )
        .values(
            status=MeetingStatus.BOOKED.value,
            starts_at=start,
            ends_at=end,
            proposed=[],
            sequence=meeting.sequence + (1 if moving else 0),
            version=meeting.version + 1,
            reminder_claimed_at=None,
            follow_up_claimed_at=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel(*, session: Session, meeting: Meeting) -> bool:
    """Cancel the meeting (once); raises the SEQUENCE for the calendar CANCEL.

    Counted from the row as it is, so a booking a moment earlier is cancelled in turn.
    """
    result = session.execute(
        update(MeetingRow)
        .where(MeetingRow.id == meeting.id, MeetingRow.status != MeetingStatus.CANCELLED.value)
        .values(
            status=MeetingStatus.CANCELLED.value,
            sequence=MeetingRow.sequence + 1,
            version=MeetingRow.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def starting_between(*, session: Session, start: datetime, end: datetime) -> list[Meeting]:
    """Booked meetings starting in a window whose reminder is not yet claimed."""
    rows = session.scalars(
        select(MeetingRow).where(
            MeetingRow.status == MeetingStatus.BOOKED.value,
            MeetingRow.starts_at > start,
            MeetingRow.starts_at <= end,
            MeetingRow.reminder_claimed_at.is_(None),
        )
    )
    return [_meeting(session, row) for row in rows]


def ended_before(*, session: Session, moment: datetime) -> list[Meeting]:
    """Booked meetings that have ended and whose follow-up question is not yet claimed."""
    rows = session.scalars(
        select(MeetingRow).where(
            MeetingRow.status == MeetingStatus.BOOKED.value,
            MeetingRow.ends_at <= moment,
            MeetingRow.follow_up_claimed_at.is_(None),
        )
    )
    return [_meeting(session, row) for row in rows]


def claim(*, session: Session, meeting: Meeting, which: str, now: datetime) -> bool:
    """Claim a meeting's reminder or follow-up question; exactly one process wins."""
    column = {
        "reminder": MeetingRow.reminder_claimed_at,
        "follow_up": MeetingRow.follow_up_claimed_at,
    }[which]
    result = session.execute(
        update(MeetingRow)
        .where(
            MeetingRow.id == meeting.id,
            column.is_(None),
            MeetingRow.starts_at == meeting.starts_at,
            MeetingRow.status == MeetingStatus.BOOKED.value,
        )
        .values({column: now})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def answer(
    *, session: Session, meeting_id: int, side: str, answer: FollowUp, actor: str, now: datetime
) -> None:
    """Record (or change) a side's answer to "Follow up?"."""
    row = session.scalar(
        select(FollowUpRow).where(FollowUpRow.meeting_id == meeting_id, FollowUpRow.side == side)
    )
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    FollowUpRow(
                        meeting_id=meeting_id,
                        side=side,
                        answer=answer.value,
                        answered_by=actor,
                        answered_at=now,
                    )
                )
            return
        except IntegrityError:
            row = session.scalar(
                select(FollowUpRow).where(
                    FollowUpRow.meeting_id == meeting_id, FollowUpRow.side == side
                )
            )
    assert row is not None
    row.answer = answer.value
    row.answered_by = actor
    row.answered_at = now


def add_note(*, session: Session, meeting_id: int, side: str, note: str) -> bool:
    """Attach a note to a side's answer; False when the side has not answered."""
    result = session.execute(
        update(FollowUpRow)
        .where(FollowUpRow.meeting_id == meeting_id, FollowUpRow.side == side)
        .values(note=note)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def answers(*, session: Session, meeting_id: int) -> dict[str, FollowUp]:
    """Each side's answer so far."""
    rows = session.scalars(select(FollowUpRow).where(FollowUpRow.meeting_id == meeting_id))
    return {row.side: FollowUp(row.answer) for row in rows}
