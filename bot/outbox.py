"""The outbox's rules, free of Slack and SQL: what an error means, backoff, pacing, waking.

Every Slack call that follows a state change is an outbox row written in the change's own
transaction (storage/repositories/outbox.py); the sender (worker/sender.py) claims due rows
and calls Slack. This module says what the sender does with each answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

# Slack will not take this call as long as nothing changes on the other side.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "account_inactive",
        "user_not_found",
        "user_not_in_channel",
        "cannot_dm_bot",
        "is_inactive",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "ekm_access_denied",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "too_many_attachments",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "missing_scope",
        "not_allowed_token_type",
        "method_not_supported_for_channel_type",
        "duplicate_channel_not_found",
        "invalid_file",
        "file_not_found",
        "view_too_large",
    }
)
# Slack cannot receive anything from the app until it is installed again.
APP_GONE = frozenset({"token_revoked", "invalid_auth", "not_authed", "account_inactive_token"})
# The conversation is closed for now; what is owed waits for it to open again.
CHANNEL_CLOSED = frozenset({"is_archived", "channel_is_archived"})
# Slack's own trouble: try again later.
TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
MAX_TRANSIENT_ATTEMPTS = 12  # about an hour of backoff before it is given up and reported
MAX_UNKNOWN_ATTEMPTS = 3  # an error code nobody knows is permanent after a few tries
MAX_BACKOFF = 300.0


class Verdict(Enum):
    """What the sender does after Slack's answer."""

    RETRY = "retry"  # later, with backoff or after Retry-After
    FAIL = "fail"  # recorded on the row and reported; never tried again
    HOLD_CHANNEL = "hold_channel"  # the conversation is archived: wait for it
    HOLD_ALL = "hold_all"  # the app is gone: wait for it to be installed again


@dataclass(frozen=True)
class Failure:
    """Why one Web API call failed."""

    code: str
    status: int = 200  # the HTTP status (0: no answer at all)
    retry_after: float = 0.0

    @property
    def reached_slack(self) -> bool:
        """Whether Slack may have acted on the call although the answer says it failed."""
        return self.status == 0 or (self.status >= 500 and self.code not in PERMANENT)

    @property
    def transient(self) -> bool:
        """429, 5xx, a lost connection or one of Slack's own trouble codes."""
        return (
            self.status == 0 or self.status == 429 or self.status >= 500 or (self.code in TRANSIENT)
        )


def verdict(failure: Failure, attempts: int) -> Verdict:
    """Decide after the ``attempts``-th try (counting this one)."""
    if failure.code in APP_GONE:
        return Verdict.HOLD_ALL
    if failure.code in CHANNEL_CLOSED:
        return Verdict.HOLD_CHANNEL
    if failure.code in PERMANENT:
        return Verdict.FAIL
    if failure.transient:
        return Verdict.RETRY if attempts < MAX_TRANSIENT_ATTEMPTS else Verdict.FAIL
    return Verdict.RETRY if attempts < MAX_UNKNOWN_ATTEMPTS else Verdict.FAIL


def backoff(attempts: int, retry_after: float = 0.0) -> float:
    """Seconds to wait before the next try: Slack's Retry-After, else doubling from 1 s."""
    if retry_after > 0:
        return min(retry_after, MAX_BACKOFF)
    return min(float(2 ** max(0, attempts - 1)), MAX_BACKOFF)


class Signal:
    """Wakes the senders when a transaction that enqueued something commits.

    Every waiting thread (the message lane and the task lane) sees every wake-up.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0
        self._seen: dict[int, int] = {}

    def wake(self) -> None:
        """Something new is owed."""
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def wait(self, timeout: float) -> bool:
        """Sleep until woken (since this thread last looked) or ``timeout``; True if woken."""
        me = threading.get_ident()
        with self._condition:
            seen = self._seen.get(me, 0)
            woken = self._condition.wait_for(lambda: self._generation != seen, timeout)
            self._seen[me] = self._generation
            return bool(woken)


class Pacer:
    """Slack's pace: one message a second per conversation, and a workspace-wide budget.

    Thread-safe; ``monotonic`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        per_second: float,
        *,
        per_channel_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = max(per_second, 0.1)
        self._interval = per_channel_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self._rate
        self._filled = monotonic()
        self._channel_next: dict[str, float] = {}
        self._paused_until = 0.0

    def ready(self, channel: str) -> bool:
        """Whether a message to this conversation may go now (one per interval)."""
        with self._lock:
            return self._channel_next.get(channel, 0.0) <= self._monotonic()

    def reserve(self, channel: str) -> None:
        """Book this conversation's next slot (called when a row for it is claimed)."""
        with self._lock:
            now = self._monotonic()
            self._channel_next[channel] = max(now, self._channel_next.get(channel, 0.0)) + (
                self._interval
            )
            if len(self._channel_next) > 50_000:  # forget conversations long quiet
                self._channel_next = {
                    key: due for key, due in self._channel_next.items() if due > now
                }

    def pause(self, seconds: float) -> None:
        """Slack said 429: nothing goes out for ``seconds``."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def take(self) -> None:
        """Wait for a token of the workspace budget (and for a pause to end)."""
        while True:
            with self._lock:
                now = self._monotonic()
                wait = self._paused_until - now
                if wait <= 0:
                    self._tokens = min(self._rate, self._tokens + (now - self._filled) * self._rate)
                    self._filled = now
                    if self._tokens >= 1:
                        self._tokens -= 1
                        return
                    wait = (1 - self._tokens) / self._rate
            self._sleep(min(wait, 1.0))


# What the sender may run, registered by the listener modules at import time: the
# composition root imports them, so the worker never imports a listener module itself.
Builder = Callable[..., "dict[str, object] | None"]  # (deps, args) -> message or None
Task = Callable[..., None]  # (deps, client, args): idempotent work that calls Slack itself
Hook = Callable[..., None]  # (session, args, channel, ts): record where a message landed
LanguageOf = Callable[..., str]  # (deps, client, {"user": id} | {"organisation": id}) -> code


class Registry:
    """Builders, tasks and after-sent hooks by name."""

    def __init__(self) -> None:
        self.builders: dict[str, Builder] = {}
        self.tasks: dict[str, Task] = {}
        self.hooks: dict[str, Hook] = {}
        self.language_of: LanguageOf | None = None

    def builder(self, name: str) -> Callable[[Builder], Builder]:
        """Register a function that builds a message at send time."""
        return self._add(self.builders, name)

    def task(self, name: str) -> Callable[[Task], Task]:
        """Register an idempotent task the sender runs."""
        return self._add(self.tasks, name)

    def hook(self, name: str) -> Callable[[Hook], Hook]:
        """Register what to record once Slack took a message (its channel and ts)."""
        return self._add(self.hooks, name)

    @staticmethod
    def _add(table: dict[str, Any], name: str) -> Callable[[Any], Any]:
        def register(function: Any) -> Any:
            if name in table and table[name] is not function:
                raise ValueError(f"{name!r} is registered twice")
            table[name] = function
            return function

        return register


REGISTRY = Registry()
