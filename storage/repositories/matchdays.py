"""Matchdays: settings, parties and availability, requests, and the stored plan."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.matchdays import Matchday, MeetingRequest, Party, Planned
from bot.planning.problem import Plan, Priority
from storage.models import MatchdayPartyRow, MatchdayRequestRow, MatchdayRow
from storage.models.meetings import MeetingParticipantRow, MeetingRow


def _matchday(row: MatchdayRow) -> Matchday:
    return Matchday(
        id=row.id,
        title=row.title,
        day=row.day,
        starts=row.starts,
        ends=row.ends,
        meeting_minutes=row.meeting_minutes,
        breaks=tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in row.breaks),
        tables=row.tables,
        place=row.place,
        links=tuple(row.links),
        timezone=row.timezone,
        availability_deadline=row.availability_deadline,
        status=row.status,
    )


def create(
    *,
    session: Session,
    actor: str,
    title: str,
    day: date,
    starts: time,
    ends: time,
    meeting_minutes: int,
    breaks: list[tuple[time, time]],
    tables: int,
    place: str,
    links: list[str],
    timezone: str,
    availability_deadline: date,
    form_key: str | None = None,
) -> Matchday:
    """A new matchday, collecting availability.

    ``form_key`` names the form that defined it: the same form submitted twice makes one
    matchday (see :func:`create_once`).
    """
    row = MatchdayRow(
        form_key=form_key,
        title=title,
        day=day,
        starts=starts,
        ends=ends,
        meeting_minutes=meeting_minutes,
        breaks=[[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in breaks],
        tables=tables,
        place=place,
        links=links,
        timezone=timezone,
        availability_deadline=availability_deadline,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return _matchday(row)


def create_once(*, session: Session, form_key: str, **fields: Any) -> tuple[Matchday, bool]:
    """The matchday this form defined: created now (True), or found from an earlier submit."""
    found = by_form(session=session, form_key=form_key)
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            created = create(session=session, form_key=form_key, **fields)
    except IntegrityError:  # the same form, submitted at the same moment elsewhere
        again = by_form(session=session, form_key=form_key)
        if again is None:
            raise
        return again, False
    return created, True


def by_form(*, session: Session, form_key: str) -> Matchday | None:
    """The matchday a define form created, if it did."""
    row = session.scalar(select(MatchdayRow).where(MatchdayRow.form_key == form_key))
    return _matchday(row) if row else None


def plan_version(*, session: Session, matchday_id: int) -> int:
    """How many plans were stored for this matchday (0: none yet)."""
    value = session.scalar(select(MatchdayRow.plan_version).where(MatchdayRow.id == matchday_id))
    return int(value or 0)


def take_plan_version(*, session: Session, matchday_id: int, expected: int) -> bool:
    """Lock the matchday for storing a plan computed from version ``expected``.

    True (and the version is now ``expected + 1``) when no other plan was stored since;
    False when one was: the caller recomputes from the newer state. On PostgreSQL the row
    is locked (``FOR UPDATE``) until the caller's transaction ends, so plans of one day
    are stored one after the other; SQLite has one writer at a time and the conditional
    update does the same.
    """
    if session.get_bind().dialect.name == "postgresql":
        current = session.scalar(
            select(MatchdayRow.plan_version).where(MatchdayRow.id == matchday_id).with_for_update()
        )
        if current is None or int(current) != expected:
            return False
    result = session.execute(
        update(MatchdayRow)
        .where(MatchdayRow.id == matchday_id, MatchdayRow.plan_version == expected)
        .values(plan_version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def get(*, session: Session, matchday_id: int) -> Matchday | None:
    """The matchday with this id."""
    row = session.get(MatchdayRow, matchday_id)
    return _matchday(row) if row else None


def all_matchdays(*, session: Session) -> list[Matchday]:
    """Every matchday, newest day first."""
    return [
        _matchday(row)
        for row in session.scalars(select(MatchdayRow).order_by(MatchdayRow.day.desc()))
    ]


def set_status(
    *, session: Session, matchday_id: int, status: str, note: Mapping[str, object] | None = None
) -> None:
    """Move the matchday to collecting, planned or published, with the plan's figures."""
    values: dict[str, object] = {"status": status}
    if note is not None:
        values["plan_note"] = dict(note)
    session.execute(update(MatchdayRow).where(MatchdayRow.id == matchday_id).values(**values))


