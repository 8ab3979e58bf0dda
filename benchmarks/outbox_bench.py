"""Outbox throughput: 1,000 queued messages drained by one worker, and by two at once.

Run from the repository root::

    .venv/bin/python -m benchmarks.outbox_bench [--messages 1000] [--database postgresql|sqlite]

The fake Slack runs in a child process (so its CPU is not the sender's), without rate
limits; the sender runs here, exactly as `matchday worker` runs it (claims, metadata key,
marks sent), with the workspace budget lifted (MATCHDAY_SEND_RATE=1000) and each message in
its own channel, so Slack's one-per-second-per-channel pace is not what is measured.
Reports messages a second for one sender, the time to drain, and the duplicates (by key)
with two senders on one database (must be 0). Figures are recorded in benchmarks/OUTBOX.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BOT_TOKEN = "xoxb-fake-bot-token"
HERE = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get(
    "MATCHDAY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def serve_fake(channels: int) -> None:
    """Child process: a fake Slack with ``channels`` channels; prints its URL, then on stdin
    EOF prints how often each outbox key was posted."""
    from sandbox.slack_api import FakeSlack

    fake = FakeSlack().start()
    for index in range(channels):
        fake.add_channel(f"C{index:06d}B", f"bench-{index}")
    print(fake.api_url, flush=True)
    sys.stdin.read()
    keys: dict[str, int] = {}
    for call in fake.calls_to("chat.postMessage"):
        if call.succeeded:
            key = ((call.args.get("metadata") or {}).get("event_payload") or {}).get("key", "")
            keys[key] = keys.get(key, 0) + 1
    print(json.dumps(keys), flush=True)
    fake.stop()


def _database(kind: str) -> tuple[str, Any]:
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"
        return url, lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES)
    name = f"matchday_bench_{uuid.uuid4().hex[:8]}"

    def admin(sql: str) -> None:
        with psycopg.connect(
            host=server.host,
            port=server.port or 5432,
            user=server.username,
            dbname=server.database or "postgres",
            autocommit=True,
        ) as connection:
            connection.execute(sql)

    admin(f'CREATE DATABASE "{name}"')
    return server.set(database=name).render_as_string(hide_password=False), lambda: admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def run(messages: int, kind: str, senders: int) -> dict[str, Any]:
    """Queue ``messages`` rows, drain them with ``senders`` senders; the figures."""
    from slack_sdk import WebClient

    from bot.background import AfterAck
    from bot.clock import SystemClock
    from bot.config import load_settings
    from bot.deps import Deps
    from bot.outbox import Pacer
    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade
    from storage.repositories import outbox
    from worker.sender import Sender

    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.outbox_bench", "--serve-fake", str(messages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    assert child.stdout is not None and child.stdin is not None
    api_url = child.stdout.readline().strip()
    url, drop = _database(kind)
    try:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine, SystemClock())
        settings = load_settings(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=api_url,
            DATABASE_URL=url,
            MATCHDAY_SEND_RATE=1000,
        )
        deps = Deps(settings, engine, sessions, AfterAck(1), SystemClock())
        now = datetime.now(UTC)
        with sessions.begin() as session:
            for index in range(messages):
                outbox.post(
                    session=session,
                    key=f"bench:{index}",
                    kind="notice",
                    channel=f"C{index:06d}B",
                    message={"text": f"message {index}"},
                    now=now,
                    fanout=True,
                )
        client = WebClient(token=BOT_TOKEN, base_url=api_url)
        workers = [
            Sender(deps, client, pacer=Pacer(1000, per_channel_interval=0)) for _ in range(senders)
        ]
        started = time.perf_counter()
        threads = [threading.Thread(target=worker.drain) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        engine.dispose()
    finally:
        child.stdin.close()
        counts = json.loads(child.stdout.readline() or "{}")
        child.wait(timeout=30)
        drop()
    posted = sum(counts.values())
    return {
        "database": kind,
        "senders": senders,
        "messages": messages,
        "posted": posted,
        "distinct": len(counts),
        "duplicates": posted - len(counts),
        "seconds": round(elapsed, 2),
        "per_second": round(len(counts) / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 1 when a message was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--serve-fake", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        serve_fake(args.serve_fake)
        return 0
    ok = True
    runs = [(args.database, 1)] + ([(args.database, 2)] if args.database == "postgresql" else [])
    for kind, senders in runs:
        figures = run(args.messages, kind, senders)
        print(json.dumps(figures))
        ok = ok and figures["distinct"] == args.messages and figures["duplicates"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
