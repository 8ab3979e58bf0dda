"""The exact matchday planner: integer programs over (request, slot) solved by HiGHS.

Model: a binary ``x[r, s]`` for each request ``r`` and each slot ``s`` both its parties can
make; ``sum_s x[r, s] <= 1`` per request, ``sum x <= 1`` per party and slot, ``sum x <=
tables`` per slot. Tables are interchangeable, so the model picks slots only and tables are
numbered afterwards; rows that cannot bind (one column only, or a slot with fewer candidates
than tables) are left out. The model is built with numpy from the candidate lists, never in a
Python loop over columns, so even 20,000 requests x 36 slots take a fraction of a second.

:func:`solve_exact` is lexicographic (value first, then startups with a meeting) through one
objective ``K * value + sum covered[q]``, with ``covered[q] <= sum x`` over startup ``q``'s
columns and ``K`` one more than the number of startups. Its *LP relaxation* is solved first:
on realistic days it is almost always integral, and an integral LP optimum is the
lexicographic optimum, proven without branching (the same objective as an integer program
made HiGHS 3-27 times slower than the value alone). When the relaxation is fractional, a plan
in hand comes from the value's own LP (integral more often), LP rounding and the heuristic's
repairs; if it does not meet the LP bound, the warm-started integer program runs over the
columns reduced-cost fixing leaves (:func:`_fixed`). Idle gaps are then closed by local search
(moves and swaps between slots, which change neither the value nor who meets).

A day too large for the integer program within its time (more than :data:`MIP_MAX_COLUMNS`
columns) is planned by the heuristic, guided by the linear relaxation: HiGHS solves the LP
(simplex, time-limited), the heuristic places requests in the order of their LP values and
then improves the plan, and the gap is measured against the LP bound. Every bound reported is
a valid upper bound whatever state HiGHS stopped in: it is computed from the LP's row duals
by weak duality (``b.y + sum max(0, c - A'y)`` for any ``y >= 0``), so an interrupted LP gives
a weaker but still true bound.

:func:`replan_exact` fixes confirmed meetings whose slot still works, requires the value to
stay at least that of the repaired previous plan, and maximises ``VALUE_SCALE * value +
MOVE_COST * (unconfirmed meetings left in their slot) + KEEP_COST * (unconfirmed meetings
kept at all) + KEEP_CONFIRMED * (confirmed meetings kept)``: a could meeting is worth 100,
moving an unconfirmed meeting costs 40, dropping it 90 (50 when its slot no longer works, 90
for a confirmed one whose slot no longer works). So one could meeting justifies at most two
moves, a should 24 and a must 249, and a meeting is moved rather than dropped when a single
other move makes room. Its LP is solved first (when integral it is the optimum); otherwise
the warm-started integer program runs, or above :data:`MIP_MAX_COLUMNS` the repair is kept.
Idle gaps are then closed among the meetings that are new or moved anyway.

HiGHS runs silently (``output_flag`` off before any other call), with a fixed random seed,
one thread and presolve off (it removes nothing here and its probing cost more than the
solve). If HiGHS fails or finds nothing, the heuristic plan is returned and says so.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from bot.planning.greedy import (
    Schedule,
    greedy_assignment,
    greedy_fill,
    improve,
    polish,
    repair,
)
from bot.planning.indexed import Prepared, assignment_value, make_plan, prepare, simple_bound
from bot.planning.problem import Plan, Problem, RequestId, validate

try:  # the pybind class itself: the ``Highs`` wrapper prints a banner when it is created
    from highspy._core import HighsModelStatus, HighsStatus, MatrixFormat, ObjSense
    from highspy._core import _Highs as HighsCore
except ImportError:  # pragma: no cover - older highspy layouts
    from highspy import Highs as HighsCore
    from highspy import HighsModelStatus, HighsStatus, MatrixFormat, ObjSense

__all__ = ["MIP_MAX_COLUMNS", "replan_exact", "solve_exact"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

THREADS = 1
"""HiGHS threads. Its MIP search is serial (only symmetry detection and clique work run in
parallel) and on the 2-core machine two threads made no measurable difference on the
benchmark instances, so one thread leaves the second core to the web app answering Slack.
Every run in a process must use the same value: HiGHS keeps one scheduler per thread."""
MIP_MAX_COLUMNS = 80_000
"""Above this many (request, slot) columns the integer program is not tried: HiGHS's setup
alone (clique table, first LP) can outlast the cap and take gigabytes. Such a day is planned
by the LP-guided heuristic. 3,000 requests over 24 slots are about 45,000 columns."""
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
_EPS = 1e-7

SOLVER_EXACT = "highs"
SOLVER_GREEDY = "greedy"
SOLVER_REPAIR = "repair"
TOO_LARGE = (
    "too large for the exact solver within its time cap: planned by the heuristic guided by "
    "the linear relaxation; the gap is measured against the LP bound"
)


@dataclass
class _Model:
    """A maximisation in row-wise form: ``row_lower <= A x <= row_upper``, ``0 <= x <= 1``."""

    cost: Floats
    integer: bool
    row_lower: Floats
    row_upper: Floats
    row_start: Ints
    row_index: Ints
    row_value: Floats
    lower: Floats | None = None
    """Columns' lower bounds (default 0)."""
    upper: Floats | None = None
    """Columns' upper bounds (default 1)."""

    @property
    def n_cols(self) -> int:
        """How many columns."""
        return len(self.cost)

    def with_rows(
        self, rows: list[tuple[Ints, Floats, float, float]], extra_cols: int, cost: Floats
    ) -> _Model:
        """A copy with ``extra_cols`` more columns (costing ``cost``) and ``rows`` appended."""
        starts = [self.row_start[:-1]]
        indexes = [self.row_index]
        values = [self.row_value]
        at = int(self.row_start[-1])
        for cols, vals, _lo, _hi in rows:
            starts.append(np.array([at], dtype=np.int64))
            indexes.append(cols)
            values.append(vals)
            at += len(cols)
        starts.append(np.array([at], dtype=np.int64))
        return _Model(
            cost=np.concatenate([self.cost, cost]) if extra_cols else self.cost,
            integer=self.integer,
            lower=None if self.lower is None else np.append(self.lower, np.zeros(extra_cols)),
            upper=None if self.upper is None else np.append(self.upper, np.ones(extra_cols)),
            row_lower=np.concatenate([self.row_lower, [r[2] for r in rows]]),
            row_upper=np.concatenate([self.row_upper, [r[3] for r in rows]]),
            row_start=np.concatenate(starts),
            row_index=np.concatenate(indexes),
            row_value=np.concatenate(values),
        )


