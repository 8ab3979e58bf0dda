"""Startups and their representatives."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.programme import Startup
from storage.models import RepresentativeRow, StartupRow
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
