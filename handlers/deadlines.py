"""Pitch deadlines: one reminder 48 hours before, and the count to the group after."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import _, ngettext, number
from bot.needs import Opportunity
from bot.outbox import REGISTRY
from bot.pitches import deadline_moment
from bot.text import inline
from bot.views.areas import PITCH_ACTION
from bot.views.blocks import actions, button, message, section
from handlers.review import PITCHES_PAGE_ACTION
from storage.repositories import needs, organisations, outbox, pitches

logger = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(hours=48)
# A reminder owed later than its time (the clock jumped, or the app was away) still goes
# out while at least this much time is left, worded with the time that is really left.
REMINDER_USEFUL = timedelta(hours=1)
ON_TIME = timedelta(hours=1)  # owed this soon after its time, "48 hours left" is still true
REMINDER = "deadline_reminder"
CLOSED = "deadline_closed"


def remind_and_close(deps: Deps, client: WebClient) -> int:
    """Owe due deadline reminders and closing notices; returns how many were owed.

    Each is claimed in the database in the same transaction that owes its message to the
    outbox, so it goes out once even with several app processes, and a process stopped
    right after the claim loses nothing. A reminder whose deadline already passed is
    claimed unsent.
    """
    now = deps.clock.now()
    horizon = now.date() + timedelta(days=3)
    owed = 0
    with deps.sessions() as session:
        reminders = needs.unannounced(session=session, which="reminder", on_or_before=horizon)
        closings = needs.unannounced(session=session, which="closing", on_or_before=horizon)
    for opportunity in reminders:
        moment = _moment(deps, opportunity)
        if moment is None or now < moment - REMINDER_BEFORE:
            continue
        with deps.sessions.begin() as session:
            if not _claim(session, opportunity, "reminder", now) or moment - now < REMINDER_USEFUL:
                continue
            owed += outbox.post(
                session=session,
                key=f"opportunity:{opportunity.id}:reminder@{opportunity.deadline.isoformat()}",
                kind=REMINDER,
                channel=opportunity.channel_id,
                build=REMINDER,
                build_args={"opportunity": opportunity.id, "at": now.isoformat()},
                language={"organisation": opportunity.organisation_id},
                now=now,
                fanout=True,
            )
    for opportunity in closings:
        moment = _moment(deps, opportunity)
        if moment is None or now <= moment:
            continue
        with deps.sessions.begin() as session:
            if not _claim(session, opportunity, "closing", now):
                continue
            organisation = organisations.by_id(
                session=session, organisation_id=opportunity.organisation_id
            )
            if organisation is None:
                continue
            count = pitches.count_for_opportunity(session=session, opportunity_id=opportunity.id)
            owed += outbox.post(
                session=session,
                key=f"opportunity:{opportunity.id}:closing@{opportunity.deadline.isoformat()}",
                kind=CLOSED,
                channel=organisation.channel_id,
                build=CLOSED,
                build_args={
                    "opportunity": opportunity.id,
                    "count": count,
                    "channel": organisation.channel_id,
                },
                language={"organisation": organisation.id},
                now=now,
                fanout=True,
            )
    return owed


def _moment(deps: Deps, opportunity: Opportunity) -> Any:
    with deps.sessions() as session:
        organisation = organisations.by_id(
            session=session, organisation_id=opportunity.organisation_id
        )
    return deadline_moment(opportunity.deadline, organisation.timezone) if organisation else None


def _claim(session: Session, opportunity: Opportunity, which: str, now: datetime) -> bool:
    return needs.claim(session=session, opportunity_id=opportunity.id, which=which, now=now)


@REGISTRY.builder(REMINDER)
def build_reminder(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The 48-hour reminder, in the organisation's language (None if it was withdrawn)."""
    with deps.sessions() as session:
        opportunity = needs.opportunity(session=session, opportunity_id=int(args["opportunity"]))
    if opportunity is None or opportunity.status != "published":
        return None
    moment = _moment(deps, opportunity)
    at = args.get("at")
    if moment is None or not at:
        return _reminder(opportunity)
    return _reminder(opportunity, moment, datetime.fromisoformat(str(at)))


@REGISTRY.builder(CLOSED)
def build_closed(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The count of pitches to the group when the deadline has passed."""
    with deps.sessions() as session:
        opportunity = needs.opportunity(session=session, opportunity_id=int(args["opportunity"]))
    if opportunity is None:
        return None
    return _closed(opportunity, int(args.get("count") or 0), str(args.get("channel") or ""))


def _reminder(
    opportunity: Opportunity, moment: datetime | None = None, owed_at: datetime | None = None
) -> dict[str, Any]:
    """The reminder, worded with the time really left when it was owed.

    Owed on time: "48 hours left". Owed late (the clock jumped past its time, or the app
    was away): on the deadline day "today is the last day", otherwise the hours left.
    """
    title, deadline = inline(opportunity.title, 150), opportunity.deadline.isoformat()
    left = moment - owed_at if moment is not None and owed_at is not None else None
    if moment is None or owed_at is None or left is None or left >= REMINDER_BEFORE - ON_TIME:
        text = _(":alarm_clock: 48 hours left to pitch for *{title}* (deadline {deadline}).")
    elif owed_at.astimezone(moment.tzinfo).date() == opportunity.deadline:
        text = _(
            ":alarm_clock: Today is the last day to pitch for *{title}* "
            "(deadline {deadline}, until the end of the day)."
        )
    else:
        hours = int(left.total_seconds() // 3600)
        text = ngettext(
            ":alarm_clock: {hours} hour left to pitch for *{title}* (deadline {deadline}).",
            ":alarm_clock: {hours} hours left to pitch for *{title}* (deadline {deadline}).",
            hours,
        ).replace("{hours}", number(hours))
    text = text.format(title=title, deadline=deadline)
    return message(
        text,
        [
            section(text),
            actions(button(_("Pitch"), PITCH_ACTION, str(opportunity.id), style="primary")),
        ],
    )


def _closed(opportunity: Opportunity, count: int, channel: str) -> dict[str, Any]:
    if count == 0:
        text = _("The pitch deadline for *{title}* has passed without any pitch.").format(
            title=inline(opportunity.title, 150)
        )
        return message(text, [section(text)])
    text = ngettext(
        "The pitch deadline for *{title}* has passed. {count} pitch arrived; review it here.",
        "The pitch deadline for *{title}* has passed. {count} pitches arrived; review them here.",
        count,
    ).format(title=inline(opportunity.title, 150), count=count)
    review = button(_("Review pitches"), PITCHES_PAGE_ACTION, f"{channel}:0", style="primary")
    return message(text, [section(text), actions(review)])


def register(app: App) -> None:
    """Deadlines have no listener; the scheduler calls remind_and_close."""