@dataclass
class _Result:
    """What one HiGHS run gave."""

    values: Floats | None
    bound: float
    optimal: bool
    status: str
    row_duals: Floats | None = None


@dataclass
class _Columns:
    """The x[r, s] columns of a model and the model itself."""

    model: _Model
    req: Ints
    slot: Ints


_HIGHS_LOCK = threading.Lock()
"""One HiGHS solve at a time per process: two solves cannot both use the two cores, and HiGHS
instances running in several threads at once have crashed upstream (ERGO-Code/HiGHS#810,
#3141). A caller that cannot get the lock within its time limit gets the heuristic plan."""


def _run(
    model: _Model,
    start: Floats | None,
    time_limit: float,
    *,
    lp: bool = False,
    presolve: bool = False,
) -> _Result:
    """Maximise ``model`` with HiGHS for at most ``time_limit`` seconds (``lp``: relaxed)."""
    waited = time.perf_counter()
    if not _HIGHS_LOCK.acquire(timeout=max(time_limit, 0.0)):
        return _Result(None, math.inf, False, "HiGHS busy with another plan")
    try:
        left = time_limit - (time.perf_counter() - waited)
        return _run_locked(model, start, left, lp, presolve)
    finally:
        _HIGHS_LOCK.release()


def _run_locked(
    model: _Model, start: Floats | None, time_limit: float, lp: bool, presolve: bool
) -> _Result:
    """:func:`_run` once the lock is held."""
    h = HighsCore()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("threads", THREADS)
    h.setOptionValue("random_seed", 7)
    h.setOptionValue("time_limit", max(time_limit, 0.01))
    h.setOptionValue("mip_rel_gap", 0.0)
    # Objectives are integral: a gap below one unit proves the optimum.
    h.setOptionValue("mip_abs_gap", 0.999)
    # Presolve finds little to remove in the full models and its probing costs more than the
    # whole solve (e.g. 0.45 s of 1.6 s on large-1500, 9 s of 11 s on xl); it is used for the
    # tie-break over the optimal face, where most columns are fixed.
    h.setOptionValue("presolve", "on" if presolve else "off")
    n_cols, n_rows = model.n_cols, len(model.row_lower)
    integer = model.integer and not lp
    status = h.passModel(
        n_cols,
        n_rows,
        len(model.row_index),
        int(MatrixFormat.kRowwise.value),
        int(ObjSense.kMaximize.value),
        0.0,
        model.cost,
        np.zeros(n_cols) if model.lower is None else model.lower,
        np.ones(n_cols) if model.upper is None else model.upper,
        model.row_lower,
        model.row_upper,
        model.row_start.astype(np.int32),
        model.row_index.astype(np.int32),
        model.row_value,
        np.ones(n_cols, dtype=np.int32) if integer else np.zeros(n_cols, dtype=np.int32),
    )
    if status == HighsStatus.kError:
        raise RuntimeError("HiGHS refused the model")
    if start is not None and integer:
        h.setSolution(n_cols, np.arange(n_cols, dtype=np.int32), start)
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    solution = h.getSolution()
    values: Floats | None = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        values = np.asarray(solution.col_value, dtype=np.float64)
    duals: Floats | None = None
    if lp and solution.dual_valid:
        duals = np.asarray(solution.row_dual, dtype=np.float64)
    if integer:
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else math.inf
    else:
        bound = math.inf
    optimal = model_status == HighsModelStatus.kOptimal
    return _Result(values, bound, optimal, h.modelStatusToString(model_status), duals)


