"""Work that runs after Slack has its acknowledgement (Web API calls and anything slow)."""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

logger = logging.getLogger(__name__)
P = ParamSpec("P")
# In a request's context when it is handled after its answer, from the inbox
# (handlers/inbox.py): no 3 s to keep, and what Slack shows goes by the response_url.
AFTER_THE_ANSWER = "matchday_after_the_answer"
T = TypeVar("T")


class ContextThreadPool(ThreadPoolExecutor):
    """A thread pool whose work runs in a copy of the submitter's context.

    The reader's language lives in a context variable (bot.i18n); copying the context
    keeps a message built after the ack in the language of the request that asked for it.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn`` in a copy of the current context."""
        context = contextvars.copy_context()

        def run() -> T:
            return context.run(fn, *args, **kwargs)

        return super().submit(run)


class Held:
    """Work submitted while a request held it back, started when ``release`` is called."""

    def __init__(self, pool: ContextThreadPool) -> None:
        self._pool = pool  # the threads themselves: never held again
        self._work: list[tuple[contextvars.Context, Callable[..., Any], Future[Any]]] = []
        self._lock = threading.Lock()
        self._released = False

    def keep(self, work: Callable[..., Any], args: Any, kwargs: Any) -> Future[Any]:
        """Hold ``work`` in the submitter's context; the future settles when it has run."""
        later: Future[Any] = Future()
        context = contextvars.copy_context()  # the request's language, as submitted
        context.run(_held.set, None)  # what the work submits in turn is not held again
        self._work.append((context, functools.partial(work, *args, **kwargs), later))
        return later

    def release(self) -> None:
        """Start what was held, once (later calls do nothing)."""
        with self._lock:
            if self._released:
                return
            self._released = True
            work, self._work = self._work, []
        for context, call, later in work:
            future = self._pool.submit(context.run, call)
            future.add_done_callback(_log_failure)
            future.add_done_callback(_passed_on_to(later))


# The work a request holds back (AfterAck.held), if it holds any.
_held: contextvars.ContextVar[Held | None] = contextvars.ContextVar(
    "matchday_after_ack_held", default=None
)


class AfterAck:
    """A small thread pool for slow work, so every HTTP answer to Slack stays fast."""

    def __init__(self, workers: int = 8) -> None:
        self._pool = ContextThreadPool(max_workers=workers, thread_name_prefix="after-ack")

    def submit(self, work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``work`` in the background; failures are logged, never lost silently."""
        held = _held.get()
        if held is not None:
            return held.keep(work, args, kwargs)
        future = self._pool.submit(work, *args, **kwargs)
        future.add_done_callback(_log_failure)
        return future

    @contextmanager
    def held(self) -> Iterator[None]:
        """Start the work submitted inside the block only when the block ends.

        A command handled after its answer replies through its response_url at the end of
        its listener; the work its handler started (a report that follows "counting...")
        must not overtake that reply.
        """
        held = Held(self._pool)
        token = _held.set(held)
        try:
            yield
        finally:
            _held.reset(token)
            held.release()

    def shutdown(self) -> None:
        """Finish queued work and stop the threads."""
        self._pool.shutdown(wait=True)


def _passed_on_to(later: Future[Any]) -> Callable[[Future[Any]], None]:
    """Settle the future handed out for held work when the work itself is done."""

    def settle(done: Future[Any]) -> None:
        error = done.exception()
        if error is not None:
            later.set_exception(error)
        else:
            later.set_result(done.result())

    return settle


def _log_failure(future: Future[Any]) -> None:
    error = future.exception()
    if error is not None:
        logger.error("background work failed", exc_info=error)
