"""Rows for the CSV exports, already limited to what the requester may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session

from bot.trade_secrets import as_text
from storage.models import (
    FollowUpRow,
    MeetingRow,
    OpportunityRow,
    OrganisationRow,
    PitchDecisionRow,
    PitchRow,
    StartupRow,
)
from storage.models.exchanges import ExchangeRegistrationRow, ExchangeRow
from storage.models.pilots import CheckinRow, PilotRow


@dataclass(frozen=True)
class Scope:
    """What a requester may export: everything (admins), or their organisations and startups."""

    everything: bool = False
    organisations: Collection[int] = ()
    startups: Collection[int] = ()


Table = tuple[list[str], list[list[Any]]]


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    organisations = dict(session.execute(select(OrganisationRow.id, OrganisationRow.name)).all())
    startups = dict(session.execute(select(StartupRow.id, StartupRow.name)).all())
    return organisations, startups


def opportunities(*, session: Session, scope: Scope) -> Table:
    """Published opportunities: public, but a startup sees only the open ones' facts."""
    organisations, _startups = _names(session)
    query = select(OpportunityRow).order_by(OpportunityRow.id)
    if not scope.everything and scope.organisations:
        query = query.where(OpportunityRow.organisation_id.in_(list(scope.organisations)))
    rows = [
        [
            o.id,
            organisations.get(o.organisation_id, ""),
            o.title,
            o.deadline.isoformat(),
            o.status,
            o.contact_role,
            o.published_at.isoformat(),
        ]
        for o in session.scalars(query)
    ]
    return [
        "id",
        "organisation",
        "title",
        "deadline",
        "status",
        "contact_role",
        "published_at",
    ], rows


def _pitch_filter(scope: Scope) -> Any:
    return or_(
        OpportunityRow.organisation_id.in_(list(scope.organisations)),
        PitchRow.startup_id.in_(list(scope.startups)),
    )


def pitches(*, session: Session, scope: Scope) -> Table:
    """Pitches with every decision: who, when, what, why (confidential); with the sections the
    startup marked as trade secrets and its reason, for whoever decides on secrecy."""
    organisations, startups = _names(session)
    query = (
        select(PitchRow, OpportunityRow)
        .join(OpportunityRow, OpportunityRow.id == PitchRow.opportunity_id)
        .order_by(PitchRow.id)
    )
    if not scope.everything:
        query = query.where(_pitch_filter(scope))
    rows = []
    for pitch, opportunity in session.execute(query):
        decisions = session.scalars(
            select(PitchDecisionRow)
            .where(PitchDecisionRow.pitch_id == pitch.id)
            .order_by(PitchDecisionRow.id)
        )
        history = "; ".join(
            f"{d.decided_at.isoformat()} {d.decision} by {d.decided_by}"
            + (f" ({d.reason_code}: {d.reason})" if d.reason or d.reason_code else "")
            for d in decisions
        )
        rows.append(
            [
                pitch.id,
                organisations.get(opportunity.organisation_id, ""),
                opportunity.title,
                startups.get(pitch.startup_id, ""),
                pitch.status,
                pitch.submitted_at.isoformat(),
                pitch.solution,
                pitch.fit,
                pitch.references,
                pitch.pilot,
                pitch.link,
                as_text(pitch.secret_sections or ()),
                pitch.secret_reason or "",
                history,
            ]
        )
    header = [
        "id",
        "organisation",
        "opportunity",
        "startup",
        "status",
        "submitted_at",
        "solution",
        "fit",
        "references",
        "pilot",
        "link",
        "secret_sections",
        "secret_reason",
        "decisions",
    ]
    return header, rows


