"""The app factory: a Bolt app wired to Matchday's listeners, storage and Web API client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.background import AfterAck, ContextThreadPool
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.deps import Deps

if TYPE_CHECKING:
    from worker.run import Worker

logger = logging.getLogger(__name__)


def make_client(settings: Settings) -> WebClient:
    """A Web API client for SLACK_API_URL that waits out 429s and retries transient errors."""
    from webapi.client import make_client as metered

    token = settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None
    return metered(token, settings.SLACK_API_URL)


def create_app(settings: Settings, deps: Deps, *, socket_mode: bool = False) -> App:
    """Build the Bolt app with every Matchday listener registered."""
    from handlers import register_all  # handlers import bot, not the other way round

    secret = (
        settings.SLACK_SIGNING_SECRET.get_secret_value() if settings.SLACK_SIGNING_SECRET else ""
    )
    app = App(
        client=make_client(settings),
        signing_secret=secret,
        # Answer from the listener itself; slow work goes to deps.after_ack.
        process_before_response=not socket_mode,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        logger=logging.getLogger("matchday.bolt"),
        # Socket Mode runs listeners in this pool: they keep the request's language.
        listener_executor=ContextThreadPool(max_workers=5, thread_name_prefix="listener"),
    )

    @app.middleware
    def inject_deps(context: BoltContext, next: Callable[[], Any]) -> Any:
        context["deps"] = deps
        return next()

    from handlers.language import install as install_languages

    install_languages(app, deps)  # every request in its sender's language
    app.error(_polite_error)
    register_all(app)
    return app


def start_worker(deps: Deps, client: WebClient) -> Worker:
    """Start the worker in this process: the outbox sender, and the tick when scheduled.

    Under the sandbox's clock the tick also runs as soon as time is advanced.
    """
    import handlers  # noqa: F401 - registers the builders, tasks and hooks the sender runs
    from bot.sandbox_clock import FileClock
    from handlers.jobs import tick
    from worker.run import Worker

    worker = Worker(deps, client, tick, scheduled=deps.settings.MATCHDAY_SCHEDULER).start()
    if isinstance(deps.clock, FileClock) and deps.settings.MATCHDAY_SCHEDULER:
        deps.clock.watch(worker.tick)
    return worker


def _polite_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> BoltResponse:
    """Log the failure and answer Slack with a polite message instead of a 500."""
    from bot.views.help import something_went_wrong

    logger.error("listener failed", exc_info=error)
    kind = body.get("type")
    notice = something_went_wrong()
    if kind == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Matchday"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": notice["blocks"],
        }
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if "command" in body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", **notice})
    return BoltResponse(status=200, body="")


def new_deps(settings: Settings) -> Deps:
    """Create the engine, session factory and after-ack pool for one process."""
    from bot.outbox import Signal
    from storage.db import make_engine, make_session_factory, wake_on_commit

    engine = make_engine(settings.DATABASE_URL)
    sessions = make_session_factory(engine)
    signal = Signal()
    wake_on_commit(sessions, signal.wake)
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        after_ack=AfterAck(),
        clock=_clock(settings),
        outbox_signal=signal,
    )


def _clock(settings: Settings) -> Clock:
    """Real time in production; the sandbox's movable clock when MATCHDAY_CLOCK_FILE is set."""
    if settings.MATCHDAY_CLOCK_FILE is None:
        return SystemClock()
    from bot.sandbox_clock import FileClock

    return FileClock(settings.MATCHDAY_CLOCK_FILE)
