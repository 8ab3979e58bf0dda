"""A programme at the size a real one reaches, built through the repositories.

``seed_big_programme`` makes 80 organisations (each with a project group in its own private
channel), 400 startups with a representative each (plus startup #401, the one a picker must
still reach), and a matchday with 3,000 requested meetings and 48 tables. Names are Swedish
and long, so rows are as wide as a real programme's. The same arguments give the same
programme on every machine and both databases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.planning.problem import Priority
from bot.programme import OrganisationKind, Role
from storage.repositories import matchdays, organisations, startups

ADMIN = "UADMIN0001"  # a configured admin of the end-to-end server (tests.e2e.ADMIN)
MEMBER = "UBIGPM0001"  # project manager of the first organisation
TIMEZONE = "Europe/Stockholm"
TOWNS = ("Södertälje", "Örebro", "Jönköping", "Norrköping", "Växjö", "Gävle", "Umeå", "Skövde")
KINDS = ("kommun", "region", "energi AB", "vatten och avfall")
WORDS = ("Vård", "Omsorg", "Sensor", "Trygghet", "Ångström", "Fjärr", "Klimat", "Hälsa")
PRIORITIES = (Priority.MUST, Priority.SHOULD, Priority.SHOULD, Priority.COULD, Priority.COULD)


@dataclass(frozen=True)
class BigProgramme:
    """The ids a test of the big programme needs."""

    admin: str
    member: str  # project manager of organisation_ids[0]
    organisation_ids: list[int]
    organisation_channels: list[str]
    startup_ids: list[int]  # in the order registered: startup_ids[400] is startup #401
    startup_names: list[str]
    org_numbers: list[str]
    representatives: list[str]  # representatives[i] speaks for startup_ids[i]
    matchday_id: int
    requests: int

    @property
    def last(self) -> int:
        """The index of the last startup registered (#401 when there are 401)."""
        return len(self.startup_ids) - 1


def org_number(serial: int) -> str:
    """A valid Swedish organisation number (Luhn check digit) for a serial, NNNNNN-NNNN."""
    digits = f"559{serial:06d}"
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    full = digits + str((10 - total % 10) % 10)
    return f"{full[:6]}-{full[6:]}"


def organisation_name(index: int) -> str:
    """The name of organisation ``index`` (from 0), as long as real ones get."""
    town = TOWNS[index % len(TOWNS)]
    return f"{town} {KINDS[index % len(KINDS)]}, förvaltningen för digital utveckling {index + 1}"


def startup_name(index: int) -> str:
    """The name of startup ``index`` (from 0): startup #401 is ``startup_name(400)``."""
    word = WORDS[index % len(WORDS)]
    return f"{word}teknik Älvsjö {index + 1:03d} AB"


def seed_big_programme(
    sessions: sessionmaker[Session] | Session,
    clock: Clock,
    *,
    organisations: int = 80,
    startups: int = 400,
    requests: int = 3000,
    tables: int = 48,
    seed: int = 401,
) -> BigProgramme:
    """Build the programme in one transaction; ``startups + 1`` if a test needs #401."""
    if isinstance(sessions, Session):
        return _seed(sessions, clock, organisations, startups, requests, tables, seed)
    with sessions.begin() as session:
        return _seed(session, clock, organisations, startups, requests, tables, seed)


def _seed(
    session: Session,
    clock: Clock,
    organisation_count: int,
    startup_count: int,
    request_count: int,
    tables: int,
    seed: int,
) -> BigProgramme:
    if request_count > organisation_count * startup_count:
        raise ValueError("more requests than organisation-startup pairs")
    rng = random.Random(seed)  # noqa: S311 - test data, the same on every machine
    organisation_ids, channels = [], []
    for index in range(organisation_count):
        channel = f"C0BIG{index:04d}"
        organisation, _created = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id=channel,
            name=organisation_name(index),
            kind=OrganisationKind.REGION if index % 4 == 1 else OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone=TIMEZONE,
        )
        organisations.set_member(
            session=session,
            actor=ADMIN,
            organisation_id=organisation.id,
            user_id=MEMBER if index == 0 else f"UBIGM{index:05d}",
            role=Role.PROJECT_MANAGER,
        )
        organisation_ids.append(organisation.id)
        channels.append(channel)
    startup_ids, names, numbers, reps = [], [], [], []
    for index in range(startup_count):
        rep = f"UBIGR{index + 1:05d}"
        startup = startups.register(
            session=session,
            actor=ADMIN,
            name=startup_name(index),
            org_number=org_number(index + 1),
            website=f"https://startup{index + 1}.example",
            sector="välfärdsteknik",
            description="Sensorer och tjänster som gör hemtjänsten tryggare för alla.",
            representatives=[rep],
        )
        startup_ids.append(startup.id)
        names.append(startup.name)
        numbers.append(startup.org_number)
        reps.append(rep)
    today = clock.now().astimezone(ZoneInfo(TIMEZONE)).date()
    matchday = matchdays.create(
        session=session,
        actor=ADMIN,
        title="Matchday Välfärdsteknik, hela programmet",
        day=today + timedelta(days=30),
        starts=time(9, 0),
        ends=time(17, 0),
        meeting_minutes=20,
        breaks=[],
        tables=tables,
        place="Stadshuset, Sessionssalen",
        links=[],
        timezone=TIMEZONE,
        availability_deadline=today + timedelta(days=20),
    )
    # Distinct pairs; every organisation and startup is in at least one when there are enough.
    pairs: set[tuple[int, int]] = set()
    ordered: list[tuple[int, int]] = []
    for index in range(max(organisation_count, startup_count)):
        pair = (index % organisation_count, index % startup_count)
        if len(ordered) < request_count and pair not in pairs:
            pairs.add(pair)
            ordered.append(pair)
    while len(ordered) < request_count:
        pair = (rng.randrange(organisation_count), rng.randrange(startup_count))
        if pair not in pairs:
            pairs.add(pair)
            ordered.append(pair)
    matchdays.add_requests(
        session=session,
        actor=ADMIN,
        matchday_id=matchday.id,
        wanted=[(organisation_ids[o], startup_ids[s], rng.choice(PRIORITIES)) for o, s in ordered],
    )
    return BigProgramme(
        admin=ADMIN,
        member=MEMBER,
        organisation_ids=organisation_ids,
        organisation_channels=channels,
        startup_ids=startup_ids,
        startup_names=names,
        org_numbers=numbers,
        representatives=reps,
        matchday_id=matchday.id,
        requests=len(ordered),
    )