def _columns(
    prep: Prepared,
    *,
    skip: Ints | None = None,
    blocked: npt.NDArray[np.bool_] | None = None,
    room: Ints | None = None,
) -> tuple[Ints, Ints]:
    """The (request, slot) pairs of the model, in request then slot order.

    Requests in ``skip`` get none, nor do (party, slot) pairs marked in ``blocked``; slots
    without ``room`` get none either.
    """
    lengths = np.fromiter((len(c) for c in prep.candidates), dtype=np.int64)
    req = np.repeat(np.arange(len(prep.candidates), dtype=np.int64), lengths)
    slot = np.fromiter(chain.from_iterable(prep.candidates), dtype=np.int64, count=len(req))
    keep = np.ones(len(req), dtype=bool)
    if skip is not None and len(skip):
        keep &= ~np.isin(req, skip)
    if blocked is not None:
        org, startup = np.asarray(prep.org)[req], np.asarray(prep.startup)[req]
        keep &= ~(blocked[org, slot] | blocked[startup, slot])
    if room is not None:
        keep &= room[slot] > 0
    return req[keep], slot[keep]


def _model(prep: Prepared, req: Ints, slot: Ints, cost: Floats, room: Ints) -> _Model:
    """The core rows over columns (req, slot): one per request, party and slot, and table."""
    n_cols = len(req)
    n_slots = prep.problem.slots
    org = np.asarray(prep.org, dtype=np.int64)[req]
    startup = np.asarray(prep.startup, dtype=np.int64)[req]
    cols = np.arange(n_cols, dtype=np.int64)
    # Row keys: requests, then (party, slot), then slots; each column is in four rows.
    n_req = len(prep.requests)
    party_base = n_req
    slot_base = n_req + len(prep.parties) * n_slots
    keys = np.concatenate(
        [
            req,
            party_base + org * n_slots + slot,
            party_base + startup * n_slots + slot,
            slot_base + slot,
        ]
    )
    members = np.concatenate([cols, cols, cols, cols])
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    limit = np.ones(len(unique))
    is_slot_row = unique >= slot_base
    limit[is_slot_row] = room[unique[is_slot_row] - slot_base]
    binding = counts > limit  # a row with no more columns than its limit cannot bind
    order = np.argsort(inverse, kind="stable")
    row_of = inverse[order]
    keep = binding[row_of]
    row_of, member = row_of[keep], members[order][keep]
    renumber = np.cumsum(binding) - 1
    rows = renumber[row_of]
    n_rows = int(binding.sum())
    row_start = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=row_start[1:])
    return _Model(
        cost=cost.astype(np.float64),
        integer=True,
        row_lower=np.full(n_rows, -math.inf),
        row_upper=limit[binding].astype(np.float64),
        row_start=row_start,
        row_index=member,
        row_value=np.ones(len(member)),
    )