def meetings(*, session: Session, scope: Scope) -> Table:
    """Meetings with both sides' follow-up answers."""
    organisations, startups = _names(session)
    query = select(MeetingRow).order_by(MeetingRow.id)
    if not scope.everything:
        query = query.where(
            or_(
                MeetingRow.organisation_id.in_(list(scope.organisations)),
                MeetingRow.startup_id.in_(list(scope.startups)),
            )
        )
    rows = []
    for meeting in session.scalars(query):
        answers = {
            f.side: f.answer
            for f in session.scalars(
                select(FollowUpRow).where(FollowUpRow.meeting_id == meeting.id)
            )
        }
        rows.append(
            [
                meeting.id,
                organisations.get(meeting.organisation_id, ""),
                startups.get(meeting.startup_id, ""),
                "matchday" if meeting.matchday_id else "ad hoc",
                meeting.status,
                meeting.starts_at.isoformat() if meeting.starts_at else "",
                meeting.ends_at.isoformat() if meeting.ends_at else "",
                meeting.place,
                answers.get("organisation", ""),
                answers.get("startup", ""),
            ]
        )
    header = [
        "id",
        "organisation",
        "startup",
        "kind",
        "status",
        "starts_at",
        "ends_at",
        "place",
        "organisation_follow_up",
        "startup_follow_up",
    ]
    return header, rows


def pilots(*, session: Session, scope: Scope) -> Table:
    """Pilots with one row per check-in (or one row for a pilot without any)."""
    organisations, startups = _names(session)
    query = select(PilotRow).order_by(PilotRow.id)
    if not scope.everything:
        query = query.where(
            or_(
                PilotRow.organisation_id.in_(list(scope.organisations)),
                PilotRow.startup_id.in_(list(scope.startups)),
            )
        )
    rows = []
    for pilot in session.scalars(query):
        base = [
            pilot.id,
            pilot.title,
            organisations.get(pilot.organisation_id, ""),
            startups.get(pilot.startup_id, ""),
            pilot.status,
            pilot.start_date.isoformat(),
            pilot.end_date.isoformat(),
            pilot.outcome or "",
        ]
        checkins = list(
            session.scalars(
                select(CheckinRow).where(CheckinRow.pilot_id == pilot.id).order_by(CheckinRow.seq)
            )
        )
        if not checkins:
            rows.append([*base, "", "", "", "", ""])
        for checkin in checkins:
            rows.append(
                [
                    *base,
                    checkin.seq,
                    checkin.due_at.isoformat(),
                    checkin.posted_at.isoformat() if checkin.posted_at else "",
                    checkin.status or "",
                    checkin.progress,
                ]
            )
    header = [
        "pilot_id",
        "title",
        "organisation",
        "startup",
        "status",
        "start",
        "end",
        "outcome",
        "checkin",
        "due_at",
        "posted_at",
        "checkin_status",
        "progress",
    ]
    return header, rows


def exchanges(*, session: Session, scope: Scope) -> Table:
    """Experience exchanges' registrations with names and e-mail addresses: admins only."""
    statement = (
        select(ExchangeRegistrationRow, ExchangeRow)
        .join(ExchangeRow, ExchangeRow.id == ExchangeRegistrationRow.exchange_id)
        .where(true() if scope.everything else false())
        .order_by(ExchangeRow.starts_at, ExchangeRow.id, ExchangeRegistrationRow.id)
    )
    rows = [
        [
            exchange.id,
            exchange.title,
            exchange.starts_at.isoformat(),
            exchange.seats,
            registration.id,
            registration.state,
            registration.name,
            registration.organisation,
            registration.role,
            registration.email,
            registration.wants_to_learn,
            registration.created_at.isoformat(),
            registration.decided_by or "",
            registration.decided_at.isoformat() if registration.decided_at else "",
        ]
        for registration, exchange in session.execute(statement).all()
    ]
    header = [
        "exchange",
        "title",
        "starts_at",
        "seats",
        "registration",
        "state",
        "name",
        "organisation",
        "role",
        "email",
        "wants_to_learn",
        "registered_at",
        "decided_by",
        "decided_at",
    ]
    return header, rows


EXPORTS = {
    "opportunities": opportunities,
    "pitches": pitches,
    "meetings": meetings,
    "pilots": pilots,
    "exchanges": exchanges,
}
ADMINS_ONLY = frozenset({"exchanges"})
