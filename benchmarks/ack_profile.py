"""Where an acknowledgement's time goes: a cProfile summary of each request kind.

    .venv/bin/python -m benchmarks.ack_profile                # both databases, into profiles/
    .venv/bin/python -m benchmarks.ack_profile --databases sqlite --kinds thread --print

The app runs in this process (benchmarks/ack_inprocess.py) against a fresh, seeded
database (a SQLite file, or a scratch PostgreSQL database from MATCHDAY_TEST_POSTGRES,
dropped afterwards) and a fake Slack. For each kind of benchmarks/ack_kinds.py a few
requests warm the caches, then ``--requests`` requests run under cProfile; the file
``benchmarks/profiles/<database>-<kind>.txt`` lists the SQL statements one request sends
before its answer, and the top 25 functions by cumulative time (per request: divide by
``--requests``). Only the request's own thread is profiled: work after the ack runs in the
after-ack pool and is not part of the answer's latency. For a click or an event, which the
web app keeps in the inbox and answers before handling (handlers/inbox.py), the file goes
on with that handling: its statements and the cProfile summary of ``--requests`` of them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
from pathlib import Path

from benchmarks.ack_inprocess import Answer, InProcessApp
from benchmarks.ack_kinds import KIND_KEYS, Request, RequestMaker, kind, seed
from benchmarks.ack_latency import HOST, populate, scratch_database
from bot.clock import SystemClock
from bot.web import describe
from sandbox.slack_api import FakeSlack
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.repositories.inbox import Delivery

SECRET = "ack-profile-secret-0123456789abcdef"
OUT = Path(__file__).parent / "profiles"
TOP = 25
COMMAND = ".venv/bin/python -m benchmarks.ack_profile"


def profile_kind(
    running: InProcessApp,
    fake: FakeSlack,
    maker: RequestMaker,
    key: str,
    requests: int,
    warmup: int,
) -> tuple[Answer, str]:
    """One request's statements, and the cProfile summary of ``requests`` more."""
    wanted = kind(key)
    for _ in range(warmup):
        running.send(maker.request(wanted))
    running.settle()  # the warm-up's handling after the answer is not this request's cost
    request = maker.request(wanted)
    counted = running.send(request)
    reply = running.reply(request, fake)
    if not (counted.status.startswith("200") and wanted.answered_right(counted.body, reply)):
        raise SystemExit(f"{key}: unexpected answer {counted.status} {counted.body[:200]!r}")
    made = [maker.request(wanted) for _ in range(requests)]  # signing is not the app's time
    profiler = cProfile.Profile()
    for request in made:
        # Each request on a quiet app, as in production, where a worker process handles
        # it after the answer: the handling of the one before does not share the profile.
        profiler.enable()
        running.send(request)
        profiler.disable()
        running.settle()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(TOP)
    return counted, _tidy(text.getvalue())


def kept_in_inbox(maker: RequestMaker, key: str) -> bool:
    """Whether the web app keeps this kind in the inbox and answers before handling it."""
    request = maker.request(kind(key))
    facts = describe(request.headers.get("Content-Type", ""), request.body, keeping=True)
    return bool(facts.get("later"))


def profile_handling(
    running: InProcessApp, maker: RequestMaker, key: str, requests: int
) -> tuple[Answer, str]:
    """What handling a kept click or event costs after its answer (handlers/inbox.py)."""
    running.settle()  # what the answered requests left is handled first

    def delivery(request: Request) -> Delivery:
        content_type = request.headers.get("Content-Type", "")
        return Delivery(0, key, content_type, request.body.decode(), 1)

    counted = Answer("200", b"")
    with running.counter.counting(counted):
        running.inbox.handle(delivery(maker.request(kind(key))))
    made = [delivery(maker.request(kind(key))) for _ in range(requests)]
    profiler = cProfile.Profile()
    profiler.enable()
    for one in made:
        running.inbox.handle(one)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(TOP)
    return counted, _tidy(text.getvalue())


def _tidy(report: str) -> str:
    """Paths shortened to the package, so that the files read the same on every machine."""
    report = re.sub(r"/\S*/site-packages/", "", report)
    report = report.replace(str(Path(__file__).resolve().parent.parent) + "/", "")
    return re.sub(r"/\S*/lib/python3\.\d+/", "", report).strip() + "\n"


def render(
    database: str,
    key: str,
    answer: Answer,
    summary: str,
    requests: int,
    after: tuple[Answer, str] | None = None,
) -> str:
    """The file for one kind on one database (and its handling after the answer)."""
    lines = [
        f"# {kind(key).label} on {database}",
        f"# regenerate: {COMMAND}",
        f"# one request before its answer: {len(answer.statements)} SQL statements, "
        f"{answer.checkouts} connection checkouts, {answer.transactions} transactions",
    ]
    lines += [f"#   {statement}" for statement in answer.statements]
    lines.append(f"# cProfile of {requests} requests (times are totals: divide by {requests})")
    text = "\n".join(lines) + "\n\n" + summary
    if after is not None:
        handled, handled_summary = after
        lines = [
            "",
            "# after the answer: the delivery handled from the inbox (handlers/inbox.py), "
            f"{len(handled.statements)} SQL statements, {handled.checkouts} connection "
            f"checkouts, {handled.transactions} transactions",
        ]
        lines += [f"#   {statement}" for statement in handled.statements]
        lines.append(f"# cProfile of {requests} handlings (totals: divide by {requests})")
        text += "\n".join(lines) + "\n\n" + handled_summary
    return text


def run_database(database: str, fake: FakeSlack, args: argparse.Namespace) -> None:
    """Fresh database, seeded; every kind profiled; the files written (or printed)."""
    with tempfile.TemporaryDirectory(prefix="matchday-profile-") as tmp:
        url, drop = scratch_database(database, Path(tmp), args)
        running = None
        try:
            upgrade(url)
            engine = make_engine(url)
            # A thread per reply: replies signed in advance would otherwise reach a thread
            # after its previous reply moved it on (answered as "someone was faster").
            seeded = seed(
                make_session_factory(engine, SystemClock()),
                threads=2 * (args.warmup + 2 + args.requests),
            )
            engine.dispose()
            running = InProcessApp(url, fake.api_url, SECRET, fake.bot_token)
            maker = RequestMaker(SECRET, seeded, fake.issue_trigger_id, fake.new_response_url)
            for key in args.kinds:
                answer, summary = profile_kind(
                    running, fake, maker, key, args.requests, args.warmup
                )
                after = None
                if kept_in_inbox(maker, key):
                    after = profile_handling(running, maker, key, args.requests)
                text = render(database, key, answer, summary, args.requests, after)
                if args.print:
                    print(text)
                else:
                    args.out.mkdir(parents=True, exist_ok=True)
                    (args.out / f"{database}-{key}.txt").write_text(text)
                print(
                    f"[{database}] {key}: {len(answer.statements)} statements, "
                    f"{answer.checkouts} checkouts, {answer.transactions} transactions",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            if running is not None:
                running.close()
            drop()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--kinds", nargs="+", choices=KIND_KEYS, default=list(KIND_KEYS))
    parser.add_argument("--requests", type=int, default=20, help="profiled requests per kind")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--print", action="store_true", help="print instead of writing files")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "MATCHDAY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    fake = FakeSlack(host=HOST)
    fake.start()
    try:
        populate(fake)
        for database in args.databases:
            run_database(database, fake, args)
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
