"""An opportunity's history: every recorded event, in order, for those who answer for it.

Equal treatment in public procurement asks that every step can be shown afterwards: when
the opportunity was published and by whom, each pitch, edit and withdrawal, each decision
with who, when and why, and the questions asked and answered. The history is read from
the records each workflow already keeps (storage/repositories/history.py, one small
function per source); it is never written to, edited or deleted through Matchday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.access import ALLOWED, Decision, refused
from bot.i18n import N_, _
from bot.programme import Caller, Role

PAGE_SIZE = 10

# What happened, by code (the codes are what the CSV file holds).
EVENT_LABELS = {
    "published": N_("Opportunity published"),
    "opportunity_changed": N_("Opportunity changed"),
    "submitted": N_("Pitch received"),
    "edited": N_("Pitch edited"),
    "withdrawn": N_("Pitch withdrawn"),
    "shortlisted": N_("Shortlisted"),
    "declined": N_("Declined"),
    "question": N_("Question to the startup"),
    "answer": N_("Answer from the startup"),
    "startup_question": N_("Question from a startup"),
    "startup_question_answered": N_("Question from a startup answered"),
}


@dataclass(frozen=True)
class Event:
    """One thing that happened to an opportunity: when, what, about whom, by whom and why."""

    at: datetime
    kind: str  # a code of EVENT_LABELS
    actor: str = ""  # a Slack user id (or what privacy erasure left in its place)
    startup: str = ""  # the startup's name, when the event is about one
    reason_code: str = ""
    detail: str = ""  # the reason, question or answer as typed
    source: str = ""  # the record it was read from, e.g. "pitch_decisions:12"


@dataclass(frozen=True)
class History:
    """An opportunity's title, organisation and events in order."""

    opportunity_id: int
    title: str
    organisation_id: int
    events: list[Event]


def label(kind: str) -> str:
    """An event's kind as people say it."""
    return _(EVENT_LABELS[kind]) if kind in EVENT_LABELS else kind


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def in_order(events: Iterable[Event]) -> list[Event]:
    """Events oldest first; at the same moment, in the order they were gathered."""
    listed = list(events)
    return [
        event
        for _index, event in sorted(enumerate(listed), key=lambda item: (_utc(item[1].at), item[0]))
    ]


def may_view_history(caller: Caller, organisation_id: int) -> Decision:
    """Admins and the organisation's project managers; anyone else learns nothing."""
    if caller.is_admin or caller.memberships.get(organisation_id) == Role.PROJECT_MANAGER:
        return ALLOWED
    return refused()


CSV_HEADER = ["at", "event", "event_label", "startup", "by", "reason_code", "detail", "source"]


def csv_rows(history: History) -> list[list[str]]:
    """The whole history as rows under CSV_HEADER, in order (cells neutralised later)."""
    return [
        [
            _utc(event.at).isoformat(),
            event.kind,
            label(event.kind),
            event.startup,
            event.actor,
            event.reason_code,
            event.detail,
            event.source,
        ]
        for event in history.events
    ]
