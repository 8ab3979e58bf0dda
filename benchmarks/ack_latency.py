"""Ack latency of `matchday serve` against a bare Bolt app, measured in the same run.

Run from the repository root::

    .venv/bin/python -m benchmarks.ack_latency [--requests 500] [--concurrency 50] [--json out.json]

It starts a FakeSlack (in a process of its own, benchmarks/slack_process.py), the bare
app (benchmarks/bare_app.py; Bolt's process_before_response path and, unless
--no-default-runner, Bolt's default polling runner) and `matchday serve`
against a fresh SQLite file (or --database-url), each under gunicorn with 1 gthread worker
and the same thread count, on free ports of 127.0.0.1. After a warm-up it sends signed
`/matchday` slash commands, as Slack does, one fresh connection per request:

* concurrency 1: --sequential requests per path, interleaved across the servers in
  --rounds rounds so that drift of the machine hits every server alike;
* concurrency --concurrency: --requests requests per path;

and reports latency percentiles, errors (anything but HTTP 200), the server's CPU time
per request and the resident memory of each gunicorn process after the load, followed
by the verdicts against the targets of the issue. See benchmarks/ACK.md.

Exit status: 0 when the run completed (whatever the verdicts; --strict makes a missed
target exit 3), 1 when a server did not start or a path answered wrongly, 130 when
interrupted. Every server is stopped before it exits.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from types import FrameType

from benchmarks.ack_kinds import (
    ADMIN,
    HELP_CHANNEL,
    KINDS,
    MANAGER,
    ORG_CHANNEL,
    OTHER_CHANNEL,
    OUTSIDER,
    REPLIES_PER_THREAD,
    REPRESENTATIVE,
    THREAD_CHANNEL,
    Kind,
    Request,
    RequestMaker,
    kind,
    replied,
    seed,
)
from benchmarks.slack_process import SlackProcess, SlackStandIn
from bot.clock import SystemClock
from sandbox.slack_api import FakeSlack
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade

HOST = "127.0.0.1"  # every request of this benchmark goes to this machine only
SIGNING_SECRET = "benchmark-signing-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent

# The issue's targets.
TARGET_P50_RATIO = 2.0
TARGET_C50_ERRORS = 0
TARGET_C50_P99_MS = 150.0
TARGET_RSS_MB = 150.0

EXIT_FAILED = 1
EXIT_MISSED = 3
EXIT_INTERRUPTED = 130


class BenchmarkError(Exception):
    """The run cannot go on (a server did not start, a path answered wrongly)."""


# servers ------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ProcessMemory:
    """Memory of one process, in MB (VmRSS, VmHWM: peak RSS, Pss: RSS with shared pages
    divided among the processes sharing them)."""

    role: str
    pid: int
    rss_mb: float
    peak_rss_mb: float
    pss_mb: float


def _status_kb(pid: int, key: str) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return math.nan
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return math.nan


def _pss_kb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return math.nan
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return float(line.split()[1])
    return math.nan


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from the field after the command name on (state, ppid, ...)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def children_of(parent: int) -> list[int]:
    """Pids whose parent is ``parent`` (a scan of /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = _stat_fields(pid)
    if fields is None:
        return math.nan
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used (the "cpu" line of /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Server:
    """A gunicorn server in a subprocess (its own session), on a free port of 127.0.0.1."""

    def __init__(
        self, name: str, command: Sequence[str], env: dict[str, str], log_path: Path
    ) -> None:
        self.name = name
        self.port = free_port()
        self.command = [*command, "--host", HOST, "--port", str(self.port)]
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.workers: list[int] = []
        # Processes that do the server's work beside it (`matchday worker`).
        self.companions: list[subprocess.Popen[bytes]] = []

    def start_companion(self, command: Sequence[str]) -> None:
        """Start a process that works beside the server (its CPU counts as the server's)."""
        with self.log_path.open("ab") as log:
            self.companions.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def start(self) -> None:
        """Start the process; it answers once :meth:`wait_healthy` returns."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only us; we stop it ourselves
            )

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_healthy(self, timeout: float, workers: int) -> None:
        """Wait until GET /healthz answers 200 and the workers are there."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(
                    f"{self.name} exited with status {self.process.returncode}:\n" + self.log_tail()
                )
            if self._healthy():
                self.workers = children_of(self.process.pid)
                if len(self.workers) >= workers:
                    return
            time.sleep(0.1)
        raise BenchmarkError(
            f"{self.name} was not healthy within {timeout:.0f} s:\n" + self.log_tail()
        )

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    def worker_cpu_seconds(self) -> float:
        """CPU time used so far by the server's workers (where requests are handled)."""
        pids = [*self.workers, *(companion.pid for companion in self.companions)]
        return sum(cpu_seconds(pid) for pid in pids)

    def all_cpu_seconds(self) -> float:
        """CPU time used so far by the master and the workers."""
        assert self.process is not None
        return cpu_seconds(self.process.pid) + self.worker_cpu_seconds()

    def memory(self) -> list[ProcessMemory]:
        """Memory of the master and of each worker, now."""
        assert self.process is not None
        roles = [("master", self.process.pid)] + [("worker", pid) for pid in self.workers]
        roles += [("matchday worker", companion.pid) for companion in self.companions]
        return [
            ProcessMemory(
                role=role,
                pid=pid,
                rss_mb=_status_kb(pid, "VmRSS") / 1024,
                peak_rss_mb=_status_kb(pid, "VmHWM") / 1024,
                pss_mb=_pss_kb(pid) / 1024,
            )
            for role, pid in roles
        ]

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), SIGKILL after 15 s; no worker outlives it."""
        for companion in self.companions:
            if companion.poll() is None:
                companion.terminate()
                try:
                    companion.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    companion.kill()
                    companion.wait(timeout=5)
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        if process.poll() is None:
            # Started in a new session, the master leads its own process group, which holds
            # only the processes of this server; it is still alive, so the id is still ours.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        for pid in self.workers:  # a worker left behind still sits in the master's group
            fields = _stat_fields(pid)
            if fields is not None and int(fields[2]) == process.pid:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


# requests -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """One request: how long until the whole answer was read, and what it was."""

    seconds: float
    status: int  # 0: no HTTP answer (connection error or timeout)
    body: bytes
    error: str = ""


def send(port: int, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST one signed request on a fresh connection (timed: connect, send, read all)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Outcome(time.perf_counter() - started, response.status, data)
    except (OSError, http.client.HTTPException) as error:
        return Outcome(time.perf_counter() - started, 0, b"", f"{type(error).__name__}: {error}")
    finally:
        connection.close()


@dataclass(frozen=True)
class AckPath:
    """A kind of request bound to its running server (the bare app takes /matchday help)."""

    spec: Kind
    server: Server
    maker: RequestMaker

    @property
    def key(self) -> str:
        """Short name of the path."""
        return self.spec.key if self.server.name == "matchday" else self.server.name

    def answered_right(self, body: bytes, reply: bytes = b"") -> bool:
        """Whether an ack's body (or a command's reply by its response URL) is the answer
        this path should give."""
        return self.spec.answered_right(body, reply) if self.server.name == "matchday" else True

    def made(self) -> Request:
        """A freshly signed request of this kind, on a connection of its own."""
        made = self.maker.request(self.spec)
        return replace(made, headers={**made.headers, "Connection": "close"})

    def request(self, fake: SlackStandIn) -> tuple[bytes, dict[str, str]]:
        """A freshly signed request of this kind (body, headers)."""
        made = self.made()
        return made.body, made.headers


def run_sequential(
    path: AckPath, fake: SlackStandIn, count: int, timeout: float, budget: float
) -> list[Outcome]:
    """``count`` requests one after the other (stops early when ``budget`` seconds pass)."""
    outcomes = []
    deadline = time.monotonic() + budget
    for _ in range(count):
        if time.monotonic() > deadline:
            outcomes.append(Outcome(0.0, 0, b"", "not sent: batch time budget spent"))
            continue
        body, headers = path.request(fake)
        outcomes.append(send(path.server.port, body, headers, timeout))
    return outcomes


def run_concurrent(
    path: AckPath, fake: SlackStandIn, count: int, concurrency: int, timeout: float, budget: float
) -> list[Outcome]:
    """``count`` requests from ``concurrency`` threads (each request on a new connection)."""

    def one() -> Outcome:
        body, headers = path.request(fake)
        return send(path.server.port, body, headers, timeout)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load")
    try:
        futures = [pool.submit(one) for _ in range(count)]
        done, _pending = wait(futures, timeout=budget)
        return [
            future.result()
            if future in done
            else Outcome(budget, 0, b"", "not answered: batch time budget spent")
            for future in futures
        ]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# statistics ----------------------------------------------------------------------------
def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Stats:
    """Latency of a batch in ms (every attempt counts, failed ones too) and its errors."""

    requests: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    cpu_ms_per_request: float
    first_errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, outcomes: Sequence[Outcome], cpu_seconds: float) -> Stats:
        ordered = sorted(outcome.seconds * 1000 for outcome in outcomes)
        failed = [outcome for outcome in outcomes if outcome.status != 200]
        count = len(outcomes)
        return cls(
            requests=count,
            errors=len(failed),
            p50_ms=percentile(ordered, 50),
            p90_ms=percentile(ordered, 90),
            p99_ms=percentile(ordered, 99),
            max_ms=ordered[-1] if ordered else math.nan,
            mean_ms=sum(ordered) / count if count else math.nan,
            cpu_ms_per_request=cpu_seconds * 1000 / count if count else math.nan,
            first_errors=sorted(
                {
                    outcome.error or f"HTTP {outcome.status}: {outcome.body[:80]!r}"
                    for outcome in failed
                }
            )[:5],
        )


IDLE_CPU_SECONDS = 0.002  # a server that used less in IDLE_POLL_SECONDS is idle
IDLE_POLL_SECONDS = 0.1


def wait_idle(server: Server, limit: float = 60.0) -> None:
    """Wait until the server has finished the work that follows its answers.

    Matchday handles clicks and events after their answer (handlers/inbox.py) and sends
    messages from its outbox: the next batch must not find the last one's work running,
    and its CPU time belongs to the requests that caused it.
    """
    deadline = time.monotonic() + limit
    last = server.worker_cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(IDLE_POLL_SECONDS)
        now = server.worker_cpu_seconds()
        if now - last < IDLE_CPU_SECONDS:
            return
        last = now


@contextmanager
def cpu_meter(server: Server, into: list[float]) -> Iterator[None]:
    """Add the CPU seconds the server's workers use inside the block, and on the work it
    leaves running, to ``into``."""
    before = server.worker_cpu_seconds()
    try:
        yield
    finally:
        wait_idle(server)
        into.append(server.worker_cpu_seconds() - before)


@dataclass(frozen=True)
class MachineLoad:
    """How busy the machine was while we measured, apart from this benchmark."""

    seconds: float
    load_average_before: tuple[float, float, float]
    others_cpu_seconds: float  # CPU used by processes that are neither us nor our servers

    @property
    def others_cores(self) -> float:
        """Cores the other processes kept busy, on average."""
        return self.others_cpu_seconds / self.seconds if self.seconds > 0 else math.nan

    def line(self) -> str:
        """One line for the report."""
        one, five, fifteen = self.load_average_before
        return (
            f"machine: load average before {one:.2f} {five:.2f} {fifteen:.2f}; during the "
            f"{self.seconds:.0f} s of measuring, other processes kept {self.others_cores:.2f} "
            f"of {os.cpu_count()} cores busy (a database server counts here too; figures "
            f"are noisy when this is well above 0)"
        )


@contextmanager
def machine_meter(servers: Sequence[Server], into: list[MachineLoad]) -> Iterator[None]:
    """Measure the CPU the rest of the machine uses while the block runs."""

    def ours() -> float:
        return time.process_time() + sum(server.all_cpu_seconds() for server in servers)

    load = os.getloadavg()
    started, busy, mine = time.monotonic(), machine_busy_seconds(), ours()
    try:
        yield
    finally:
        others = (machine_busy_seconds() - busy) - (ours() - mine)
        into.append(MachineLoad(time.monotonic() - started, load, max(0.0, others)))


# the run -------------------------------------------------------------------------------
@dataclass
class Result:
    """What one path measured."""

    key: str
    server: str
    label: str
    c1: Stats
    cn: Stats


def build_paths(servers: dict[str, Server], maker: RequestMaker) -> list[AckPath]:
    """The paths of the servers that run: the bare app(s), then Matchday's ack paths."""
    bare = [
        AckPath(kind("help"), servers[name], maker)
        for name in ("bare", "bare-default")
        if name in servers
    ]
    return bare + [AckPath(spec, servers["matchday"], maker) for spec in KINDS]