def _value_model(prep: Prepared) -> _Columns:
    """Maximise the value over every candidate (request, slot)."""
    req, slot = _columns(prep)
    weights = np.asarray(prep.weights, dtype=np.float64)
    room = np.full(prep.problem.slots, prep.problem.tables, dtype=np.int64)
    return _Columns(_model(prep, req, slot, weights[req], room), req, slot)


def _x_values(cols: _Columns, assignment: list[int]) -> Floats:
    """Column values of the x part for ``assignment``."""
    chosen: Ints = np.asarray(assignment, dtype=np.int64)[cols.req]
    values: Floats = np.equal(chosen, cols.slot).astype(np.float64)
    return values


def _read(cols: _Columns, values: Floats, into: list[int]) -> list[int]:
    """``into`` with the slots chosen in a solution's x columns filled in."""
    out = list(into)
    for c in np.flatnonzero(values[: len(cols.req)] > 0.5):
        out[int(cols.req[c])] = int(cols.slot[c])
    return out


def _reduced(model: _Model, duals: Floats) -> tuple[Floats, Floats]:
    """Row duals made valid for a maximisation (``y >= 0``) and the columns' reduced costs."""
    y = np.clip(-duals, 0.0, None) if duals.sum() < 0 else np.clip(duals, 0.0, None)
    y = np.where(np.isfinite(model.row_upper), y, 0.0)
    rows = np.repeat(np.arange(len(model.row_upper)), np.diff(model.row_start))
    reduced = model.cost - np.bincount(
        model.row_index, weights=y[rows] * model.row_value, minlength=model.n_cols
    )
    return y, reduced


def dual_bound(model: _Model, duals: Floats) -> float:
    """An upper bound on ``model``'s LP from any row duals (weak duality, clipped to >= 0).

    For ``y >= 0`` and ``0 <= x <= 1``: ``c.x = y.Ax + (c - A'y).x <= y.b + sum max(0, c -
    A'y)``, whatever state the LP stopped in.
    """
    y, reduced = _reduced(model, duals)
    upper = np.where(np.isfinite(model.row_upper), model.row_upper, 0.0)
    return float(upper @ y + np.clip(reduced, 0.0, None).sum())


def _with_cover(prep: Prepared, cols: _Columns) -> tuple[_Model, Ints]:
    """The value model plus ``covered[q] <= sum x`` over each startup ``q``'s columns.

    Returns the model (covered columns after the x columns, costing nothing yet) and the
    startups in the order of their covered columns.
    """
    model = cols.model
    startup = np.asarray(prep.startup, dtype=np.int64)[cols.req]
    startups, inverse = np.unique(startup, return_inverse=True)
    n_x = model.n_cols
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(startups) + 1))
    rows: list[tuple[Ints, Floats, float, float]] = []
    for q in range(len(startups)):
        members = order[bounds[q] : bounds[q + 1]]
        rows.append(
            (np.append(members, n_x + q), np.append(-np.ones(len(members)), 1.0), -math.inf, 0.0)
        )
    return model.with_rows(rows, len(startups), np.zeros(len(startups))), startups


def _cover_start(prep: Prepared, cols: _Columns, startups: Ints, assignment: list[int]) -> Floats:
    """Column values of the model with cover columns for ``assignment``."""
    met = {prep.startup[r] for r, s in enumerate(assignment) if s >= 0}
    covered = np.fromiter((1.0 if int(q) in met else 0.0 for q in startups), dtype=np.float64)
    return np.concatenate([_x_values(cols, assignment), covered])


