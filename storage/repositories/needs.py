"""Focus areas and opportunities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.needs import AreaOverview, FocusArea, Opportunity
from bot.programme import Role
from storage.models import AssessmentRow, FocusAreaRow, OpportunityRow, OrganisationRow
from storage.repositories import audit
from storage.repositories.assessments import to_assessment


def to_area(row: FocusAreaRow) -> FocusArea:
    """A focus area row as a value."""
    return FocusArea(row.id, row.organisation_id, row.title, row.why, row.status == "archived")


def to_opportunity(row: OpportunityRow) -> Opportunity:
    """An opportunity row as a value."""
    return Opportunity(
        id=row.id,
        organisation_id=row.organisation_id,
        focus_area_id=row.focus_area_id,
        title=row.title,
        description=row.description,
        deadline=row.deadline,
        contact_role=Role(row.contact_role),
        status=row.status,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
    )


def active_count(*, session: Session, organisation_id: int) -> int:
    """How many areas the organisation works on now."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(FocusAreaRow)
            .where(FocusAreaRow.organisation_id == organisation_id, FocusAreaRow.status == "active")
        )
        or 0
    )


def lock_organisation(*, session: Session, organisation_id: int) -> None:
    """Serialise changes to one organisation's areas until the transaction ends.

    A write to the organisation's row takes PostgreSQL's row lock and SQLite's write lock,
    so two people adding a sixth area at the same moment cannot both succeed.
    """
    session.execute(
        update(OrganisationRow)
        .where(OrganisationRow.id == organisation_id)
        .values(updated_at=OrganisationRow.updated_at)  # a write that changes nothing
    )


def add_area(
    *, session: Session, actor: str, organisation_id: int, title: str, why: str
) -> FocusArea:
    """Add an active focus area (the caller checks the limit)."""
    row = FocusAreaRow(organisation_id=organisation_id, title=title, why=why, created_by=actor)
    session.add(row)
    session.flush()
    audit.record(
        session=session, actor=actor, action="area.added", subject=f"area:{row.id}", detail=title
    )
    return to_area(row)


def archive_area(*, session: Session, actor: str, area_id: int) -> bool:
    """Archive an area; False when it was not active."""
    result = session.execute(
        update(FocusAreaRow)
        .where(FocusAreaRow.id == area_id, FocusAreaRow.status == "active")
        .values(status="archived")
    )
    archived = bool(result.rowcount)  # type: ignore[attr-defined]
    if archived:
        audit.record(
            session=session, actor=actor, action="area.archived", subject=f"area:{area_id}"
        )
    return archived


def area(*, session: Session, area_id: int) -> FocusArea | None:
    """The focus area with this id."""
    row = session.get(FocusAreaRow, area_id)
    return to_area(row) if row else None


def overview(
    *, session: Session, organisation_id: int, include_archived: bool = False
) -> list[AreaOverview]:
    """The organisation's areas in the order they were added, with progress and opportunities."""
    query = select(FocusAreaRow).where(FocusAreaRow.organisation_id == organisation_id)
    if not include_archived:
        query = query.where(FocusAreaRow.status == "active")
    areas = list(session.scalars(query.order_by(FocusAreaRow.id)))
    ids = [row.id for row in areas]
    assessments = {
        row.focus_area_id: to_assessment(row)
        for row in session.scalars(
            select(AssessmentRow).where(AssessmentRow.focus_area_id.in_(ids))
        )
    }
    opportunities: dict[int, list[Opportunity]] = {}
    for row in session.scalars(
        select(OpportunityRow)
        .where(OpportunityRow.focus_area_id.in_(ids))
        .order_by(OpportunityRow.id)
    ):
        opportunities.setdefault(row.focus_area_id, []).append(to_opportunity(row))
    return [
        AreaOverview(to_area(row), assessments.get(row.id), opportunities.get(row.id, []))
        for row in areas
    ]


