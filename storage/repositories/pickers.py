"""What a picker offers: startups and organisations found by what a person types.

Each search is one query that asks for one row more than it returns, so the caller knows
whether more match without counting them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from storage.models import OrganisationRow, StartupRow
from storage.repositories.organisations import name_key

_DIGITS = re.compile(r"^[\d\s-]+$")


@dataclass(frozen=True)
class Found:
    """One item a picker can offer."""

    id: int
    name: str
    org_number: str = ""


@dataclass(frozen=True)
class Matches:
    """The first ``limit`` matches, and whether more matched."""

    items: list[Found]
    more: bool


def _like(text: str) -> str:
    """A LIKE pattern that finds ``text`` anywhere, with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _number_prefix(query: str) -> str | None:
    """The start of an organisation number as stored (NNNNNN-NNNN), from digits typed with
    or without the dash (or the twelve-digit form starting 16); None when not a number."""
    if not _DIGITS.match(query):
        return None
    digits = re.sub(r"\D", "", query)
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]
    if not digits or len(digits) > 10:
        return None
    return digits if len(digits) <= 6 else f"{digits[:6]}-{digits[6:]}"


def search_startups(*, session: Session, query: str, limit: int) -> Matches:
    """Startups whose name contains ``query`` (any case) or whose organisation number
    starts with it, by name."""
    typed = " ".join(query.split())
    conditions: list[ColumnElement[bool]] = []
    if typed:
        # PostgreSQL's lower() knows every script; SQLite's lower() and LIKE only ASCII, so
        # the usual ways of writing a name are tried as well ("ÅNGSTRÖM", "älvsjö" find
        # "Ångström Älvsjö AB").
        conditions.append(func.lower(StartupRow.name).like(_like(typed.lower()), escape="\\"))
        for variant in dict.fromkeys((typed, typed.capitalize(), typed.title())):
            conditions.append(StartupRow.name.like(_like(variant), escape="\\"))
        prefix = _number_prefix(typed)
        if prefix is not None:
            conditions.append(StartupRow.org_number.like(f"{prefix}%"))
    statement = select(StartupRow.id, StartupRow.name, StartupRow.org_number)
    if conditions:
        statement = statement.where(or_(*conditions))
    rows = session.execute(statement.order_by(StartupRow.name, StartupRow.id).limit(limit + 1))
    found = [Found(row.id, row.name, row.org_number) for row in rows]
    return Matches(found[:limit], len(found) > limit)


def search_organisations(*, session: Session, query: str, limit: int) -> Matches:
    """Organisations whose name contains ``query`` (any case, any script), by name."""
    typed = name_key(query)
    statement = select(OrganisationRow.id, OrganisationRow.name)
    if typed:
        statement = statement.where(OrganisationRow.name_key.like(_like(typed), escape="\\"))
    rows = session.execute(
        statement.order_by(OrganisationRow.name, OrganisationRow.id).limit(limit + 1)
    )
    found = [Found(row.id, row.name) for row in rows]
    return Matches(found[:limit], len(found) > limit)


def startup_exists(*, session: Session, startup_id: int) -> bool:
    """True when a startup with this id is registered."""
    return session.get(StartupRow, startup_id) is not None


def organisation_exists(*, session: Session, organisation_id: int) -> bool:
    """True when an organisation with this id exists."""
    return session.get(OrganisationRow, organisation_id) is not None
