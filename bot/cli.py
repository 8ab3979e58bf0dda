"""The `matchday` command line: serve, socket, worker, sandbox, db upgrade, showcase export."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchday", description="Matchday: innovation programmes in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve Slack's HTTP requests (production)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")  # noqa: S104
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    no_worker = "do not run the worker (tick, outbox sender, planner) in this process"
    serve.add_argument("--no-worker", action="store_true", help=no_worker)
    socket = commands.add_parser("socket", help="connect over Socket Mode (development)")
    socket.add_argument("--no-worker", action="store_true", help=no_worker)
    commands.add_parser(
        "worker",
        help="run the scheduler's tick, the outbox sender and the planner (no HTTP)",
    )
    sandbox = commands.add_parser(
        "sandbox",
        help="try Matchday without Slack: a local Slack in the browser, the app beside it",
    )
    sandbox.add_argument(
        "--port", type=int, default=3000, help="the page and its Slack Web API (default 3000)"
    )
    sandbox.add_argument(
        "--app-port", type=int, default=0, help="the app's port (default: any free port)"
    )
    sandbox.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data/sandbox"),
        help="where the demo is kept between runs (default data/sandbox)",
    )
    showcase = commands.add_parser("showcase", help="the public showcase pages")
    showcase_commands = showcase.add_subparsers(dest="showcase_command", required=True)
    export = showcase_commands.add_parser(
        "export", help="write the showcase as static files (relative links only) into DIR"
    )
    export.add_argument("directory", type=Path, metavar="DIR", help="where to write the files")
    database = commands.add_parser("db", help="database maintenance")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    database_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    from bot.logs import configure

    configure("text")
    if args.command == "sandbox":  # needs no Slack settings: it is Slack's side itself
        from sandbox.main import run

        return run(args.port, args.app_port, args.data_dir)
    try:
        settings = load_settings()
        if args.command == "serve":
            settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        elif args.command == "socket":
            settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
        elif args.command == "worker":
            settings.require("SLACK_BOT_TOKEN")
        if getattr(args, "no_worker", False):
            settings = settings.model_copy(update={"MATCHDAY_WORKER": False})
    except ConfigError as error:
        print(f"matchday: {error}", file=sys.stderr)
        return 2
    configure(settings.MATCHDAY_LOG_FORMAT)
    if not _migrate(settings):
        return 1
    if args.command == "serve":
        from bot.server import serve

        serve(settings, args.host, args.port, args.workers, args.threads)
    elif args.command == "socket":
        _socket(settings)
    elif args.command == "worker":
        _worker(settings)
    elif args.command == "showcase":
        return _export_showcase(settings, args.directory)
    return 0


def _worker(settings: Settings) -> None:
    """Run the worker until SIGTERM or SIGINT."""
    import signal
    import threading

    from bot.app import create_app, new_deps, start_worker
    from handlers.inbox import Inbox

    # Before any thread starts (on Linux each thread has its own niceness, inherited): where
    # the worker shares cores with web processes, their answers to Slack go first.
    os.nice(settings.MATCHDAY_WORKER_NICE)
    deps = new_deps(settings)
    app = create_app(settings, deps)  # the listeners that handle the inbox's clicks and events
    worker = start_worker(deps, app.client, Inbox(app, deps))
    stopped = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _signum, _frame: stopped.set())
    logging.getLogger(__name__).info("matchday worker running")
    stopped.wait()
    worker.stop()


def _export_showcase(settings: Settings, directory: Path) -> int:
    """Write the showcase's pages into ``directory``; returns the exit status."""
    from bot.app import new_deps
    from showcase.export import export
    from storage.repositories import showcase

    if not settings.MATCHDAY_SHOWCASE:
        print("matchday: the showcase is turned off (MATCHDAY_SHOWCASE=false).", file=sys.stderr)
        return 2
    deps = new_deps(settings)
    now = deps.clock.now()
    with deps.sessions() as session:
        data = showcase.showcase(
            session=session, now=now, today=now.astimezone(settings.timezone).date()
        )
    try:
        written = export(data, directory, settings.MATCHDAY_JOIN_URL)
    except OSError as error:
        print(f"matchday: cannot write the showcase to {directory}: {error}", file=sys.stderr)
        return 1
    finally:
        deps.engine.dispose()
    print(f"matchday: wrote {len(written)} showcase files to {directory}")
    return 0


def _migrate(settings: Settings) -> bool:
    from sqlalchemy.engine import make_url

    from storage.migrate import upgrade

    try:
        upgrade(settings.DATABASE_URL)
    except Exception as error:  # report any driver error in one line, password hidden
        where = make_url(settings.DATABASE_URL).render_as_string(hide_password=True)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"matchday: cannot migrate the database at {where}: {reason}", file=sys.stderr)
        return False
    return True


def _socket(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app, new_deps, start_worker

    assert settings.SLACK_APP_TOKEN is not None
    deps = new_deps(settings)
    app = create_app(settings, deps, socket_mode=True)
    if settings.MATCHDAY_WORKER:
        start_worker(deps, app.client)
    handler = SocketModeHandler(app, settings.SLACK_APP_TOKEN.get_secret_value())
    handler.start()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    sys.exit(main())
