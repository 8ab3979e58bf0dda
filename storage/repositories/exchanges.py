"""Experience exchanges, their registrations and interest in taking part.

Seats are never overbooked: confirming takes a seat with one conditional UPDATE
(``confirmed < seats``) on the exchange's row. PostgreSQL re-checks that condition after
waiting for another transaction's lock on the row; SQLite runs one writer at a time. Every
decision is claimed by a conditional UPDATE of the registration's state, so two admins
clicking at once decide it once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.exchanges import (
    MAY_BECOME,
    Exchange,
    ExchangeForm,
    Interest,
    InterestForm,
    InterestKind,
    Registration,
    RegistrationForm,
    RegistrationState,
)
from storage.models.exchanges import (
    ExchangeInterestRow,
    ExchangeRegistrationRow,
    ExchangeRow,
)
from storage.repositories import outbox

REGISTRATION_CARD = "exchange_registration_card"
INTEREST_CARD = "exchange_interest_card"
RECENT = timedelta(days=90)  # the admins' list: upcoming exchanges and those of 90 days


def _exchange(row: ExchangeRow, counts: dict[str, int] | None = None) -> Exchange:
    counts = counts or {}
    return Exchange(
        id=row.id,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        place=row.place,
        agenda=row.agenda,
        seats=row.seats,
        confirmed=row.confirmed,
        registration_deadline=row.registration_deadline,
        status=row.status,
        requested=counts.get("requested", 0),
        waitlisted=counts.get("waitlisted", 0),
    )


def _registration(row: ExchangeRegistrationRow) -> Registration:
    return Registration(
        id=row.id,
        exchange_id=row.exchange_id,
        name=row.name,
        organisation=row.organisation,
        role=row.role,
        email=row.email,
        wants_to_learn=row.wants_to_learn,
        state=RegistrationState(row.state),
        token=row.token,
        created_at=row.created_at,
        language=row.language,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def _counts(session: Session, ids: Collection[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    if not ids:
        return found
    statement = (
        select(ExchangeRegistrationRow.exchange_id, ExchangeRegistrationRow.state, func.count())
        .where(ExchangeRegistrationRow.exchange_id.in_(list(ids)))
        .group_by(ExchangeRegistrationRow.exchange_id, ExchangeRegistrationRow.state)
    )
    for exchange_id, state, count in session.execute(statement):
        found.setdefault(exchange_id, {})[state] = count
    return found


def create(*, session: Session, form: ExchangeForm, actor: str) -> Exchange:
    """Save a new exchange, open for registration."""
    row = ExchangeRow(
        title=form.title,
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        place=form.place,
        agenda=form.agenda,
        seats=form.seats,
        confirmed=0,
        registration_deadline=form.registration_deadline,
        status="open",
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return _exchange(row)


def get(*, session: Session, exchange_id: int) -> Exchange | None:
    """One exchange with its seats as they stand."""
    row = session.get(ExchangeRow, exchange_id)
    return _exchange(row, _counts(session, [row.id]).get(row.id)) if row else None


def listing(*, session: Session, now: datetime) -> list[Exchange]:
    """Upcoming exchanges and those of the last 90 days, the soonest first."""
    rows = list(
        session.scalars(
            select(ExchangeRow)
            .where(ExchangeRow.starts_at >= now - RECENT)
            .order_by(ExchangeRow.starts_at, ExchangeRow.id)
        )
    )
    counts = _counts(session, [row.id for row in rows])
    return [_exchange(row, counts.get(row.id)) for row in rows]


def upcoming(*, session: Session, now: datetime) -> list[Exchange]:
    """The exchanges the public can still register for (or join the waitlist of)."""
    rows = list(
        session.scalars(
            select(ExchangeRow)
            .where(ExchangeRow.status == "open", ExchangeRow.starts_at > now)
            .order_by(ExchangeRow.starts_at, ExchangeRow.id)
        )
    )
    counts = _counts(session, [row.id for row in rows])
    return [_exchange(row, counts.get(row.id)) for row in rows]


def version(*, session: Session) -> tuple[str, ...]:
    """A cheap key that changes when an exchange is added or a seat is taken or freed."""
    row = session.execute(
        select(func.count(), func.max(ExchangeRow.id), func.sum(ExchangeRow.confirmed))
    ).one()
    return tuple(str(value) for value in row)


def register(
    *,
    session: Session,
    exchange: Exchange,
    form: RegistrationForm,
    state: RegistrationState,
    token: str,
    dedup_key: str,
    language: str,
) -> tuple[Registration | None, bool]:
    """Save a registration: (it, True) when new, (the earlier one, False) when the same form
    was posted before, (None, False) when the address is already registered otherwise."""
    earlier = session.scalars(
        select(ExchangeRegistrationRow).where(ExchangeRegistrationRow.dedup_key == dedup_key)
    ).first()
    if earlier is not None:
        return _registration(earlier), False
    taken = session.scalars(
        select(ExchangeRegistrationRow.id).where(
            ExchangeRegistrationRow.exchange_id == exchange.id,
            func.lower(ExchangeRegistrationRow.email) == form.email.lower(),
            ExchangeRegistrationRow.state != RegistrationState.DECLINED.value,
        )
    ).first()
    if taken is not None:
        return None, False
    row = ExchangeRegistrationRow(
        exchange_id=exchange.id,
        name=form.name,
        organisation=form.organisation,
        role=form.role,
        email=form.email,
        wants_to_learn=form.wants_to_learn,
        state=state.value,
        language=language,
        token=token,
        dedup_key=dedup_key,
    )
    session.add(row)
    session.flush()
    return _registration(row), True


def registration(*, session: Session, registration_id: int) -> Registration | None:
    """One registration by its id (admins)."""
    row = session.get(ExchangeRegistrationRow, registration_id)
    return _registration(row) if row else None


def by_token(*, session: Session, token: str) -> Registration | None:
    """The registration behind a private confirmation link."""
    if not token or len(token) > 64:
        return None
    row = session.scalars(
        select(ExchangeRegistrationRow).where(ExchangeRegistrationRow.token == token)
    ).first()
    return _registration(row) if row else None


def _move(
    session: Session,
    registration_id: int,
    sources: Collection[RegistrationState],
    target: RegistrationState,
    actor: str,
    now: datetime,
) -> bool:
    result: Any = session.execute(
        update(ExchangeRegistrationRow)
        .where(
            ExchangeRegistrationRow.id == registration_id,
            ExchangeRegistrationRow.state.in_([state.value for state in sources]),
        )
        .values(state=target.value, decided_by=actor, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _sources(target: RegistrationState) -> list[RegistrationState]:
    return [state for state, targets in MAY_BECOME.items() if target in targets]


def confirm(
    *, session: Session, registration_id: int, actor: str, now: datetime
) -> RegistrationState | None:
    """Give the registration a seat, or the waitlist when every seat is taken.

    The new state, or None when it was already decided (another admin, a second click).
    """
    claimed = _move(
        session,
        registration_id,
        _sources(RegistrationState.CONFIRMED),
        RegistrationState.CONFIRMED,
        actor,
        now,
    )
    if not claimed:
        return None
    exchange_id = session.scalar(
        select(ExchangeRegistrationRow.exchange_id).where(
            ExchangeRegistrationRow.id == registration_id
        )
    )
    seat: Any = session.execute(
        update(ExchangeRow)
        .where(ExchangeRow.id == exchange_id, ExchangeRow.confirmed < ExchangeRow.seats)
        .values(confirmed=ExchangeRow.confirmed + 1)
        .execution_options(synchronize_session=False)
    )
    if seat.rowcount:
        return RegistrationState.CONFIRMED
    session.execute(
        update(ExchangeRegistrationRow)
        .where(ExchangeRegistrationRow.id == registration_id)
        .values(state=RegistrationState.WAITLISTED.value)
        .execution_options(synchronize_session=False)
    )
    return RegistrationState.WAITLISTED


def decline(
    *, session: Session, registration_id: int, actor: str, now: datetime
) -> RegistrationState | None:
    """Decline the registration (a confirmed seat comes free); None when already declined."""
    waiting = [RegistrationState.REQUESTED, RegistrationState.WAITLISTED]
    if _move(session, registration_id, waiting, RegistrationState.DECLINED, actor, now):
        return RegistrationState.DECLINED
    if _move(
        session,
        registration_id,
        [RegistrationState.CONFIRMED],
        RegistrationState.DECLINED,
        actor,
        now,
    ):
        exchange_id = session.scalar(
            select(ExchangeRegistrationRow.exchange_id).where(
                ExchangeRegistrationRow.id == registration_id
            )
        )
        session.execute(
            update(ExchangeRow)
            .where(ExchangeRow.id == exchange_id, ExchangeRow.confirmed > 0)
            .values(confirmed=ExchangeRow.confirmed - 1)
            .execution_options(synchronize_session=False)
        )
        return RegistrationState.DECLINED
    return None


def add_interest(*, session: Session, form: InterestForm, dedup_key: str) -> tuple[Interest, bool]:
    """Save 'We want to take part' once per form: (it, True) when new."""
    row = session.scalars(
        select(ExchangeInterestRow).where(ExchangeInterestRow.dedup_key == dedup_key)
    ).first()
    created = row is None
    if row is None:
        row = ExchangeInterestRow(
            kind=form.kind.value,
            organisation=form.organisation,
            contact_name=form.contact_name,
            email=form.email,
            message=form.message,
            dedup_key=dedup_key,
        )
        session.add(row)
        session.flush()
    return _interest(row), created


def _interest(row: ExchangeInterestRow) -> Interest:
    return Interest(
        id=row.id,
        kind=InterestKind(row.kind),
        organisation=row.organisation,
        contact_name=row.contact_name,
        email=row.email,
        message=row.message,
        created_at=row.created_at,
    )


def interest(*, session: Session, interest_id: int) -> Interest | None:
    """One 'We want to take part' by its id (admins)."""
    row = session.get(ExchangeInterestRow, interest_id)
    return _interest(row) if row else None


def owe_cards(
    *, session: Session, kind: str, item_id: int, admins: list[str], now: datetime, version: str
) -> None:
    """Owe each admin the card of a registration or an interest (built when it is sent),
    or the refresh of the cards already posted when ``version`` is not "new"."""
    noun = "registration" if kind == REGISTRATION_CARD else "interest"
    if version == "new":
        for admin in admins:
            outbox.post(
                session=session,
                key=f"exchange:{noun}:{item_id}:card:{admin}",
                kind=kind,
                channel=admin,
                build=kind,
                build_args={"id": item_id},
                language={"user": admin},
                now=now,
            )
        return
    outbox.refresh_posted(
        session=session,
        prefix=f"exchange:{noun}:{item_id}:card:",
        version=version,
        build=kind,
        build_args={"id": item_id},
        now=now,
    )
