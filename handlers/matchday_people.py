"""Who is who at a matchday: parties' names and people, and the admin's plan view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.matchdays import Matchday, MeetingRequest, Party, Setup
from bot.views.matchdays import PlanRow, build_overview
from storage.repositories import matchdays, organisations, startups


@dataclass(frozen=True)
class Directory:
    """Names and people of the day's parties."""

    names: dict[tuple[str, int], str]
    people: dict[tuple[str, int], tuple[str, ...]]

    def name(self, kind: str, ref_id: int) -> str:
        """A party's name."""
        return self.names.get((kind, ref_id), "?")

    def of(self, kind: str, ref_id: int) -> tuple[str, ...]:
        """The people who speak for a party."""
        return self.people.get((kind, ref_id), ())

    def request_people(self, request: MeetingRequest) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the organisation's people, the startup's people) of a request."""
        return self.of("organisation", request.organisation_id), self.of(
            "startup", request.startup_id
        )


def load_setup(deps: Deps, matchday_id: int) -> tuple[Setup, Directory] | None:
    """The matchday with its parties, requests, names and people."""
    with deps.sessions() as session:
        return setup_in(session, matchday_id)


def setup_in(session: Session, matchday_id: int) -> tuple[Setup, Directory] | None:
    """:func:`load_setup` inside the caller's transaction."""
    matchday = matchdays.get(session=session, matchday_id=matchday_id)
    if matchday is None:
        return None
    parties = matchdays.parties(session=session, matchday_id=matchday_id)
    requests = matchdays.requests(session=session, matchday_id=matchday_id)
    names: dict[tuple[str, int], str] = {}
    people: dict[tuple[str, int], tuple[str, ...]] = {}
    # A few queries for all parties, not a few per party: a big day has hundreds of them.
    organisation_ids = [party.ref_id for party in parties if party.kind == "organisation"]
    groups = organisations.members_of(session=session, organisation_ids=organisation_ids)
    for organisation_id in organisation_ids:
        names[("organisation", organisation_id)] = "?"
        people[("organisation", organisation_id)] = tuple(
            member.user_id for member in groups.get(organisation_id, [])
        )
    for organisation in organisations.by_ids(session=session, organisation_ids=organisation_ids):
        names[("organisation", organisation.id)] = organisation.name
    startup_ids = [party.ref_id for party in parties if party.kind == "startup"]
    for startup_id in startup_ids:
        names[("startup", startup_id)], people[("startup", startup_id)] = "?", ()
    for startup in startups.by_ids(session=session, startup_ids=startup_ids):
        names[("startup", startup.id)] = startup.name
        people[("startup", startup.id)] = startup.representatives
    return Setup(matchday, parties, requests), Directory(names, people)


def party_people(session: Session, kind: str, ref_id: int) -> tuple[str, tuple[str, ...]]:
    """A party's name and the people who speak for it."""
    if kind == "organisation":
        organisation = organisations.by_id(session=session, organisation_id=ref_id)
        members = organisations.members(session=session, organisation_id=ref_id)
        return (organisation.name if organisation else "?"), tuple(m.user_id for m in members)
    startup = startups.by_id(session=session, startup_id=ref_id)
    return (startup.name if startup else "?"), (startup.representatives if startup else ())


def party_of(directory: Directory, parties: list[Party], user_id: str) -> list[Party]:
    """The parties a person speaks for at this matchday."""
    return [party for party in parties if user_id in directory.of(party.kind, party.ref_id)]


def overview(
    deps: Deps, matchday: Matchday, page: int = 0, unplaced_page: int = 0
) -> dict[str, Any]:
    """The admin's table of the plan with what could not be placed (at the given pages)."""
    loaded = load_setup(deps, matchday.id)
    assert loaded is not None
    setup, directory = loaded
    slots = matchday.slots()
    by_request = {request.id: request for request in setup.requests}
    with deps.sessions() as session:
        planned = matchdays.planned(session=session, matchday_id=matchday.id)
        unplaced = matchdays.unplaced(session=session, matchday_id=matchday.id)
        note = matchdays.plan_note(session=session, matchday_id=matchday.id)
    rows = [
        PlanRow(
            slots[meeting.slot],
            meeting.table,
            directory.name("organisation", by_request[meeting.request_id].organisation_id),
            directory.name("startup", by_request[meeting.request_id].startup_id),
            meeting.organisation_accepts,
            meeting.startup_accepts,
        )
        for meeting in planned
        if meeting.request_id in by_request and meeting.slot < len(slots)
    ]
    missing = [
        (
            directory.name("organisation", by_request[request_id].organisation_id),
            directory.name("startup", by_request[request_id].startup_id),
            reason,
        )
        for request_id, reason in unplaced.items()
        if request_id in by_request
    ]
    answered = sum(1 for party in setup.parties if party.answered)
    return build_overview(
        matchday,
        rows,
        missing,
        note,
        (len(setup.parties), answered),
        page=page,
        unplaced_page=unplaced_page,
    )
