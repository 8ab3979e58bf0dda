"""The matchday planner as the worker runs it: HiGHS in a child process, capped in time and memory.

A plan of a big day takes seconds and a few hundred megabytes, so it never runs in a web
request: the listener owes an outbox task, the worker's sender runs it, and the task calls
:func:`plan` or :func:`replan` here. The solve runs in a child process (``spawn``: a fresh
interpreter, nothing of the worker's threads or connections is copied) whose address space
is capped with ``RLIMIT_AS`` before the solver is imported. The parent waits at most
``time_limit`` seconds for the answer; a child still running then is killed, and a child
that ran out of memory (or died any other way) sends nothing. Either way the parent falls
back at once to the heuristic plan (``greedy``, or ``repair`` for a re-plan), which needs
no HiGHS and little memory, so a plan always comes back and the machine stays up.

One solve at a time per process: a second caller waits its turn within its own time limit,
then takes the heuristic plan.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from bot.planning.problem import Plan, PlanInputError, Problem, RequestId, validate

logger = logging.getLogger(__name__)

PLAN_SECONDS = 12.0
"""The hard cap of a plan from scratch (HiGHS gets most of it, see :func:`solver_seconds`)."""
REPLAN_SECONDS = 4.0
"""The hard cap of a re-plan after a decline or new unavailability."""
MEMORY_MB = 1024
"""The child's address-space cap. A 3,000-request day peaks near 140 MB resident and 300 MB
of address space (benchmarks/worker_rss.py), so this is ample for a real day and still far
below what would trouble the machine."""
FALLBACK_SECONDS = 0.0
"""What the heuristic's repairs may take after the cap: none, so a fallback ends soon after
it (the construction alone takes about a second for 20,000 requests)."""
START_MARGIN = 1.5
"""Seconds kept back from the cap for the child to start and to send its plan."""
_CONTEXT = multiprocessing.get_context("spawn")
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Job:
    """What the child solves: a plan from scratch, or a re-plan of ``previous``."""

    problem: Problem
    solver_seconds: float
    memory_mb: int
    previous: Plan | None = None
    confirmed: frozenset[RequestId] = frozenset()
    removed: frozenset[RequestId] = frozenset()


def solver_seconds(cap: float) -> float:
    """HiGHS's own time limit inside a cap: what is left after the child's start-up."""
    return max(0.0, cap - min(START_MARGIN, 0.25 * cap))


def plan(problem: Problem, *, time_limit: float = PLAN_SECONDS, memory_mb: int = MEMORY_MB) -> Plan:
    """The day's plan from scratch, within ``time_limit`` seconds and ``memory_mb``.

    Raises :class:`PlanInputError` when the day cannot be planned at all (checked here,
    before any child is started).
    """
    validate(problem)
    job = Job(problem, solver_seconds(time_limit), memory_mb)
    return _outcome(job, time_limit)


def replan(
    problem: Problem,
    previous: Plan,
    *,
    confirmed: Iterable[RequestId],
    removed: Iterable[RequestId],
    time_limit: float = REPLAN_SECONDS,
    memory_mb: int = MEMORY_MB,
) -> Plan:
    """Re-plan around declines and new unavailability, moving as little as possible."""
    validate(problem)
    job = Job(
        problem,
        solver_seconds(time_limit),
        memory_mb,
        previous=previous,
        confirmed=frozenset(confirmed),
        removed=frozenset(removed),
    )
    return _outcome(job, time_limit)


def _outcome(job: Job, time_limit: float) -> Plan:
    found = _run(job, time_limit)
    if isinstance(found, Plan):
        return found
    logger.warning("planner: %s; using the heuristic plan", found)
    return _fallback(job, found)


def _fallback(job: Job, why: str) -> Plan:
    """The heuristic plan, made in this process (no HiGHS, little memory, well under a second)."""
    from bot.planning.greedy import greedy_plan, repair_plan

    started = time.perf_counter()
    if job.previous is None:
        result = greedy_plan(job.problem, time_limit=FALLBACK_SECONDS)
    else:
        result = repair_plan(
            job.problem, job.previous, confirmed=set(job.confirmed), removed=set(job.removed)
        )
    note = f"{why}; using the heuristic plan"
    return replace(result, note=note, seconds=time.perf_counter() - started)


def _run(job: Job, time_limit: float) -> Plan | str:
    """The child's plan, or why there is none within ``time_limit`` seconds."""
    deadline = time.monotonic() + max(time_limit, 0.0)
    if not _ONE_AT_A_TIME.acquire(timeout=max(time_limit, 0.0)):
        return "the planner was busy with another plan"
    try:
        return _in_child(job, deadline)
    finally:
        _ONE_AT_A_TIME.release()


def _in_child(job: Job, deadline: float) -> Plan | str:
    receive, send = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=child_main, args=(job, send), daemon=True)
    try:
        child.start()
    except OSError as error:
        receive.close()
        send.close()
        return f"the planner process could not start ({error})"
    send.close()  # the child's end: the parent sees EOF when the child dies
    try:
        left = deadline - time.monotonic()
        if left <= 0 or not receive.poll(left):
            return "the plan took longer than its time cap and was stopped"
        outcome = receive.recv()
    except (EOFError, OSError):
        return "the planner process ended without a plan (out of memory?)"
    finally:
        receive.close()
        _stop(child)
    if isinstance(outcome, Plan):
        return outcome
    if isinstance(outcome, PlanInputError):
        raise outcome
    return f"the planner failed: {outcome}"[:300]


def _stop(child: Any) -> None:
    """End the child now (it has answered, or its time is up) and reap it."""
    if child.is_alive():
        child.kill()
    child.join(timeout=5)
    if child.is_alive():  # pragma: no cover - a process that ignores SIGKILL
        logger.error("the planner process %s did not stop", child.pid)
    else:
        child.close()


def child_main(job: Job, send: Connection) -> None:
    """In the child: cap the memory, then solve and send the plan (or what went wrong)."""
    try:
        _cap_memory(job.memory_mb)
        from bot.planning.planner import replan as replan_exact
        from bot.planning.planner import solve

        if job.previous is None:
            outcome: object = solve(job.problem, time_limit=job.solver_seconds)
        else:
            outcome = replan_exact(
                job.problem,
                job.previous,
                confirmed=set(job.confirmed),
                removed=set(job.removed),
                time_limit=job.solver_seconds,
            )
    except PlanInputError as error:
        outcome = error
    except MemoryError:
        outcome = "out of memory"
    except ImportError as error:  # under the memory cap, a library may not even load
        outcome = f"out of memory? {error}"
    except BaseException as error:  # anything else: the parent falls back
        outcome = f"{type(error).__name__}: {error}"
    try:
        send.send(outcome)
    except Exception:  # the parent gave up waiting, or the plan cannot be sent
        return
    finally:
        send.close()


def _cap_memory(memory_mb: int) -> None:
    """Limit this process's address space (Linux and macOS; elsewhere nothing is capped)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    limit = int(memory_mb) * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and hard < limit:
        limit = hard
    if limit > 0 and not math.isinf(limit):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
