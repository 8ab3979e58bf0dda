"""A problem in index form, shared by the heuristic and the exact solver, and back to a plan.

:func:`prepare` numbers the parties and requests and lists each request's common slots;
solvers work on a slot per request (``-1`` = not placed) and :func:`make_plan` turns that into
a :class:`~bot.planning.problem.Plan` with tables, reasons for what was not placed, the value,
the bound and the gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.planning.problem import (
    REASON_NEVER_BOTH_AVAILABLE,
    REASON_NO_ROOM,
    REASON_NOT_SCHEDULED,
    REASON_PARTY_FULL,
    REASON_REMOVED,
    Meeting,
    PartyId,
    Plan,
    Problem,
    Request,
    RequestId,
)

__all__ = [
    "Prepared",
    "assign_tables",
    "assignment_value",
    "make_plan",
    "prepare",
    "simple_bound",
    "unplaced_reasons",
]


@dataclass(frozen=True)
class Prepared:
    """``problem`` in index form: parties and requests numbered, candidate slots listed."""

    problem: Problem
    requests: list[Request]
    weights: list[int]
    org: list[int]
    startup: list[int]
    parties: list[PartyId]
    candidates: list[tuple[int, ...]]


def prepare(problem: Problem) -> Prepared:
    """Number the parties and requests and list each request's common slots."""
    party_index: dict[PartyId, int] = {}
    for request in problem.requests:
        party_index.setdefault(request.organisation, len(party_index))
        party_index.setdefault(request.startup, len(party_index))
    return Prepared(
        problem=problem,
        requests=list(problem.requests),
        weights=[r.weight for r in problem.requests],
        org=[party_index[r.organisation] for r in problem.requests],
        startup=[party_index[r.startup] for r in problem.requests],
        parties=list(party_index),
        candidates=[tuple(problem.common_slots(r)) for r in problem.requests],
    )


def assignment_value(prep: Prepared, assignment: list[int]) -> int:
    """The weighted value of a slot-per-request assignment (-1 = not placed)."""
    return sum(w for w, s in zip(prep.weights, assignment, strict=True) if s >= 0)


def unplaced_reasons(prep: Prepared, assignment: list[int]) -> dict[int, str]:
    """Why each request without a slot in ``assignment`` has none, by request index."""
    problem = prep.problem
    tables = problem.tables
    busy: set[tuple[int, int]] = set()
    load = [0] * problem.slots
    for q, s in enumerate(assignment):
        if s >= 0:
            load[s] += 1
            busy.add((prep.org[q], s))
            busy.add((prep.startup[q], s))
    full: dict[int, bool] = {}

    def is_full(p: int) -> bool:
        if p not in full:
            own = problem.available(prep.parties[p])
            full[p] = all((p, c) in busy for c in own if 0 <= c < problem.slots)
        return full[p]

    reasons: dict[int, str] = {}
    for r, s in enumerate(assignment):
        if s >= 0:
            continue
        candidates = prep.candidates[r]
        if not candidates:
            reasons[r] = REASON_NEVER_BOTH_AVAILABLE
            continue
        o, t = prep.org[r], prep.startup[r]
        reason = REASON_NO_ROOM
        for p, kind in ((o, "organisation"), (t, "startup")):
            if is_full(p):
                reason = f"{REASON_PARTY_FULL} ({kind} {prep.parties[p]})"
                break
        else:
            if any(
                (o, c) not in busy and (t, c) not in busy and load[c] < tables for c in candidates
            ):
                reason = REASON_NOT_SCHEDULED
        reasons[r] = reason
    return reasons


def assign_tables(
    slots: Mapping[RequestId, int],
    tables: int,
    previous: Mapping[RequestId, Meeting] | None = None,
    order: Iterable[RequestId] = (),
) -> list[Meeting]:
    """Table numbers 1..tables per slot, keeping previous tables where possible.

    Meetings still in their previous slot keep their table first (in ``order``'s order, then
    the rest), then moved meetings keep their previous table number if it is free, and the
    others take the lowest free table.
    """
    previous = previous or {}
    ranked = list(dict.fromkeys([*(r for r in order if r in slots), *sorted(slots)]))
    taken: dict[int, set[int]] = {}
    table_of: dict[RequestId, int] = {}
    for same_slot in (True, False):
        for rid in ranked:
            before = previous.get(rid)
            if rid in table_of or before is None or (before.slot == slots[rid]) != same_slot:
                continue
            used = taken.setdefault(slots[rid], set())
            if 1 <= before.table <= tables and before.table not in used:
                used.add(before.table)
                table_of[rid] = before.table
    for rid in ranked:
        if rid in table_of:
            continue
        used = taken.setdefault(slots[rid], set())
        table = next(t for t in range(1, tables + 1) if t not in used)
        used.add(table)
        table_of[rid] = table
    return [Meeting(rid, slots[rid], table_of[rid]) for rid in sorted(slots)]


def make_plan(
    prep: Prepared,
    assignment: list[int],
    *,
    bound: float,
    proven_optimal: bool,
    solver: str,
    seconds: float,
    previous: Plan | None = None,
    confirmed: Iterable[RequestId] = (),
    removed: Iterable[RequestId] = (),
    note: str = "",
) -> Plan:
    """Turn a slot-per-request assignment into a :class:`Plan` with tables and reasons."""
    removed_set = set(removed)
    slots = {prep.requests[r].id: s for r, s in enumerate(assignment) if s >= 0}
    before = {m.request_id: m for m in previous.meetings} if previous else {}
    meetings = assign_tables(slots, prep.problem.tables, before, order=sorted(confirmed))
    unplaced: dict[RequestId, str] = {}
    for r, reason in unplaced_reasons(prep, assignment).items():
        rid = prep.requests[r].id
        unplaced[rid] = REASON_REMOVED if rid in removed_set else reason
    value = assignment_value(prep, assignment)
    bound = max(float(bound), float(value))
    if proven_optimal:
        bound = float(value)
    gap = (bound - value) / bound if bound > 0 else 0.0
    moved = frozenset(rid for rid, s in slots.items() if rid in before and before[rid].slot != s)
    dropped = frozenset(
        rid for rid in before if rid not in slots and rid not in removed_set and rid in unplaced
    )
    return Plan(
        meetings=tuple(meetings),
        unplaced=unplaced,
        objective=value,
        bound=bound,
        proven_optimal=proven_optimal or gap == 0.0,
        gap=gap,
        solver=solver,
        seconds=seconds,
        moved=moved,
        dropped=dropped,
        note=note,
    )


def simple_bound(prep: Prepared) -> int:
    """A cheap upper bound on the value: the day's tables, or each side's parties, whichever binds.

    For the tables: the best ``slots * tables`` weights. For each side (organisations, then
    startups): every party meets at most once in each slot it has a candidate request in.
    """
    problem = prep.problem
    placeable = sorted(
        (w for w, c in zip(prep.weights, prep.candidates, strict=True) if c), reverse=True
    )
    best = sum(placeable[: problem.slots * max(problem.tables, 0)])
    for side in (prep.org, prep.startup):
        weights_of: dict[int, list[int]] = {}
        slots_of: dict[int, set[int]] = {}
        for r, w in enumerate(prep.weights):
            if prep.candidates[r]:
                weights_of.setdefault(side[r], []).append(w)
                slots_of.setdefault(side[r], set()).update(prep.candidates[r])
        total = sum(
            sum(sorted(ws, reverse=True)[: len(slots_of[p])]) for p, ws in weights_of.items()
        )
        best = min(best, total)
    return best
