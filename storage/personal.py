"""The registry of personal data: which columns name a person, and what erasure does to each.

Every column of every table that holds a Slack user id, a person's name, a Slack handle or
an e-mail address is listed here with what an approved erasure does to it:

- ``DELETE_ROW``: the row exists only because of the person (a membership, a language
  choice); it goes.
- ``BLANK``: the value is emptied, the row stays (a name or address typed into a form).
- ``PSEUDONYMISE``: the id becomes the erasure's pseudonym ("erased-3f9a1c"), never mapped
  back; the row stays, so decisions and figures still add up.
- ``SCRUB``: free text or JSON that may mention people: the id, mentions of it, the
  person's names and e-mail addresses inside it are replaced.

Tables in :data:`KEPT` are records that must be kept (the decision log and the audit log,
which equal treatment needs, and what was exported to a registrar): their rows are never
deleted, only pseudonymised. Columns that look personal by name or kind but are not say why
in :data:`NOT_PERSONAL`. tests/test_personal_registry.py fails for any column of any table
that is in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Holds(StrEnum):
    """What kind of personal data a column holds."""

    SLACK_ID = "Slack user id"
    NAME = "name"
    EMAIL = "e-mail address"
    HANDLE = "Slack handle"
    MENTIONS = "text or JSON that may name people"


class Erasure(StrEnum):
    """What an approved erasure does to a column."""

    DELETE_ROW = "delete the row"
    BLANK = "blank the value"
    PSEUDONYMISE = "replace the id with the pseudonym"
    SCRUB = "replace the person inside the text"


@dataclass(frozen=True)
class Personal:
    """A column that names people, and what erasure does to it."""

    holds: Holds
    erasure: Erasure


ID = Personal(Holds.SLACK_ID, Erasure.PSEUDONYMISE)
OWN = Personal(Holds.SLACK_ID, Erasure.DELETE_ROW)
TEXT = Personal(Holds.MENTIONS, Erasure.SCRUB)
NAME = Personal(Holds.NAME, Erasure.BLANK)
EMAIL = Personal(Holds.EMAIL, Erasure.BLANK)

PERSONAL: dict[str, dict[str, Personal]] = {
    "admins": {"user_id": OWN, "added_by": ID},
    "audit_log": {"actor": ID, "subject": TEXT, "detail": TEXT},
    "channel_outsiders": {"user_id": OWN, "claimed_by": ID},
    "exchange_interests": {"contact_name": NAME, "email": EMAIL, "message": TEXT},
    "experience_exchanges": {"created_by": ID, "title": TEXT, "place": TEXT, "agenda": TEXT},
    "interactions": {"key": TEXT},
    # A delivery waiting to be handled (seconds): Slack's payload names the sender.
    "inbox": {"key": TEXT, "body": TEXT},
    "matchdays": {
        "created_by": ID,
        "title": TEXT,
        "place": TEXT,
        "links": TEXT,
        "plan_note": TEXT,
        "form_key": TEXT,
    },
    "organisations": {"created_by": ID},
    # A message owed to the person themselves goes with them; others' keep the pseudonym.
    "outbox": {
        "channel": OWN,
        "actor": ID,
        "key": TEXT,
        "payload": TEXT,
        "error": TEXT,
        "on_sent_args": TEXT,
    },
    "person_languages": {"user_id": OWN},
    "person_locales": {"user_id": OWN},
    "resources": {"created_by": ID, "updated_by": ID, "title": TEXT, "description": TEXT},
    "scheduled_sends": {"key": TEXT},
    "startups": {"created_by": ID, "contacts": TEXT, "about": TEXT, "description": TEXT},
    "applications": {"decided_by": ID, "note": TEXT, "reason": TEXT, "description": TEXT},
    "exchange_registrations": {
        "name": NAME,
        "email": EMAIL,
        "decided_by": ID,
        "wants_to_learn": TEXT,
    },
    "focus_areas": {"created_by": ID, "title": TEXT, "why": TEXT},
    "members": {"user_id": OWN, "added_by": ID},
    "organisation_languages": {"set_by": ID},
    "profile_revisions": {"revised_by": ID, "snapshot": TEXT},
    "register_exports": {"exported_by": ID, "documents": TEXT},
    "representatives": {"user_id": OWN, "added_by": ID},
    "application_applicants": {"user_id": OWN, "contact": NAME},
    "application_cards": {"admin": ID},
    "assessments": {"started_by": ID},
    "opportunities": {"published_by": ID, "title": TEXT, "description": TEXT},
    "assessment_answers": {"answered_by": ID, "fields": TEXT},
    "opportunity_questions": {
        "asked_by": ID,
        "answered_by": ID,
        "question": TEXT,
        "answer": TEXT,
    },
    "outsider_notices": {"user_id": OWN},
    "pitch_drafts": {"opened_by": OWN},
    "pitches": {
        "submitted_by": ID,
        "solution": TEXT,
        "fit": TEXT,
        "references": TEXT,
        "pilot": TEXT,
        "secret_reason": TEXT,
    },
    "matchday_requests": {"requested_by": ID, "unplaced_reason": TEXT},
    "pilots": {
        "created_by": ID,
        "completed_by": ID,
        "title": TEXT,
        "results": TEXT,
        "lessons": TEXT,
    },
    "pitch_decisions": {"decided_by": ID, "reason": TEXT},
    "pitch_questions": {"asked_by": ID, "answered_by": ID, "question": TEXT, "answer": TEXT},
    "meetings": {"proposed_by": ID, "place": TEXT, "proposal_key": TEXT},
    "pilot_checkins": {"answered_by": ID, "progress": TEXT, "next_steps": TEXT, "blockers": TEXT},
    "pilot_milestones": {"title": TEXT},
    "pilot_people": {"user_id": OWN},
    "follow_ups": {"answered_by": ID, "note": TEXT},
    "meeting_participants": {"user_id": OWN},
    "erasure_requests": {"requester": ID, "decided_by": ID},
}

# Records that must be kept: rows are pseudonymised, never deleted, and never keep a name.
KEPT: dict[str, str] = {
    "pitch_decisions": "the decision log: equal treatment needs who decided what, when and why",
    "audit_log": "the audit log: equal treatment needs who did what, when",
    "register_exports": "already exported to a registrar: an official record",
    "register_entries": "already exported to a registrar: an official record",
    "pitches": "a pitch may have been exported to a registrar as an official document",
    "opportunity_questions": "questions are official documents once a startup asked them",
}

# What a person's own export shows of a table (all columns when it is not listed): of the
# outbox, that a message was owed and sent, not what it said to others.
EXPORT_ONLY: dict[str, tuple[str, ...]] = {
    "outbox": ("kind", "method", "status", "created_at", "sent_at"),
}

_CHANNEL = "a Slack channel id, not a person"
_TS = "a Slack message timestamp"
_ORG = "the name of an organisation or company, not of a person"
_TOKEN = "a random token or a digest, not readable"  # noqa: S105 - a reason, not a secret
_STATE = "a status or code from a fixed list"

NOT_PERSONAL: dict[str, dict[str, str]] = {
    "channel_checks": {"channel_id": _CHANNEL},
    "channel_outsiders": {"channel_id": _CHANNEL},
    "exchange_interests": {"organisation": _ORG, "dedup_key": _TOKEN, "kind": _STATE},
    "audit_log": {"action": "the name of an action in the code"},
    "person_locales": {"locale": "a language code Slack gave, such as sv-SE"},
    "inbox": {"kind": _STATE, "content_type": "a media type such as application/json"},
    "heartbeats": {"name": "the name of a Matchday process (sender, tick)"},
    "matchdays": {"breaks": "times of day", "timezone": "an IANA time zone"},
    "organisations": {
        "name": _ORG,
        "name_key": _ORG,
        "timezone": "an IANA time zone",
        "channel_id": _CHANNEL,
        "opportunities_channel_id": _CHANNEL,
    },
    "outbox": {
        "claim_token": _TOKEN,
        "result_channel": "the conversation Slack delivered to; a DM to the person goes "
        "with its row",
        "result_ts": _TS,
        "on_sent": "the name of a hook in the code",
    },
    "processed_events": {"event_id": "Slack's id of an event"},
    "resources": {"file_id": "a Slack file id", "title_key": _TOKEN},
    "showcase_posts": {
        "address": "a keyed hash of a visitor's IP address for the rate limit, not reversible "
        "and deleted after a day"
    },
    "startups": {
        "name": _ORG,
        "org_number": "a company's registration number (kept with the startup, which is "
        "not erased with one of its representatives)",
    },
    "applications": {
        "company_name": _ORG,
        "org_number": "a company's registration number",
        "open_key": _TOKEN,
        "role": _STATE,
    },
    "exchange_registrations": {
        "organisation": _ORG,
        "role": "a job title, blanked with the rest of a registration found by e-mail",
        "token": _TOKEN,
        "dedup_key": _TOKEN,
        "language": _STATE,
    },
    "matchday_parties": {"unavailable": "times a party cannot meet"},
    "register_entries": {"document_id": "a register's document number"},
    "application_cards": {"channel": _CHANNEL, "ts": _TS},
    "assessments": {"channel_id": _CHANNEL, "thread_ts": _TS},
    "opportunities": {
        "channel_id": _CHANNEL,
        "message_ts": _TS,
        "contact_role": "a role in a project group, not a person",
    },
    "assessment_answers": {"source_ts": _TS},
    "opportunity_questions": {
        "question_key": _TOKEN,
        "published_channel": _CHANNEL,
        "published_ts": _TS,
    },
    "pitches": {
        "card_channel": _CHANNEL,
        "card_ts": _TS,
        "secret_sections": "the names of a pitch's sections marked secret",
    },
    "pilots": {
        "channel_id": _CHANNEL,
        "showcase_channel_id": _CHANNEL,
        "completion_ts": _TS,
        "card_ts": _TS,
        "timezone": "an IANA time zone",
    },
    "pitch_questions": {"question_key": _TOKEN},
    "meetings": {"proposed": "proposed times of day"},
    "pilot_checkins": {"claim_token": _TOKEN, "message_ts": _TS, "last_error": _STATE},
    "erasure_requests": {"summary": "row counts per table, no personal data"},
}


def personal_columns(table: str) -> dict[str, Personal]:
    """The personal columns of one table (empty when it holds none)."""
    return PERSONAL.get(table, {})


def columns_holding(table: str, holds: Holds) -> list[str]:
    """The columns of a table that hold this kind of personal data."""
    return [name for name, spec in personal_columns(table).items() if spec.holds is holds]


def columns_erased_by(table: str, erasure: Erasure) -> list[str]:
    """The columns of a table that erasure treats this way."""
    return [name for name, spec in personal_columns(table).items() if spec.erasure is erasure]


def is_kept(table: str) -> bool:
    """Whether the table's rows are records that must be kept (pseudonymised, not deleted)."""
    return table in KEPT
