"""Retention: once a day, remove the content of pitches kept longer than they are needed.

A pitch that led to no meeting (nor pilot), to an opportunity that closed more than
MATCHDAY_RETENTION_MONTHS ago, loses its texts and the answers given on it; its row, status,
decision log and trade-secret marking stay. Before that, the organisation's registrar gets a
final export of every document not yet exported, so nothing leaves unregistered. The day is
claimed in the same transaction as the work, so several ticks (or instances) do it once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.programme import Role
from handlers.pitch_cards import CARD, card_key
from handlers.registrar import owe_export
from storage.repositories import (
    attention,
    audit,
    organisations,
    outbox,
    people,
    pitches,
    retention,
)

logger = logging.getLogger(__name__)
ACTOR = "retention"


def remove_expired_pitch_content(deps: Deps, client: WebClient) -> int:
    """Run today's retention once; returns how many pitches lost their content."""
    now = deps.clock.now()
    today = now.astimezone(ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)).date()
    months = deps.settings.MATCHDAY_RETENTION_MONTHS
    with deps.sessions.begin() as session:
        if not attention.claim_send(session, f"retention:{today.isoformat()}", now):
            return 0
        due = retention.expired(session=session, today=today, months=months)
        if not due:
            return 0
        admins = sorted(
            set(deps.settings.MATCHDAY_ADMINS) | set(people.added_admins(session=session))
        )
        for organisation_id in sorted({pitch.organisation_id for pitch in due}):
            managers = [
                member.user_id
                for member in organisations.members(
                    session=session, organisation_id=organisation_id
                )
                if member.role == Role.PROJECT_MANAGER
            ]
            sent = owe_export(
                session=session,
                organisation_id=organisation_id,
                actor=ACTOR,
                recipients=managers or admins,
                now=now,
                kind="final",
            )
            if sent is not None:
                logger.info(
                    "retention: final register export %s (%s documents) for organisation %s",
                    sent.export_id,
                    sent.count,
                    organisation_id,
                )
        for pitch in due:
            retention.remove_content(
                session=session, pitch_id=pitch.pitch_id, now=now, months=months
            )
            _refresh_card(session, pitch.pitch_id, now)
            audit.record(
                session=session,
                actor=ACTOR,
                action="pitch_content_removed",
                subject=f"pitch:{pitch.pitch_id}",
                detail=(
                    f"opportunity closed {pitch.deadline.isoformat()}, no meeting; "
                    f"retention {months} months"
                ),
            )
            logger.info(
                "retention: removed the content of pitch %s (opportunity closed %s)",
                pitch.pitch_id,
                pitch.deadline.isoformat(),
            )
    return len(due)


def _refresh_card(session: Session, pitch_id: int, now: datetime) -> None:
    """The card in the group's channel is built again from the pitch: without its texts."""
    pitch = pitches.get(session=session, pitch_id=pitch_id)
    if pitch is None or not pitch.card_ts:
        return
    organisation = organisations.by_id(session=session, organisation_id=pitch.organisation_id)
    channel = pitch.card_channel or (organisation.channel_id if organisation else "")
    outbox.update_message(
        session=session,
        key=f"{card_key(pitch_id)}@retention",
        kind=CARD,
        channel=channel,
        ts=pitch.card_ts,
        build=CARD,
        build_args={"pitch": pitch_id, "note": "", "note_text": "", "person": ""},
        language={"organisation": pitch.organisation_id},
        now=now,
    )


def register(app: App) -> None:
    """Retention has no listener; the scheduler's tick calls remove_expired_pitch_content."""