def _integral(values: Floats, n_x: int) -> bool:
    """Whether the x part of an LP solution is 0/1."""
    x = values[:n_x]
    return bool(np.all((x < 1e-6) | (x > 1 - 1e-6)))


def _rounded(prep: Prepared, cols: _Columns, values: Floats | None, deadline: float) -> list[int]:
    """A plan placing requests in the order of their LP values, then the heuristic's fill."""
    sched = Schedule(prep)
    if values is not None:
        n_x = len(cols.req)
        x = values[:n_x]
        ranked = np.lexsort((-cols.model.cost[:n_x], -x))
        for c in ranked[x[ranked] > 1e-6]:
            r, s = int(cols.req[c]), int(cols.slot[c])
            if sched.slot[r] < 0 and sched.is_free(r, s):
                sched.place(r, s)
        sched.log.clear()
    greedy_fill(sched, deadline)
    return sched.assignment()


def _covered(prep: Prepared, assignment: list[int]) -> int:
    """How many startups have a meeting in ``assignment``."""
    return len({prep.startup[r] for r, s in enumerate(assignment) if s >= 0})


def _large(prep: Prepared, cols: _Columns, deadline: float) -> tuple[list[int], float, str]:
    """The LP-guided heuristic plan of a day too large for the integer program, and its bound.

    The heuristic's construction comes first (so there is always a plan); the LP relaxation
    then gets the time left. When it finishes, its bound replaces the capacity bound and a
    plan rounded from it replaces the heuristic's if it is worth more; when it does not, the
    heuristic's repairs use the rest of the time.
    """
    started = time.perf_counter()
    # The construction only (about a second for 20,000 requests): the LP needs the time.
    best = greedy_assignment(prep, time_limit=0.0, close_gaps=False)
    bound = float(simple_bound(prep))
    note = TOO_LARGE
    budget = deadline - time.perf_counter() - 0.15 * (deadline - started)
    result = _Result(None, math.inf, False, "no time left")
    if budget > _MIN_RUN:
        try:
            result = _run(cols.model, None, budget, lp=True)
        except Exception as exc:  # the heuristic plan stands
            result = _Result(None, math.inf, False, f"HiGHS failed: {exc}")
    if result.row_duals is not None and result.optimal:
        bound = min(bound, dual_bound(cols.model, result.row_duals))
        rounded = _rounded(prep, cols, result.values, deadline)
        if assignment_value(prep, rounded) > assignment_value(prep, best):
            best = rounded
    else:
        best = improve(prep, best, max(0.0, deadline - time.perf_counter()))
        note = (
            "too large for the exact solver within its time cap: planned by the heuristic; "
            f"the LP bound was not reached in time ({result.status}), so the gap is measured "
            "against a capacity bound"
        )
    return best, bound, note


def _fixed(model: _Model, n_x: int, reduced: Floats, gap: float, keep: Floats) -> _Model:
    """``model`` without the x columns no plan within ``gap`` of the LP bound can use.

    Reduced-cost fixing: for any plan ``x``, ``objective(x) <= LP bound + sum(d_j x_j for d_j
    < 0)``, so a column with ``d_j < -gap`` is 0 in every plan at least ``LP bound - gap``
    worth; its upper bound becomes 0. Columns set in ``keep`` (the plan in hand) stay free.
    """
    upper = np.ones(model.n_cols)
    upper[:n_x] = np.where((reduced[:n_x] < -gap - _EPS) & (keep[:n_x] < 0.5), 0.0, 1.0)
    return _Model(
        cost=model.cost,
        integer=model.integer,
        row_lower=model.row_lower,
        row_upper=model.row_upper,
        row_start=model.row_start,
        row_index=model.row_index,
        row_value=model.row_value,
        upper=upper,
    )


