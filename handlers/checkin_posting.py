"""Posting due check-ins: claimed, posted once, recorded, the next one scheduled.

handlers/checkins.py calls :func:`post_due_checkins` every tick; the database says what is due.
Check-ins are taken in lots of :data:`LOT` per thread (one claim statement and one
recording transaction per lot). Each check-in is

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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import use_language
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
    checkin_metadata,
    found_checkin,
)
from handlers.checkin_slack import SLACK_ERRORS, failure_of, find_posted, tell_admins
from handlers.language import language_for_organisation
from storage.repositories import checkins, pilots, running

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
WORKERS = 8
LOT = 25  # check-ins one thread claims, posts and records together
LOTS_PER_THREAD = 4  # when fewer are due: smaller lots, so that the claims spread out
BATCH = 2000  # check-ins read per query; one pass reads batch after batch until none is due
# After this many transient failures in a row the admins hear that Slack keeps failing.
REPORT_AFTER_ATTEMPTS = 5


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
    # A few lots per thread at least: lots are claimed as threads get to them, so another
    # process reading the same due check-ins takes its share instead of finding all claimed.
    size = max(1, min(LOT, -(-len(due) // (WORKERS * LOTS_PER_THREAD))))
    lots = [due[start : start + size] for start in range(0, len(due), size)]
    if len(lots) == 1:
        return _safely(deps, client, lots[0], token)
    with ThreadPoolExecutor(min(WORKERS, len(lots)), thread_name_prefix="checkins") as pool:
        return sum(pool.map(lambda lot: _safely(deps, client, lot, token), lots))


def _safely(deps: Deps, client: WebClient, lot: list[int], token: str) -> int:
    try:
        return deliver(deps, client, lot, token)
    except Exception:  # the claims expire and the next owner looks in Slack first
        logger.exception("check-ins %s failed; they will be tried again", lot)
        return 0


@dataclass(frozen=True)
class _Posted:
    """A check-in that is in Slack: posted by this call (``fresh``) or found there."""

    pilot: Pilot
    checkin: Checkin
    ts: str
    fresh: bool


def deliver(deps: Deps, client: WebClient, checkin_ids: list[int], token: str) -> int:
    """Claim a lot of check-ins at once, post each, record them together; returns how many
    this call posted.

    One claim and one record per lot, not per check-in: the statements and transactions
    were most of a check-in's cost. What was posted is recorded even when a later one in
    the lot fails; what is left unrecorded is looked for in Slack by the next owner.
    """
    started = time.monotonic()
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        claimed = checkins.claim_checkins(
            session=session, checkin_ids=checkin_ids, now=now, lease=LEASE, token=token
        )
        found = pilots.by_ids(session=session, pilot_ids={c.pilot_id for c in claimed})
    languages: dict[int, str] = {}
    done: list[_Posted] = []
    try:
        for checkin in claimed:
            if time.monotonic() - started > LEASE.total_seconds() / 2:
                # Too slow to be sure the claims are still ours: the next owner looks first.
                logger.warning("check-in %s: claim too old to post safely; leaving it", checkin.id)
                continue
            posted = _post(deps, client, found[checkin.pilot_id], checkin, token, languages)
            if posted is not None:
                done.append(posted)
    finally:
        if done:
            _record(deps, done, token)
    return sum(1 for posted in done if posted.fresh)


def _post(
    deps: Deps,
    client: WebClient,
    pilot: Pilot,
    claimed: Checkin,
    token: str,
    languages: dict[int, str],
) -> _Posted | None:
    """Post one claimed check-in (or find it in Slack); None when it is not in Slack."""
    if claimed.attempts > 1:
        try:
            found = find_posted(client, pilot, claimed)
        except SLACK_ERRORS as error:
            _failed(deps, client, pilot, claimed, token, error)
            return None
        if found is not None:
            ts, payload = found
            facts = found_checkin(payload)
            if facts is not None:
                nominal, due_at, late, skipped = facts
                claimed = replace(
                    claimed, nominal=nominal, due_at=due_at, late=late, skipped=skipped
                )
            logger.info("check-in %s was already in Slack (%s); recorded it", claimed.id, ts)
            return _Posted(pilot, claimed, ts, fresh=False)
    plan = catch_up(pilot.schedule, claimed.nominal, claimed.due_at, deps.clock.now())
    late = plan.late and not _was_running(deps, plan.due_at)
    checkin = replace(
        claimed, nominal=plan.nominal, due_at=plan.due_at, late=late, skipped=plan.skipped
    )
    organisation = pilot.organisation_id
    if organisation not in languages:
        languages[organisation] = language_for_organisation(organisation, deps)
    with use_language(languages[organisation]):
        message = build_checkin(pilot, checkin)
    try:
        response = client.chat_postMessage(
            channel=pilot.channel_id, metadata=checkin_metadata(pilot, checkin), **message
        )
    except SLACK_ERRORS as error:
        _failed(deps, client, pilot, checkin, token, error)
        return None
    return _Posted(pilot, checkin, str(response["ts"]), fresh=True)


def _was_running(deps: Deps, due_at: datetime) -> bool:
    """Whether the tick was running at ``due_at`` (then a late post is not "not running")."""
    with deps.sessions() as session:
        return running.was_running(session=session, at=due_at)


def _record(deps: Deps, done: list[_Posted], token: str) -> None:
    """Mark check-ins posted, note missed predecessors, create each pilot's next check-in."""
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        # The current schedules: they may have changed since the check-ins were claimed.
        current = pilots.by_ids(session=session, pilot_ids={p.pilot.id for p in done})
        for posted in done:
            pilot, checkin = posted.pilot, posted.checkin
            if not checkins.record_posted(
                session=session,
                checkin_id=checkin.id,
                token=token,
                now=now,
                message_ts=posted.ts,
                nominal=checkin.nominal,
                due_at=checkin.due_at,
                late=checkin.late,
                skipped=checkin.skipped,
                reminder_due_at=reminder_due(now, pilot.schedule.timezone),
            ):
                logger.warning("check-in %s: another process took the claim over", checkin.id)
                continue
            if pilot.delivery_error:
                checkins.clear_delivery_error(session=session, pilot_id=pilot.id)
            _note_missed(session, pilot.id, checkin.seq, now)
            _schedule_next(
                session,
                pilot.id,
                after=max(now, checkin.due_at),
                posted=checkin,
                current=current.get(pilot.id),
            )


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
    session: Session,
    pilot_id: int,
    *,
    after: datetime,
    posted: Checkin,
    current: Pilot | None = None,
) -> Occurrence | None:
    """Create the pilot's next check-in (by its current schedule), due after ``after``.

    ``current`` is the pilot as read in this transaction, when the caller has it.
    """
    # The current schedule: it may have changed since the check-in was claimed.
    fresh = current or pilots.by_id(session=session, pilot_id=pilot_id, people=False)
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