def warm_up(paths: Sequence[AckPath], fake: SlackStandIn, args: argparse.Namespace) -> None:
    """Check each path answers as expected, then warm its threads, pools and caches."""
    for path in paths:
        made = path.made()
        first = send(path.server.port, made.body, made.headers, args.timeout)
        reply = b""
        if first.status == 200 and not first.body.strip() and made.response_url:
            reply = wait_for_reply(fake, made.response_url, args.timeout)
        if first.status != 200 or not path.answered_right(first.body, reply):
            wanted = repr(path.spec.needle) if path.key == path.spec.key else "HTTP 200"
            raise BenchmarkError(
                f"{path.key}: expected HTTP 200 with {wanted}, got "
                f"{first.status} {first.body[:300]!r} {first.error} (reply {reply[:300]!r})\n"
                f"{path.server.log_tail()}"
            )
        outcomes = run_concurrent(
            path, fake, args.warmup, args.threads, args.timeout, args.batch_budget
        )
        failed = [outcome for outcome in outcomes if outcome.status != 200]
        if failed:
            raise BenchmarkError(
                f"{path.key}: {len(failed)} of {len(outcomes)} warm-up requests failed, such as "
                f"{failed[0].status} {failed[0].error}\n{path.server.log_tail()}"
            )


def wait_for_reply(fake: SlackStandIn, response_url: str, timeout: float) -> bytes:
    """What came through a command's response URL (b"" when nothing came in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = replied(fake, response_url)
        if reply:
            return reply
        time.sleep(0.02)
    return b""


def measure(paths: Sequence[AckPath], fake: SlackStandIn, args: argparse.Namespace) -> list[Result]:
    """Concurrency 1 (interleaved rounds), then concurrency N, for every path."""
    c1: dict[str, list[Outcome]] = {path.key: [] for path in paths}
    c1_cpu: dict[str, list[float]] = {path.key: [] for path in paths}
    rounds = max(1, min(args.rounds, args.sequential))
    per_round = [args.sequential // rounds + (i < args.sequential % rounds) for i in range(rounds)]
    for count in per_round:
        for path in paths:
            with cpu_meter(path.server, c1_cpu[path.key]):
                c1[path.key] += run_sequential(path, fake, count, args.timeout, args.batch_budget)
    results = []
    for path in paths:
        cn_cpu: list[float] = []
        with cpu_meter(path.server, cn_cpu):
            cn = run_concurrent(
                path, fake, args.requests, args.concurrency, args.timeout, args.batch_budget
            )
        results.append(
            Result(
                key=path.key,
                server=path.server.name,
                label=path.spec.label if path.key == path.spec.key else path.key,
                c1=Stats.of(c1[path.key], sum(c1_cpu[path.key])),
                cn=Stats.of(cn, sum(cn_cpu)),
            )
        )
    return results


@dataclass(frozen=True)
class Verdict:
    """One target of the issue and what this run measured."""

    name: str
    value: float
    target: str
    met: bool
    line: str


def verdicts(
    results: Sequence[Result], memory: dict[str, list[ProcessMemory]], concurrency: int
) -> list[Verdict]:
    """The issue's targets, for every Matchday path."""
    by_key = {result.key: result for result in results}
    bare = by_key.get("bare")
    matchday = [result for result in results if result.server == "matchday"]
    found: list[Verdict] = []
    bare_p50 = bare.c1.p50_ms if bare else math.nan
    for result in matchday:
        ratio = result.c1.p50_ms / bare_p50
        found.append(
            Verdict(
                f"p50 ratio {result.key}",
                ratio,
                f"<= {TARGET_P50_RATIO}",
                ratio <= TARGET_P50_RATIO,
                f"p50 ratio matchday/bare = {ratio:.2f} (target <= {TARGET_P50_RATIO})"
                f"  [{result.label}: {result.c1.p50_ms:.2f} ms vs {bare_p50:.2f} ms]",
            )
        )
    for result in matchday:
        found.append(
            Verdict(
                f"c{concurrency} errors {result.key}",
                result.cn.errors,
                f"= {TARGET_C50_ERRORS}",
                result.cn.errors <= TARGET_C50_ERRORS,
                f"c{concurrency} errors = {result.cn.errors} (target {TARGET_C50_ERRORS})"
                f"  [{result.label}, {result.cn.requests} requests]",
            )
        )
    for result in matchday:
        found.append(
            Verdict(
                f"c{concurrency} p99 {result.key}",
                result.cn.p99_ms,
                f"< {TARGET_C50_P99_MS:.0f} ms",
                result.cn.p99_ms < TARGET_C50_P99_MS,
                f"c{concurrency} p99 = {result.cn.p99_ms:.1f} ms (target < {TARGET_C50_P99_MS:.0f})"
                f"  [{result.label}]",
            )
        )
    for process in memory.get("matchday", []):
        found.append(
            Verdict(
                f"RSS {process.role}",
                process.rss_mb,
                f"< {TARGET_RSS_MB:.0f} MB",
                process.rss_mb < TARGET_RSS_MB,
                f"RSS = {process.rss_mb:.1f} MB (target < {TARGET_RSS_MB:.0f})"
                f"  [matchday {process.role}, pid {process.pid}; "
                f"peak {process.peak_rss_mb:.1f} MB]",
            )
        )
    return found


