"""Saving a company profile (storage.repositories.startups.save_profile), both databases.

A change is saved with its revision and an audit entry; the same profile again changes
nothing and records nothing; a new organisation number that another startup has is
refused and leaves the profile as it was.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import AuditEntry, ProfileRevisionRow
from storage.repositories import startups
from storage.repositories.startups import ProfileSave

REP = "UREP000001"


def _register(session: Session, name: str, number: str) -> int:
    return startups.register(
        session=session,
        actor="UADMIN0001",
        name=name,
        org_number=number,
        website="https://example.org",
        sector="Health",
        description="",
        representatives=[REP],
    ).id


def _profile(name: str, number: str) -> dict[str, str]:
    return {
        "name": name,
        "org_number": number,
        "website": "https://acme.example",
        "sector": "Health & care",
        "stage": "prototype",
        "about": "Vi förebygger fall <i hemmet> & på sjukhus.",
        "contacts": "Anna, vd",
    }


def _save(sessions: sessionmaker[Session], startup_id: int, profile: dict[str, str]) -> ProfileSave:
    with sessions.begin() as session:
        return startups.save_profile(
            session=session, actor=REP, startup_id=startup_id, profile=profile
        )


def _records(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        revisions = session.scalar(select(func.count()).select_from(ProfileRevisionRow))
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "startup.profile_updated")
        )
    return int(revisions or 0), int(audited or 0)


def test_a_profile_is_saved_once_and_a_taken_number_is_refused(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        acme = _register(session, "Acme", "556016-0680")
        _register(session, "Beta", "212000-0142")
    changed = _profile("Acme AB", "556016-0680")
    assert _save(sessions, acme, changed) is ProfileSave.SAVED
    assert _records(sessions) == (1, 1)
    assert _save(sessions, acme, changed) is ProfileSave.UNCHANGED  # the form sent twice
    assert _records(sessions) == (1, 1)
    taken = _profile("Acme AB", "212000-0142")
    assert _save(sessions, acme, taken) is ProfileSave.NUMBER_TAKEN
    assert _records(sessions) == (1, 1)
    with sessions() as session:
        kept = startups.by_id(session=session, startup_id=acme)
    assert kept is not None
    assert (kept.name, kept.org_number, kept.about) == ("Acme AB", "556016-0680", changed["about"])
    assert _save(sessions, 999_999, changed) is ProfileSave.MISSING
