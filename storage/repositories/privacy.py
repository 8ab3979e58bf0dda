"""Personal data queries: every row naming a person, requests to be erased, the erasure.

The walk covers every table in the metadata: the registry (storage/personal.py) says what
erasure does with each personal column, and every text and JSON column is swept for the
person's id, mentions, names and e-mail addresses, so text nobody registered is not missed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    String,
    Table,
    Text,
    and_,
    cast,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.privacy import (
    ANOTHER_PERSON,
    PSEUDONYM_PREFIX,
    SLACK_ID,
    Person,
    Plan,
    RequestState,
    names_person,
    only_about,
    scrub_value,
)
from storage import personal
from storage.models import Base
from storage.models.privacy import ErasureRequestRow

Row = dict[str, Any]


# the walk --------------------------------------------------------------------------------
def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _text_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, String | Text | JSON)]


def _variants(term: str) -> set[str]:
    """The term as typed and as JSON stores it with non-ASCII letters escaped."""
    return {term, json.dumps(term)[1:-1]}


def _mentions(column: Column[Any], person: Person) -> ColumnElement[bool]:
    """SQL: the column's text contains the person's id, an address or a name (a first sieve;
    Python decides with word boundaries)."""
    as_text = cast(column, Text)
    clauses = [as_text.contains(person.user_id, autoescape=True)]
    for term in (*person.emails, *person.findable_names):
        for variant in _variants(term):
            clauses.append(func.lower(as_text).contains(variant.lower(), autoescape=True))
    return or_(*clauses)


def _naming(session: Session, table: Table, person: Person) -> list[Row]:
    """Rows of one table that name the person, as plain values."""
    columns = _text_columns(table)
    if not columns:
        return []
    query = select(table).where(or_(*[_mentions(column, person) for column in columns]))
    rows = [dict(row) for row in session.execute(query).mappings()]
    return [row for row in rows if any(names_person(row[c.name], person) for c in columns)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _as_theirs(table: str, row: Row, person: Person) -> Row:
    """A row as the person's export shows it: other people's ids and names left out."""
    shown: Row = {}
    allowed = personal.EXPORT_ONLY.get(table)
    for name, value in row.items():
        if allowed is not None and name not in allowed:
            continue
        spec = personal.personal_columns(table).get(name)
        if (
            spec is not None
            and spec.holds is not personal.Holds.MENTIONS
            and value
            and not names_person(value, person)
        ):
            shown[name] = ANOTHER_PERSON
            continue
        shown[name] = only_about(_jsonable(value), person)
    return shown


def holdings(
    *,
    session: Session,
    person: Person,
    others: Callable[[set[str]], list[Person]] | None = None,
) -> dict[str, list[Row]]:
    """Every row that names the person, by table, with nobody else in it (for their export).

    ``others`` tells who the other people named in those rows are (their names and
    addresses), so that their names in free text are left out too.
    """
    raw = {table.name: _naming(session, table, person) for table in _tables()}
    raw = {name: rows for name, rows in raw.items() if rows}
    strangers: list[Person] = []
    if others is not None:
        text = json.dumps(raw, ensure_ascii=False, default=str)
        ids = {found for found in SLACK_ID.findall(text) if found != person.user_id}
        strangers = others(ids)
    found: dict[str, list[Row]] = {}
    for name, rows in raw.items():
        shown = [_as_theirs(name, row, person) for row in rows]
        for stranger in strangers:
            shown = [
                scrub_value(row, stranger, ANOTHER_PERSON, erased=ANOTHER_PERSON) for row in shown
            ]
        found[name] = shown
    return found


def _own(table: Table, person: Person) -> ColumnElement[bool]:
    """SQL: the row exists because of the person (a DELETE_ROW column holds their id)."""
    columns = personal.columns_erased_by(table.name, personal.Erasure.DELETE_ROW)
    if not columns or personal.is_kept(table.name):
        return false()
    return or_(*[table.c[name] == person.user_id for name in columns])


def plan(*, session: Session, person: Person) -> Plan:
    """What erasing the person would do: rows deleted, pseudonymised and kept, per table."""
    result = Plan()
    for table in _tables():
        hits = len(_naming(session, table, person))
        owned = session.scalar(select(func.count()).select_from(table).where(_own(table, person)))
        deleted = int(owned or 0)
        changed = max(hits - deleted, 0)
        if deleted:
            result.deleted[table.name] = deleted
        if changed and personal.is_kept(table.name):
            result.kept[table.name] = changed
        elif changed:
            result.pseudonymised[table.name] = changed
    return result


def _under(table: Table, address: str) -> ColumnElement[bool] | None:
    """SQL: a form's row was sent with this address (None: the table holds no addresses)."""
    emails = personal.columns_holding(table.name, personal.Holds.EMAIL)
    if not emails:
        return None
    return or_(*[func.lower(table.c[name]) == address.lower() for name in emails])


