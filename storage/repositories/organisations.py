"""Organisations and their project groups."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.programme import Member, Organisation, OrganisationKind, Role
from storage.models import MemberRow, OrganisationRow
from storage.repositories import audit


def _organisation(row: OrganisationRow) -> Organisation:
    return Organisation(
        id=row.id,
        name=row.name,
        kind=OrganisationKind(row.kind),
        channel_id=row.channel_id,
        opportunities_channel_id=row.opportunities_channel_id,
        timezone=row.timezone,
    )


def name_key(name: str) -> str:
    """The form of a name that must be unique: casefolded, spaces collapsed."""
    return " ".join(name.casefold().split())


def by_channel(*, session: Session, channel_id: str) -> Organisation | None:
    """The organisation whose project group works in this channel, if any."""
    row = session.scalar(select(OrganisationRow).where(OrganisationRow.channel_id == channel_id))
    return _organisation(row) if row else None


def by_id(*, session: Session, organisation_id: int) -> Organisation | None:
    """The organisation with this id, if any."""
    row = session.get(OrganisationRow, organisation_id)
    return _organisation(row) if row else None


def name_taken(*, session: Session, name: str, except_id: int | None = None) -> bool:
    """True when another organisation already has this name (case-insensitive)."""
    query = select(OrganisationRow.id).where(OrganisationRow.name_key == name_key(name))
    if except_id is not None:
        query = query.where(OrganisationRow.id != except_id)
    return session.scalar(query) is not None


def save(
    *,
    session: Session,
    actor: str,
    channel_id: str,
    name: str,
    kind: OrganisationKind,
    opportunities_channel_id: str,
    timezone: str,
) -> tuple[Organisation, bool]:
    """Create or update the organisation linked to a channel; True when it is new."""
    row = session.scalar(
        select(OrganisationRow).where(OrganisationRow.channel_id == channel_id).with_for_update()
    )
    created = row is None
    if row is None:
        row = OrganisationRow(channel_id=channel_id, created_by=actor, timezone=timezone)
        session.add(row)
    row.name = name
    row.name_key = name_key(name)
    row.kind = kind.value
    row.opportunities_channel_id = opportunities_channel_id
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="organisation.created" if created else "organisation.updated",
        subject=f"organisation:{row.id}",
        detail=f"name={name}; kind={kind.value}; opportunities={opportunities_channel_id}",
    )
    return _organisation(row), created


def all_organisations(*, session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    rows = session.scalars(select(OrganisationRow).order_by(OrganisationRow.name))
    return [_organisation(row) for row in rows]


def members(*, session: Session, organisation_id: int) -> list[Member]:
    """The project group of an organisation, in the order they were added."""
    rows = session.scalars(
        select(MemberRow).where(MemberRow.organisation_id == organisation_id).order_by(MemberRow.id)
    )
    return [Member(row.organisation_id, row.user_id, Role(row.role)) for row in rows]


def by_ids(*, session: Session, organisation_ids: list[int]) -> list[Organisation]:
    """The organisations with these ids (one query)."""
    rows = session.scalars(select(OrganisationRow).where(OrganisationRow.id.in_(organisation_ids)))
    return [_organisation(row) for row in rows]


def members_of(*, session: Session, organisation_ids: list[int]) -> dict[int, list[Member]]:
    """The project groups of several organisations at once (one query), each in order."""
    found: dict[int, list[Member]] = {organisation_id: [] for organisation_id in organisation_ids}
    rows = session.scalars(
        select(MemberRow)
        .where(MemberRow.organisation_id.in_(organisation_ids))
        .order_by(MemberRow.id)
    )
    for row in rows:
        found[row.organisation_id].append(Member(row.organisation_id, row.user_id, Role(row.role)))
    return found


def set_member(
    *, session: Session, actor: str, organisation_id: int, user_id: str, role: Role
) -> bool:
    """Add a member or change their role; True when they were not in the group before."""
    row = session.scalar(
        select(MemberRow).where(
            MemberRow.organisation_id == organisation_id, MemberRow.user_id == user_id
        )
    )
    added = row is None
    if row is None:
        new = MemberRow(
            organisation_id=organisation_id, user_id=user_id, added_by=actor, role=role.value
        )
        try:
            with session.begin_nested():
                session.add(new)
                session.flush()
            row = new
        except IntegrityError:  # the same person added by a form arriving at the same moment
            added = False
            row = session.scalar(
                select(MemberRow).where(
                    MemberRow.organisation_id == organisation_id, MemberRow.user_id == user_id
                )
            )
            if row is None:
                raise
    row.role = role.value
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="member.added" if added else "member.role_changed",
        subject=f"organisation:{organisation_id}",
        detail=f"user={user_id}; role={role.value}",
    )
    return added


def remove_member(*, session: Session, actor: str, organisation_id: int, user_id: str) -> bool:
    """Remove a member from a project group; False when they were not in it."""
    result = session.execute(
        delete(MemberRow).where(
            MemberRow.organisation_id == organisation_id, MemberRow.user_id == user_id
        )
    )
    removed = bool(result.rowcount)  # type: ignore[attr-defined]
    if removed:
        audit.record(
            session=session,
            actor=actor,
            action="member.removed",
            subject=f"organisation:{organisation_id}",
            detail=f"user={user_id}",
        )
    return removed


def membership_id(*, session: Session, organisation_id: int, user_id: str) -> int | None:
    """The id of a person's membership of a project group (a new one each time they are
    added), or None when they are not in it."""
    return session.scalar(
        select(MemberRow.id).where(
            MemberRow.organisation_id == organisation_id, MemberRow.user_id == user_id
        )
    )