def publish(
    *,
    session: Session,
    actor: str,
    organisation_id: int,
    focus_area_id: int,
    title: str,
    description: str,
    deadline: date,
    contact_role: Role,
    channel_id: str,
    assessment_version: int | None = None,
    now: datetime | None = None,
) -> Opportunity:
    """Create a published opportunity (its card is owed in the same transaction).

    ``assessment_version`` names the summary it was published from: one opportunity each.
    """
    row = OpportunityRow(
        organisation_id=organisation_id,
        focus_area_id=focus_area_id,
        title=title,
        description=description,
        deadline=deadline,
        contact_role=contact_role.value,
        channel_id=channel_id,
        published_by=actor,
        assessment_version=assessment_version,
    )
    if now is not None:
        row.published_at = now
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="opportunity.published",
        subject=f"opportunity:{row.id}",
        detail=f"area={focus_area_id}; deadline={deadline.isoformat()}; title={title}",
    )
    return to_opportunity(row)


def published_from(
    *, session: Session, focus_area_id: int, assessment_version: int
) -> Opportunity | None:
    """The opportunity published from this version of the area's summary, if any."""
    row = session.scalar(
        select(OpportunityRow).where(
            OpportunityRow.focus_area_id == focus_area_id,
            OpportunityRow.assessment_version == assessment_version,
        )
    )
    return to_opportunity(row) if row else None


def same_title(first: str, second: str) -> bool:
    """Whether two area titles name the same thing (case and spacing aside)."""
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def active_area_titled(*, session: Session, organisation_id: int, title: str) -> FocusArea | None:
    """The organisation's active area with this title (case and spacing aside), if any."""
    rows = session.scalars(
        select(FocusAreaRow).where(
            FocusAreaRow.organisation_id == organisation_id, FocusAreaRow.status == "active"
        )
    )
    return next((to_area(row) for row in rows if same_title(row.title, title)), None)


def set_card(*, session: Session, opportunity_id: int, message_ts: str) -> None:
    """Remember where the opportunity's card was posted."""
    session.execute(
        update(OpportunityRow)
        .where(OpportunityRow.id == opportunity_id)
        .values(message_ts=message_ts)
    )


def opportunity(*, session: Session, opportunity_id: int) -> Opportunity | None:
    """The opportunity with this id."""
    row = session.get(OpportunityRow, opportunity_id)
    return to_opportunity(row) if row else None


def opportunity_count(*, session: Session, organisation_id: int) -> int:
    """How many opportunities an organisation has published."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OpportunityRow)
            .where(OpportunityRow.organisation_id == organisation_id)
        )
        or 0
    )


def open_opportunities(*, session: Session, on_or_after: date) -> list[Opportunity]:
    """Published opportunities whose deadline is on or after a date, soonest first."""
    rows = session.scalars(
        select(OpportunityRow)
        .where(OpportunityRow.status == "published", OpportunityRow.deadline >= on_or_after)
        .order_by(OpportunityRow.deadline, OpportunityRow.id)
    )
    return [to_opportunity(row) for row in rows]


def claim(*, session: Session, opportunity_id: int, which: str, now: datetime) -> bool:
    """Claim the 48-hour reminder or the closing notice; exactly one process wins."""
    column = {
        "reminder": OpportunityRow.reminder_claimed_at,
        "closing": OpportunityRow.closing_claimed_at,
    }[which]
    result = session.execute(
        update(OpportunityRow)
        .where(OpportunityRow.id == opportunity_id, column.is_(None))
        .values({column: now})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def unannounced(*, session: Session, which: str, on_or_before: date) -> list[Opportunity]:
    """Published opportunities with a deadline up to a date whose notice is not yet claimed."""
    column = {
        "reminder": OpportunityRow.reminder_claimed_at,
        "closing": OpportunityRow.closing_claimed_at,
    }[which]
    rows = session.scalars(
        select(OpportunityRow).where(
            OpportunityRow.status == "published",
            OpportunityRow.deadline <= on_or_before,
            column.is_(None),
        )
    )
    return [to_opportunity(row) for row in rows]
