"""Check-ins from the scheduler's tick: post what is due, then remind and escalate.

Every minute handlers/jobs.py calls :func:`run_due_checkins`; the database says what is due.
Posting is handlers/checkin_posting.py; reminders and escalations are owed here, each
through the outbox in the transaction that claims it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.outbox import REGISTRY
from bot.pilots import Checkin, Escalation, Pilot, PilotStatus
from bot.views.checkins import build_escalation, build_reminder
from handlers.checkin_posting import LEASE, post_due_checkins
from handlers.checkin_slack import admins_in, link_client, permalink
from handlers.home import owe_home
from storage.repositories import checkins, outbox, pilots

logger = logging.getLogger(__name__)

__all__ = ["LEASE", "post_due_checkins", "run_due_checkins", "send_due_reminders"]

# The DMs owed through the outbox (built when sent, in each reader's language).
REMINDER = "checkin_reminder"
ESCALATION = "checkin_escalation"


def run_due_checkins(deps: Deps, client: WebClient) -> int:
    """Owe due reminders, post due check-ins, then escalations; returns the messages sent.

    Reminders first: when the clock jumps past a check-in's reminder and its successor's
    due time at once, the unanswered check-in still earns its reminder before the next
    check-in is posted and marks it missed.
    """
    return (
        send_due_reminders(deps, client)
        + post_due_checkins(deps, client)
        + send_due_escalations(deps, client)
    )


def send_due_reminders(deps: Deps, client: WebClient) -> int:
    """DM the pilot's people once about each check-in unanswered for 24 working hours.

    The claim, the DMs (outbox rows) and the mark are one transaction: a crash after the
    claim cannot lose the reminder, and one that is recorded is owed exactly once.
    Returns how many check-ins' reminders were owed by this call.
    """
    now = deps.clock.now()
    with deps.sessions() as session:
        due = checkins.due_reminders(session=session, now=now, lease=LEASE)
    sent = 0
    for checkin_id in due:
        with deps.sessions.begin() as session:
            if not checkins.claim_reminder(
                session=session, checkin_id=checkin_id, now=now, lease=LEASE
            ):
                continue
            checkin = checkins.checkin(session=session, checkin_id=checkin_id)
            pilot = pilots.by_id(session=session, pilot_id=checkin.pilot_id) if checkin else None
            if checkin is None or pilot is None:
                continue
            for person in pilot.user_ids:
                outbox.post(
                    session=session,
                    key=f"checkin:{checkin_id}:reminder:{person}",
                    kind=REMINDER,
                    channel=person,
                    build=REMINDER,
                    build_args={"checkin": checkin_id},
                    language={"user": person},
                    now=now,
                    fanout=True,
                )
            checkins.mark_reminded(session=session, checkin_id=checkin_id, now=now)
        sent += 1
    return sent


@REGISTRY.builder(REMINDER)
def build_checkin_reminder(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The reminder, unless the check-in was answered (or its pilot paused) meanwhile."""
    found = _checkin_and_pilot(deps, int(args["checkin"]))
    if found is None:
        return None
    checkin, pilot = found
    if checkin.status is not None or pilot.status is not PilotStatus.ACTIVE:
        return None
    link = permalink(link_client(deps), pilot.channel_id, checkin.message_ts)
    return build_reminder(pilot, checkin, link)


def send_due_escalations(deps: Deps, client: WebClient) -> int:
    """Tell the admins about each queued escalation once; returns how many were owed."""
    now = deps.clock.now()
    with deps.sessions() as session:
        due = checkins.due_escalations(session=session, now=now, lease=LEASE)
    sent = 0
    for checkin_id in due:
        with deps.sessions.begin() as session:
            if owe_escalation(deps, session, checkin_id, now):
                sent += 1
    return sent


def owe_escalation(deps: Deps, session: Session, checkin_id: int, now: datetime) -> bool:
    """Claim a queued escalation and owe its DM to every admin, in the caller's transaction.

    False when there is none to send (not queued, or another process has it).
    """
    reason = checkins.claim_escalation(session=session, checkin_id=checkin_id, now=now, lease=LEASE)
    if reason is None:
        return False
    everyone = admins_in(session, deps)
    if not everyone:
        logger.error("no programme admins to tell about check-in %s (%s)", checkin_id, reason)
    for admin in everyone:
        outbox.post(
            session=session,
            key=f"checkin:{checkin_id}:escalation:{admin}",
            kind=ESCALATION,
            channel=admin,
            build=ESCALATION,
            build_args={"checkin": checkin_id, "reason": reason.value},
            language={"user": admin},
            now=now,
            fanout=True,
        )
    checkins.mark_escalated(session=session, checkin_id=checkin_id, now=now)
    owe_home(session=session, user_ids=everyone, change=f"escalation:{checkin_id}", now=now)
    return True


@REGISTRY.builder(ESCALATION)
def build_checkin_escalation(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The escalation to one admin, with a link to the check-in."""
    found = _checkin_and_pilot(deps, int(args["checkin"]))
    if found is None:
        return None
    checkin, pilot = found
    link = permalink(link_client(deps), pilot.channel_id, checkin.message_ts)
    return build_escalation(pilot, checkin, Escalation(str(args["reason"])), link)


def _checkin_and_pilot(deps: Deps, checkin_id: int) -> tuple[Checkin, Pilot] | None:
    with deps.sessions() as session:
        checkin = checkins.checkin(session=session, checkin_id=checkin_id)
        pilot = pilots.by_id(session=session, pilot_id=checkin.pilot_id) if checkin else None
    return (checkin, pilot) if checkin is not None and pilot is not None else None


def register(app: App) -> None:
    """Check-ins have no listener of their own; the scheduler calls run_due_checkins."""
