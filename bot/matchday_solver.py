"""The exact matchday planner: integer programs over (request, slot) solved by HiGHS.

Model: a binary ``x[r, s]`` for each request ``r`` and each slot ``s`` both its parties can
make; ``sum_s x[r, s] <= 1`` per request, ``sum x <= 1`` per party and slot, ``sum x <=
tables`` per slot (rows that cannot bind are left out).

:func:`solve_exact` maximises ``K * value + covered`` where ``covered[q] <= sum x`` over
startup ``q``'s columns (at most 1) and ``K`` is one more than the number of startups: one
unit of value is worth more than every startup together, so the optimum is lexicographic
(value first, then the number of startups with a meeting) and the value is never traded away.
The bound HiGHS proves on that objective, divided by ``K``, bounds the value. Idle gaps are
then closed by local search (moves and swaps between slots, which change neither the value
nor who meets): an integer model of "runs" has a weak relaxation and HiGHS did not improve
on the local search within seconds on the benchmark instances.

:func:`replan_exact` fixes confirmed meetings whose slot still works, requires the value to
stay at least that of the repaired previous plan, and maximises ``VALUE_SCALE * value +
MOVE_COST * (unconfirmed meetings left in their slot) + KEEP_COST * (unconfirmed meetings
kept at all) + KEEP_CONFIRMED * (confirmed meetings kept)``: a could meeting is worth 100,
moving an unconfirmed meeting costs 40, dropping it 90 (50 when its slot no longer works, 90
for a confirmed one whose slot no longer works). So one could meeting justifies at most two
moves, a should 24 and a must 249, and a meeting is moved rather than dropped when a single
other move makes room. Idle gaps are then closed among the meetings that are new or moved
anyway.

HiGHS runs silently (``output_flag`` off before any other call), with a fixed random seed,
one thread and presolve off (it removes nothing here and its probing cost more than the
solve). Every run starts from the heuristic plan (a warm start), so a time-out still returns
at least the heuristic's value; if HiGHS fails or finds nothing, the heuristic plan is
returned.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from bot.matchday_greedy import greedy_assignment, polish, repair
from bot.matchday_plan import (
    Plan,
    Prepared,
    Problem,
    RequestId,
    assignment_value,
    make_plan,
    prepare,
    simple_bound,
    validate,
)

try:  # the pybind class itself: the ``Highs`` wrapper prints a banner when it is created
    from highspy._core import HighsModelStatus, HighsStatus, MatrixFormat, ObjSense
    from highspy._core import _Highs as HighsCore
except ImportError:  # pragma: no cover - older highspy layouts
    from highspy import Highs as HighsCore
    from highspy import HighsModelStatus, HighsStatus, MatrixFormat, ObjSense

__all__ = ["replan_exact", "solve_exact"]

THREADS = 1
"""HiGHS threads. Its MIP search is serial (only symmetry detection and clique work run in
parallel) and on the 2-core machine two threads made no measurable difference on the
benchmark instances, so one thread leaves the second core to the web app answering Slack.
Every run in a process must use the same value: HiGHS keeps one scheduler per thread."""
VALUE_SCALE = 100
"""Re-plan: one unit of priority weight in the objective."""
MOVE_COST = 40
"""Re-plan: the cost of moving an unconfirmed meeting (less than half of a could meeting)."""
KEEP_COST = 50
"""Re-plan: the extra cost of dropping, rather than moving, an unconfirmed meeting."""
KEEP_CONFIRMED = 90
"""Re-plan: the cost of dropping a confirmed meeting whose slot no longer works."""
GAP_TIME = 1.0
"""Seconds the gap-closing local search may use after HiGHS."""
_MIN_RUN = 0.05


@dataclass
class _Model:
    """A MIP in row-wise form, built column by column."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_start: list[int] = field(default_factory=list)
    row_index: list[int] = field(default_factory=list)
    row_value: list[float] = field(default_factory=list)

    def col(self, cost: float, lower: float, upper: float, integer: bool) -> int:
        """Add a column; returns its index."""
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def row(self, entries: dict[int, float], lower: float, upper: float) -> None:
        """Add ``lower <= sum(value * x[col]) <= upper``."""
        self.row_start.append(len(self.row_index))
        for c, v in entries.items():
            self.row_index.append(c)
            self.row_value.append(v)
        self.row_lower.append(lower)
        self.row_upper.append(upper)