def plan_note(*, session: Session, matchday_id: int) -> dict[str, object]:
    """The figures of the newest plan (solver, optimality, gap, time)."""
    row = session.get(MatchdayRow, matchday_id)
    return dict(row.plan_note) if row else {}


def add_party(*, session: Session, matchday_id: int, kind: str, ref_id: int) -> None:
    """Add an organisation or startup to the day (once)."""
    exists = session.scalar(
        select(MatchdayPartyRow.id).where(
            MatchdayPartyRow.matchday_id == matchday_id,
            MatchdayPartyRow.kind == kind,
            MatchdayPartyRow.ref_id == ref_id,
        )
    )
    if exists is None:
        session.add(MatchdayPartyRow(matchday_id=matchday_id, kind=kind, ref_id=ref_id))
        session.flush()


def parties(*, session: Session, matchday_id: int) -> list[Party]:
    """The day's organisations and startups with the slots they cannot make."""
    rows = session.scalars(
        select(MatchdayPartyRow)
        .where(MatchdayPartyRow.matchday_id == matchday_id)
        .order_by(MatchdayPartyRow.id)
    )
    return [Party(row.kind, row.ref_id, frozenset(row.unavailable), row.answered) for row in rows]


def party(*, session: Session, matchday_id: int, kind: str, ref_id: int) -> Party | None:
    """One party of the day with the slots it cannot make."""
    row = session.scalar(
        select(MatchdayPartyRow).where(
            MatchdayPartyRow.matchday_id == matchday_id,
            MatchdayPartyRow.kind == kind,
            MatchdayPartyRow.ref_id == ref_id,
        )
    )
    if row is None:
        return None
    return Party(row.kind, row.ref_id, frozenset(row.unavailable), row.answered)


