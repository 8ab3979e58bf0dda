"""What the public showcase may read: figures, published opportunities, shared case cards.

Returns only the public types of :mod:`bot.showcase`. Columns are named one by one, so no
pitch text, assessment answer, decision, question or check-in is ever read here; pitches,
meetings and follow-ups are only counted. The counting follows
:func:`storage.repositories.insight.funnel`, summed over the programme and grouped by year.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.pilots import Outcome
from bot.programme import OrganisationKind, Role
from bot.showcase import (
    CaseCard,
    PublicOpportunity,
    PublicOrganisation,
    Showcase,
    YearFigures,
    pilot_months,
    shared,
)
from storage.models import (
    AssessmentRow,
    FollowUpRow,
    MeetingRow,
    OpportunityRow,
    OrganisationRow,
    PitchRow,
    StartupRow,
)
from storage.models.pilots import PilotRow

ASSESSED = ("review", "end")  # as insight counts a focus area assessed
SHOWN = ("published", "closed")  # a withdrawn opportunity leaves the public pages
AGREED = ("named", "anonymous")


def version(*, session: Session, now: datetime) -> tuple[Any, ...]:
    """A cheap key that changes whenever something the pages show is added or changes state.

    One statement of counts and maxima. It does not see a text edited in place (a renamed
    opportunity); the web cache adds a short time to live for that.
    """

    def count(row: Any, *where: Any) -> Any:
        return select(func.count()).select_from(row).where(*where).scalar_subquery()

    statement = select(
        count(OrganisationRow),
        select(func.max(OrganisationRow.updated_at)).scalar_subquery(),
        select(func.max(OpportunityRow.id)).scalar_subquery(),
        count(OpportunityRow, OpportunityRow.status == "published"),
        count(OpportunityRow, OpportunityRow.status == "closed"),
        count(PitchRow),
        count(AssessmentRow, AssessmentRow.state.in_(ASSESSED)),
        count(MeetingRow, MeetingRow.status == "booked", MeetingRow.ends_at <= now),
        count(FollowUpRow, FollowUpRow.answer == "yes"),
        count(PilotRow),
        count(PilotRow, PilotRow.status == "completed"),
        count(PilotRow, PilotRow.card_claimed_at.is_not(None)),
        select(func.max(PilotRow.card_claimed_at)).scalar_subquery(),
    )
    row = session.execute(statement).one()
    return tuple(str(value) for value in row)


def showcase(*, session: Session, now: datetime, today: date) -> Showcase:
    """Everything public, read at once (``today`` in the programme's time zone)."""
    organisations = _organisations(session, today)
    return Showcase(
        figures=figures(session=session, now=now, today=today),
        organisations=organisations,
        case_cards=case_cards(session=session),
    )


def _organisations(session: Session, today: date) -> tuple[PublicOrganisation, ...]:
    rows = session.execute(
        select(OrganisationRow.id, OrganisationRow.name, OrganisationRow.kind).order_by(
            OrganisationRow.name, OrganisationRow.id
        )
    ).all()
    names = {row.id: row.name for row in rows}
    published: dict[int, list[PublicOpportunity]] = {row.id: [] for row in rows}
    for opportunity in session.execute(
        select(
            OpportunityRow.id,
            OpportunityRow.organisation_id,
            OpportunityRow.title,
            OpportunityRow.description,
            OpportunityRow.deadline,
            OpportunityRow.contact_role,
            OpportunityRow.published_at,
            OpportunityRow.status,
        )
        .where(OpportunityRow.status.in_(SHOWN))
        .order_by(OpportunityRow.deadline.desc(), OpportunityRow.id.desc())
    ):
        published[opportunity.organisation_id].append(
            PublicOpportunity(
                id=opportunity.id,
                organisation_id=opportunity.organisation_id,
                organisation_name=names[opportunity.organisation_id],
                title=opportunity.title,
                description=opportunity.description,
                deadline=opportunity.deadline,
                contact_role=Role(opportunity.contact_role),
                published_at=opportunity.published_at,
                open=opportunity.status == "published" and opportunity.deadline >= today,
            )
        )
    return tuple(
        PublicOrganisation(
            id=row.id,
            name=row.name,
            kind=OrganisationKind(row.kind),
            opportunities=tuple(published[row.id]),
        )
        for row in rows
    )


def case_cards(*, session: Session) -> tuple[CaseCard, ...]:
    """Completed pilots whose case card both sides agreed to share, newest first."""
    rows = session.execute(
        select(
            PilotRow.id,
            PilotRow.title,
            PilotRow.start_date,
            PilotRow.end_date,
            PilotRow.outcome,
            PilotRow.results,
            PilotRow.lessons,
            PilotRow.organisation_consent,
            PilotRow.startup_consent,
            PilotRow.card_claimed_at,
            OrganisationRow.id.label("organisation_id"),
            OrganisationRow.name.label("organisation_name"),
            OrganisationRow.kind,
            StartupRow.name.label("startup_name"),
            StartupRow.sector,
        )
        .join(OrganisationRow, OrganisationRow.id == PilotRow.organisation_id)
        .join(StartupRow, StartupRow.id == PilotRow.startup_id)
        .where(
            PilotRow.status == "completed",
            PilotRow.outcome.is_not(None),
            PilotRow.card_claimed_at.is_not(None),
            PilotRow.organisation_consent.in_(AGREED),
            PilotRow.startup_consent.in_(AGREED),
        )
        .order_by(PilotRow.card_claimed_at.desc(), PilotRow.id.desc())
    ).all()
    cards = []
    for row in rows:
        agreed, anonymous = shared(row.organisation_consent, row.startup_consent)
        if not agreed:
            continue
        named = not anonymous
        cards.append(
            CaseCard(
                id=row.id,
                anonymous=anonymous,
                kind=OrganisationKind(row.kind),
                sector=row.sector,
                months=pilot_months(row.start_date, row.end_date),
                outcome=Outcome(row.outcome),
                results=row.results,
                lessons=row.lessons,
                published_at=row.card_claimed_at,
                title=row.title if named else None,
                organisation_id=row.organisation_id if named else None,
                organisation_name=row.organisation_name if named else None,
                startup_name=row.startup_name if named else None,
            )
        )
    return tuple(cards)


def figures(*, session: Session, now: datetime, today: date) -> tuple[YearFigures, ...]:
    """The programme's funnel per calendar year (UTC, as the insight report counts it)."""

    def years(column: Any, *where: Any) -> Counter[int]:
        return Counter(_year(value) for value in session.scalars(select(column).where(*where)))

    joined = years(OrganisationRow.created_at)
    if not joined:
        return ()
    assessed = years(AssessmentRow.last_activity_at, AssessmentRow.state.in_(ASSESSED))
    opportunities = years(OpportunityRow.published_at)
    pitches = years(PitchRow.submitted_at)
    both_yes = (
        select(func.count())
        .select_from(FollowUpRow)
        .where(FollowUpRow.meeting_id == MeetingRow.id, FollowUpRow.answer == "yes")
        .scalar_subquery()
    )
    held: Counter[int] = Counter()
    followed: Counter[int] = Counter()
    for starts_at, yes in session.execute(
        select(MeetingRow.starts_at, both_yes).where(
            MeetingRow.status == "booked", MeetingRow.ends_at <= now
        )
    ):
        held[_year(starts_at)] += 1
        followed[_year(starts_at)] += 1 if yes == 2 else 0
    started: Counter[int] = Counter()
    completed: Counter[int] = Counter()
    outcomes: dict[int, Counter[Outcome]] = {}
    for start_date, completed_at, outcome in session.execute(
        select(PilotRow.start_date, PilotRow.completed_at, PilotRow.outcome)
    ):
        started[start_date.year] += 1
        if completed_at is not None:
            completed[_year(completed_at)] += 1
            if outcome:
                outcomes.setdefault(_year(completed_at), Counter())[Outcome(outcome)] += 1
    first = min(joined)
    last = max(today.year, *joined, *started)
    result = []
    for year in range(first, last + 1):
        result.append(
            YearFigures(
                year=year,
                organisations=sum(n for joined_year, n in joined.items() if joined_year <= year),
                areas_assessed=assessed[year],
                opportunities=opportunities[year],
                pitches=pitches[year],
                meetings_held=held[year],
                follow_ups=followed[year],
                pilots_started=started[year],
                pilots_completed=completed[year],
                outcomes=tuple(
                    (outcome, outcomes.get(year, Counter())[outcome])
                    for outcome in Outcome
                    if outcomes.get(year, Counter())[outcome]
                ),
            )
        )
    return tuple(result)


def _year(moment: datetime | None) -> int:
    assert moment is not None
    return moment.astimezone(UTC).year