@dataclass
class _Result:
    """What one HiGHS run gave."""

    values: list[float] | None
    bound: float
    optimal: bool
    status: str


_HIGHS_LOCK = threading.Lock()
"""One HiGHS solve at a time per process: two solves cannot both use the two cores, and HiGHS
instances running in several threads at once have crashed upstream (ERGO-Code/HiGHS#810,
#3141). A caller that cannot get the lock within its time limit gets the heuristic plan."""


def _run(model: _Model, start: list[float] | None, time_limit: float, abs_gap: float) -> _Result:
    """Maximise ``model`` with HiGHS for at most ``time_limit`` seconds."""
    waited = time.perf_counter()
    if not _HIGHS_LOCK.acquire(timeout=max(time_limit, 0.0)):
        return _Result(None, math.inf, False, "HiGHS busy with another plan")
    try:
        left = time_limit - (time.perf_counter() - waited)
        return _run_locked(model, start, left, abs_gap)
    finally:
        _HIGHS_LOCK.release()


def _run_locked(
    model: _Model, start: list[float] | None, time_limit: float, abs_gap: float
) -> _Result:
    """:func:`_run` once the lock is held."""
    h = HighsCore()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("threads", THREADS)
    h.setOptionValue("random_seed", 7)
    h.setOptionValue("time_limit", max(time_limit, 0.01))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", abs_gap)
    # Presolve finds nothing to remove in these models and its probing costs more than the
    # whole solve (e.g. 0.45 s of 1.6 s on large-1500, 9 s of 11 s on xl).
    h.setOptionValue("presolve", "off")
    n_cols, n_rows = len(model.cost), len(model.row_lower)
    status = h.passModel(
        n_cols,
        n_rows,
        len(model.row_index),
        int(MatrixFormat.kRowwise.value),
        int(ObjSense.kMaximize.value),
        0.0,
        np.asarray(model.cost, dtype=np.float64),
        np.asarray(model.lower, dtype=np.float64),
        np.asarray(model.upper, dtype=np.float64),
        np.asarray(model.row_lower, dtype=np.float64),
        np.asarray(model.row_upper, dtype=np.float64),
        np.asarray(model.row_start, dtype=np.int32),
        np.asarray(model.row_index, dtype=np.int32),
        np.asarray(model.row_value, dtype=np.float64),
        np.asarray(model.integer, dtype=np.int32),
    )
    if status == HighsStatus.kError:
        raise RuntimeError("HiGHS refused the model")
    if start is not None:
        h.setSolution(n_cols, np.arange(n_cols, dtype=np.int32), np.asarray(start, np.float64))
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    values: list[float] | None = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        values = list(h.getSolution().col_value)
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else math.inf
    optimal = model_status == HighsModelStatus.kOptimal
    return _Result(values, bound, optimal, h.modelStatusToString(model_status))


@dataclass
class _Columns:
    """The x[r, s] columns of a model."""

    model: _Model
    col_req: list[int]
    col_slot: list[int]


def _base_model(
    prep: Prepared,
    cost: list[list[float]],
    *,
    skip: set[int] | frozenset[int] = frozenset(),
    blocked: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    room: list[int] | None = None,
) -> _Columns:
    """Columns x[r, s] costing ``cost[r][k]`` for the k-th common slot, and the core rows.

    Requests in ``skip`` get no column, nor do (party, slot) pairs in ``blocked``; slot ``s``
    has ``room[s]`` tables (default: all of them).
    """
    tables = room if room is not None else [prep.problem.tables] * prep.problem.slots
    model = _Model()
    col_req: list[int] = []
    col_slot: list[int] = []
    party_slot: dict[tuple[int, int], dict[int, float]] = {}
    per_slot: dict[int, dict[int, float]] = {}
    for r, candidates in enumerate(prep.candidates):
        if r in skip:
            continue
        o, t = prep.org[r], prep.startup[r]
        cols: list[int] = []
        for k, s in enumerate(candidates):
            if tables[s] <= 0 or (o, s) in blocked or (t, s) in blocked:
                continue
            c = model.col(cost[r][k], 0.0, 1.0, True)
            col_req.append(r)
            col_slot.append(s)
            cols.append(c)
            party_slot.setdefault((o, s), {})[c] = 1.0
            party_slot.setdefault((t, s), {})[c] = 1.0
            per_slot.setdefault(s, {})[c] = 1.0
        if len(cols) > 1:
            model.row(dict.fromkeys(cols, 1.0), -math.inf, 1.0)
    for entries in party_slot.values():
        if len(entries) > 1:
            model.row(entries, -math.inf, 1.0)
    for s, entries in sorted(per_slot.items()):
        if len(entries) > tables[s]:
            model.row(entries, -math.inf, float(tables[s]))
    return _Columns(model, col_req, col_slot)