def set_unavailable(
    *, session: Session, matchday_id: int, kind: str, ref_id: int, slots: Iterable[int]
) -> bool:
    """Record the slots a party cannot make; False when it is not part of the day."""
    result = session.execute(
        update(MatchdayPartyRow)
        .where(
            MatchdayPartyRow.matchday_id == matchday_id,
            MatchdayPartyRow.kind == kind,
            MatchdayPartyRow.ref_id == ref_id,
        )
        .values(unavailable=sorted(set(slots)), answered=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def add_request(
    *,
    session: Session,
    actor: str,
    matchday_id: int,
    organisation_id: int,
    startup_id: int,
    priority: Priority,
    pitch_id: int | None = None,
) -> bool:
    """Request a meeting (once per pair; asking again updates the priority)."""
    try:
        with session.begin_nested():
            session.add(
                MatchdayRequestRow(
                    matchday_id=matchday_id,
                    organisation_id=organisation_id,
                    startup_id=startup_id,
                    priority=priority.value,
                    pitch_id=pitch_id,
                    requested_by=actor,
                )
            )
    except IntegrityError:
        session.execute(
            update(MatchdayRequestRow)
            .where(
                MatchdayRequestRow.matchday_id == matchday_id,
                MatchdayRequestRow.organisation_id == organisation_id,
                MatchdayRequestRow.startup_id == startup_id,
            )
            .values(priority=priority.value)
        )
        return False
    add_party(session=session, matchday_id=matchday_id, kind="organisation", ref_id=organisation_id)
    add_party(session=session, matchday_id=matchday_id, kind="startup", ref_id=startup_id)
    return True


def add_requests(
    *,
    session: Session,
    actor: str,
    matchday_id: int,
    wanted: Iterable[tuple[int, int, Priority]],
) -> int:
    """Request many meetings at once, (organisation, startup, priority) each, in a few
    statements; pairs already requested are left as they are. Returns how many were new."""
    taken = {
        (row.organisation_id, row.startup_id)
        for row in session.execute(
            select(MatchdayRequestRow.organisation_id, MatchdayRequestRow.startup_id).where(
                MatchdayRequestRow.matchday_id == matchday_id
            )
        )
    }
    rows = []
    for organisation_id, startup_id, priority in wanted:
        if (organisation_id, startup_id) not in taken:
            taken.add((organisation_id, startup_id))
            rows.append(
                {
                    "matchday_id": matchday_id,
                    "organisation_id": organisation_id,
                    "startup_id": startup_id,
                    "priority": priority.value,
                    "requested_by": actor,
                }
            )
    if not rows:
        return 0
    session.execute(insert(MatchdayRequestRow), rows)
    present = {
        (row.kind, row.ref_id)
        for row in session.execute(
            select(MatchdayPartyRow.kind, MatchdayPartyRow.ref_id).where(
                MatchdayPartyRow.matchday_id == matchday_id
            )
        )
    }
    wanted_parties = {("organisation", row["organisation_id"]) for row in rows}
    wanted_parties |= {("startup", row["startup_id"]) for row in rows}
    new_parties = [
        {"matchday_id": matchday_id, "kind": kind, "ref_id": ref_id}
        for kind, ref_id in sorted(wanted_parties - present)
    ]
    if new_parties:
        session.execute(insert(MatchdayPartyRow), new_parties)
    return len(rows)


def requests(*, session: Session, matchday_id: int) -> list[MeetingRequest]:
    """The day's requested meetings."""
    rows = session.scalars(
        select(MatchdayRequestRow)
        .where(MatchdayRequestRow.matchday_id == matchday_id)
        .order_by(MatchdayRequestRow.id)
    )
    return [
        MeetingRequest(
            row.id, row.organisation_id, row.startup_id, Priority(row.priority), row.pitch_id
        )
        for row in rows
    ]


def unplaced(*, session: Session, matchday_id: int) -> dict[int, str]:
    """Requests the plan could not place, with the reason."""
    rows = session.scalars(
        select(MatchdayRequestRow)
        .where(
            MatchdayRequestRow.matchday_id == matchday_id, MatchdayRequestRow.unplaced_reason != ""
        )
        .order_by(MatchdayRequestRow.id)  # a stable order: pages show each one once
    )
    return {row.id: row.unplaced_reason for row in rows}


def planned(
    *, session: Session, matchday_id: int, include_cancelled: bool = False
) -> list[Planned]:
    """The day's planned meetings."""
    query = select(MeetingRow).where(MeetingRow.matchday_id == matchday_id)
    if not include_cancelled:
        query = query.where(MeetingRow.status != "cancelled")
    return [
        Planned(
            row.id,
            row.request_id or 0,
            row.slot or 0,
            row.table_no or 0,
            row.organisation_accepts,
            row.startup_accepts,
            row.status == "cancelled",
        )
        for row in session.scalars(query.order_by(MeetingRow.slot, MeetingRow.table_no))
    ]


def planned_of_party(
    *, session: Session, matchday_id: int, kind: str, ref_id: int
) -> list[tuple[Planned, int]]:
    """One party's planned meetings with the id of the other side (an agenda's lines)."""
    own = MeetingRow.organisation_id if kind == "organisation" else MeetingRow.startup_id
    rows = session.scalars(
        select(MeetingRow)
        .where(
            MeetingRow.matchday_id == matchday_id,
            MeetingRow.status != "cancelled",
            own == ref_id,
        )
        .order_by(MeetingRow.slot, MeetingRow.table_no)
    )
    return [
        (
            Planned(
                row.id,
                row.request_id or 0,
                row.slot or 0,
                row.table_no or 0,
                row.organisation_accepts,
                row.startup_accepts,
                False,
            ),
            row.startup_id if kind == "organisation" else row.organisation_id,
        )
        for row in rows
    ]


def apply_plan(
    *,
    session: Session,
    actor: str,
    matchday: Matchday,
    plan: Plan,
    people: Mapping[int, tuple[tuple[str, ...], tuple[str, ...]]],
) -> tuple[set[int], set[int], set[int]]:
    """Store a plan: new meetings created, moved ones updated, dropped ones cancelled.

    ``people`` maps a request id to (the organisation's people, the startup's people).
    Returns the meeting ids created, moved and cancelled, so only those people are told.
    """
    slots = matchday.slots()
    length = timedelta(minutes=matchday.meeting_minutes)
    existing: dict[int | None, MeetingRow] = {}
    dropped: dict[int | None, MeetingRow] = {}  # cancelled earlier: one meeting per request
    for meeting_row in session.scalars(
        select(MeetingRow).where(MeetingRow.matchday_id == matchday.id)
    ):
        mine = dropped if meeting_row.status == "cancelled" else existing
        mine[meeting_row.request_id] = meeting_row
    request_rows = {
        row.id: row
        for row in session.scalars(
            select(MatchdayRequestRow).where(MatchdayRequestRow.matchday_id == matchday.id)
        )
    }
    created: set[int] = set()
    moved: set[int] = set()
    cancelled: set[int] = set()
    placed = {int(meeting.request_id): meeting for meeting in plan.meetings}
    for request_id, row in request_rows.items():
        row.unplaced_reason = (
            "" if request_id in placed else plan.unplaced.get(str(request_id), "")[:200]
        )
    for request_id, meeting in placed.items():
        start = matchday.moment(slots[meeting.slot].start)
        current = existing.get(request_id)
        revived = dropped.get(request_id) if current is None else None
        if revived is not None:  # placed again after it was dropped: the same meeting
            revived.status = "booked"
            revived.slot = meeting.slot
            revived.table_no = meeting.table
            revived.place = matchday.where(meeting.table)
            revived.starts_at = start
            revived.ends_at = start + length
            revived.organisation_accepts = None
            revived.startup_accepts = None
            revived.reminder_claimed_at = None
            revived.sequence += 1
            revived.version += 1
            created.add(revived.id)
        elif current is None:
            request = request_rows[request_id]
            new = MeetingRow(
                organisation_id=request.organisation_id,
                startup_id=request.startup_id,
                pitch_id=request.pitch_id,
                matchday_id=matchday.id,
                request_id=request_id,
                slot=meeting.slot,
                table_no=meeting.table,
                status="booked",
                length_minutes=matchday.meeting_minutes,
                place=matchday.where(meeting.table),
                proposed=[],
                starts_at=start,
                ends_at=start + length,
                proposed_by=actor,
            )
            session.add(new)
            session.flush()
            organisation_people, startup_people = people.get(request_id, ((), ()))
            for side, who in (("organisation", organisation_people), ("startup", startup_people)):
                for user_id in dict.fromkeys(who):
                    session.add(
                        MeetingParticipantRow(meeting_id=new.id, user_id=user_id, side=side)
                    )
            created.add(new.id)
        elif current.slot != meeting.slot or current.table_no != meeting.table:
            if current.slot != meeting.slot:
                moved.add(current.id)
                current.sequence += 1
                current.reminder_claimed_at = None
            current.slot = meeting.slot
            current.table_no = meeting.table
            current.place = matchday.where(meeting.table)
            current.starts_at = start
            current.ends_at = start + length
            current.version += 1
    for stale_request, stale in existing.items():
        if stale_request not in placed:
            stale.status = "cancelled"
            stale.sequence += 1
            cancelled.add(stale.id)
    session.flush()
    return created, moved, cancelled


def answer(*, session: Session, meeting_id: int, side: str, accepts: bool) -> bool:
    """Record one side's accept or decline of a planned meeting."""
    column = "organisation_accepts" if side == "organisation" else "startup_accepts"
    result = session.execute(
        update(MeetingRow)
        .where(MeetingRow.id == meeting_id, MeetingRow.status == "booked")
        .values({column: accepts})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_agenda(*, session: Session, matchday_id: int, now: datetime) -> bool:
    """Claim the day-before agenda; exactly one process wins."""
    result = session.execute(
        update(MatchdayRow)
        .where(MatchdayRow.id == matchday_id, MatchdayRow.agenda_claimed_at.is_(None))
        .values(agenda_claimed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def placement(*, session: Session, meeting_id: int) -> tuple[int, Planned] | None:
    """A matchday meeting's day and its place in the plan."""
    row = session.get(MeetingRow, meeting_id)
    if row is None or row.matchday_id is None:
        return None
    return row.matchday_id, Planned(
        row.id,
        row.request_id or 0,
        row.slot or 0,
        row.table_no or 0,
        row.organisation_accepts,
        row.startup_accepts,
        row.status == "cancelled",
    )
