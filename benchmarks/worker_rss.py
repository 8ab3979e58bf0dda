"""A worker's peak memory while it plans a 3,000-request matchday through worker/planner.py.

Run from the repository root::

    .venv/bin/python -m benchmarks.worker_rss [--database-url URL] [--instance xl]

It seeds a database (a temporary SQLite file unless ``--database-url`` is given) with the
``xl`` instance of benchmarks/matchday_instances.py as a real matchday: 80 organisations
with a member each, 400 startups with a representative each, 24 slots, 48 tables, every
party's availability and 3,000 requested meetings. Then a fresh process, the worker,
imports what ``matchday worker`` imports and runs the outbox tasks as the sender would:

1. ``matchday_plan`` (the admin's "Plan now"): load the day, solve in the planner's child
   process (time and memory capped), store the plan (1,152 meetings with their people);
2. the day is published, 2 % of the meetings are declined, and ``matchday_replan`` re-plans
   around them, storing the changes and owing "your agenda changed" notices.

It prints the worker's resident memory after its imports and its peak (``ru_maxrss``), the
solver child's peak, and the time of each step. The goal: the worker stays under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as wall
from pathlib import Path

GOAL_MB = 300.0


def _rss_mb() -> float:
    """This process's resident memory now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kB on Linux


def seed(database_url: str, instance: str) -> int:
    """Write the instance as a matchday; returns its id."""
    from benchmarks.matchday_instances import generate
    from bot.clock import SystemClock
    from bot.programme import OrganisationKind, Role
    from storage.db import make_engine, make_session_factory
    from storage.repositories import matchdays, organisations, startups

    problem = generate(instance)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine, SystemClock())
    parties = sorted(
        {r.organisation for r in problem.requests} | {r.startup for r in problem.requests}
    )
    ids: dict[str, tuple[str, int]] = {}
    with sessions.begin() as session:
        for number, party in enumerate(parties):
            if party.startswith("org"):
                organisation, _new = organisations.save(
                    session=session,
                    actor="UADMIN0001",
                    channel_id=f"C{number:09d}",
                    name=f"Organisation {party}",
                    kind=OrganisationKind.MUNICIPALITY,
                    opportunities_channel_id="C0OPPS",
                    timezone="Europe/Stockholm",
                )
                organisations.set_member(
                    session=session,
                    actor="UADMIN0001",
                    organisation_id=organisation.id,
                    user_id=f"UO{number:08d}",
                    role=Role.BUYER,
                )
                ids[party] = ("organisation", organisation.id)
            else:
                startup = startups.register(
                    session=session,
                    actor="UADMIN0001",
                    name=f"Startup {party}",
                    org_number=f"{number:06d}-0000",
                    website=f"https://{party}.example",
                    sector="x",
                    description="d",
                    representatives=[f"US{number:08d}"],
                )
                ids[party] = ("startup", startup.id)
        first = wall(8)
        matchday = matchdays.create(
            session=session,
            actor="UADMIN0001",
            title="Matchday XL",
            day=date.today() + timedelta(days=60),
            starts=first,
            ends=wall(8 + problem.slots // 2),
            meeting_minutes=30,
            breaks=[],
            tables=problem.tables,
            place="Stadshuset",
            links=[],
            timezone="Europe/Stockholm",
            availability_deadline=date.today() + timedelta(days=50),
        )
        for request in problem.requests:
            matchdays.add_request(
                session=session,
                actor="UADMIN0001",
                matchday_id=matchday.id,
                organisation_id=ids[request.organisation][1],
                startup_id=ids[request.startup][1],
                priority=request.priority,
            )
        for party, available in problem.availability.items():
            if party not in ids:  # a party nobody asked to meet is not at the day
                continue
            kind, ref_id = ids[party]
            matchdays.set_unavailable(
                session=session,
                matchday_id=matchday.id,
                kind=kind,
                ref_id=ref_id,
                slots=set(range(problem.slots)) - set(available),
            )
    engine.dispose()
    return matchday.id


def measure(database_url: str, matchday_id: int) -> dict[str, float]:
    """In a fresh process: plan, publish, decline 2 %, re-plan; the memory and times."""
    from slack_sdk import WebClient

    import handlers  # noqa: F401 - the worker's tasks and builders, as `matchday worker` has
    from bot.app import new_deps
    from bot.config import load_settings
    from handlers.matchday_plan import owe_replan, plan_task, replan_task
    from storage.repositories import matchdays
    from worker import run  # noqa: F401 - the rest of the worker

    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-benchmark",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    deps = new_deps(settings)
    client = WebClient(token="xoxb-benchmark", base_url=settings.SLACK_API_URL)
    figures = {"after_imports_mb": _rss_mb()}
    started = time.perf_counter()
    plan_task(deps, client, {"matchday": matchday_id, "after": 0, "actor": ""})
    figures["plan_seconds"] = time.perf_counter() - started
    with deps.sessions.begin() as session:
        matchdays.set_status(session=session, matchday_id=matchday_id, status="published")
        planned = matchdays.planned(session=session, matchday_id=matchday_id)
        figures["meetings"] = len(planned)
        rng = random.Random(7)  # a reproducible benchmark
        for meeting in rng.sample(planned, max(1, len(planned) // 50)):
            matchdays.answer(
                session=session, meeting_id=meeting.meeting_id, side="startup", accepts=False
            )
        owe_replan(
            session, matchday_id=matchday_id, because="benchmark", now=deps.clock.now(), actor=""
        )
    started = time.perf_counter()
    replan_task(deps, client, {"matchday": matchday_id, "actor": ""})
    figures["replan_seconds"] = time.perf_counter() - started
    with deps.sessions() as session:
        figures["plan_version"] = matchdays.plan_version(session=session, matchday_id=matchday_id)
        note = matchdays.plan_note(session=session, matchday_id=matchday_id)
    figures["worker_peak_mb"] = _peak_mb(resource.RUSAGE_SELF)
    figures["solver_child_peak_mb"] = _peak_mb(resource.RUSAGE_CHILDREN)
    figures["replan_solver_is_highs"] = 1.0 if note.get("solver") == "highs" else 0.0
    deps.engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--instance", default="xl")
    parser.add_argument("--measure", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.database_url, args.measure)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'worker_rss.db'}"
        from storage.migrate import upgrade

        upgrade(url)
        started = time.perf_counter()
        matchday_id = seed(url, args.instance)
        print(f"seeded {args.instance} in {time.perf_counter() - started:.1f} s")
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.worker_rss",
                "--database-url",
                url,
                "--measure",
                str(matchday_id),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    print(f"meetings planned:           {figures['meetings']:.0f}")
    print(f"plan (Plan now) took:       {figures['plan_seconds']:.1f} s")
    print(
        f"re-plan after 2 % declines: {figures['replan_seconds']:.1f} s "
        f"({'HiGHS' if figures['replan_solver_is_highs'] else 'fallback'})"
    )
    print(f"worker RSS after imports:   {figures['after_imports_mb']:.0f} MB")
    print(
        f"worker peak RSS:            {figures['worker_peak_mb']:.0f} MB (goal < {GOAL_MB:.0f} MB)"
    )
    print(f"solver child peak RSS:      {figures['solver_child_peak_mb']:.0f} MB")
    return 0 if figures["worker_peak_mb"] < GOAL_MB else 1


if __name__ == "__main__":
    sys.exit(main())