def _add_cover(prep: Prepared, cols: _Columns, weight: float) -> dict[int, int]:
    """Columns ``covered[q] <= sum x`` over startup ``q``'s requests, worth ``weight`` each."""
    by_startup: dict[int, dict[int, float]] = {}
    for c, r in enumerate(cols.col_req):
        by_startup.setdefault(prep.startup[r], {})[c] = -1.0
    covers: dict[int, int] = {}
    for q, entries in sorted(by_startup.items()):
        z = cols.model.col(weight, 0.0, 1.0, False)
        covers[q] = z
        cols.model.row({**entries, z: 1.0}, -math.inf, 0.0)
    return covers


def _x_values(cols: _Columns, assignment: list[int]) -> list[float]:
    """Column values of the x part for ``assignment``."""
    return [
        1.0 if assignment[r] == s else 0.0 for r, s in zip(cols.col_req, cols.col_slot, strict=True)
    ]


def _read(cols: _Columns, values: list[float], into: list[int]) -> list[int]:
    """``into`` with the slots chosen in a solution's x columns filled in."""
    out = list(into)
    for c, (r, s) in enumerate(zip(cols.col_req, cols.col_slot, strict=True)):
        if values[c] > 0.5:
            out[r] = s
    return out


def solve_exact(problem: Problem, *, time_limit: float = 10.0, fairness: bool = True) -> Plan:
    """The exact plan from HiGHS within ``time_limit`` seconds; the heuristic as fallback."""
    started = time.perf_counter()
    validate(problem)
    prep = prepare(problem)
    deadline = started + max(time_limit, 0.0)
    base = greedy_assignment(prep, time_limit=max(0.02, 0.1 * time_limit), close_gaps=False)

    def finish(assignment: list[int], bound: float, optimal: bool, solver: str, note: str) -> Plan:
        if fairness:
            remaining = deadline - time.perf_counter()
            gap_time = max(0.0, min(GAP_TIME, remaining))
            assignment = polish(prep, assignment, time_limit=gap_time, insert=not optimal)
        return make_plan(
            prep,
            assignment,
            bound=bound,
            proven_optimal=optimal,
            solver=solver,
            seconds=time.perf_counter() - started,
            note=note,
        )

    if not any(prep.candidates):
        return finish(base, 0.0, True, "highs", "no request can be placed")
    # Leave time for the gap pass, but never less than half of the limit for HiGHS.
    reserve = min(GAP_TIME, 0.5 * time_limit) if fairness else 0.0
    budget = deadline - time.perf_counter() - reserve
    if budget < _MIN_RUN:
        return finish(base, simple_bound(prep), False, "greedy", "no time left for HiGHS")
    startups = {prep.startup[r] for r, c in enumerate(prep.candidates) if c}
    scale = float(len(startups) + 1) if fairness else 1.0
    weights = [[scale * prep.weights[r]] * len(c) for r, c in enumerate(prep.candidates)]
    cols = _base_model(prep, weights)
    start = _x_values(cols, base)
    if fairness:
        covers = _add_cover(prep, cols, 1.0)
        met = {prep.startup[r] for r, s in enumerate(base) if s >= 0}
        start += [1.0 if q in met else 0.0 for q in covers]
    try:
        result = _run(cols.model, start, budget, abs_gap=0.999)
    except Exception as exc:  # HiGHS must never take the plan down with it
        return finish(base, simple_bound(prep), False, "greedy", f"HiGHS failed: {exc}")
    if result.values is None:
        note = f"HiGHS found no plan ({result.status}); using the heuristic plan"
        return finish(base, simple_bound(prep), False, "greedy", note)
    best = _read(cols, result.values, [-1] * len(prep.requests))
    value = assignment_value(prep, best)
    if value < assignment_value(prep, base):
        best, value = base, assignment_value(prep, base)
    # The objective is scale * value + startups met (< scale), so value <= bound // scale.
    bound = simple_bound(prep)
    if math.isfinite(result.bound):
        bound = min(bound, math.floor((result.bound + 1e-6) / scale))
    optimal = result.optimal or bound <= value
    note = "" if optimal else f"HiGHS stopped ({result.status}); best plan found so far"
    return finish(best, bound, optimal, "highs", note)