def rows_under(*, session: Session, address: str) -> int:
    """How many rows of the forms (registrations, interest) were sent with this address."""
    total = 0
    for table in _tables():
        match = _under(table, address)
        if match is not None:
            total += int(session.scalar(select(func.count()).select_from(table).where(match)) or 0)
    return total


def names_under(*, session: Session, address: str) -> tuple[str, ...]:
    """The names typed in forms next to this e-mail address (a person outside Slack)."""
    found: dict[str, None] = {}
    for table in _tables():
        names = personal.columns_holding(table.name, personal.Holds.NAME)
        match = _under(table, address)
        if match is None or not names:
            continue
        for row in session.execute(select(*[table.c[name] for name in names]).where(match)):
            found.update(
                {str(value).strip(): None for value in row if value and str(value).strip()}
            )
    return tuple(found)


def _blank_by_address(session: Session, table: Table, person: Person) -> None:
    """Rows found by the person's e-mail address (a form outside Slack): names and addresses
    in them are blanked."""
    addresses = [email.lower() for email in person.emails]
    email_columns = personal.columns_holding(table.name, personal.Holds.EMAIL)
    if not addresses or not email_columns:
        return
    blanked = [
        *personal.columns_holding(table.name, personal.Holds.NAME),
        *email_columns,
    ]
    session.execute(
        update(table)
        .where(or_(*[func.lower(table.c[name]).in_(addresses) for name in email_columns]))
        .values({name: "" for name in blanked})
    )


def _sweep(session: Session, table: Table, person: Person, pseudonym: str) -> None:
    """Take the person out of every text and JSON column of one table, row by row."""
    columns = _text_columns(table)
    keys = list(table.primary_key.columns)
    for row in _naming(session, table, person):
        changes = {
            c.name: scrub_value(row[c.name], person, pseudonym)
            for c in columns
            if row[c.name] is not None
        }
        changes = {name: value for name, value in changes.items() if value != row[name]}
        if changes:
            where = [key == row[key.name] for key in keys]
            session.execute(update(table).where(*where).values(changes))


def erase(*, session: Session, person: Person, pseudonym: str) -> Plan:
    """Erase the person from every table, in the caller's transaction; what was done."""
    done = plan(session=session, person=person)
    for table in reversed(_tables()):  # children first, for the foreign keys
        session.execute(sql_delete(table).where(_own(table, person)))
    for table in _tables():
        _blank_by_address(session, table, person)
        for name in personal.columns_erased_by(table.name, personal.Erasure.PSEUDONYMISE):
            session.execute(
                update(table).where(table.c[name] == person.user_id).values({name: pseudonym})
            )
        _sweep(session, table, person, pseudonym)
    return done


# requests ----------------------------------------------------------------------------------
def open_request(*, session: Session, user_id: str) -> ErasureRequestRow | None:
    """The person's request that waits for an admin or for its erasure to run, if any."""
    return session.scalar(
        select(ErasureRequestRow)
        .where(
            ErasureRequestRow.requester == user_id,
            or_(
                ErasureRequestRow.state == RequestState.PENDING.value,
                and_(
                    ErasureRequestRow.state == RequestState.APPROVED.value,
                    ErasureRequestRow.erased_at.is_(None),
                ),
            ),
        )
        .order_by(ErasureRequestRow.id)
        .limit(1)
    )


def ask(*, session: Session, user_id: str, now: datetime) -> tuple[ErasureRequestRow, bool]:
    """Record a request to be erased; the open one and False when the person asked already."""
    existing = open_request(session=session, user_id=user_id)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            row = ErasureRequestRow(
                requester=user_id, asked_at=now, state=RequestState.PENDING.value
            )
            session.add(row)
    except IntegrityError:  # a second click in the same instant
        again = open_request(session=session, user_id=user_id)
        assert again is not None
        return again, False
    return row, True


def get(*, session: Session, request_id: int) -> ErasureRequestRow | None:
    """One request by id."""
    return session.get(ErasureRequestRow, request_id)


def decide(
    *, session: Session, request_id: int, actor: str, state: RequestState, now: datetime
) -> bool:
    """Approve or reject a waiting request; False when it was decided already."""
    result = session.execute(
        update(ErasureRequestRow)
        .where(
            ErasureRequestRow.id == request_id,
            ErasureRequestRow.state == RequestState.PENDING.value,
        )
        .values(state=state.value, decided_by=actor, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def finish(*, session: Session, request_id: int, pseudonym: str, done: Plan, now: datetime) -> None:
    """Record that the erasure ran: the request keeps the pseudonym and the counts only."""
    session.execute(
        update(ErasureRequestRow)
        .where(ErasureRequestRow.id == request_id)
        .values(requester=pseudonym, erased_at=now, summary=done.as_summary())
        .execution_options(synchronize_session=False)
    )


def pseudonyms(*, session: Session) -> list[str]:
    """The pseudonyms already given, so a new one is never the same."""
    return list(
        session.scalars(
            select(ErasureRequestRow.requester).where(
                ErasureRequestRow.requester.startswith(PSEUDONYM_PREFIX)
            )
        )
    )
