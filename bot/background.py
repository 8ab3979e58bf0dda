"""Work that runs after Slack has its acknowledgement (Web API calls and anything slow)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

logger = logging.getLogger(__name__)
P = ParamSpec("P")
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


class AfterAck:
    """A small thread pool for slow work, so every HTTP answer to Slack stays fast."""

    def __init__(self, workers: int = 8) -> None:
        self._pool = ContextThreadPool(max_workers=workers, thread_name_prefix="after-ack")

    def submit(self, work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``work`` in the background; failures are logged, never lost silently."""
        future = self._pool.submit(work, *args, **kwargs)
        future.add_done_callback(_log_failure)
        return future

    def shutdown(self) -> None:
        """Finish queued work and stop the threads."""
        self._pool.shutdown(wait=True)


def _log_failure(future: Future[Any]) -> None:
    error = future.exception()
    if error is not None:
        logger.error("background work failed", exc_info=error)