def replan_exact(
    problem: Problem,
    previous: Plan,
    *,
    confirmed: set[RequestId],
    removed: set[RequestId],
    time_limit: float = 3.0,
) -> Plan:
    """Re-plan with HiGHS: confirmed meetings fixed where possible, few moves, value kept."""
    started = time.perf_counter()
    validate(problem)
    prep = prepare(problem)
    n = len(prep.requests)
    skip = {r for r, req in enumerate(prep.requests) if req.id in removed}
    before = previous.slot_of()
    old = [-1] * n
    for r, req in enumerate(prep.requests):
        if r not in skip and req.id in before and 0 <= before[req.id] < problem.slots:
            old[r] = before[req.id]
    is_confirmed = [req.id in confirmed for req in prep.requests]
    keep_order = sorted(
        (r for r in range(n) if old[r] >= 0),
        key=lambda r: (not is_confirmed[r], -prep.weights[r], r),
    )
    start = repair(prep, old, keep_order, skip)
    floor = assignment_value(prep, start)
    # Confirmed meetings that kept their slot are constants of the model.
    fixed = [r for r in range(n) if is_confirmed[r] and start[r] == old[r] >= 0]
    blocked: set[tuple[int, int]] = set()
    room = [problem.tables] * problem.slots
    for r in fixed:
        blocked.add((prep.org[r], start[r]))
        blocked.add((prep.startup[r], start[r]))
        room[start[r]] -= 1
    fixed_set = set(fixed)
    fixed_only = [start[r] if r in fixed_set else -1 for r in range(n)]

    def finish(assignment: list[int], optimal: bool, solver: str, note: str) -> Plan:
        # Newly placed meetings may still shuffle to close gaps; nothing else moves.
        settled = [r for r in range(n) if old[r] >= 0 and assignment[r] == old[r]]
        remaining = started + time_limit - time.perf_counter()
        assignment = polish(
            prep,
            assignment,
            frozen=settled,
            time_limit=max(0.0, min(GAP_TIME, remaining)),
            insert=False,
        )
        value = assignment_value(prep, assignment)
        return make_plan(
            prep,
            assignment,
            bound=float(value) if optimal else float(simple_bound(prep)),
            proven_optimal=optimal,
            solver=solver,
            seconds=time.perf_counter() - started,
            previous=previous,
            confirmed=confirmed,
            removed=removed,
            note=note,
        )

    costs: list[list[float]] = []
    for r, candidates in enumerate(prep.candidates):
        stay = MOVE_COST if old[r] >= 0 and not is_confirmed[r] else 0
        keep = 0 if old[r] < 0 else KEEP_CONFIRMED if is_confirmed[r] else KEEP_COST
        base_cost = VALUE_SCALE * prep.weights[r] + keep
        costs.append([float(base_cost + (stay if s == old[r] else 0)) for s in candidates])
    cols = _base_model(prep, costs, skip=skip | fixed_set, blocked=blocked, room=room)
    if not cols.col_req:
        return finish(start, True, "highs", "")
    fixed_value = assignment_value(prep, fixed_only)
    value_row = {c: float(prep.weights[r]) for c, r in enumerate(cols.col_req)}
    cols.model.row(value_row, float(floor - fixed_value), math.inf)
    budget = started + time_limit - time.perf_counter() - min(GAP_TIME, 0.2 * time_limit)
    if budget < _MIN_RUN:
        return finish(start, False, "repair", "no time left for HiGHS")
    try:
        result = _run(cols.model, _x_values(cols, start), budget, abs_gap=0.999)
    except Exception as exc:  # HiGHS must never take the plan down with it
        return finish(start, False, "repair", f"HiGHS failed: {exc}")
    if result.values is None:
        return finish(start, False, "repair", f"HiGHS found no plan ({result.status})")
    best = _read(cols, result.values, fixed_only)
    if assignment_value(prep, best) < floor:
        return finish(start, False, "repair", "HiGHS's plan was worth less than the repair")
    note = "" if result.optimal else f"HiGHS stopped ({result.status}); best plan found so far"
    return finish(best, result.optimal, "highs", note)
