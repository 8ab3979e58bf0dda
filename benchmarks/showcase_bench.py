"""Showcase pages' server time with 100 organisations and 500 opportunities.

Run from the repository root::

    .venv/bin/python -m benchmarks.showcase_bench [--organisations 100] [--opportunities 500] \
        [--database sqlite|postgresql|both] [--repeat 20]

For each database it seeds a programme of that size (three pitches per opportunity, a
meeting for every fifth, a shared pilot for every tenth) into a scratch database migrated by
Alembic, builds the real WSGI app (``bot.web.make_wsgi``) and requests every kind of page in
both languages through it in this process. Reported per page, in milliseconds of server time:

* ``cold``: the median of five first requests after something was published (the version
  key changed: the public records are read again and the page rendered);
* ``warm``: the median of ``--repeat`` further requests (one version-key query, then the
  cached bytes).

Exit status 0 when every page's median, cold and warm, is under 100 ms. The PostgreSQL server comes
from MATCHDAY_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

from sqlalchemy import update

from bot.app import create_app, new_deps
from bot.clock import FixedClock
from bot.config import load_settings
from bot.web import make_wsgi
from storage.migrate import upgrade
from storage.models import OpportunityRow
from tests.showcase_programme import seed_big

NOW = datetime(2025, 6, 15, 10, tzinfo=UTC)
LIMIT_MS = 100.0
COLD_RUNS = 5


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A migrated scratch database of this kind, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    from tests.conftest import _create_postgres_database, _drop_postgres_database

    name, url = _create_postgres_database()
    try:
        upgrade(url)
        yield url
    finally:
        _drop_postgres_database(name)


def bench(kind: str, organisations: int, opportunities: int, repeat: int) -> bool:
    """Seed, request every page cold and warm, print the figures; True when all are fast."""
    with scratch_database(kind) as url:
        settings = load_settings(
            DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET="bench"
        )
        deps = new_deps(settings, clock=FixedClock(NOW))
        with deps.sessions.begin() as session:
            seed_big(session, organisations=organisations, opportunities=opportunities, now=NOW)
        app = make_wsgi(create_app(settings, deps), deps)
        pages = [
            "/showcase/",
            "/showcase/opportunities.html",
            "/showcase/cases.html",
            "/showcase/organisations.html",
            "/showcase/organisation-1.html",
            "/showcase/feed.atom",
            "/showcase/chart.svg",
            "/showcase/en/",
            "/showcase/en/opportunities.html",
            "/showcase/en/organisation-50.html",
        ]
        print(f"\n{kind}: {organisations} organisations, {opportunities} opportunities")
        print(f"{'page':40} {'cold ms':>9} {'warm ms':>9} {'bytes':>8}")
        fast = True
        closed = iter(range(1, opportunities + 1))
        for path in pages:
            colds = []
            for _ in range(COLD_RUNS):
                # Something is published before each cold request: the version key changes.
                with deps.sessions.begin() as session:
                    session.execute(
                        update(OpportunityRow)
                        .where(OpportunityRow.id == next(closed))
                        .values(status="closed")
                    )
                colds.append(_timed(app, path))
            cold, size = statistics.median(c[0] for c in colds), colds[0][1]
            warm = statistics.median(_timed(app, path)[0] for _ in range(repeat))
            fast = fast and cold < LIMIT_MS and warm < LIMIT_MS
            print(f"{path:40} {cold:9.1f} {warm:9.1f} {size:8d}")
        deps.engine.dispose()
    return fast


def _timed(app: Any, path: str) -> tuple[float, int]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    seen: list[str] = []
    started = time.perf_counter()
    body = b"".join(app(environ, lambda status, headers: seen.append(status)))
    elapsed = (time.perf_counter() - started) * 1000
    assert seen and seen[0].startswith("200"), (path, seen)
    return elapsed, len(body)


def main() -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--opportunities", type=int, default=500)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    fast = all([bench(kind, args.organisations, args.opportunities, args.repeat) for kind in kinds])
    print("\nevery page under 100 ms" if fast else "\nSOME PAGE TOOK 100 ms OR MORE")
    return 0 if fast else 1


if __name__ == "__main__":
    sys.exit(main())
