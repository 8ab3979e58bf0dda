"""The showcase's public records: what the programme shows the world, and nothing more.

The query module (storage/repositories/showcase.py) returns only these types, and the web
pages (the showcase package) read only these: a field that is not here cannot leak. None
of them holds a pitch, a startup that pitched, an assessment answer, a decline reason, a
question or a check-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.exchanges import Exchange
from bot.pilots import Consent, Outcome, case_card_consent
from bot.programme import OrganisationKind, Role


@dataclass(frozen=True)
class YearFigures:
    """The programme in numbers for one calendar year."""

    year: int
    organisations: int = 0  # taking part by the end of the year
    areas_assessed: int = 0
    opportunities: int = 0
    pitches: int = 0
    meetings_held: int = 0
    follow_ups: int = 0  # meetings where both sides wanted to follow up
    pilots_started: int = 0
    pilots_completed: int = 0
    outcomes: tuple[tuple[Outcome, int], ...] = ()

    @property
    def follow_up_rate(self) -> float | None:
        """Share of meetings held that led to a follow-up (None before any meeting)."""
        return self.follow_ups / self.meetings_held if self.meetings_held else None


@dataclass(frozen=True)
class PublicOpportunity:
    """A published opportunity as the public reads it."""

    id: int
    organisation_id: int
    organisation_name: str
    title: str
    description: str
    deadline: date
    contact_role: Role
    published_at: datetime
    open: bool  # still published and the deadline not passed


@dataclass(frozen=True)
class PublicOrganisation:
    """A participating organisation and what it has published."""

    id: int
    name: str
    kind: OrganisationKind
    opportunities: tuple[PublicOpportunity, ...] = ()

    @property
    def open_opportunities(self) -> tuple[PublicOpportunity, ...]:
        """Those a startup can still pitch to."""
        return tuple(opportunity for opportunity in self.opportunities if opportunity.open)


@dataclass(frozen=True)
class CaseCard:
    """A completed pilot both sides agreed to share; names only when neither asked not to."""

    id: int
    anonymous: bool
    kind: OrganisationKind
    sector: str
    months: int
    outcome: Outcome
    results: str
    lessons: str
    published_at: datetime
    # Only on a named card:
    title: str | None = None
    organisation_id: int | None = None
    organisation_name: str | None = None
    startup_name: str | None = None


@dataclass(frozen=True)
class Showcase:
    """Everything the public pages show, read at one moment."""

    figures: tuple[YearFigures, ...]
    organisations: tuple[PublicOrganisation, ...]
    case_cards: tuple[CaseCard, ...]  # newest first
    exchanges: tuple[Exchange, ...] = ()  # upcoming experience exchanges (served pages only)

    @property
    def open_opportunities(self) -> list[PublicOpportunity]:
        """Every open opportunity, the nearest deadline first."""
        found = [o for organisation in self.organisations for o in organisation.opportunities]
        return sorted((o for o in found if o.open), key=lambda o: (o.deadline, o.id))

    def organisation(self, organisation_id: int) -> PublicOrganisation | None:
        """One organisation's page, or None."""
        return next((o for o in self.organisations if o.id == organisation_id), None)


def shared(organisation: str | None, startup: str | None) -> tuple[bool, bool]:
    """Whether a case card is public (both agreed) and whether it is anonymised."""
    try:
        return case_card_consent(
            Consent(organisation) if organisation else None,
            Consent(startup) if startup else None,
        )
    except ValueError:  # an answer the app does not know is no agreement
        return False, True


def pilot_months(start: date, end: date) -> int:
    """A pilot's length in whole months, at least one (as the case card says it)."""
    return max(1, round((end - start).days / 30))
