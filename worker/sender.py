"""The outbox sender: claims due rows, calls Slack, records what happened.

Nothing lost: a row is only finished once Slack answered. Nothing twice: a message whose
earlier attempt may have reached Slack (the sender died, or the answer was lost) is looked
for by the key in its metadata before it is posted again. Transient errors are retried with
backoff (429: after Retry-After, and the whole sender pauses); permanent ones are recorded
on the row and reported to the person whose action it followed and on the admins' Home;
a row that cannot even be read is quarantined and the sender carries on.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import use_language
from bot.outbox import APP_GONE, REGISTRY, Failure, Pacer, Registry, Verdict, backoff, verdict
from storage.models import OutboxStatus
from storage.repositories import outbox, people
from storage.repositories.outbox import Claimed
from webapi.client import make_client
from webapi.errors import SLACK_ERRORS, failure_of
from webapi.lookup import find_posted, with_key

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # the default; MATCHDAY_OUTBOX_LEASE_SECONDS sets it
BATCH = 32
THREADS = 8
IDLE_WAIT = 0.5  # seconds between looks at the database when nobody woke the sender
RESPONSE_URL_LIFETIME = timedelta(minutes=30)  # how long Slack honours a response_url
DEFER = timedelta(seconds=2)  # an update waits this long for the message it updates
MAX_BUG_ATTEMPTS = 3  # an unexpected exception: tried again (the database may be back), then kept


class BrokenRowError(Exception):
    """The row itself cannot be sent (a bug): it is quarantined with this reason."""


@dataclass(frozen=True)
class Sent:
    """Where Slack put the message (both None for calls that make no message)."""

    channel: str | None = None
    ts: str | None = None


class DeferredError(Exception):
    """Not yet: the message this row updates has not been posted."""


class OriginalFailedError(Exception):
    """The message this row updates was never delivered: there is nothing to update."""


PROBLEM_KIND = "delivery_problem"
HOME_TASK = "home_publish"  # registered by handlers/home.py
APP_GONE_REASONS = (*sorted(APP_GONE), "app_uninstalled")


class Sender:
    """Delivers due outbox rows; several senders (processes) may share one database."""

    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        *,
        registry: Registry = REGISTRY,
        pacer: Pacer | None = None,
        threads: int = THREADS,
        batch: int = BATCH,
        tasks: bool | None = None,
    ) -> None:
        self.deps = deps
        # The sender retries itself, after looking in Slack: the client must not re-send a
        # post on its own after a lost answer or a 5xx (that is how duplicates are made).
        self.client = make_client(client.token, client.base_url, retries=False)
        self.registry = registry
        self.pacer = pacer or Pacer(deps.settings.MATCHDAY_SEND_RATE)
        self.batch = batch
        # Which rows this sender takes: tasks only, Web API calls only, or both (None). The
        # worker runs tasks (a plan may take seconds) in a lane of their own, so no message
        # ever waits behind a solve.
        self.tasks = tasks
        self.lease = timedelta(seconds=deps.settings.MATCHDAY_OUTBOX_LEASE_SECONDS)
        self.token = uuid.uuid4().hex
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="outbox")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_round: Callable[[], None] = lambda: None  # the worker's heartbeat

    # the loop -----------------------------------------------------------------------------
    def start(self) -> None:
        """Send in a background thread until stopped."""
        name = {True: "outbox-tasks", False: "outbox-sender", None: "outbox"}[self.tasks]
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round (claims not finished expire and are taken over)."""
        self._stop.set()
        self.deps.outbox_signal.wake()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._pool.shutdown(wait=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once() > 0
                self.on_round()
            except Exception:  # the database is away, say: try again shortly
                logger.exception("outbox round failed")
                busy = False
            if not busy:
                self.deps.outbox_signal.wait(IDLE_WAIT)

    def run_once(self) -> int:
        """Claim one batch of due rows and deliver them; returns how many were claimed."""
        now = self.deps.clock.now()
        with self.deps.sessions.begin() as session:
            found = outbox.candidates(
                session=session, now=now, limit=self.batch * 4, tasks=self.tasks
            )
            chosen: list[int] = []
            channels: set[str] = set()
            for row_id, channel, fanout in found:
                # Fan-outs keep Slack's one message a second per conversation; a person's
                # own action is answered at once (Slack allows short bursts, and a 429 is
                # waited out).
                paced = fanout and channel != "-"
                # One row per conversation per round keeps a conversation's messages in order.
                if channel in channels and channel != "-":
                    continue
                if paced and not self.pacer.ready(channel):
                    continue
                chosen.append(row_id)
                channels.add(channel)
                if len(chosen) >= self.batch:
                    break
            claimed = outbox.claim(
                session=session, ids=chosen, now=now, lease=self.lease, token=self.token
            )
        fanouts = {row_id for row_id, channel, fanout in found if fanout and channel != "-"}
        for row in claimed:
            if row.id in fanouts:
                self.pacer.reserve(row.channel)
        if len(claimed) == 1:
            outcomes = [self._deliver(claimed[0])]
        else:
            outcomes = list(self._pool.map(self._deliver, claimed))
        delivered = [outcome for outcome in outcomes if outcome is not None]
        if delivered:
            self._sent(delivered)
        return len(claimed)

    def drain(self, rounds: int = 10_000) -> int:
        """Deliver until nothing is due (tests and benchmarks); returns rows claimed."""
        total = 0
        for _round in range(rounds):
            claimed = self.run_once()
            total += claimed
            if claimed == 0:
                break
        return total

    # one row ------------------------------------------------------------------------------
    def _deliver(self, row: Claimed) -> tuple[Claimed, Sent | None] | None:
        """Make one row's call; (row, where it landed) on success, None when handled."""
        try:
            try:
                payload = json.loads(row.payload)
            except ValueError as error:
                raise BrokenRowError(f"payload is not JSON: {error}") from None
            if not isinstance(payload, dict):
                raise BrokenRowError("payload is not an object")
            if row.method != "task":
                self.pacer.take()
            sent = self._call(row, payload)
        except BrokenRowError as error:
            logger.error("outbox row %s (%s) quarantined: %s", row.id, row.key, error)
            self._finish(row, OutboxStatus.QUARANTINED, f"broken: {error}")
            return None
        except OriginalFailedError:
            self._finish(row, OutboxStatus.FAILED, "original_not_delivered", report=False)
            return None
        except DeferredError:
            self._retry(row, DEFER, "waiting for the message it updates", uncertain=False)
            return None
        except SLACK_ERRORS as error:
            self._failed(row, failure_of(error))
            return None
        except Exception as error:  # a bug in a builder or task, or the database away
            logger.exception("outbox row %s (%s) failed", row.id, row.key)
            reason = f"bug: {type(error).__name__}: {error}"
            if row.attempts >= MAX_BUG_ATTEMPTS:
                self._finish(row, OutboxStatus.QUARANTINED, reason)
            else:
                self._retry(row, timedelta(seconds=backoff(row.attempts)), reason, uncertain=False)
            return None
        return row, sent

    def _call(self, row: Claimed, payload: dict[str, Any]) -> Sent | None:
        """Make the call; None when there was nothing to send."""
        if row.method == "task":
            task = self.registry.tasks.get(row.kind)
            if task is None:
                raise BrokenRowError(f"no task named {row.kind!r}")
            task(self.deps, self.client, payload)
            return Sent()
        args = self._built(payload)
        if args is None:
            return None
        if row.method == "chat.postMessage":
            return self._post(row, args)
        if row.method == "chat.update":
            return self._update(args)
        if row.method == "chat.postEphemeral":
            if row.uncertain:  # ephemeral: at most once, never twice
                return None
            self.client.chat_postEphemeral(**args)
            return Sent()
        if row.method == "response_url":
            return self._respond(row, args)
        if row.method == "views.publish":
            self.client.views_publish(**args)
            return Sent()
        if row.method == "files.upload":
            if str(args.get("channel", ""))[:1] in ("U", "W"):  # Slack shares files in a D…
                opened = self.client.conversations_open(users=args["channel"])
                args = {**args, "channel": opened["channel"]["id"]}
            response = self.client.files_upload_v2(**args)
            return Sent(args.get("channel"), None) if response else Sent()
        raise BrokenRowError(f"unknown method {row.method!r}")

    def _built(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The call's arguments, running the row's builder in the reader's language."""
        spec = payload.pop("__build__", None)
        if spec is None:
            return payload
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise BrokenRowError("malformed builder reference")
        build = self.registry.builders.get(spec["name"])
        if build is None:
            raise BrokenRowError(f"no builder named {spec['name']!r}")
        language = spec.get("language")
        language_of = self.registry.language_of
        context = (
            use_language(language_of(self.deps, self.client, language))
            if language and language_of
            else nullcontext()
        )
        with context:
            message = build(self.deps, spec.get("args") or {})
        if message is None:
            return None
        return {**message, **payload}

    def _post(self, row: Claimed, args: dict[str, Any]) -> Sent:
        if row.uncertain:
            found = find_posted(self.client, row.channel, row.key, args.get("thread_ts"))
            if found is not None:
                logger.info("outbox %s was already in Slack; recorded, not posted again", row.key)
                return Sent(*found)
        response = self.client.chat_postMessage(**with_key(args, row.key))
        return Sent(str(response.get("channel") or row.channel), str(response.get("ts") or ""))

    def _respond(self, row: Claimed, args: dict[str, Any]) -> Sent:
        """Answer through the response_url while Slack honours it, else by DM."""
        url = str(args.pop("response_url"))
        user = str(args.pop("user"))
        issued = datetime.fromisoformat(str(args.pop("issued_at")))
        replace_original = bool(args.pop("replace_original", False))
        fresh = self.deps.clock.now() - issued < RESPONSE_URL_LIFETIME
        if fresh and not row.uncertain:
            payload = {"response_type": "ephemeral", **args}
            if replace_original:
                payload["replace_original"] = True
            answer = WebhookClient(url, timeout=10).send_dict(payload)
            if answer.status_code < 400:
                return Sent()
            logger.info("response_url answered %s; sending a DM instead", answer.status_code)
        message = {key: value for key, value in args.items() if key in ("text", "blocks")}
        return self._post(row, {**message, "channel": user})

    def _update(self, args: dict[str, Any]) -> Sent:
        key = args.pop("ts_of", None)
        if key is not None:
            with self.deps.sessions() as session:
                original = outbox.result_of(session=session, key=str(key))
            if original is None:
                raise BrokenRowError(f"no message was ever owed under {key!r}")
            if original.status == OutboxStatus.FAILED.value:
                raise OriginalFailedError()
            if original.status != OutboxStatus.SENT.value or not original.ts:
                raise DeferredError()
            args = {**args, "channel": original.channel, "ts": original.ts}
        response = self.client.chat_update(**args)
        return Sent(str(response.get("channel") or args["channel"]), str(args["ts"]))

    def _refresh_admins_homes(self, session: Session, key: str, now: datetime) -> None:
        """The admins' App Home lists what was not delivered: publish it again now."""
        configured = sorted(self.deps.settings.MATCHDAY_ADMINS)
        added = [a for a in people.added_admins(session=session) if a not in configured]
        for admin in configured + added:
            outbox.task(
                session=session,
                key=f"home:{admin}:problem:{key}",
                name=HOME_TASK,
                args={"user": admin},
                now=now,
                fanout=True,
            )

    def resume_if_back(self) -> int:
        """After an uninstall: once Slack accepts the app's token again, send what was held."""
        with self.deps.sessions() as session:
            if outbox.held_for(session=session, reasons=APP_GONE_REASONS) == 0:
                return 0
        try:
            self.client.auth_test()
        except SLACK_ERRORS as error:
            logger.info("still no way into Slack (%s); holding", failure_of(error).code)
            return 0
        with self.deps.sessions.begin() as session:
            released = outbox.release(
                session=session, now=self.deps.clock.now(), reasons=APP_GONE_REASONS
            )
        logger.warning("Slack takes the app's token again: %s held messages go out now", released)
        self.deps.outbox_signal.wake()
        return released

    # recording ----------------------------------------------------------------------------
    def _sent(self, delivered: list[tuple[Claimed, Sent | None]]) -> None:
        """Mark a batch sent in one transaction, running each row's hook (ts kept)."""
        now = self.deps.clock.now()
        with self.deps.sessions.begin() as session:
            for row, sent in delivered:
                if not outbox.mark_sent(
                    session=session,
                    row_id=row.id,
                    token=self.token,
                    now=now,
                    channel=sent.channel if sent else None,
                    ts=sent.ts if sent else None,
                ):
                    logger.warning("outbox %s: the claim was taken over meanwhile", row.key)
                    continue
                if sent is None or not row.on_sent:
                    continue
                hook = self.registry.hooks.get(row.on_sent)
                if hook is None:
                    logger.error("outbox %s: no hook named %s", row.key, row.on_sent)
                    continue
                try:
                    with session.begin_nested():
                        hook(session, json.loads(row.on_sent_args or "{}"), sent.channel, sent.ts)
                except Exception:  # the message is out; only where it landed is not kept
                    logger.exception("outbox %s: hook %s failed", row.key, row.on_sent)

    def _retry(self, row: Claimed, delay: timedelta, error: str, *, uncertain: bool) -> None:
        with self.deps.sessions.begin() as session:
            outbox.retry_later(
                session=session,
                row_id=row.id,
                token=self.token,
                due_at=self.deps.clock.now() + delay,
                error=error,
                uncertain=uncertain,
            )

    def _failed(self, row: Claimed, failure: Failure) -> None:
        if failure.status == 429 or failure.code == "ratelimited":
            self.pacer.pause(failure.retry_after or 1.0)
        decision = verdict(failure, row.attempts)
        # A lost answer or a 5xx may hide a message Slack kept: look before the next post.
        uncertain = row.method == "chat.postMessage" and failure.reached_slack
        if decision is Verdict.RETRY:
            delay = timedelta(seconds=backoff(row.attempts, failure.retry_after))
            logger.warning(
                "outbox %s: %s (HTTP %s), retrying in %ss",
                row.key,
                failure.code,
                failure.status,
                delay.total_seconds(),
            )
            self._retry(row, delay, failure.code, uncertain=uncertain)
            return
        if decision is Verdict.HOLD_ALL:
            logger.error(
                "outbox %s: %s: the app cannot reach Slack; holding", row.key, failure.code
            )
            now = self.deps.clock.now()
            with self.deps.sessions.begin() as session:
                outbox.finish(
                    session=session,
                    row_id=row.id,
                    token=self.token,
                    status=OutboxStatus.HELD,
                    error=failure.code,
                    now=now,
                )
                outbox.hold(session=session, reason=failure.code)
            return
        status = OutboxStatus.HELD if decision is Verdict.HOLD_CHANNEL else OutboxStatus.FAILED
        logger.error("outbox %s (%s to %s): %s", row.key, row.kind, row.channel, failure.code)
        self._finish(row, status, failure.code, report=True)

    def _finish(
        self, row: Claimed, status: OutboxStatus, error: str, *, report: bool = True
    ) -> None:
        now = self.deps.clock.now()
        with self.deps.sessions.begin() as session:
            if not outbox.finish(
                session=session,
                row_id=row.id,
                token=self.token,
                status=status,
                error=error,
                now=now,
            ):
                return
            if status is OutboxStatus.HELD:
                outbox.hold(session=session, channel=row.channel, reason=error)
            if report and row.kind != PROBLEM_KIND:
                self._refresh_admins_homes(session, row.key, now)
            if report and row.actor and row.kind != PROBLEM_KIND:
                outbox.post(
                    session=session,
                    key=f"problem:{row.key}",
                    kind=PROBLEM_KIND,
                    channel=row.actor,
                    build=PROBLEM_KIND,
                    build_args={"kind": row.kind, "channel": row.channel, "error": error},
                    language={"user": row.actor},
                    now=now,
                )
