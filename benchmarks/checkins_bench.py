"""Check-in delivery under load: 1,000 pilots due in the same minute, against the fake Slack.

Run from the repository root::

    .venv/bin/python -m benchmarks.checkins_bench [--pilots 1000] [--json out.json] \
        [--database sqlite|postgresql|both] [--scenario plain|ratelimited|two-processes|all]

For each database it seeds the pilots (a weekly check-in each, all due at the same instant),
starts a FakeSlack in this process and the app's scheduler work in separate processes (each
calls ``handlers.checkins.post_due_checkins`` once per simulated minute with a FixedClock,
exactly as the tick does), and reports three scenarios:

* ``plain``: one app process; time from "go" until the last check-in reached Slack, and the
  app process's CPU time per check-in (the fake's CPU is not counted: it runs here);
* ``ratelimited``: one app process while the fake answers HTTP 429 (Retry-After: 0) to every
  second chat.postMessage; every check-in must still be posted exactly once;
* ``two-processes``: two app processes started together against the same database; zero
  duplicates required (PostgreSQL is the case that matters; SQLite is shown too).

Every scenario checks, from the fake's record of successful chat.postMessage calls, that each
check-in's metadata key was posted exactly once and that the database holds its ts. Exit
status 0 when all checks hold, 1 otherwise. The PostgreSQL server comes from
MATCHDAY_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a
scratch database is created and dropped. Figures are recorded in benchmarks/CHECKINS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-fake-bot-token"
ADMIN = "UBENCHADMIN1"
PEOPLE = ("UBENCHORG01", "UBENCHREP01")
DUE = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Stockholm
MAX_TICKS = 30
POSTGRES = os.environ.get(
    "MATCHDAY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


# --- the app process ---------------------------------------------------------------------------


def worker(database_url: str, api_url: str, advance: bool) -> None:
    """One app process: wait for "go" on stdin, then tick until every check-in is out.

    Alone, it jumps its clock a minute per tick, so backed-off check-ins come due at once.
    Beside another process it keeps its clock: the lease that lets one process take over a
    claim of a dead one assumes the processes' clocks agree (as NTP-synced servers' do).
    """
    from sqlalchemy import func, select

    from bot.app import make_client, new_deps
    from bot.clock import FixedClock
    from bot.config import load_settings
    from handlers.checkins import post_due_checkins
    from storage.db import make_engine, make_session_factory
    from storage.models import CheckinRow

    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=api_url,
        MATCHDAY_ADMINS=ADMIN,
    )
    clock = FixedClock(DUE)
    deps = new_deps(settings, clock)
    # The worker's own engine, as bot.app.start_worker gives the tick: its statements may
    # wait longer for SQLite's one writer than a web request's.
    engine = make_engine(database_url)
    deps = replace(deps, engine=engine, sessions=make_session_factory(engine, clock))
    client = make_client(settings)
    unposted = select(func.count()).where(CheckinRow.seq == 1, CheckinRow.posted_at.is_(None))
    print("ready", flush=True)
    sys.stdin.readline()
    profile = _profiler()
    cpu, started = time.process_time(), time.monotonic()
    posted = ticks = 0
    for ticks in range(1, MAX_TICKS + 1):  # noqa: B007 - reported below
        posted += post_due_checkins(deps, client)
        with deps.sessions() as session:
            if not session.scalar(unposted):
                break
        if advance:
            clock.advance(timedelta(minutes=1))  # the next tick: backed-off ones are due
        else:
            time.sleep(0.1)  # the other process is still posting what it claimed
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["CHECKINS_PROFILE"])
    report = {
        "posted": posted,
        "ticks": ticks,
        "seconds": time.monotonic() - started,
        "cpu_seconds": time.process_time() - cpu,
    }
    deps.engine.dispose()
    print(json.dumps(report), flush=True)


def _profiler() -> Any:
    """A running cProfile when CHECKINS_PROFILE names a file for its stats (one process)."""
    if not os.environ.get("CHECKINS_PROFILE"):
        return None
    import cProfile
    import threading

    import handlers.checkin_posting

    profile = cProfile.Profile()
    # Check-ins are posted from a thread pool: each thread gets its own profile, merged here.
    by_thread: dict[int, cProfile.Profile] = {}
    deliver = handlers.checkin_posting.deliver

    def profiled(*args: Any) -> int:
        own = by_thread.setdefault(threading.get_ident(), cProfile.Profile())
        own.enable()
        try:
            return deliver(*args)
        finally:
            own.disable()

    handlers.checkin_posting.deliver = profiled  # type: ignore[assignment]

    class Merged:
        def disable(self) -> None:
            profile.disable()

        def dump_stats(self, path: str) -> None:
            import pstats

            stats = pstats.Stats(profile)
            for own in by_thread.values():
                stats.add(own)
            stats.dump_stats(path)

    profile.enable()
    return Merged()


# --- the benchmark ------------------------------------------------------------------------------


@dataclass
class Result:
    """One scenario on one database."""

    database: str
    scenario: str
    pilots: int
    processes: int
    seconds_until_all_posted: float
    app_cpu_ms_per_checkin: float
    posted_by_process: list[int]
    ticks: list[int]
    http_429: int
    duplicates: int
    missing: int
    recorded_ok: bool
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every check-in posted exactly once and recorded with its ts."""
        return self.duplicates == 0 and self.missing == 0 and self.recorded_ok


