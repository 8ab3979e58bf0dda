"""Languages people chose and organisations' languages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.language import organisation_language
from bot.programme import OrganisationKind
from storage.models import (
    MemberRow,
    OrganisationLanguageRow,
    OrganisationRow,
    PersonLanguageRow,
    PersonLocaleRow,
)
from storage.repositories import audit


def chosen(*, session: Session, user_id: str) -> str | None:
    """The language this person chose with /matchday language, if any."""
    row = session.get(PersonLanguageRow, user_id)
    return row.language if row else None


def choose(*, session: Session, user_id: str, language: str | None) -> None:
    """Save a person's choice; None forgets it (back to Slack's and the organisation's)."""
    row = session.get(PersonLanguageRow, user_id)
    if language is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(PersonLanguageRow(user_id=user_id, language=language))
    else:
        row.language = language
    session.flush()


def remember_locale(*, session: Session, user_id: str, locale: str, now: datetime) -> None:
    """Keep the locale Slack gave for a person (every process reads it with the identity)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(PersonLocaleRow).values(user_id=user_id, locale=locale[:35], fetched_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"locale": statement.excluded.locale, "fetched_at": statement.excluded.fetched_at},
        )
    )


def organisation_languages_of(*, session: Session, user_id: str) -> list[str]:
    """The languages of the organisations whose project groups this person is in (oldest
    membership first)."""
    rows = session.execute(
        select(OrganisationRow.kind, OrganisationLanguageRow.language)
        .join(MemberRow, MemberRow.organisation_id == OrganisationRow.id)
        .outerjoin(
            OrganisationLanguageRow, OrganisationLanguageRow.organisation_id == OrganisationRow.id
        )
        .where(MemberRow.user_id == user_id)
        .order_by(MemberRow.id)
    )
    return [organisation_language(OrganisationKind(kind), language) for kind, language in rows]


def of_organisation(*, session: Session, organisation_id: int) -> str | None:
    """The organisation's language (None when the organisation does not exist)."""
    organisation = session.get(OrganisationRow, organisation_id)
    if organisation is None:
        return None
    row = session.get(OrganisationLanguageRow, organisation_id)
    return organisation_language(OrganisationKind(organisation.kind), row.language if row else None)


def set_organisation_language(
    *, session: Session, actor: str, organisation_id: int, language: str
) -> None:
    """Set the language an organisation's people read unless they choose their own."""
    session.execute(
        delete(OrganisationLanguageRow).where(
            OrganisationLanguageRow.organisation_id == organisation_id
        )
    )
    session.add(
        OrganisationLanguageRow(organisation_id=organisation_id, language=language, set_by=actor)
    )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="organisation.language_set",
        subject=f"organisation:{organisation_id}",
        detail=f"language={language}",
    )
