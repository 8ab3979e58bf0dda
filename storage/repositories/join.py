"""Applications to join the programme, their merging, decisions and admin cards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.join import (
    Applicant,
    Application,
    ApplicationKind,
    ApplicationStatus,
    GroupRequestForm,
    Merge,
    StartupApplicationForm,
    contacts_text,
)
from bot.programme import Role, Startup
from storage.models import (
    ApplicantRow,
    ApplicationCardRow,
    ApplicationRow,
    OrganisationRow,
    RepresentativeRow,
    StartupRow,
)
from storage.repositories import audit, organisations, startups


def _application(row: ApplicationRow, organisation_name: str = "") -> Application:
    return Application(
        id=row.id,
        kind=ApplicationKind(row.kind),
        status=ApplicationStatus(row.status),
        applicants=tuple(Applicant(a.user_id, a.contact) for a in row.applicants),
        created_at=row.created_at,
        company_name=row.company_name,
        org_number=row.org_number or "",
        website=row.website,
        sector=row.sector,
        description=row.description,
        organisation_id=row.organisation_id,
        organisation_name=organisation_name,
        role=Role(row.role) if row.role else None,
        note=row.note,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        startup_id=row.startup_id,
    )


def _load(session: Session, application_id: int, *, lock: bool = False) -> ApplicationRow | None:
    query = (
        select(ApplicationRow)
        .where(ApplicationRow.id == application_id)
        .options(selectinload(ApplicationRow.applicants))
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def _with_name(session: Session, row: ApplicationRow) -> Application:
    name = ""
    if row.organisation_id is not None:
        name = (
            session.scalar(
                select(OrganisationRow.name).where(OrganisationRow.id == row.organisation_id)
            )
            or ""
        )
    return _application(row, name)


def get(*, session: Session, application_id: int) -> Application | None:
    """The application with this id."""
    row = _load(session, application_id)
    return _with_name(session, row) if row else None


def _open(session: Session, key: str) -> ApplicationRow | None:
    return session.scalar(
        select(ApplicationRow)
        .where(ApplicationRow.open_key == key)
        .options(selectinload(ApplicationRow.applicants))
        .with_for_update()
    )


def _insert(session: Session, row: ApplicationRow) -> bool:
    """Add a new pending application; False when another one took its key a moment ago."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def apply_startup(
    *, session: Session, user_id: str, form: StartupApplicationForm
) -> tuple[Application, Merge]:
    """Apply as a startup; a pending application with the same number gains an applicant."""
    key = f"startup:{form.org_number}"
    row = _open(session, key)
    if row is None:
        row = ApplicationRow(
            kind=ApplicationKind.STARTUP.value,
            open_key=key,
            company_name=form.name,
            org_number=form.org_number,
            website=form.website,
            sector=form.sector,
            description=form.description,
        )
        row.applicants = [ApplicantRow(user_id=user_id, contact=form.contact)]
        if _insert(session, row):
            audit.record(
                session=session,
                actor=user_id,
                action="application.submitted",
                subject=f"application:{row.id}",
                detail=f"startup={form.name}; org_number={form.org_number}",
            )
            return _application(row), Merge.NEW
        row = _open(session, key)  # someone applied with the same number at the same moment
        assert row is not None
    if user_id in {applicant.user_id for applicant in row.applicants}:
        return _application(row), Merge.ALREADY
    try:
        with session.begin_nested():
            row.applicants.append(ApplicantRow(user_id=user_id, contact=form.contact))
            session.flush()
    except IntegrityError:
        return _application(_load(session, row.id) or row), Merge.ALREADY
    audit.record(
        session=session,
        actor=user_id,
        action="application.merged",
        subject=f"application:{row.id}",
        detail=f"startup={form.name}; org_number={form.org_number}",
    )
    return _application(row), Merge.MERGED


