"""Admins and the facts about a caller that permission checks need."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.programme import Caller, Role
from storage.models import Admin, MemberRow, RepresentativeRow
from storage.repositories import audit


def load_caller(*, session: Session, user_id: str, configured_admins: Iterable[str]) -> Caller:
    """Everything Matchday knows about who this user is in the programme."""
    is_admin = user_id in set(configured_admins) or session.get(Admin, user_id) is not None
    memberships = {
        row.organisation_id: Role(row.role)
        for row in session.scalars(select(MemberRow).where(MemberRow.user_id == user_id))
    }
    startups = frozenset(
        session.scalars(
            select(RepresentativeRow.startup_id).where(RepresentativeRow.user_id == user_id)
        )
    )
    return Caller(user_id=user_id, is_admin=is_admin, memberships=memberships, startup_ids=startups)


def added_admins(*, session: Session) -> list[str]:
    """Admins added in Slack, in the order they were added."""
    return list(session.scalars(select(Admin.user_id).order_by(Admin.added_at, Admin.user_id)))


def add_admin(*, session: Session, actor: str, user_id: str) -> bool:
    """Make a person an admin; False when they already were one."""
    if session.get(Admin, user_id) is not None:
        return False
    session.add(Admin(user_id=user_id, added_by=actor))
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
