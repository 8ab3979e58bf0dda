"""The inbox: clicks, events and commands answered at once, handled right after the answer.

For a button click (``block_actions``) or an Events API event Slack needs nothing but an
empty 200; what follows is work. A slash command may be answered empty too: its reply then
goes through its response_url, which Slack shows the same way (handlers/commands.py), and
so may a form submission that no field error can come from the database for: the empty
answer closes the modal (bot/answered_first.py).
So a web process without a worker (``matchday serve --no-worker``) keeps the delivery in
the inbox (one committed insert, with the click's claim) and answers. A worker process
(``matchday worker``), whose sweeper looks for deliveries due every few milliseconds while
they arrive (worker/run.py), hands it to the app's listeners, exactly as Bolt would have,
and removes it once handled (in the transaction of its next sweep, a few milliseconds
later: one commit for many): the web process only answers, and the work never competes
with its next answer for the CPU. (``here`` hands each delivery on in the receiving
process instead: the benchmarks' and tests' in-process app. A single ``matchday serve``
that runs its worker inside keeps no inbox: Bolt handles them before the answer, see
bot/server.py.)

* Nothing acknowledged is lost: a process that dies between the answer and the end of the
  handling (or before the sweep that removes it) leaves the delivery in the inbox under a
  lease; when the lease ends the worker's sweeper hands it on again.
* Nothing twice: a delivery waits under its key (Slack's event id, or the click's claim),
  so Slack's retry of an event still waiting is not kept twice; the listeners keep their
  own guards (an event id recorded with the answer it carried, the click's claim).
* A delivery that fails for a passing reason (the database away) is tried again after
  RETRY_AFTER; after MAX_ATTEMPTS it is dropped with an error in the log.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.background import AFTER_THE_ANSWER, ContextThreadPool
from bot.deps import Deps
from storage.db import request_scope
from storage.repositories import inbox
from storage.repositories.inbox import Delivery

logger = logging.getLogger(__name__)

RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 3


class Inbox:
    """Keeps deliveries before the answer, and hands them to the listeners after it."""

    def __init__(self, app: App, deps: Deps, *, here: bool = True, workers: int = 4) -> None:
        self._app = app
        self._deps = deps
        self._here = here
        # Far longer than any listener takes; MATCHDAY_INBOX_LEASE_SECONDS.
        self._lease = timedelta(seconds=deps.settings.MATCHDAY_INBOX_LEASE_SECONDS)
        self._workers = workers
        self._holding = 0  # deliveries taken by sweeps and not yet handled
        self._handled: list[int] = []  # handled here, to leave the inbox with the next sweep
        self._lock = threading.Lock()
        self._pool = ContextThreadPool(max_workers=workers, thread_name_prefix="inbox")

    def receive(
        self, *, key: str, kind: str, content_type: str, body: bytes, claim: str = ""
    ) -> bool:
        """Keep one delivery, then hand it on after the answer; False for a repeat.

        With ``here`` it is handed on in this process; otherwise it is due at once for a
        worker's sweeper. ``claim``: the click's key (see storage.repositories.interactions),
        taken together with the delivery, all or nothing. Raises when the database cannot keep
        it: the caller then lets Bolt handle the request before answering, as it would
        without the inbox.
        """
        text = body.decode("utf-8", errors="replace")
        delivery_id = inbox.keep(
            engine=self._deps.engine,
            key=key,
            kind=kind,
            content_type=content_type,
            body=text,
            now=self._deps.clock.now(),
            lease=self._lease if self._here else timedelta(0),
            attempts=1 if self._here else 0,
            claim=claim,
        )
        if delivery_id is None:
            return False
        if not self._here:
            return True  # due at once: the worker's sweeper hands it on
        self._pool.submit(self.handle, Delivery(delivery_id, kind, content_type, text, 1))
        return True

    def handle(self, delivery: Delivery, *, swept: bool = False) -> None:
        """Run the app's listeners on one delivery; it leaves the inbox when handled (one
        taken by this process's sweep: with its next sweep)."""
        request = BoltRequest(
            body=delivery.body,
            headers={"content-type": [delivery.content_type]},
            context={AFTER_THE_ANSWER: True},  # no 3 s to keep: Slack may be asked first
        )
        status = 500
        try:
            with request_scope(self._deps.sessions):
                status = self._app.dispatch(request).status
        except Exception:
            logger.exception("could not handle a %s from the inbox", delivery.kind)
        # Bolt answers 500 when it is worth another try (an event whose database was away);
        # anything else had its effect or never can (no listener: 404).
        finished = status < 500 or delivery.attempts >= MAX_ATTEMPTS
        if status >= 500 and finished:
            logger.error(
                "dropped a %s after %d attempts (inbox %d)",
                delivery.kind,
                delivery.attempts,
                delivery.id,
            )
        if finished and swept:
            # Leaves the inbox with the sweeper's next take, a few milliseconds from now, in
            # its transaction (storage.repositories.inbox.take_due).
            with self._lock:
                self._handled.append(delivery.id)
            return
        try:
            with self._deps.sessions.begin() as session:
                if finished:
                    inbox.handled(session=session, delivery_id=delivery.id)
                else:
                    until = self._deps.clock.now() + RETRY_AFTER
                    inbox.later(session=session, delivery_id=delivery.id, until=until)
        except Exception:  # the lease runs out and the sweep hands it on again
            logger.warning("could not update inbox %d", delivery.id)

    def sweep(self) -> int:
        """Let the handled deliveries go and hand on those due (kept for a worker, or whose
        lease ran out); how many it did either with.

        Takes no more than the handling threads can start soon (twice their number, less
        what they still hold): a backlog waits in the inbox, where other workers can take
        it and its leases do not run out while it queues in this process."""
        with self._lock:
            room = 2 * self._workers - self._holding
            handled, self._handled = self._handled, []
        if room <= 0 and not handled:
            return 0
        try:
            taken = inbox.take_due(
                engine=self._deps.engine,
                now=self._deps.clock.now(),
                lease=self._lease,
                limit=max(room, 0),
                handled=handled,
            )
        except Exception:
            with self._lock:  # the next sweep lets them go
                self._handled[:0] = handled
            raise
        for delivery in taken:
            if delivery.attempts > 1:
                logger.info("handing on a %s left behind (inbox %d)", delivery.kind, delivery.id)
            with self._lock:
                self._holding += 1
            self._pool.submit(self._handle_held, delivery)
        return len(taken) + len(handled)

    def _handle_held(self, delivery: Delivery) -> None:
        try:
            self.handle(delivery, swept=True)
        finally:
            with self._lock:
                self._holding -= 1

    def stop(self) -> None:
        """Finish what was handed on, and let it leave the inbox."""
        self._pool.shutdown(wait=True)
        with self._lock:
            handled, self._handled = self._handled, []
        if not handled:
            return
        try:
            with self._deps.sessions.begin() as session:
                for delivery_id in handled:
                    inbox.handled(session=session, delivery_id=delivery_id)
        except Exception:  # their leases run out and a worker hands them on again
            logger.warning("could not let %d handled deliveries leave the inbox", len(handled))