# report --------------------------------------------------------------------------------
def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(
        cell.ljust(width) if i < 2 else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def render(
    results: Sequence[Result],
    memory: dict[str, list[ProcessMemory]],
    found: Sequence[Verdict],
    args: argparse.Namespace,
    extra: Sequence[str],
) -> str:
    """The human-readable report."""
    n = args.concurrency
    header = [
        "server",
        "path",
        "c1 p50",
        "p90",
        "p99",
        "max",
        "cpu/req",
        f"c{n} p50",
        "p90",
        "p99",
        "max",
        f"errors c1/c{n}",
    ]
    rows = [header]
    for result in results:
        c1, cn = result.c1, result.cn
        rows.append(
            [result.server, result.label]
            + [f"{value:.2f}" for value in (c1.p50_ms, c1.p90_ms, c1.p99_ms, c1.max_ms)]
            + [f"{c1.cpu_ms_per_request:.2f}"]
            + [f"{value:.1f}" for value in (cn.p50_ms, cn.p90_ms, cn.p99_ms, cn.max_ms)]
            + [f"{c1.errors}/{cn.errors}"]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        f"Ack latency in ms; c1: {args.sequential} sequential requests per path in "
        f"{args.rounds} interleaved rounds; c{n}: {args.requests} requests from {n} threads; "
        f"cpu/req: the worker's CPU ms per request at c1. gunicorn gthread, 1 worker, "
        f"{args.threads} threads; {os.cpu_count()} cores.",
        "",
        *(_row(row, widths) for row in rows),
        "",
        "Resident memory after the load (MB): RSS, peak RSS, PSS",
    ]
    for name, processes in memory.items():
        for process in processes:
            lines.append(
                f"  {name:<13} {process.role:<7} pid {process.pid:<8} "
                f"RSS {process.rss_mb:6.1f}  peak {process.peak_rss_mb:6.1f}  "
                f"PSS {process.pss_mb:6.1f}"
            )
    for result in results:
        for error in result.c1.first_errors + result.cn.first_errors:
            lines.append(f"  error on {result.key}: {error}")
    lines += ["", *extra, "", "Verdicts:"]
    lines += [f"  {'PASS' if verdict.met else 'MISS'}  {verdict.line}" for verdict in found]
    return "\n".join(lines)


def versions() -> dict[str, str]:
    """The versions that matter for these figures."""
    found = {"python": platform.python_version(), "cpus": str(os.cpu_count())}
    for package in ("slack_bolt", "slack_sdk", "gunicorn", "SQLAlchemy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "?"
    found["commit"] = _git("rev-parse", "--short", "HEAD") + (
        "+changes" if _git("status", "--porcelain", "--untracked-files=no") else ""
    )
    return found


def _git(*arguments: str) -> str:
    try:
        done = subprocess.run(
            ["git", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return done.stdout.strip()


# main ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ack_latency",
        description="Ack latency of `matchday serve` against a bare Bolt app.",
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="requests per path at --concurrency (default 500)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=50,
        help="client threads for the concurrent batch (default 50)",
    )
    parser.add_argument(
        "--sequential",
        type=int,
        default=100,
        help="requests per path at concurrency 1 per run (default 100)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="interleaved rounds for the sequential requests (default 10)",
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="warm-up requests per path (default 20)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="gunicorn threads per worker, for every server (default 8)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds one request may take (default 10)"
    )
    parser.add_argument(
        "--batch-budget",
        type=float,
        default=180.0,
        help="seconds one batch may take before it is cut (default 180)",
    )
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=["sqlite", "postgresql"],
        help="which databases (default both; each a fresh scratch database)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "MATCHDAY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server for the scratch database (default MATCHDAY_TEST_POSTGRES)",
    )
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs (default 3)")
    parser.add_argument(
        "--worker",
        choices=("separate", "inside"),
        default="separate",
        help="run Matchday's worker as its own process (`serve --no-worker` beside "
        "`matchday worker`, as in production; default) or inside `serve`",
    )
    parser.add_argument(
        "--fake-slack",
        choices=("separate", "inside"),
        default="separate",
        help="run the fake Slack in a process of its own (default: Slack's servers are not "
        "the load generator's) or in the benchmark's process",
    )
    parser.add_argument(
        "--default-runner",
        action="store_true",
        help="also measure the bare app under Bolt's default (polling) runner",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--log-dir", type=Path, help="keep the servers' logs here (default: a temporary folder)"
    )
    parser.add_argument(
        "--strict", action="store_true", help=f"exit {EXIT_MISSED} when a target is missed"
    )
    return parser


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM inside the block, then put the handlers back."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _check(args: argparse.Namespace) -> None:
    for name in ("requests", "concurrency", "sequential", "rounds", "threads"):
        if getattr(args, name) < 1:
            raise SystemExit(f"ack_latency: --{name} must be at least 1")
    if args.warmup < 0 or args.timeout <= 0 or args.batch_budget <= 0:
        raise SystemExit("ack_latency: --warmup, --timeout and --batch-budget must be positive")


def populate(fake: SlackStandIn) -> None:
    """The people and channels of the paths, known to the fake as Slack would know them."""
    people = [ADMIN, OUTSIDER, MANAGER, REPRESENTATIVE]
    for person in people:
        fake.add_user(person, person.lower(), locale="en-US")
    for channel in (HELP_CHANNEL, ORG_CHANNEL, THREAD_CHANNEL, OTHER_CHANNEL):
        fake.add_channel(channel, f"bench-{channel.lower()}", members=people)


def start_servers(
    fake: SlackStandIn, url: str, logs: Path, args: argparse.Namespace, started: list[Server]
) -> dict[str, Server]:
    """Start every server (all at once), then wait until each is healthy."""
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "MATCHDAY_", "DATABASE_URL"))
    }
    base_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    env = {
        **base_env,
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": url,
        "MATCHDAY_ADMINS": ADMIN,
    }
    common = ["--workers", "1", "--threads", str(args.threads)]
    bare = [sys.executable, "-m", "benchmarks.bare_app", *common]
    commands = {"bare": [*bare, "--runner", "before"]}
    if args.default_runner:
        commands["bare-default"] = [*bare, "--runner", "default"]
    separate = args.worker == "separate"
    commands["matchday"] = [
        *(sys.executable, "-m", "bot.cli", "serve", *common),
        *(["--no-worker"] if separate else []),
    ]
    servers = {}
    for name, command in commands.items():
        server = Server(name, command, env, logs / f"{name}.log")
        started.append(server)
        server.start()
        if name == "matchday" and separate:
            # Production's shape: web processes answer, a worker process does the work.
            server.start_companion([sys.executable, "-m", "bot.cli", "worker"])
        servers[name] = server
    for server in servers.values():
        server.wait_healthy(timeout=60, workers=1)
    return servers