def _postgres_database() -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES)
    name = f"matchday_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname=server.database or "postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, server.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES)
    with psycopg.connect(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname=server.database or "postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(database_url: str, fake: Any, pilots_count: int) -> float:
    """Create the pilots (and their channels in the fake); returns the seconds it took."""
    from bot.clock import FixedClock
    from bot.pilots import Cadence, Milestone, Person, Schedule, Side, occurrence
    from bot.programme import OrganisationKind
    from storage.db import make_engine, make_session_factory
    from storage.repositories import organisations, pilots, startups

    started = time.monotonic()
    for user_id in (ADMIN, *PEOPLE):
        fake.add_user(user_id, user_id.lower())
    engine = make_engine(database_url)
    schedule = Schedule(
        Cadence.WEEKLY, 0, wall_time(10), "Europe/Stockholm", date(2027, 1, 4), date(2027, 12, 31)
    )
    first = occurrence(schedule, 0)
    assert first.due_at == DUE
    with make_session_factory(engine, FixedClock(DUE - timedelta(days=1))).begin() as session:
        organisation, _created = organisations.save(
            session=session,
            actor=ADMIN,
            channel_id="CBENCHORG",
            name="Benchmark kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="CBENCHOPPS",
            timezone="Europe/Stockholm",
        )
        startup = startups.register(
            session=session,
            actor=ADMIN,
            name="Bench AB",
            org_number="556016-0680",
            website="https://bench.example",
            sector="health tech",
            description="Benchmarks",
            representatives=[PEOPLE[1]],
        )
        for number in range(pilots_count):
            channel = f"CPILOT{number:05d}"
            fake.add_channel(channel, channel.lower(), members=PEOPLE)
            pilots.create(
                session=session,
                actor=PEOPLE[0],
                organisation_id=organisation.id,
                startup_id=startup.id,
                title=f"Pilot {number}",
                channel_id=channel,
                start=date(2027, 1, 3),
                end=date(2027, 12, 31),
                schedule=schedule,
                people=[Person(PEOPLE[0], Side.ORGANISATION), Person(PEOPLE[1], Side.STARTUP)],
                milestones=[Milestone("Done", date(2027, 12, 31))],
                first=first,
            )
    engine.dispose()
    return time.monotonic() - started


def _verify(database_url: str, fake: Any, pilots_count: int) -> tuple[int, int, bool]:
    """Duplicates, missing check-ins, and whether the database holds every posted ts."""
    from sqlalchemy import select

    from bot.clock import FixedClock
    from storage.db import make_engine, make_session_factory
    from storage.models import CheckinRow

    ts_by_key: dict[str, list[str]] = {}
    for call in fake.calls_to("chat.postMessage"):
        metadata = call.args.get("metadata")
        if call.succeeded and isinstance(metadata, dict):
            key = metadata["event_payload"]["key"]
            ts_by_key.setdefault(key, []).append(str(call.response["ts"]))
    counts = Counter({key: len(found) for key, found in ts_by_key.items()})
    duplicates = sum(count - 1 for count in counts.values() if count > 1)
    missing = pilots_count - len(counts)
    engine = make_engine(database_url)
    with make_session_factory(engine, FixedClock(DUE))() as session:
        rows = session.scalars(select(CheckinRow).where(CheckinRow.seq == 1)).all()
        recorded = all(
            row.message_ts is not None
            and ts_by_key.get(f"pilot-{row.pilot_id}-checkin-{row.id}") == [row.message_ts]
            for row in rows
        )
    engine.dispose()
    return duplicates, missing, recorded and len(rows) == pilots_count


def _run(database: str, scenario: str, pilots_count: int) -> Result:
    from sandbox.slack_api import FakeSlack
    from storage.migrate import upgrade

    scratch: str | None = None
    folder = tempfile.mkdtemp(prefix="matchday-bench-")
    if database == "sqlite":
        database_url = f"sqlite:///{folder}/matchday.db"
    else:
        scratch, database_url = _postgres_database()
    processes = 2 if scenario == "two-processes" else 1
    try:
        upgrade(database_url)
        with FakeSlack() as fake:
            seed_seconds = _seed(database_url, fake, pilots_count)
            fake.reset_calls()
            if scenario == "ratelimited":
                fake.rate_limit("chat.postMessage", every_nth=2, retry_after=0)
            command = [sys.executable, "-m", "benchmarks.checkins_bench", "--worker"]
            advance = "advance" if processes == 1 else "keep"
            workers = [
                subprocess.Popen(
                    [*command, database_url, fake.api_url, advance],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=HERE,
                )
                for _ in range(processes)
            ]
            for process in workers:
                assert process.stdout is not None
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError("an app process did not start")
            go = time.time()
            for process in workers:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            reports = []
            for process in workers:
                out, _err = process.communicate(timeout=900)
                if process.returncode != 0:
                    raise RuntimeError(f"an app process failed ({process.returncode})")
                reports.append(json.loads(out.strip().splitlines()[-1]))
            posts = [c for c in fake.calls_to("chat.postMessage") if c.succeeded]
            last_post = max((call.time for call in posts), default=go)
            http_429 = sum(1 for c in fake.calls_to("chat.postMessage") if c.status == 429)
            duplicates, missing, recorded = _verify(database_url, fake, pilots_count)
    finally:
        if scratch:
            _drop_postgres(scratch)
    posted = sum(report["posted"] for report in reports)
    cpu = sum(report["cpu_seconds"] for report in reports)
    return Result(
        database=database,
        scenario=scenario,
        pilots=pilots_count,
        processes=processes,
        seconds_until_all_posted=round(last_post - go, 2),
        app_cpu_ms_per_checkin=round(1000 * cpu / max(posted, 1), 2),
        posted_by_process=[report["posted"] for report in reports],
        ticks=[report["ticks"] for report in reports],
        http_429=http_429,
        duplicates=duplicates,
        missing=missing,
        recorded_ok=recorded,
        notes=[f"seeding took {seed_seconds:.1f} s"],
    )


def _table(results: list[Result]) -> str:
    head = (
        "| database | scenario | processes | until all posted | app CPU per check-in "
        "| posted by process | ticks | 429s | duplicates | missing | ok |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in results:
        lines.append(
            f"| {r.database} | {r.scenario} | {r.processes} | {r.seconds_until_all_posted} s "
            f"| {r.app_cpu_ms_per_checkin} ms | {r.posted_by_process} | {r.ticks} "
            f"| {r.http_429} | {r.duplicates} | {r.missing} | {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one app process of it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--worker", nargs=3, metavar=("DATABASE_URL", "API_URL", "advance|keep"), help="internal"
    )
    parser.add_argument("--pilots", type=int, default=1000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--scenario",
        choices=("plain", "ratelimited", "two-processes", "all"),
        default="all",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], args.worker[2] == "advance")
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    scenarios = (
        ["plain", "ratelimited", "two-processes"] if args.scenario == "all" else [args.scenario]
    )
    print(
        f"# {platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    for database in databases:
        for scenario in scenarios:
            result = _run(database, scenario, args.pilots)
            results.append(result)
            print(f"{database} {scenario}: {json.dumps(asdict(result))}", flush=True)
    print()
    print(_table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
