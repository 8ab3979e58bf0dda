"""The app factory: a Bolt app wired to Matchday's listeners, storage and Web API client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.background import AfterAck, ContextThreadPool
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.deps import Deps

logger = logging.getLogger(__name__)


def make_client(settings: Settings) -> WebClient:
    """A Web API client for SLACK_API_URL that waits out 429s and retries transient errors."""
    token = settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None
    client = WebClient(token=token, base_url=settings.SLACK_API_URL, timeout=10)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


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
    _tick_after_clock_advances(settings, deps, app)
    return app


def _tick_after_clock_advances(settings: Settings, deps: Deps, app: App) -> None:
    """Under the sandbox's clock, run the scheduler's tick as soon as time is advanced."""
    from bot.sandbox_clock import FileClock

    if not (isinstance(deps.clock, FileClock) and settings.MATCHDAY_SCHEDULER):
        return
    from handlers.jobs import tick

    deps.clock.watch(lambda: tick(deps, app.client))


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
    from storage.db import make_engine, make_session_factory

    engine = make_engine(settings.DATABASE_URL)
    return Deps(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        after_ack=AfterAck(),
        clock=_clock(settings),
    )


def _clock(settings: Settings) -> Clock:
    """Real time in production; the sandbox's movable clock when MATCHDAY_CLOCK_FILE is set."""
    if settings.MATCHDAY_CLOCK_FILE is None:
        return SystemClock()
    from bot.sandbox_clock import FileClock

    return FileClock(settings.MATCHDAY_CLOCK_FILE)
