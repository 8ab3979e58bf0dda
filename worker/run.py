"""Run the worker's parts: the scheduler's tick (APScheduler as the clock) and the sender."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.clock import moved_by_hand
from bot.deps import Deps
from storage.repositories import interactions, outbox, running
from worker.sender import Sender

logger = logging.getLogger(__name__)

TICK_JOB_ID = "matchday-tick"
TICK = "tick"
SENDER = "sender"
BEAT_EVERY = timedelta(seconds=30)
INTERACTIONS_KEPT = timedelta(days=1)
# Ticks closer than this in real time (the clock's jumps aside) mean the app kept running.
RUNNING_GAP = timedelta(minutes=3)


INBOX_BUSY_SECONDS = 0.01  # between sweeps while deliveries keep arriving
INBOX_IDLE_SECONDS = 0.1  # at most this long between sweeps when nothing arrives


class InboxSweeper(Protocol):
    """What the worker needs of the inbox (handlers/inbox.py)."""

    def sweep(self) -> int: ...

    def stop(self) -> None: ...


class Worker:
    """The scheduler's tick, the outbox sender and the inbox's sweeper of one process."""

    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        tick: Callable[[Deps, WebClient], None],
        *,
        scheduled: bool = True,
        inbox: InboxSweeper | None = None,
    ) -> None:
        self.scheduled = scheduled
        self.inbox = inbox
        self._stopped = threading.Event()
        self.deps = deps
        self.client = client
        self._tick = tick
        self.sender = Sender(deps, client, tasks=False)
        # Tasks (App Home publishes, fan-out expansion, matchday plans) in their own lane.
        self.tasks = Sender(deps, client, tasks=True, threads=2, batch=2)
        self.scheduler: BackgroundScheduler | None = None
        # The app's time at this process's last recorded tick, and how far the clock had
        # been moved by hand then (see note_running).
        self._ran: tuple[datetime, timedelta] | None = None
        self._running_lock = threading.Lock()

    def start(self) -> Worker:
        """Start the sender's thread and the scheduler's one job."""
        if self.scheduled:
            self.beat(TICK)
        self.beat(SENDER)
        self.sender.on_round = self._sender_alive
        try:
            self.sender.resume_if_back()
        except Exception:  # the database may be away at start: the tick tries again
            logger.exception("could not check for messages held while the app was away")
        self.sender.start()
        self.tasks.start()
        if self.inbox is not None:
            threading.Thread(target=self._sweep_inbox, name="inbox-sweeper", daemon=True).start()
        if not self.scheduled:
            return self
        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_job(
            run_tick,
            "interval",
            minutes=1,
            args=(self,),
            id=TICK_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        scheduler.start()
        self.scheduler = scheduler
        return self

    def stop(self) -> None:
        """Stop the scheduler, the inbox's sweeper and the sender."""
        self._stopped.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.inbox is not None:
            self.inbox.stop()
        self.sender.stop()
        self.tasks.stop()

    def _sweep_inbox(self) -> None:
        """Hand on the clicks and events waiting in the inbox: often while they arrive,
        every INBOX_IDLE_SECONDS when none do."""
        assert self.inbox is not None
        pause = INBOX_BUSY_SECONDS
        while not self._stopped.wait(pause):
            try:
                taken = self.inbox.sweep()
            except Exception as error:  # the database away: try again later
                logger.warning("could not sweep the inbox: %s", type(error).__name__)
                taken = 0
            pause = INBOX_BUSY_SECONDS if taken else min(pause * 2, INBOX_IDLE_SECONDS)

    def tick(self) -> None:
        """Run every kind of due work once, saying the tick is alive before and after.

        Before as well: after the sandbox's clock jumps a week, a long first tick must not
        make /healthz call the tick silent while it is working.
        """
        self.beat(TICK)
        self.note_running()
        self._tick(self.deps, self.client)
        self.note_running()
        self.sender.resume_if_back()
        self.forget_old_interactions()
        self.beat(TICK)
        self.deps.outbox_signal.wake()

    def note_running(self) -> None:
        """Record that the app is running now, and has been since this process's last tick.

        The time between two ticks counts as running when little real time passed between
        them: the clock's jumps (the sandbox's *Advance time*, a test moving its clock) are
        taken out, so a week skipped in a second is a week the app ran through, while a
        process that was stopped, or a machine that slept, leaves a gap.
        """
        clock = self.deps.clock
        with self._running_lock:
            now, moved = clock.now(), moved_by_hand(clock)
            since = None
            if self._ran is not None:
                last, last_moved = self._ran
                if now >= last and (now - last) - (moved - last_moved) <= RUNNING_GAP:
                    since = last
            try:
                with self.deps.sessions.begin() as session:
                    running.ran(session=session, since=since, now=now)
            except Exception:
                logger.exception("could not record that the tick is running")
                return
            self._ran = (now, moved)

    def forget_old_interactions(self) -> None:
        """Slack repeats a click or submission within minutes: a day of them is plenty."""
        try:
            with self.deps.sessions.begin() as session:
                interactions.prune(
                    session=session, before=self.deps.clock.now() - INTERACTIONS_KEPT
                )
        except Exception:
            logger.exception("could not forget old interactions")

    def beat(self, name: str) -> bool:
        """Record this part's heartbeat; False when it could not (only logged)."""
        try:
            with self.deps.sessions.begin() as session:
                outbox.beat(session=session, name=name, now=self.deps.clock.now())
        except Exception:
            logger.exception("could not record the %s heartbeat", name)
            return False
        return True

    def _sender_alive(self) -> None:
        """Beat for the sender every BEAT_EVERY; a beat that failed is tried next round."""
        last = getattr(self, "_sender_beat", None)
        now = self.deps.clock.now()
        if (last is None or now - last >= BEAT_EVERY or now < last) and self.beat(SENDER):
            self._sender_beat = now


def run_tick(worker: Worker) -> None:
    """The scheduler's job (module level, as APScheduler prefers)."""
    worker.tick()
