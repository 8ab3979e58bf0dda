"""Production HTTP serving under gunicorn (threaded workers)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Settings
from bot.web import WsgiApp


class MatchdayServer(BaseApplication):  # type: ignore[misc]
    """gunicorn embedded: each worker process builds its own app, engine and thread pool."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn."""
        for key, value in self._options.items():
            if key in self.cfg.settings:  # a setting older gunicorns lack is left out
                self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        """Build the WSGI app inside the worker (after the fork)."""
        from bot.app import create_app, new_deps, start_worker
        from bot.web import make_wsgi
        from handlers.inbox import Inbox

        deps = new_deps(self._settings)
        app = create_app(self._settings, deps)
        if not self._settings.MATCHDAY_WORKER:
            # Clicks and events are answered at once and wait in the inbox for a worker
            # process (`matchday worker`), which does the work on a CPU of its own.
            return make_wsgi(app, deps, Inbox(app, deps, here=False))
        # One process does everything: it handles clicks and events before answering, as
        # work after the answer would only compete with its next answer for the same CPU.
        # Its worker sweeps what web processes without a worker left in the inbox.
        start_worker(deps, app.client, Inbox(app, deps))
        return make_wsgi(app, deps)


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, name: str = "matchday"
) -> dict[str, Any]:
    """How Matchday runs gunicorn: threaded workers, quiet access log."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": name,
        # gunicorn's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): two
        # instances on one host would share it, and Matchday has no use for it.
        "control_socket_disable": True,
    }


def serve(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Serve /slack/events and /healthz until stopped."""
    MatchdayServer(settings, gunicorn_options(host, port, workers, threads)).run()