def solve_exact(problem: Problem, *, time_limit: float = 10.0, fairness: bool = True) -> Plan:
    """The exact plan from HiGHS within ``time_limit`` seconds; the heuristic as fallback."""
    started = time.perf_counter()
    deadline = started + max(time_limit, 0.0)
    validate(problem)
    prep = prepare(problem)
    reserve = min(GAP_TIME, 0.15 * time_limit) if fairness else 0.0
    nothing = [-1] * len(prep.requests)

    tail = 0.0  # seconds kept back after polishing, for building and sending a large plan

    def finish(assignment: list[int], bound: float, optimal: bool, solver: str, note: str) -> Plan:
        if fairness:
            gap_time = max(0.0, min(GAP_TIME, deadline - tail - time.perf_counter()))
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

    def left() -> float:
        return deadline - time.perf_counter() - reserve

    if not any(prep.candidates):
        return finish(nothing, 0.0, True, SOLVER_EXACT, "no request can be placed")
    cols = _value_model(prep)
    if cols.model.n_cols > MIP_MAX_COLUMNS:
        # Leave time to polish, build the plan and send it (a large plan takes a while).
        until = deadline - max(reserve, 0.15 * time_limit)
        tail = 0.1 * time_limit
        assignment, large_bound, note = _large(prep, cols, until)
        return finish(assignment, large_bound, False, SOLVER_GREEDY, note)
    if left() < _MIN_RUN:
        base = greedy_assignment(prep, time_limit=0.0, close_gaps=False)
        return finish(base, simple_bound(prep), False, SOLVER_GREEDY, "no time left for HiGHS")
    n_x = len(cols.req)
    model, scale, startups = cols.model, 1.0, np.zeros(0, dtype=np.int64)
    if fairness:
        # Lexicographic in one objective: a unit of value outweighs every startup together.
        model, startups = _with_cover(prep, cols)
        scale = float(len(startups) + 1)
        model.cost = np.concatenate([scale * cols.model.cost, np.ones(len(startups))])

    def worth(assignment: list[int]) -> float:
        """The assignment in the model's objective."""
        met = _covered(prep, assignment) if fairness else 0
        return scale * assignment_value(prep, assignment) + met

    # 1. The relaxation, usually integral: then its solution is the lexicographic optimum.
    try:
        relaxed = _run(model, None, 0.6 * left(), lp=True)
    except Exception as exc:  # HiGHS must never take the plan down with it
        relaxed = _Result(None, math.inf, False, f"HiGHS failed: {exc}")
    if relaxed.optimal and relaxed.values is not None and _integral(relaxed.values, n_x):
        best = _read(cols, relaxed.values, nothing)
        return finish(best, float(assignment_value(prep, best)), True, SOLVER_EXACT, "")
    bound = float(simple_bound(prep))
    lp_worth = math.inf
    duals = relaxed.row_duals if relaxed.optimal else None
    if duals is not None:
        lp_worth = dual_bound(model, duals)
        bound = min(bound, math.floor(lp_worth / scale + 1e-6))
    # 2. A plan in hand: the value's own relaxation (integral more often), else rounding.
    best = greedy_assignment(prep, time_limit=max(0.02, 0.05 * time_limit), close_gaps=False)
    if fairness and left() > _MIN_RUN:
        try:
            alone = _run(cols.model, None, 0.5 * left(), lp=True)
        except Exception:
            alone = _Result(None, math.inf, False, "HiGHS failed")
        if alone.optimal and alone.values is not None and _integral(alone.values, n_x):
            found = _read(cols, alone.values, nothing)
            best = max(best, found, key=worth)
    if relaxed.values is not None and worth(best) < scale * bound:
        fill_until = min(deadline - reserve, time.perf_counter() + max(0.1, 0.05 * time_limit))
        best = max(best, _rounded(prep, cols, relaxed.values, fill_until), key=worth)
    if fairness and worth(best) <= lp_worth - 1 + 1e-6:
        best = improve(prep, best, max(0.02, min(0.05 * time_limit, left())))
    value = assignment_value(prep, best)
    if worth(best) > lp_worth - 1 + 1e-6:  # no integral plan is better: proven
        return finish(best, float(value), True, SOLVER_EXACT, "")
    # 3. The integer program over the columns that can still matter, warm-started.
    solver = SOLVER_EXACT if relaxed.values is not None else SOLVER_GREEDY
    if left() < _MIN_RUN:
        return finish(
            best, bound, value >= bound and not fairness, solver, "no time left for HiGHS"
        )
    start = _cover_start(prep, cols, startups, best) if fairness else _x_values(cols, best)
    if duals is not None:
        reduced = _reduced(model, duals)[1]
        model = _fixed(model, n_x, reduced, lp_worth - worth(best), start)
    try:
        result = _run(model, start, left(), presolve=duals is not None)
    except Exception as exc:  # HiGHS must never take the plan down with it
        return finish(best, bound, False, solver, f"HiGHS failed: {exc}")
    if result.values is None and relaxed.values is None:
        note = f"HiGHS found no plan ({result.status}); using the heuristic plan"
        return finish(best, bound, False, SOLVER_GREEDY, note)
    if result.values is not None:
        found = _read(cols, result.values, nothing)
        if worth(found) >= worth(best):
            best, value = found, assignment_value(prep, found)
    if math.isfinite(result.bound):
        bound = min(bound, math.floor(result.bound / scale + 1e-6))
    if result.optimal:
        return finish(best, float(value), True, SOLVER_EXACT, "")
    if value >= bound:
        note = f"value proven optimal; startups met not proven ({result.status})"
        return finish(best, float(value), True, SOLVER_EXACT, note)
    note = f"HiGHS stopped ({result.status}); best plan found so far"
    return finish(best, bound, False, SOLVER_EXACT, note)


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
    blocked = np.zeros((len(prep.parties), problem.slots), dtype=bool)
    room = np.full(problem.slots, problem.tables, dtype=np.int64)
    for r in fixed:
        blocked[prep.org[r], start[r]] = True
        blocked[prep.startup[r], start[r]] = True
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

    skipped = np.fromiter(skip | fixed_set, dtype=np.int64)
    col_req, slot = _columns(prep, skip=skipped, blocked=blocked, room=room)
    if not len(col_req):
        return finish(start, True, SOLVER_EXACT, "")
    old_arr = np.asarray(old, dtype=np.int64)
    conf = np.asarray(is_confirmed, dtype=bool)
    weights = np.asarray(prep.weights, dtype=np.float64)
    had = old_arr[col_req] >= 0
    keep = np.where(had, np.where(conf[col_req], KEEP_CONFIRMED, KEEP_COST), 0)
    stay = np.where(had & ~conf[col_req] & (old_arr[col_req] == slot), MOVE_COST, 0)
    cost = VALUE_SCALE * weights[col_req] + keep + stay
    model = _model(prep, col_req, slot, cost, room)
    fixed_value = assignment_value(prep, fixed_only)
    value_row = (
        np.arange(len(col_req), dtype=np.int64),
        weights[col_req],
        float(floor - fixed_value),
    )
    model = model.with_rows([(*value_row, math.inf)], 0, np.zeros(0))
    cols = _Columns(model, col_req, slot)
    budget = started + time_limit - time.perf_counter() - min(GAP_TIME, 0.2 * time_limit)
    if budget < _MIN_RUN:
        return finish(start, False, SOLVER_REPAIR, "no time left for HiGHS")
    n_cols = len(col_req)
    try:
        # The relaxation first: when it is integral it is the re-plan's optimum.
        result = _run(model, None, 0.5 * budget, lp=True)
        if not (result.optimal and result.values is not None and _integral(result.values, n_cols)):
            if n_cols > MIP_MAX_COLUMNS:
                note = "too large for the exact re-planner: kept what still works, filled gaps"
                return finish(start, False, SOLVER_REPAIR, note)
            left = started + time_limit - time.perf_counter() - min(GAP_TIME, 0.2 * time_limit)
            result = _run(model, _x_values(cols, start), max(left, _MIN_RUN))
    except Exception as exc:  # HiGHS must never take the plan down with it
        return finish(start, False, SOLVER_REPAIR, f"HiGHS failed: {exc}")
    if result.values is None:
        return finish(start, False, SOLVER_REPAIR, f"HiGHS found no plan ({result.status})")
    best = _read(cols, result.values, fixed_only)
    if assignment_value(prep, best) < floor:
        return finish(start, False, SOLVER_REPAIR, "HiGHS's plan was worth less than the repair")
    note = "" if result.optimal else f"HiGHS stopped ({result.status}); best plan found so far"
    return finish(best, result.optimal, SOLVER_EXACT, note)