def request_group(
    *, session: Session, user_id: str, form: GroupRequestForm
) -> tuple[Application, Merge]:
    """Ask to join a project group; asking again while the first request waits changes
    nothing."""
    key = f"group:{form.organisation_id}:{user_id}"
    row = _open(session, key)
    if row is None:
        row = ApplicationRow(
            kind=ApplicationKind.GROUP.value,
            open_key=key,
            organisation_id=form.organisation_id,
            role=form.role.value,
            note=form.note,
        )
        row.applicants = [ApplicantRow(user_id=user_id)]
        if _insert(session, row):
            audit.record(
                session=session,
                actor=user_id,
                action="application.submitted",
                subject=f"application:{row.id}",
                detail=f"organisation={form.organisation_id}; role={form.role.value}",
            )
            return _with_name(session, row), Merge.NEW
        row = _open(session, key)
        assert row is not None
    return _with_name(session, row), Merge.ALREADY


def decide(
    *,
    session: Session,
    actor: str,
    application_id: int,
    approve: bool,
    reason: str = "",
    now: datetime,
) -> Application | None:
    """Approve or reject a pending application, once: None when it was already decided.

    Approving a startup registers it exactly as an admin would, with every applicant as
    a representative; approving a group request adds the member with the role asked for.
    """
    status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    claimed = session.execute(
        update(ApplicationRow)
        .where(
            ApplicationRow.id == application_id,
            ApplicationRow.status == ApplicationStatus.PENDING.value,
        )
        .values(
            status=status.value,
            decided_by=actor,
            decided_at=now,
            reason=reason,
            open_key=None,
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = _load(session, application_id)
    assert row is not None
    application = _with_name(session, row)
    if approve and application.kind is ApplicationKind.STARTUP:
        row.startup_id = _admit_startup(session, actor, application).id
    elif approve and application.organisation_id is not None and application.role is not None:
        organisations.set_member(
            session=session,
            actor=actor,
            organisation_id=application.organisation_id,
            user_id=application.people[0],
            role=application.role,
        )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=f"application.{status.value}",
        subject=f"application:{application_id}",
        detail=f"reason={reason}" if reason else "",
    )
    return _with_name(session, row)


def _admit_startup(session: Session, actor: str, application: Application) -> Startup:
    existing = startups.by_org_number(session=session, org_number=application.org_number)
    if existing is None:
        startup = startups.register(
            session=session,
            actor=actor,
            name=application.company_name,
            org_number=application.org_number,
            website=application.website,
            sector=application.sector,
            description=application.description,
            representatives=application.people,
        )
    else:  # registered by an admin meanwhile: the applicants join it as representatives
        for person in application.people:
            if person not in existing.representatives:
                session.add(
                    RepresentativeRow(startup_id=existing.id, user_id=person, added_by=actor)
                )
        startup = existing
    row = session.get(StartupRow, startup.id)
    if row is not None and not row.contacts:
        row.contacts = contacts_text(application.applicants)
    session.flush()
    return startup


def pending_count(*, session: Session) -> int:
    """How many applications wait for a decision."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ApplicationRow)
            .where(ApplicationRow.status == ApplicationStatus.PENDING.value)
        )
        or 0
    )


def add_card(*, session: Session, application_id: int, admin: str, channel: str, ts: str) -> None:
    """Remember where an admin's card for the application was posted."""
    session.add(
        ApplicationCardRow(application_id=application_id, admin=admin, channel=channel, ts=ts)
    )
    session.flush()


def cards(*, session: Session, application_id: int) -> list[tuple[str, str, str]]:
    """Every admin card of an application as (admin, channel, ts)."""
    rows = session.execute(
        select(ApplicationCardRow.admin, ApplicationCardRow.channel, ApplicationCardRow.ts)
        .where(ApplicationCardRow.application_id == application_id)
        .order_by(ApplicationCardRow.id)
    )
    return [(admin, channel, ts) for admin, channel, ts in rows]


def admitted_startup(*, session: Session, startup_id: int) -> Startup | None:
    """The startup an approved application admitted."""
    return startups.by_id(session=session, startup_id=startup_id)
