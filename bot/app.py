"""The app factory: a Bolt app wired to Matchday's listeners, storage and Web API client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.background import AFTER_THE_ANSWER, AfterAck, ContextThreadPool
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.deps import Deps

if TYPE_CHECKING:
    from worker.run import InboxSweeper, Worker

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
        # bot/web.py checks Slack's signature before a request reaches Bolt (401, bodies
        # never logged); Socket Mode needs none.
        request_verification_enabled=False,
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


def start_worker(deps: Deps, client: WebClient, inbox: InboxSweeper | None = None) -> Worker:
    """Start the worker in this process: the outbox sender, the inbox's sweeper when given,
    and the tick when scheduled.

    Under the sandbox's clock the tick also runs as soon as time is advanced.
    """
    import handlers  # noqa: F401 - registers the builders, tasks and hooks the sender runs
    from bot.sandbox_clock import FileClock
    from handlers.jobs import tick
    from storage.db import make_engine, make_session_factory, wake_on_commit
    from worker.run import Worker

    # The worker's own engine: its statements may take longer than a web request's.
    engine = make_engine(deps.settings.DATABASE_URL)
    sessions = make_session_factory(engine, deps.clock)
    wake_on_commit(sessions, deps.outbox_signal.wake)
    deps = replace(deps, engine=engine, sessions=sessions)
    worker = Worker(
        deps, client, tick, scheduled=deps.settings.MATCHDAY_SCHEDULER, inbox=inbox
    ).start()
    if isinstance(deps.clock, FileClock) and deps.settings.MATCHDAY_SCHEDULER:
        deps.clock.watch(worker.tick)
    return worker


def _polite_error(
    error: Exception, body: dict[str, Any], context: BoltContext, logger: logging.Logger
) -> BoltResponse:
    """Answer politely instead of a 500: a field error in a form keeps what was typed.

    When the database is away or too slow, people read that nothing was changed; events are
    answered 500 so that Slack delivers them again later.
    """
    from bot.views.help import database_unreachable, something_went_wrong

    trouble = _database_trouble(error)
    if trouble:
        logger.warning("database unavailable: %s", type(error).__name__)
    else:
        logger.error("listener failed", exc_info=error)
    notice = database_unreachable() if trouble else something_went_wrong()
    kind = body.get("type")
    if kind == "view_submission" and context.get(AFTER_THE_ANSWER):
        # Answered before it was handled (bot/answered_first.py): the form is closed, so
        # the person reads it in a message; nothing was saved (the transaction rolled back).
        _tell_after_the_answer(body, context, notice)
        return BoltResponse(status=200, body="")
    if kind == "view_submission":
        block = _first_input(body)
        if block:
            return BoltResponse(
                status=200,
                body={"response_action": "errors", "errors": {block: notice["text"][:150]}},
            )
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Matchday"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": notice["blocks"],
        }
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if "command" in body:
        if context.get(AFTER_THE_ANSWER) and context.respond is not None:
            # Kept in the inbox: Slack had its empty answer, the notice goes by response_url.
            try:
                context.respond(response_type="ephemeral", **notice)
            except Exception:
                logger.warning("could not tell the person a command failed", exc_info=True)
        return BoltResponse(status=200, body={"response_type": "ephemeral", **notice})
    if kind == "event_callback" and trouble:
        return BoltResponse(status=500, body="")  # Slack retries the event later
    respond = context.respond
    deps = context.get("deps")
    if kind == "block_actions" and respond is not None and isinstance(deps, Deps):
        deps.after_ack.submit(respond, response_type="ephemeral", **notice)
    return BoltResponse(status=200, body="")


def _tell_after_the_answer(
    body: dict[str, Any], context: BoltContext, notice: dict[str, Any]
) -> None:
    """A form's failure after its answer: by the form's response_url, else a DM."""
    from handlers.common import tell_clicker
    from handlers.payloads import ViewSubmission, parse

    submission = parse(ViewSubmission, body)
    if context.client is None or submission is None:
        return
    response_url = str(submission.metadata().get("response_url") or "")
    try:
        tell_clicker(context.client, submission.user_id, response_url, notice)
    except Exception:
        logger.warning("could not tell the person a form failed", exc_info=True)


def _database_trouble(error: BaseException) -> bool:
    """A database that is down, locked or too slow (not a bug in Matchday)."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(error, DBAPIError | PoolTimeout) and not isinstance(
        getattr(error, "orig", None), ValueError
    )


def _first_input(body: dict[str, Any]) -> str | None:
    """The block id of the form's first input, where a field error can be shown."""
    for block in (body.get("view") or {}).get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def new_deps(settings: Settings, clock: Clock | None = None) -> Deps:
    """Create the engine, session factory and after-ack pool for one process.

    ``clock`` (default: the settings' clock) is the one every time is read from, the times
    the database stamps rows with included. Give it here rather than replacing ``clock`` on
    the result, which would leave the sessions on the old clock.
    """
    from bot.outbox import Signal
    from storage.db import make_engine, make_session_factory, wake_on_commit

    clock = clock if clock is not None else _clock(settings)
    # No ping per checkout: a round trip per session on the way to every ack (storage/db.py).
    engine = make_engine(settings.DATABASE_URL, settings.MATCHDAY_DB_TIMEOUT_MS, pre_ping=False)
    sessions = make_session_factory(engine, clock)
    signal = Signal()
    wake_on_commit(sessions, signal.wake)
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        after_ack=AfterAck(),
        clock=clock,
        outbox_signal=signal,
    )


def _clock(settings: Settings) -> Clock:
    """Real time in production; the sandbox's movable clock when MATCHDAY_CLOCK_FILE is set."""
    if settings.MATCHDAY_CLOCK_FILE is None:
        return SystemClock()
    from bot.sandbox_clock import FileClock

    return FileClock(settings.MATCHDAY_CLOCK_FILE)
