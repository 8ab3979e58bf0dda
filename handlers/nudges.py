"""Nudging assessments that have stalled, from the scheduler's tick."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.workdays import add_working_days, is_working_day, local_datetime
from handlers.assessment_flow import load, owe_nudge
from storage.repositories import assessments

logger = logging.getLogger(__name__)
OFFICE_HOURS = (time(9), time(17))


def nudge_stalled(deps: Deps, client: WebClient) -> int:
    """Owe one nudge per stall in each assessment quiet for N working days; returns how many.

    Only on working days, in office hours, in the organisation's time zone. The claim and
    the nudge's outbox row are written in one transaction: several app processes never
    owe it twice, and a process killed after the claim cannot lose it.
    """
    now = deps.clock.now()
    days = deps.settings.MATCHDAY_NUDGE_DAYS
    with deps.sessions() as session:
        candidates = assessments.stalled(session=session, quiet_since=now - timedelta(days=days))
    owed = 0
    for candidate in candidates:
        ctx = load(deps, candidate.id)
        if ctx is None or not ctx.assessment.thread_ts:
            continue
        zone = ZoneInfo(ctx.organisation.timezone)
        local_now = now.astimezone(zone)
        if not is_working_day(local_now.date()) or not (
            OFFICE_HOURS[0] <= local_now.time() < OFFICE_HOURS[1]
        ):
            continue
        last = candidate.last_activity_at.astimezone(zone)
        due_day = add_working_days(last.date(), days)
        if local_now < local_datetime(due_day, OFFICE_HOURS[0], zone):
            continue
        with deps.sessions.begin() as session:
            if not assessments.claim_nudge(session=session, assessment=candidate, now=now):
                continue
            owe_nudge(
                session=session,
                assessment=candidate,
                organisation_id=ctx.organisation.id,
                now=now,
            )
        owed += 1
    return owed


def register(app: App) -> None:
    """Nudges have no listener; the scheduler calls nudge_stalled."""