def scratch_database(
    name: str, work: Path, args: argparse.Namespace
) -> tuple[str, Callable[[], None]]:
    """A fresh database of this kind (URL, and how to drop it)."""
    if name == "sqlite":
        return f"sqlite:///{work / 'matchday.db'}", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(args.postgres)
    database = f"matchday_ack_{uuid.uuid4().hex[:8]}"

    def admin(statement: str) -> None:
        with psycopg.connect(
            host=server.host,
            port=server.port or 5432,
            user=server.username,
            password=server.password,
            dbname=server.database or "postgres",
            autocommit=True,
        ) as connection:
            connection.execute(statement)

    admin(f'CREATE DATABASE "{database}"')
    url = server.set(database=database).render_as_string(hide_password=False)
    return url, lambda: admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run_database(name: str, fake: SlackStandIn, args: argparse.Namespace) -> list[list[Result]]:
    """Fresh database, seeded; the servers; --runs interleaved measurements."""
    started: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="matchday-bench-") as tmp:
        work = Path(tmp)
        logs = (args.log_dir or work) / name
        logs.mkdir(parents=True, exist_ok=True)
        url, drop = scratch_database(name, work, args)
        try:
            upgrade(url)
            engine = make_engine(url)
            replies = args.warmup + 1 + args.runs * (args.sequential + args.requests)
            seeded = seed(
                make_session_factory(engine, SystemClock()),
                threads=replies // REPLIES_PER_THREAD + 1,
            )
            engine.dispose()
            maker = RequestMaker(
                SIGNING_SECRET, seeded, fake.issue_trigger_id, fake.new_response_url
            )
            print(f"[{name}] starting servers (logs in {logs}) ...", flush=True)
            servers = start_servers(fake, url, logs, args, started)
            paths = build_paths(servers, maker)
            print(f"[{name}] warming up ...", flush=True)
            warm_up(paths, fake, args)
            runs = []
            for number in range(args.runs):
                print(f"[{name}] run {number + 1} of {args.runs} ...", flush=True)
                runs.append(measure(paths, fake, args))
            return runs
        finally:
            with signals_held():
                for server in reversed(started):
                    server.stop()
                with suppress(Exception):
                    drop()


