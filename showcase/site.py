"""The showcase under /showcase: read-only pages served from an in-process cache.

Caching: each request reads one cheap version key (counts and maxima of the public tables,
see :func:`storage.repositories.showcase.version`) plus today's date. When the key changes
(an opportunity published, closed or withdrawn, a case card shared, a meeting held...) the
public records are read again and the pages rendered afresh; a page is rendered once per
key and language. Edits the key cannot see (a title changed in place) show within
``TTL_SECONDS``, after which the records are read again anyway. Unknown pages are not cached,
so the cache holds at most the real pages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from bot.deps import Deps
from bot.i18n import use_language
from bot.showcase import Showcase
from bot.showcase_words import labels
from showcase.exchange_site import FormPages, is_form_page, may_post, send
from showcase.pages import DEFAULT_LANGUAGE, Rendered, not_found, render, stylesheet
from storage.repositories import exchanges as exchange_records
from storage.repositories import showcase as records

StartResponse = Callable[..., Any]
logger = logging.getLogger(__name__)
PREFIX = "/showcase"
TTL_SECONDS = 30.0
SECURITY_HEADERS = [
    # No script anywhere on these pages; nothing may frame them.
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]


class PageCache:
    """Rendered pages for one version of the public records."""

    def __init__(self, deps: Deps, ttl: float = TTL_SECONDS) -> None:
        self.deps = deps
        self.ttl = ttl
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._born = 0.0
        self._data: Showcase | None = None
        self._pages: dict[tuple[str, str], Rendered] = {}

    def page(self, name: str, language: str) -> Rendered | None:
        """The page, rendered from the newest public records; None when there is none."""
        now = self.deps.clock.now()
        today = now.astimezone(self.deps.settings.timezone).date()
        with self.deps.sessions() as session:
            key = (
                *records.version(session=session, now=now),
                *exchange_records.version(session=session),
                today.isoformat(),
            )
        with self._lock:
            stale = key != self._key or time.monotonic() - self._born > self.ttl
            if stale or self._data is None:
                with self.deps.sessions() as session:
                    data = records.showcase(session=session, now=now, today=today)
                    upcoming = exchange_records.upcoming(session=session, now=now)
                    self._data = replace(data, exchanges=tuple(upcoming))
                self._key, self._born = key, time.monotonic()
                self._pages.clear()
            found = self._pages.get((language, name))
            if found is None:
                join_url = self.deps.settings.MATCHDAY_JOIN_URL
                found = render(self._data, name, language, join_url, live=True)
                if found is not None:
                    self._pages[(language, name)] = found
            return found


def make_showcase(deps: Deps) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI app for every path under /showcase (GET and HEAD; POST only to the two
    forms of showcase/exchange_site.py)."""
    cache = PageCache(deps)
    form_pages = FormPages(deps)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = str(environ.get("PATH_INFO", ""))
        name, language = _page_of(path)
        post = method == "POST" and may_post(name)
        if method not in ("GET", "HEAD") and not post:
            allowed = "GET, HEAD, POST" if may_post(name) else "GET, HEAD"
            body = b"The showcase is read-only: use GET.\n"
            start_response(
                "405 Method Not Allowed",
                [
                    ("Allow", allowed),
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        if is_form_page(name):
            try:
                answer = form_pages.answer(environ, name, language)
            except Exception:  # the database away or locked: say so, never a stack trace
                logger.exception("the showcase's forms could not reach the database")
                return _unavailable(start_response, language)
            if answer is not None:
                return send(answer, start_response, method, language)
        rest = path.removeprefix(PREFIX)
        if rest in ("", "/en"):
            location = PREFIX + rest + "/"
            start_response(
                "301 Moved Permanently", [("Location", location), ("Content-Length", "0")]
            )
            return [b""]
        rest = rest.removeprefix("/")
        language = DEFAULT_LANGUAGE
        if rest == "en" or rest.startswith("en/"):
            language, rest = "en", rest.removeprefix("en").removeprefix("/")
        name = rest or "index.html"
        started = time.perf_counter()
        found: Rendered | None = None
        if name == "style.css" and language == DEFAULT_LANGUAGE:
            found = stylesheet()
        elif "/" not in name:
            try:
                found = cache.page(name, language)
            except Exception:  # the database away or locked: say so, never a stack trace
                logger.exception("the showcase could not read the public records")
                return _unavailable(start_response, language)
        status = "200 OK"
        if found is None:
            status, found = "404 Not Found", not_found(language, name.count("/"))
        elapsed = (time.perf_counter() - started) * 1000
        headers = [
            ("Content-Type", found.content_type),
            ("Content-Length", str(len(found.body))),
            ("Cache-Control", "public, max-age=30"),
            ("Content-Language", language),
            ("Server-Timing", f"render;dur={elapsed:.1f}"),
            *SECURITY_HEADERS,
        ]
        start_response(status, headers)
        return [b""] if method == "HEAD" else [found.body]

    return application


def _page_of(path: str) -> tuple[str, str]:
    """The page's name below its language's top, and the language."""
    rest = path.removeprefix(PREFIX).removeprefix("/")
    if rest == "en" or rest.startswith("en/"):
        return rest.removeprefix("en").removeprefix("/"), "en"
    return rest, DEFAULT_LANGUAGE


def _unavailable(start_response: StartResponse, language: str) -> list[bytes]:
    with use_language(language):
        body = (labels()["unavailable"] + "\n").encode()
    start_response(
        "503 Service Unavailable",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Retry-After", "10"),
        ],
    )
    return [body]
