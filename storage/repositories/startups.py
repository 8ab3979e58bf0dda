"""Startups and their representatives."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.programme import Startup
from storage.models import ProfileRevisionRow, RepresentativeRow, StartupRow
from storage.repositories import audit


def _startup(row: StartupRow) -> Startup:
    return Startup(
        id=row.id,
        name=row.name,
        org_number=row.org_number,
        website=row.website,
        sector=row.sector,
        description=row.description,
        representatives=tuple(rep.user_id for rep in row.representatives),
        stage=row.stage,
        about=row.about,
        contacts=row.contacts,
    )


def by_org_number(*, session: Session, org_number: str) -> Startup | None:
    """The startup with this organisation number, if registered."""
    row = session.scalar(
        select(StartupRow)
        .where(StartupRow.org_number == org_number)
        .options(selectinload(StartupRow.representatives))
    )
    return _startup(row) if row else None


def by_ids(*, session: Session, startup_ids: Iterable[int]) -> list[Startup]:
    """The startups with these ids, by name."""
    rows = session.scalars(
        select(StartupRow)
        .where(StartupRow.id.in_(list(startup_ids)))
        .options(selectinload(StartupRow.representatives))
        .order_by(StartupRow.name)
    )
    return [_startup(row) for row in rows]


def all_startups(*, session: Session) -> list[Startup]:
    """Every registered startup, by name."""
    rows = session.scalars(
        select(StartupRow)
        .options(selectinload(StartupRow.representatives))
        .order_by(StartupRow.name)
    )
    return [_startup(row) for row in rows]


def register(
    *,
    session: Session,
    actor: str,
    name: str,
    org_number: str,
    website: str,
    sector: str,
    description: str,
    representatives: Iterable[str],
) -> Startup:
    """Register a new startup with its representatives (the caller checks the number is free)."""
    row = StartupRow(
        name=name,
        org_number=org_number,
        website=website,
        sector=sector,
        description=description,
        created_by=actor,
    )
    row.representatives = [
        RepresentativeRow(user_id=user_id, added_by=actor)
        for user_id in dict.fromkeys(representatives)
    ]
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="startup.registered",
        subject=f"startup:{row.id}",
        detail=f"name={name}; org_number={org_number}",
    )
    return _startup(row)


def count(*, session: Session) -> int:
    """How many startups are registered."""
    return int(session.scalar(select(func.count()).select_from(StartupRow)) or 0)


def by_id(*, session: Session, startup_id: int) -> Startup | None:
    """The startup with this id."""
    row = session.get(StartupRow, startup_id)
    return _startup(row) if row else None


def number_taken(*, session: Session, org_number: str, except_id: int) -> bool:
    """True when another startup has this organisation number."""
    found = session.scalar(
        select(StartupRow.id).where(StartupRow.org_number == org_number, StartupRow.id != except_id)
    )
    return found is not None


# The company profile's fields, as the form has them and the startup row keeps them.
PROFILE_FIELDS = ("name", "org_number", "website", "sector", "stage", "about", "contacts")


class ProfileSave(Enum):
    """How saving a company profile went."""

    SAVED = "saved"  # changed, with a new revision
    UNCHANGED = "unchanged"  # the same profile again (a form sent twice): no new revision
    NUMBER_TAKEN = "number_taken"  # another startup has the new organisation number
    MISSING = "missing"  # no such startup


def save_profile(
    *, session: Session, actor: str, startup_id: int, profile: dict[str, str]
) -> ProfileSave:
    """Save the company profile and keep the revision: who changed it, when, what it said.

    The organisation number is checked against the other startups only when it changed,
    and a profile saved again unchanged makes no new revision and no audit entry, and
    takes no lock: only a change locks the row (and compares again under the lock).
    """
    row = session.get(StartupRow, startup_id)
    if row is None:
        return ProfileSave.MISSING
    if all(getattr(row, key) == profile[key] for key in PROFILE_FIELDS):
        return ProfileSave.UNCHANGED
    row = session.get(StartupRow, startup_id, with_for_update=True, populate_existing=True)
    if row is None:
        return ProfileSave.MISSING
    if row.org_number != profile["org_number"] and number_taken(
        session=session, org_number=profile["org_number"], except_id=startup_id
    ):
        return ProfileSave.NUMBER_TAKEN
    if all(getattr(row, key) == profile[key] for key in PROFILE_FIELDS):
        return ProfileSave.UNCHANGED  # another save of the same profile came first
    for key in PROFILE_FIELDS:
        setattr(row, key, profile[key])
    session.add(ProfileRevisionRow(startup_id=startup_id, revised_by=actor, snapshot=dict(profile)))
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="startup.profile_updated",
        subject=f"startup:{startup_id}",
    )
    return ProfileSave.SAVED


def revisions(*, session: Session, startup_id: int) -> list[ProfileRevisionRow]:
    """The profile's history, oldest first."""
    return list(
        session.scalars(
            select(ProfileRevisionRow)
            .where(ProfileRevisionRow.startup_id == startup_id)
            .order_by(ProfileRevisionRow.id)
        )
    )