def median(values: Sequence[float]) -> float:
    """The median (the middle of three runs)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Summary:
    """One request kind on one database over the runs."""

    database: str
    key: str
    label: str
    c1_p50_ms: float
    bare_p50_ms: float
    ratio: float  # median of the runs' ratios (each against the bare app of the same run)
    cn_p99_ms: float  # median of the runs' p99
    errors: int  # over every run, both concurrencies
    cpu_ms: float

    def verdict(self) -> tuple[bool, bool, bool]:
        """(ratio met, p99 met, no errors)."""
        return (
            self.ratio <= TARGET_P50_RATIO,
            self.cn_p99_ms < TARGET_C50_P99_MS,
            self.errors == TARGET_C50_ERRORS,
        )


def summarise(database: str, runs: list[list[Result]]) -> list[Summary]:
    """Medians over the runs, ratios against the bare app of the same run."""
    found = []
    for key in [result.key for result in runs[0]]:
        of_key = [next(r for r in results if r.key == key) for results in runs]
        bare = [next(r for r in results if r.key == "bare") for results in runs]
        found.append(
            Summary(
                database=database,
                key=key,
                label=of_key[0].label,
                c1_p50_ms=median([r.c1.p50_ms for r in of_key]),
                bare_p50_ms=median([r.c1.p50_ms for r in bare]),
                ratio=median(
                    [r.c1.p50_ms / b.c1.p50_ms for r, b in zip(of_key, bare, strict=True)]
                ),
                cn_p99_ms=median([r.cn.p99_ms for r in of_key]),
                errors=sum(r.c1.errors + r.cn.errors for r in of_key),
                cpu_ms=median([r.c1.cpu_ms_per_request for r in of_key]),
            )
        )
    return found


def table(summaries: Sequence[Summary], args: argparse.Namespace) -> str:
    """The figures as a Markdown table."""
    n = args.concurrency
    lines = [
        "| database | request | c1 p50 ms | bare p50 ms | ratio | "
        f"c{n} p99 ms | errors | cpu ms/req | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for item in summaries:
        met = item.verdict()
        verdict = (
            "bare"
            if item.key in ("bare", "bare-default")
            else (
                "ok"
                if all(met)
                else "MISSED "
                + ",".join(
                    name for name, ok in zip(("ratio", "p99", "errors"), met, strict=True) if not ok
                )
            )
        )
        lines.append(
            f"| {item.database} | {item.label} | {item.c1_p50_ms:.2f} | {item.bare_p50_ms:.2f} | "
            f"{item.ratio:.2f} | {item.cn_p99_ms:.0f} | {item.errors} | {item.cpu_ms:.2f} | "
            f"{verdict} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Both databases, one after the other; the servers stop whatever happens."""
    fake: SlackStandIn = (
        SlackProcess(HOST) if args.fake_slack == "separate" else FakeSlack(host=HOST)
    )
    summaries: list[Summary] = []
    load: list[MachineLoad] = []
    raw: dict[str, list[list[Result]]] = {}
    try:
        fake.start()
        populate(fake)
        with machine_meter([], load):
            for name in args.databases:
                raw[name] = run_database(name, fake, args)
                summaries += summarise(name, raw[name])
    finally:
        with signals_held():
            fake.stop()
    print()
    print(table(summaries, args))
    print()
    print(load[0].line())
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    if args.json:
        report = {
            "versions": versions(),
            "summaries": [asdict(item) for item in summaries],
            "runs": {
                name: [[asdict(r) for r in results] for results in runs]
                for name, runs in raw.items()
            },
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    missed = [
        item
        for item in summaries
        if item.key not in ("bare", "bare-default") and not all(item.verdict())
    ]
    return EXIT_MISSED if args.strict and missed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = _parser().parse_args(argv)
    _check(args)
    for signum in STOP_SIGNALS:  # both stop the servers, then exit
        signal.signal(signum, _interrupt)
    try:
        return run(args)
    except BenchmarkError as error:
        print(f"ack_latency: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ack_latency: interrupted; servers stopped", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
