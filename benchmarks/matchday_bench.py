"""Benchmark the matchday planner: the app's ``solve``, ``greedy`` and ``replan``.

Run from the repository root::

    .venv/bin/python -m benchmarks.matchday_bench [--instances small,medium,...]
        [--optimum-time-limit SECONDS] [--time-limit SECONDS] [--seed N]

For every instance (see :mod:`benchmarks.matchday_instances`) it prints

* the optimum: the exact solver on the value alone (``fairness=False``) with
  ``--optimum-time-limit`` (default 600 s); when that cap is hit the table says "not proven"
  and shows the best value with HiGHS's bound;
* ``solve`` as the app calls it (``--time-limit``, default 10 s) and ``greedy``: meetings,
  weighted value, gap to the optimum (or to the bound), wall time, idle gaps and startups
  without a meeting;
* re-plans: 2 % of the meetings declined with half of the rest confirmed, and separately
  five organisations losing a slot in which they have a meeting (those meetings are *forced*
  to move or go); the meetings moved (and how many of them were confirmed), meetings
  dropped, the value and the time; and, for contrast, how many meetings a from-scratch
  ``solve`` of the declined instance moves.

Not a timed test: the figures depend on the machine (see benchmarks/MATCHDAY.md).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from benchmarks.matchday_instances import DEFAULT_SEED, SHAPES, generate
from bot.matchday_plan import (
    Plan,
    Problem,
    check_plan,
    greedy,
    idle_gaps,
    replan,
    solve,
    startups_without_meeting,
)


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    instance: str
    planner: str
    meetings: int
    value: int
    gap: str
    seconds: float
    proven: str
    gaps: int
    unmet: int


def _timed(run: Callable[[], Plan]) -> tuple[Plan, float]:
    """A plan and the wall time it took."""
    started = time.perf_counter()
    plan = run()
    return plan, time.perf_counter() - started


def _gap(value: int, reference: float) -> str:
    """The relative gap of ``value`` to ``reference`` as a percentage."""
    if reference <= 0:
        return "0.00 %"
    return f"{100.0 * (reference - value) / reference:.2f} %"


def _valid(problem: Problem, plan: Plan, what: str) -> None:
    """Stop loudly if ``plan`` breaks a rule."""
    errors = check_plan(problem, plan)
    if errors:
        raise SystemExit(f"{what}: invalid plan: {errors[:5]}")


def _declines(problem: Problem, plan: Plan, seed: int) -> tuple[set[str], set[str], Problem]:
    """2 % of the meetings declined (at least one), half of the rest confirmed."""
    rng = random.Random(seed)
    ids = sorted(plan.slot_of())
    declined = set(rng.sample(ids, max(1, round(0.02 * len(ids)))))
    rest = [i for i in ids if i not in declined]
    confirmed = set(rng.sample(rest, len(ids) // 2))
    without = replace(problem, requests=[r for r in problem.requests if r.id not in declined])
    return declined, confirmed, without


def _unavailability(problem: Problem, plan: Plan, seed: int) -> tuple[set[str], Problem]:
    """Half of the plan confirmed; five parties each lose one slot in which they meet."""
    rng = random.Random(seed + 1)
    ids = sorted(plan.slot_of())
    confirmed = set(rng.sample(ids, len(ids) // 2))
    requests = {r.id: r for r in problem.requests}
    availability = dict(problem.availability)
    for m in rng.sample(sorted(plan.meetings, key=lambda m: m.request_id), 5):
        party = requests[m.request_id].organisation
        availability[party] = availability.get(party, frozenset(range(problem.slots))) - {m.slot}
    return confirmed, replace(problem, availability=availability)


def run_instance(name: str, seed: int, time_limit: float, optimum_limit: float) -> list[str]:
    """Benchmark one instance; returns the lines to print."""
    problem = generate(name, seed)
    shape = SHAPES[name]
    lines = [
        f"## {name}: {shape.organisations} organisations x {shape.startups} startups x "
        f"{shape.slots} slots, {len(problem.requests)} requests, {problem.tables} tables",
        "",
    ]
    optimum, optimum_time = _timed(lambda: solve(problem, time_limit=optimum_limit, fairness=False))
    _valid(problem, optimum, "optimum")
    if optimum.proven_optimal:
        reference = float(optimum.objective)
        lines.append(
            f"optimum: {optimum.objective} (proven, {len(optimum.meetings)} meetings, "
            f"{optimum_time:.2f} s)"
        )
    else:
        reference = optimum.bound
        lines.append(
            f"optimum: not proven within {optimum_limit:g} s: best {optimum.objective}, "
            f"bound {optimum.bound:.0f} (gaps below are to the bound)"
        )
    lines += [
        "",
        "| planner | meetings | value | gap | time | proven optimal | idle gaps | "
        "startups without a meeting |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    app, app_time = _timed(lambda: solve(problem, time_limit=time_limit))
    heuristic, heuristic_time = _timed(lambda: greedy(problem))
    for label, plan, seconds in (
        ("solve", app, app_time),
        ("greedy", heuristic, heuristic_time),
    ):
        _valid(problem, plan, label)
        proven = "yes" if plan.proven_optimal else f"no (own gap {100 * plan.gap:.2f} %)"
        lines.append(
            f"| {label} | {len(plan.meetings)} | {plan.objective} | "
            f"{_gap(plan.objective, reference)} | {seconds:.2f} s | {proven} | "
            f"{idle_gaps(problem, plan)} | {len(startups_without_meeting(problem, plan))} |"
        )
    declined, confirmed, without = _declines(problem, app, seed)
    weights = {r.id: r.weight for r in problem.requests}
    after, replan_time = _timed(lambda: replan(problem, app, confirmed=confirmed, removed=declined))
    _valid(problem, after, "replan")
    scratch, _ = _timed(lambda: solve(without, time_limit=time_limit))
    before_slots = app.slot_of()
    scratch_moved = sum(
        1 for rid, s in scratch.slot_of().items() if rid in before_slots and before_slots[rid] != s
    )
    kept = len(app.meetings) - len(declined)
    lost = sum(weights[r] for r in declined)
    unavailable_confirmed, unavailable = _unavailability(problem, app, seed)
    after2, replan2_time = _timed(
        lambda: replan(unavailable, app, confirmed=unavailable_confirmed, removed=set())
    )
    _valid(unavailable, after2, "replan (unavailability)")
    requests = {r.id: r for r in problem.requests}
    forced = {
        rid for rid, s in before_slots.items() if s not in unavailable.common_slots(requests[rid])
    }
    lines += [
        "",
        "| re-plan | meetings moved | of them confirmed | forced to move | dropped | "
        "value before → after | time | from-scratch solve moves |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        f"| {len(declined)} declined (weight {lost}), {len(confirmed)} confirmed | "
        f"{len(after.moved)} ({100 * len(after.moved) / max(kept, 1):.1f} %) | "
        f"{len(after.moved & confirmed)} | 0 | {len(after.dropped)} | "
        f"{app.objective} → {after.objective} | {replan_time:.2f} s | "
        f"{scratch_moved} ({100 * scratch_moved / max(kept, 1):.0f} %, value "
        f"{scratch.objective}) |",
        f"| 5 parties lose a slot they meet in, {len(unavailable_confirmed)} confirmed | "
        f"{len(after2.moved)} ({100 * len(after2.moved) / max(len(app.meetings), 1):.1f} %) | "
        f"{len(after2.moved & unavailable_confirmed)} | "
        f"{len(forced)} ({len(forced & unavailable_confirmed)} confirmed) | "
        f"{len(after2.dropped)} | "
        f"{app.objective} → {after2.objective} | {replan2_time:.2f} s | |",
        "",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--instances",
        default=",".join(SHAPES),
        help=f"comma-separated instance names (default: all of {', '.join(SHAPES)})",
    )
    parser.add_argument(
        "--optimum-time-limit",
        type=float,
        default=600.0,
        help="cap in seconds for computing the reference optimum (default 600)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="the app's solve time limit (default 10)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="instance seed")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        parser.error(f"unknown instances: {', '.join(unknown)}; known: {', '.join(SHAPES)}")
    print(f"seed {args.seed}, app time limit {args.time_limit:g} s\n")
    for name in names:
        for line in run_instance(name, args.seed, args.time_limit, args.optimum_time_limit):
            print(line)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
