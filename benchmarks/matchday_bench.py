"""Benchmark the matchday planner: ``solve``, ``greedy`` and ``replan`` as the app calls them.

Run from the repository root (the standard set takes about 80 s on a calm 2-core machine)::

    .venv/bin/python -m benchmarks.matchday_bench
    .venv/bin/python -m benchmarks.matchday_bench --instances hard-3000 --seeds 1,2,3,4,5
    .venv/bin/python -m benchmarks.matchday_bench --instances huge-20000 --time-limit 10.5

Every run happens in a fresh process (``spawn``), so its peak resident memory is that of one
planner run, as in the worker's planner child (imports and the instance included). For each
instance and seed it measures

* ``solve`` with ``--time-limit`` (default 10.5 s, what ``worker/planner.py`` gives the solver
  inside its 12 s cap): wall time including building the model, peak RSS, value, bound, gap
  and whether the plan is proven optimal (value, then startups met);
* ``greedy``: the heuristic alone, with the same measures (its bound is a capacity bound);
* ``replan``: 2 % of ``solve``'s meetings declined and half of the rest confirmed; meetings
  moved (confirmed ones in brackets: always 0), dropped, value and time.

Figures are medians over the seeds with the range in brackets. Every plan is checked with
``check_plan`` first. Not a timed test: the figures depend on the machine (see
benchmarks/MATCHDAY.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.matchday_instances import SHAPES, generate
from bot.planning.problem import Plan, Problem, check_plan

STANDARD = "large-1500,xl,hard-1500,hard-3000,huge-8000,huge-20000"
STANDARD_SEEDS = "1,2,3,4,5"
HUGE = ("huge-8000", "huge-20000")
"""Instances run with the first seed only in the standard set (each run takes the cap)."""


@dataclass(frozen=True)
class Run:
    """One planner run in its own process."""

    planner: str
    seconds: float
    rss_mb: float
    plan: Plan
    moved_confirmed: int = 0


def _declines(problem: Problem, plan: Plan, seed: int) -> tuple[set[str], set[str]]:
    """2 % of the meetings declined (at least one), half of the rest confirmed."""
    rng = random.Random(seed)
    ids = sorted(plan.slot_of())
    declined = set(rng.sample(ids, max(1, round(0.02 * len(ids)))))
    rest = [i for i in ids if i not in declined]
    confirmed = set(rng.sample(rest, len(ids) // 2))
    return declined, confirmed


def _child(planner: str, name: str, seed: int, time_limit: float, previous: Plan | None) -> Run:
    """Run one planner on one instance in this (fresh) process."""
    from bot.planning.planner import greedy, replan, solve

    problem = generate(name, seed)
    started = time.perf_counter()
    moved_confirmed = 0
    if planner == "solve":
        plan = solve(problem, time_limit=time_limit)
    elif planner == "greedy":
        plan = greedy(problem)
    else:
        assert previous is not None
        declined, confirmed = _declines(problem, previous, seed)
        plan = replan(problem, previous, confirmed=confirmed, removed=declined)
        moved_confirmed = len(plan.moved & confirmed)
    seconds = time.perf_counter() - started
    errors = check_plan(problem, plan)
    if errors:
        raise SystemExit(f"{planner} on {name} (seed {seed}): invalid plan: {errors[:5]}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return Run(planner, seconds, rss_mb, plan, moved_confirmed)


def _isolated(
    pool_context: multiprocessing.context.SpawnContext,
    planner: str,
    name: str,
    seed: int,
    time_limit: float,
    previous: Plan | None = None,
) -> Run:
    """:func:`_child` in a fresh process."""
    with pool_context.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(_child, (planner, name, seed, time_limit, previous))


def _span(values: list[float], fmt: str) -> str:
    """The median, with the range when there are several values."""
    median = format(statistics.median(values), fmt)
    if len(values) == 1:
        return median
    return f"{median} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def _row(name: str, planner: str, runs: list[Run]) -> str:
    """One Markdown row summarising ``runs``."""
    plans = [r.plan for r in runs]
    proven = sum(1 for p in plans if p.proven_optimal)
    notes = sorted({p.note for p in plans if p.note})
    return (
        f"| {name} | {planner} | {len(runs)} | {_span([r.seconds for r in runs], '.2f')} s | "
        f"{_span([r.rss_mb for r in runs], '.0f')} MB | "
        f"{_span([float(p.objective) for p in plans], '.0f')} | "
        f"{_span([p.bound for p in plans], '.0f')} | "
        f"{_span([100 * p.gap for p in plans], '.3f')} % | {proven}/{len(runs)} | "
        f"{', '.join(sorted({p.solver for p in plans}))} | {'; '.join(notes)[:160]} |"
    )


def _replan_row(name: str, runs: list[Run], solved: list[Run]) -> str:
    """One Markdown row of re-plans."""
    return (
        f"| {name} | {len(runs)} | {_span([r.seconds for r in runs], '.2f')} s | "
        f"{_span([r.rss_mb for r in runs], '.0f')} MB | "
        f"{_span([float(len(r.plan.moved)) for r in runs], '.0f')} | "
        f"{sum(r.moved_confirmed for r in runs)} | "
        f"{_span([float(len(r.plan.dropped)) for r in runs], '.0f')} | "
        f"{_span([float(s.plan.objective) for s in solved], '.0f')} → "
        f"{_span([float(r.plan.objective) for r in runs], '.0f')} | "
        f"{sum(1 for r in runs if r.plan.proven_optimal)}/{len(runs)} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a Markdown report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--instances", default=STANDARD, help=f"default: {STANDARD}")
    parser.add_argument("--seeds", default=STANDARD_SEEDS, help="comma-separated seeds")
    parser.add_argument(
        "--time-limit", type=float, default=10.5, help="solve's time limit (default 10.5 s)"
    )
    parser.add_argument(
        "--all-seeds-for-huge",
        action="store_true",
        help=f"run {' and '.join(HUGE)} with every seed (default: the first only)",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        parser.error(f"unknown instances: {', '.join(unknown)}; known: {', '.join(SHAPES)}")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    context = multiprocessing.get_context("spawn")
    load = os.getloadavg()
    print(
        f"{platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start; solve's time limit "
        f"{args.time_limit:g} s\n"
    )
    print(
        "| instance | planner | runs | time | peak RSS | value | bound | gap | proven optimal "
        "| solver | note |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
        "| --- |"
    )
    replans: list[str] = []
    began = time.perf_counter()
    for name in names:
        these = seeds[:1] if name in HUGE and not args.all_seeds_for_huge else seeds
        solved = [_isolated(context, "solve", name, s, args.time_limit) for s in these]
        print(_row(name, "solve", solved), flush=True)
        heuristic = [_isolated(context, "greedy", name, s, args.time_limit) for s in these]
        print(_row(name, "greedy", heuristic), flush=True)
        again = [
            _isolated(context, "replan", name, s, args.time_limit, r.plan)
            for s, r in zip(these, solved, strict=True)
        ]
        replans.append(_replan_row(name, again, solved))
    print(
        "\nRe-plans (2 % of solve's meetings declined, half of the rest confirmed):\n\n"
        "| instance | runs | time | peak RSS | moved | of them confirmed | dropped | "
        "value before → after | proven optimal |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
    )
    for line in replans:
        print(line)
    load = os.getloadavg()
    print(
        f"\n{time.perf_counter() - began:.0f} s in all; load average {load[0]:.1f} / "
        f"{load[1]:.1f} / {load[2]:.1f} at the end"
    )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
