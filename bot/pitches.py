"""Pitches: values, review decisions and who may see or judge them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import N_, _
from bot.programme import Caller

PAGE_SIZE = 10


class PitchStatus(StrEnum):
    """Where a pitch is in review."""

    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Stage(StrEnum):
    """How far a startup has come."""

    IDEA = "idea"
    PROTOTYPE = "prototype"
    EARLY_REVENUE = "early_revenue"
    GROWTH = "growth"


STAGE_LABELS = {
    Stage.IDEA: N_("Idea"),
    Stage.PROTOTYPE: N_("Prototype or pilot"),
    Stage.EARLY_REVENUE: N_("First customers"),
    Stage.GROWTH: N_("Growing"),
}

DECLINE_REASONS = {
    "fit": N_("The solution does not match the challenge closely enough"),
    "maturity": N_("The solution is not yet mature enough for a pilot"),
    "budget": N_("The likely cost is outside the budget range"),
    "data": N_("Data protection or security requirements cannot be met"),
    "other": N_("Another reason"),
}

STATUS_LABELS = {
    PitchStatus.SUBMITTED: N_("to review"),
    PitchStatus.SHORTLISTED: N_("shortlisted"),
    PitchStatus.DECLINED: N_("declined"),
    PitchStatus.WITHDRAWN: N_("withdrawn"),
}


@dataclass(frozen=True)
class Pitch:
    """One startup's pitch to one opportunity."""

    id: int
    opportunity_id: int
    organisation_id: int
    startup_id: int
    startup_name: str
    opportunity_title: str
    solution: str
    fit: str
    references: str
    pilot: str
    link: str
    status: PitchStatus
    submitted_by: str
    submitted_at: datetime
    card_channel: str | None = None
    card_ts: str | None = None
    # Marked as trade secrets by the startup (bot/trade_secrets.py), and why.
    secret_sections: tuple[str, ...] = ()
    secret_reason: str = ""


@dataclass(frozen=True)
class Question:
    """A question from the project group and, once given, its answer."""

    id: int
    pitch_id: int
    question: str
    asked_by: str
    answer: str | None


def deadline_moment(deadline: date, timezone: str) -> datetime:
    """Pitches are accepted until the end of the deadline day where the organisation is."""
    return datetime.combine(deadline, time(23, 59, 59), tzinfo=ZoneInfo(timezone))


def is_open(deadline: date, timezone: str, now: datetime) -> bool:
    """True while pitches may be sent, edited or withdrawn."""
    return now <= deadline_moment(deadline, timezone)


def may_see(caller: Caller, pitch: Pitch) -> bool:
    """Confidentiality: the startup's people, the organisation's group, and admins."""
    return (
        caller.is_admin
        or pitch.startup_id in caller.startup_ids
        or pitch.organisation_id in caller.memberships
    )


def may_review(caller: Caller, organisation_id: int) -> bool:
    """The organisation's project group and admins decide on its pitches."""
    return caller.is_admin or organisation_id in caller.memberships


def status_label(status: PitchStatus) -> str:
    """A pitch status as people say it."""
    return _(STATUS_LABELS[status])


def reason_label(code: str) -> str:
    """A decline reason as people say it."""
    return _(DECLINE_REASONS.get(code, DECLINE_REASONS["other"]))
