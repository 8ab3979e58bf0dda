"""Check-ins from the scheduler's tick: post what is due, then remind and escalate.

Every minute handlers/jobs.py calls :func:`run_due_checkins`; the database says what is due.
Each check-in is

1. claimed with a conditional UPDATE that one process wins (it counts an attempt);
2. if an earlier attempt may have reached Slack (attempts > 1: a process died, or Slack
   failed in a way that leaves it open), looked for in the channel's history by the key in
   its message metadata, and recorded without posting when found;
3. moved to the latest due occurrence if the app was down (posted once, marked late);
4. posted with metadata naming it, and marked posted with Slack's ts; the pilot's next
   check-in is created in the same transaction.

A claim older than :data:`LEASE` is taken over. 429s are waited out by the Web API client;
what still fails transiently is retried with backoff; permanent errors (channel archived,
app removed) are recorded on the pilot and reported to the admins.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.outbox import REGISTRY
from bot.pilots import (
    MISSED_IN_A_ROW,
    Checkin,
    Escalation,
    Occurrence,
    Pilot,
    PilotStatus,
    catch_up,
    missed_streak_escalates,
    next_occurrence,
    reminder_due,
    retry_delay,
)
from bot.views.checkins import (
    build_checkin,
    build_delivery_problem,
    build_escalation,
    build_reminder,
    checkin_metadata,
    found_checkin,
)
from handlers.checkin_slack import (
    SLACK_ERRORS,
    admins_in,
    failure_of,
    find_posted,
    link_client,
    permalink,
    tell_admins,
)
from handlers.home import owe_home
from handlers.language import in_organisation_language
from storage.repositories import checkins, outbox, pilots, running

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
WORKERS = 8
BATCH = 2000  # check-ins read per query; one pass reads batch after batch until none is due
# After this many transient failures in a row the admins hear that Slack keeps failing.
REPORT_AFTER_ATTEMPTS = 5
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


def post_due_checkins(deps: Deps, client: WebClient) -> int:
    """Post every check-in that is due; returns how many were posted by this call.

    Read in batches of :data:`BATCH` until none is left: one tick posts them all, however
    many fell due at once. A check-in this call claimed and could not post stays claimed
    (or waits for its retry time), so it is not read again and the loop ends.
    """
    now = deps.clock.now()
    token = uuid.uuid4().hex
    posted = 0
    seen: set[int] = set()
    while True:
        with deps.sessions() as session:
            due = checkins.due_checkins(session=session, now=now, lease=LEASE, limit=BATCH)
        fresh = [checkin_id for checkin_id in due if checkin_id not in seen]
        if not fresh:
            return posted
        seen.update(fresh)
        posted += _post_batch(deps, client, fresh, token)


def _post_batch(deps: Deps, client: WebClient, due: list[int], token: str) -> int:
    # Several processes at the same minute then mostly reach for different check-ins first.
    random.shuffle(due)
    if len(due) == 1:
        return _safely(deps, client, due[0], token)
    with ThreadPoolExecutor(min(WORKERS, len(due)), thread_name_prefix="checkins") as pool:
        return sum(pool.map(lambda checkin_id: _safely(deps, client, checkin_id, token), due))


def _safely(deps: Deps, client: WebClient, checkin_id: int, token: str) -> int:
    try:
        return deliver(deps, client, checkin_id, token)
    except Exception:  # the claim expires and the next owner looks in Slack first
        logger.exception("check-in %s failed; it will be tried again", checkin_id)
        return 0


def deliver(deps: Deps, client: WebClient, checkin_id: int, token: str) -> int:
    """Claim, (look for,) post and record one check-in; 1 when this call posted it."""
    started = time.monotonic()
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        claimed = checkins.claim_checkin(
            session=session, checkin_id=checkin_id, now=now, lease=LEASE, token=token
        )
        if claimed is None:
            return 0
        pilot = pilots.by_id(session=session, pilot_id=claimed.pilot_id, people=False)
    assert pilot is not None
    if claimed.attempts > 1:
        try:
            found = find_posted(client, pilot, claimed)
        except SLACK_ERRORS as error:
            return _failed(deps, client, pilot, claimed, token, error)
        if found is not None:
            ts, payload = found
            facts = found_checkin(payload)
            if facts is not None:
                nominal, due_at, late, skipped = facts
                claimed = replace(
                    claimed, nominal=nominal, due_at=due_at, late=late, skipped=skipped
                )
            logger.info("check-in %s was already in Slack (%s); recorded it", checkin_id, ts)
            _record(deps, pilot, claimed, token, ts)
            return 0
    plan = catch_up(pilot.schedule, claimed.nominal, claimed.due_at, now)
    late = plan.late and not _was_running(deps, plan.due_at)
    checkin = replace(
        claimed, nominal=plan.nominal, due_at=plan.due_at, late=late, skipped=plan.skipped
    )
    if time.monotonic() - started > LEASE.total_seconds() / 2:
        # Too slow to be sure the claim is still ours: the next owner looks in Slack first.
        logger.warning("check-in %s: claim too old to post safely; leaving it", checkin_id)
        return 0
    with in_organisation_language(pilot.organisation_id, deps):
        message = build_checkin(pilot, checkin)
    try:
        response = client.chat_postMessage(
            channel=pilot.channel_id, metadata=checkin_metadata(pilot, checkin), **message
        )
    except SLACK_ERRORS as error:
        return _failed(deps, client, pilot, checkin, token, error)
    _record(deps, pilot, checkin, token, str(response["ts"]))
    return 1


def _was_running(deps: Deps, due_at: datetime) -> bool:
    """Whether the tick was running at ``due_at`` (then a late post is not "not running")."""
    with deps.sessions() as session:
        return running.was_running(session=session, at=due_at)


def _record(deps: Deps, pilot: Pilot, checkin: Checkin, token: str, ts: str) -> None:
    """Mark the check-in posted, note a missed predecessor, create the next check-in."""
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        if not checkins.record_posted(
            session=session,
            checkin_id=checkin.id,
            token=token,
            now=now,
            message_ts=ts,
            nominal=checkin.nominal,
            due_at=checkin.due_at,
            late=checkin.late,
            skipped=checkin.skipped,
            reminder_due_at=reminder_due(now, pilot.schedule.timezone),
        ):
            logger.warning("check-in %s: another process took the claim over", checkin.id)
            return
        if pilot.delivery_error:
            checkins.clear_delivery_error(session=session, pilot_id=pilot.id)
        _note_missed(session, pilot.id, checkin.seq, now)
        _schedule_next(session, pilot.id, after=max(now, checkin.due_at), posted=checkin)


def _note_missed(session: Session, pilot_id: int, seq: int, now: datetime) -> None:
    """The check-in before this one is missed if nobody answered it; two in a row escalate."""
    if seq == 1:
        return
    recent = checkins.recent_posted(
        session=session,
        pilot_id=pilot_id,
        before_seq=seq,
        limit=MISSED_IN_A_ROW + 1,
    )
    if not recent or recent[0].answered or recent[0].missed:
        return
    if not checkins.mark_missed(session=session, checkin_id=recent[0].id):
        return
    recent[0] = replace(recent[0], missed=True)
    if missed_streak_escalates(recent):
        checkins.escalate(
            session=session,
            checkin_id=recent[0].id,
            reason=Escalation.MISSED,
            now=now,
        )


def _schedule_next(
    session: Session, pilot_id: int, *, after: datetime, posted: Checkin
) -> Occurrence | None:
    """Create the pilot's next check-in (by its current schedule), due after ``after``."""
    # The current schedule: it may have changed since the check-in was claimed.
    fresh = pilots.by_id(session=session, pilot_id=pilot_id, people=False)
    if fresh is None or fresh.status is PilotStatus.COMPLETED:
        return None
    upcoming = next_occurrence(fresh.schedule, after)
    while upcoming is not None and upcoming.nominal <= posted.nominal:
        upcoming = next_occurrence(fresh.schedule, upcoming.due_at)
    if upcoming is not None:
        checkins.add_checkin(
            session=session,
            pilot_id=pilot_id,
            seq=posted.seq + 1,
            due=upcoming,
        )
    return upcoming


