"""Pitch deadlines: one reminder 48 hours before, and the count to the group after."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.i18n import _
from bot.needs import Opportunity
from bot.pitches import deadline_moment
from bot.text import safe
from bot.views.areas import PITCH_ACTION
from bot.views.blocks import actions, button, message, section
from handlers.language import in_organisation_language
from handlers.review import PITCHES_PAGE_ACTION
from storage.repositories import needs, organisations, pitches

logger = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(hours=48)


def remind_and_close(deps: Deps, client: WebClient) -> int:
    """Send due deadline reminders and closing notices; returns how many were sent.

    Each is claimed in the database before it is sent, so it goes out once even with
    several app processes; a reminder whose deadline already passed is claimed unsent.
    """
    now = deps.clock.now()
    horizon = now.date() + timedelta(days=3)
    sent = 0
    with deps.sessions() as session:
        reminders = needs.unannounced(session=session, which="reminder", on_or_before=horizon)
        closings = needs.unannounced(session=session, which="closing", on_or_before=horizon)
    for opportunity in reminders:
        moment = _moment(deps, opportunity)
        if moment is None or now < moment - REMINDER_BEFORE:
            continue
        if _claim(deps, opportunity, "reminder") and now < moment:
            with in_organisation_language(opportunity.organisation_id):
                reminder = _reminder(opportunity)
            sent += _send(client, opportunity.channel_id, reminder)
    for opportunity in closings:
        moment = _moment(deps, opportunity)
        if moment is None or now <= moment or not _claim(deps, opportunity, "closing"):
            continue
        with deps.sessions() as session:
            count = pitches.count_for_opportunity(session=session, opportunity_id=opportunity.id)
            organisation = organisations.by_id(
                session=session, organisation_id=opportunity.organisation_id
            )
        if organisation is not None:
            with in_organisation_language(organisation.id):
                closed = _closed(opportunity, count, organisation.channel_id)
            sent += _send(client, organisation.channel_id, closed)
    return sent


def _moment(deps: Deps, opportunity: Opportunity) -> Any:
    with deps.sessions() as session:
        organisation = organisations.by_id(
            session=session, organisation_id=opportunity.organisation_id
        )
    return deadline_moment(opportunity.deadline, organisation.timezone) if organisation else None


def _claim(deps: Deps, opportunity: Opportunity, which: str) -> bool:
    with deps.sessions.begin() as session:
        return needs.claim(
            session=session, opportunity_id=opportunity.id, which=which, now=deps.clock.now()
        )


def _send(client: WebClient, channel: str, payload: dict[str, Any]) -> int:
    try:
        client.chat_postMessage(channel=channel, **payload)
    except SlackApiError as error:
        logger.warning("deadline notice to %s failed: %s", channel, error.response.get("error"))
        return 0
    return 1


def _reminder(opportunity: Opportunity) -> dict[str, Any]:
    text = _(":alarm_clock: 48 hours left to pitch for *{title}* (deadline {deadline}).").format(
        title=safe(opportunity.title, 150), deadline=opportunity.deadline.isoformat()
    )
    return message(
        text,
        [
            section(text),
            actions(button(_("Pitch"), PITCH_ACTION, str(opportunity.id), style="primary")),
        ],
    )


def _closed(opportunity: Opportunity, count: int, channel: str) -> dict[str, Any]:
    text = _(
        "The pitch deadline for *{title}* has passed. {count} pitches arrived; review them here."
    ).format(title=safe(opportunity.title, 150), count=count)
    review = button(_("Review pitches"), PITCHES_PAGE_ACTION, f"{channel}:0", style="primary")
    return message(text, [section(text), actions(review)])


def register(app: App) -> None:
    """Deadlines have no listener; the scheduler calls remind_and_close."""
