"""Admins and the facts about a caller that permission checks need."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Executable, String, bindparam, delete, func, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.language import organisation_language
from bot.programme import Caller, OrganisationKind, Role
from storage.models import (
    Admin,
    MemberRow,
    OrganisationLanguageRow,
    OrganisationRow,
    PersonLanguageRow,
    PersonLocaleRow,
    RepresentativeRow,
)
from storage.repositories import audit


@dataclass(frozen=True)
class Identity:
    """Who a user is in the programme, the language they chose, and the languages of the
    organisations whose project groups they are in (oldest membership first)."""

    caller: Caller
    chosen_language: str | None
    organisation_languages: tuple[str, ...]
    slack_locale: str | None = None  # the locale Slack last gave, kept by any process


@cache
def _identity_query() -> Executable:
    """The one query of ``identity``, built once: building SQL expressions is not free."""
    user_id = bindparam("user_id", type_=String())
    blank = literal("")
    return union_all(
        select(literal("admin"), literal(0), blank, blank, blank, literal(0)).where(
            Admin.user_id == user_id
        ),
        select(
            literal("member"),
            MemberRow.organisation_id,
            MemberRow.role,
            OrganisationRow.kind,
            func.coalesce(OrganisationLanguageRow.language, ""),
            MemberRow.id,
        )
        .join(OrganisationRow, OrganisationRow.id == MemberRow.organisation_id)
        .outerjoin(
            OrganisationLanguageRow,
            OrganisationLanguageRow.organisation_id == MemberRow.organisation_id,
        )
        .where(MemberRow.user_id == user_id),
        select(
            literal("startup"), RepresentativeRow.startup_id, blank, blank, blank, literal(0)
        ).where(RepresentativeRow.user_id == user_id),
        select(
            literal("language"),
            literal(0),
            PersonLanguageRow.language,
            blank,
            blank,
            literal(0),
        ).where(PersonLanguageRow.user_id == user_id),
        select(
            literal("locale"), literal(0), PersonLocaleRow.locale, blank, blank, literal(0)
        ).where(PersonLocaleRow.user_id == user_id),
    )


def identity(*, session: Session, user_id: str, configured_admins: Iterable[str]) -> Identity:
    """Everything a request needs to know about its sender before the ack, in one query."""
    rows = session.execute(_identity_query(), {"user_id": user_id}).all()
    members = sorted((row for row in rows if row[0] == "member"), key=lambda row: int(row[5]))
    memberships = {int(row[1]): Role(row[2]) for row in members}
    startups = frozenset(int(row[1]) for row in rows if row[0] == "startup")
    is_admin = user_id in set(configured_admins) or any(row[0] == "admin" for row in rows)
    language = next((str(row[2]) for row in rows if row[0] == "language"), None)
    locale = next((str(row[2]) for row in rows if row[0] == "locale"), None)
    caller = Caller(
        user_id=user_id, is_admin=is_admin, memberships=memberships, startup_ids=startups
    )
    spoken = tuple(
        organisation_language(OrganisationKind(row[3]), row[4] or None) for row in members
    )
    return Identity(caller, language, spoken, locale)


def identify(
    *, session: Session, user_id: str, configured_admins: Iterable[str]
) -> tuple[Caller, str | None]:
    """Who this user is in the programme, and the language they chose, in one query."""
    found = identity(session=session, user_id=user_id, configured_admins=configured_admins)
    return found.caller, found.chosen_language


def load_caller(*, session: Session, user_id: str, configured_admins: Iterable[str]) -> Caller:
    """Everything Matchday knows about who this user is in the programme."""
    return identify(session=session, user_id=user_id, configured_admins=configured_admins)[0]


def added_admins(*, session: Session) -> list[str]:
    """Admins added in Slack, in the order they were added."""
    return list(session.scalars(select(Admin.user_id).order_by(Admin.added_at, Admin.user_id)))


def all_admins(*, session: Session, configured: Collection[str]) -> list[str]:
    """Every programme admin: those configured (MATCHDAY_ADMINS), then those added in Slack."""
    return list(dict.fromkeys([*sorted(configured), *added_admins(session=session)]))


def add_admin(*, session: Session, actor: str, user_id: str) -> bool:
    """Make a person an admin; False when they already were one."""
    if session.get(Admin, user_id) is not None:
        return False
    try:
        with session.begin_nested():  # two admins adding the same person at once: one row
            session.add(Admin(user_id=user_id, added_by=actor))
            session.flush()
    except IntegrityError:
        return False
    audit.record(session=session, actor=actor, action="admin.added", subject=f"user:{user_id}")
    return True


def remove_admin(*, session: Session, actor: str, user_id: str) -> bool:
    """Take admin rights from a person added in Slack; False when they had none."""
    result = session.execute(delete(Admin).where(Admin.user_id == user_id))
    removed = bool(result.rowcount)  # type: ignore[attr-defined]
    if removed:
        audit.record(
            session=session, actor=actor, action="admin.removed", subject=f"user:{user_id}"
        )
    return removed
