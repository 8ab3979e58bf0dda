"""Admins and the facts about a caller that permission checks need."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.programme import Caller, Role
from storage.models import Admin, MemberRow, PersonLanguageRow, RepresentativeRow
from storage.repositories import audit


def identify(
    *, session: Session, user_id: str, configured_admins: Iterable[str]
) -> tuple[Caller, str | None]:
    """Who this user is in the programme, and the language they chose, in one query.

    Every request needs both before it is acknowledged, so they come in one round trip.
    """
    rows = session.execute(
        union_all(
            select(literal("admin"), literal(0), literal("")).where(Admin.user_id == user_id),
            select(literal("member"), MemberRow.organisation_id, MemberRow.role).where(
                MemberRow.user_id == user_id
            ),
            select(literal("startup"), RepresentativeRow.startup_id, literal("")).where(
                RepresentativeRow.user_id == user_id
            ),
            select(literal("language"), literal(0), PersonLanguageRow.language).where(
                PersonLanguageRow.user_id == user_id
            ),
        )
    ).all()
    memberships = {int(ref): Role(text) for kind, ref, text in rows if kind == "member"}
    startups = frozenset(int(ref) for kind, ref, _text in rows if kind == "startup")
    is_admin = user_id in set(configured_admins) or any(row[0] == "admin" for row in rows)
    language = next((str(text) for kind, _ref, text in rows if kind == "language"), None)
    caller = Caller(
        user_id=user_id, is_admin=is_admin, memberships=memberships, startup_ids=startups
    )
    return caller, language


def load_caller(*, session: Session, user_id: str, configured_admins: Iterable[str]) -> Caller:
    """Everything Matchday knows about who this user is in the programme."""
    return identify(session=session, user_id=user_id, configured_admins=configured_admins)[0]


def added_admins(*, session: Session) -> list[str]:
    """Admins added in Slack, in the order they were added."""
    return list(session.scalars(select(Admin.user_id).order_by(Admin.added_at, Admin.user_id)))


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