def _failed(
    deps: Deps, client: WebClient, pilot: Pilot, checkin: Checkin, token: str, error: BaseException
) -> int:
    """Retry later after a transient failure; record and report a permanent one."""
    failure = failure_of(error)
    now = deps.clock.now()
    if failure.transient:
        retry_at = now + retry_delay(checkin.attempts, failure.retry_after)
        with deps.sessions.begin() as session:
            checkins.record_retry(
                session=session,
                checkin_id=checkin.id,
                token=token,
                error=failure.code,
                retry_at=retry_at,
            )
        logger.warning(
            "check-in %s: Slack failed (%s), attempt %s; trying again at %s",
            checkin.id,
            failure.code,
            checkin.attempts,
            retry_at.isoformat(),
        )
        if checkin.attempts == REPORT_AFTER_ATTEMPTS:
            tell_admins(
                deps, client, build_delivery_problem(pilot, checkin, failure.code, retry_at)
            )
        return 0
    with deps.sessions.begin() as session:
        first = checkins.record_failed(
            session=session,
            checkin_id=checkin.id,
            pilot_id=pilot.id,
            token=token,
            error=failure.code,
            now=now,
        )
        upcoming = (
            _schedule_next(session, pilot.id, after=now, posted=checkin)
            if first is not None
            else None
        )
    logger.error(
        "check-in %s cannot be posted in %s: %s", checkin.id, pilot.channel_id, failure.code
    )
    if first:
        problem = build_delivery_problem(
            pilot, checkin, failure.code, upcoming.due_at if upcoming else None
        )
        tell_admins(deps, client, problem)
    return 0


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
