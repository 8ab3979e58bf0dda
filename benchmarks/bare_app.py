"""A bare Bolt app that only acks `/matchday`: the baseline for benchmarks/ack_latency.py.

It is served exactly as `matchday serve` serves Matchday (gunicorn embedded, gthread
workers, the same gunicorn options), so the difference between the two is Matchday's own
work in the ack path. Two runners can be chosen:

* ``before`` (default): ``process_before_response=True``, the listener's return *is*
  the answer; the path Matchday uses over HTTP.
* ``default``: Bolt's default thread runner, which runs the listener in a pool and
  polls every 10 ms for the ack before answering.

Run it by hand::

    SLACK_SIGNING_SECRET=... python -m benchmarks.bare_app --port 3001 --threads 8

or as a plain WSGI module (``gunicorn benchmarks.bare_app:application -k gthread``), where
``BARE_RUNNER`` (``before``/``default``) picks the runner. Settings come from the same
environment variables Matchday reads: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import gunicorn_options as matchday_gunicorn_options

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

RUNNERS = ("before", "default")
HEALTHY = b'{"ok": true}'


def create_bolt_app(runner: str = "before") -> App:
    """The bare Bolt app: one `/matchday` listener that only acks."""
    if runner not in RUNNERS:
        raise ValueError(f"runner must be one of {RUNNERS}, not {runner!r}")
    secret = os.environ.get("SLACK_SIGNING_SECRET", "")
    if not secret:
        raise RuntimeError("SLACK_SIGNING_SECRET is not set")
    client = WebClient(
        token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bare-benchmark"),
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
        timeout=10,
    )
    app = App(
        client=client,
        signing_secret=secret,
        process_before_response=runner == "before",
        token_verification_enabled=False,
        logger=logging.getLogger("bare.bolt"),
    )

    @app.command("/matchday")
    def only_ack(ack: Ack) -> None:
        ack()

    return app


def create_wsgi(runner: str = "before") -> WsgiApp:
    """Slack's endpoint at /slack/events and a constant /healthz, nothing else."""
    slack = SlackRequestHandler(create_bolt_app(runner), path="/slack/events")

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(HEALTHY)))],
            )
            return [HEALTHY]
        return slack(environ, start_response)

    return application


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Exactly the options bot/server.py gives gunicorn."""
    return matchday_gunicorn_options(host, port, workers, threads, name="matchday-bare")


class BareServer(BaseApplication):  # type: ignore[misc]
    """gunicorn embedded, as `matchday serve` does it; the app is built in each worker."""

    def __init__(self, runner: str, options: dict[str, Any]) -> None:
        self._runner = runner
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        """Build the WSGI app inside the worker (after the fork)."""
        return create_wsgi(self._runner)


def _lazy_application() -> WsgiApp:
    built: list[WsgiApp] = []

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not built:
            built.append(create_wsgi(os.environ.get("BARE_RUNNER", "before")))
        return built[0](environ, start_response)

    return application


# For `gunicorn benchmarks.bare_app:application`; built on the first request.
application = _lazy_application()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the bare app under gunicorn until stopped."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runner", choices=RUNNERS, default="before")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    if not os.environ.get("SLACK_SIGNING_SECRET"):
        print("bare_app: SLACK_SIGNING_SECRET is not set", file=sys.stderr)
        return 2
    options = gunicorn_options(args.host, args.port, args.workers, args.threads)
    BareServer(args.runner, options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
