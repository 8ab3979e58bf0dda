"""The matchday heuristic: the baseline plan, the exact solver's warm start and fallback.

1. *Construction*: requests in priority order, within a priority the most constrained first
   (fewest common slots); each goes to the free slot with the least remaining demand per free
   table, then the fewest new idle gaps.
2. *Repair*: each unplaced request tries every common slot, relocating the (at most three)
   meetings in its way to another free slot of theirs, or dropping them when they are worth
   less; a change is kept only when it raises (value, startups with a meeting)
   lexicographically, so the loop ends.
3. *Polish*: a meeting moves to another slot, or swaps slots with one meeting there, when
   that lowers the number of runs of consecutive meetings (so idle gaps) of the parties
   involved; neither the value nor who meets changes. Meetings whose parties changed are
   looked at again until nothing improves (or the time is up).

:func:`repair` is the re-planner's start: it keeps what still works and fills free slots
without moving anything.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from bot.planning.indexed import Prepared, make_plan, prepare, simple_bound
from bot.planning.problem import Plan, Problem, RequestId, validate

__all__ = [
    "Schedule",
    "greedy_assignment",
    "greedy_fill",
    "greedy_plan",
    "polish",
    "repair",
    "repair_plan",
]

_MAX_PASSES = 6


class Schedule:
    """A mutable assignment with the bookkeeping the heuristic needs, and an undo log."""

    def __init__(self, prep: Prepared, frozen: Iterable[int] = ()) -> None:
        """An empty schedule for ``prep``; requests in ``frozen`` never move once placed."""
        self.prep = prep
        self.n_slots = prep.problem.slots
        self.tables = prep.problem.tables
        self.slot = [-1] * len(prep.requests)
        self.busy = [[-1] * self.n_slots for _ in prep.parties]
        self.members: list[set[int]] = [set() for _ in range(self.n_slots)]
        self.count = [0] * len(prep.parties)
        self.value = 0
        self.covered = 0
        self.full_slots = 0
        self.frozen = set(frozen)
        self.candidate_sets = [frozenset(c) for c in prep.candidates]
        self.log: list[tuple[int, int]] = []

    def place(self, r: int, s: int) -> None:
        """Put request ``r`` in slot ``s`` (which must be free for it)."""
        prep = self.prep
        self.slot[r] = s
        self.members[s].add(r)
        if len(self.members[s]) == self.tables:
            self.full_slots += 1
        self.value += prep.weights[r]
        for p in (prep.org[r], prep.startup[r]):
            self.busy[p][s] = r
            self.count[p] += 1
        t = prep.startup[r]
        if self.count[t] == 1:
            self.covered += 1
        self.log.append((r, -1))

    def unplace(self, r: int) -> None:
        """Take request ``r`` out of its slot."""
        prep = self.prep
        s = self.slot[r]
        self.slot[r] = -1
        if len(self.members[s]) == self.tables:
            self.full_slots -= 1
        self.members[s].discard(r)
        self.value -= prep.weights[r]
        for p in (prep.org[r], prep.startup[r]):
            self.busy[p][s] = -1
            self.count[p] -= 1
        if self.count[prep.startup[r]] == 0:
            self.covered -= 1
        self.log.append((r, s))

    def undo(self, mark: int) -> None:
        """Roll back every change logged after ``mark``."""
        while len(self.log) > mark:
            r, s = self.log.pop()
            if s < 0:
                self.unplace(r)
            else:
                self.place(r, s)
            self.log.pop()

    def is_free(self, r: int, s: int) -> bool:
        """Whether ``r`` could go to slot ``s`` without moving anyone."""
        prep = self.prep
        return (
            len(self.members[s]) < self.tables
            and self.busy[prep.org[r]][s] < 0
            and self.busy[prep.startup[r]][s] < 0
        )

    def run_delta(self, p: int, s: int) -> int:
        """How party ``p``'s number of meeting runs changes if it meets in (free) slot ``s``."""
        row = self.busy[p]
        left = s > 0 and row[s - 1] >= 0
        right = s + 1 < self.n_slots and row[s + 1] >= 0
        return 1 - int(left) - int(right)

    def gap_cost(self, r: int, s: int) -> int:
        """The change in runs for both parties of ``r`` if it is placed in slot ``s``."""
        return self.run_delta(self.prep.org[r], s) + self.run_delta(self.prep.startup[r], s)

    def best_free_slot(self, r: int, exclude: int = -1) -> int:
        """The free common slot of ``r`` with the fewest new gaps, or -1."""
        best, best_cost = -1, 99
        for s in self.prep.candidates[r]:
            if s != exclude and self.is_free(r, s):
                cost = self.gap_cost(r, s)
                if cost < best_cost:
                    best, best_cost = s, cost
        return best

    def assignment(self) -> list[int]:
        """The slot of every request (-1 = not placed)."""
        return list(self.slot)


def _construct(sched: Schedule, order: list[int]) -> None:
    """Place requests one by one in ``order`` where the remaining demand is lowest."""
    prep = sched.prep
    demand = [0] * sched.n_slots
    for r in order:
        for s in prep.candidates[r]:
            demand[s] += prep.weights[r]
    for r in order:
        candidates = prep.candidates[r]
        for s in candidates:
            demand[s] -= prep.weights[r]
        if sched.slot[r] >= 0:
            continue
        best, best_key = -1, (0.0, 0)
        for s in candidates:
            if not sched.is_free(r, s):
                continue
            room = sched.tables - len(sched.members[s])
            key = (demand[s] / room, sched.gap_cost(r, s))
            if best < 0 or key < best_key:
                best, best_key = s, key
        if best >= 0:
            sched.place(r, best)


def _attempt(sched: Schedule, r: int, s: int, eject: bool) -> tuple[int, int, int] | None:
    """Put ``r`` in ``s``, relocating or (if ``eject``) dropping what is in the way.

    Returns (value gain, coverage gain, -moves) with the changes applied (the caller undoes
    them), or None when it cannot be done or cannot be an improvement.
    """
    prep = sched.prep
    o, t = prep.org[r], prep.startup[r]
    weight = prep.weights[r]
    may_cover = sched.count[t] == 0
    value0, covered0 = sched.value, sched.covered
    blockers = [b for b in {sched.busy[o][s], sched.busy[t][s]} if b >= 0]
    if any(b in sched.frozen for b in blockers):
        return None
    full = len(sched.members[s]) - len(blockers) >= sched.tables
    has_room = sched.full_slots < sched.n_slots
    if not has_room:
        # Nothing can be relocated: everything in the way is dropped.
        lost = sum(prep.weights[b] for b in blockers)
        if not eject and blockers:
            return None
        if full:
            if not eject:
                return None
            lost += min(
                (prep.weights[m] for m in sched.members[s] if m not in sched.frozen),
                default=weight + 1,
            )
        if lost > weight or (lost == weight and not may_cover):
            return None
    for b in blockers:
        sched.unplace(b)
    if full:
        movable = sorted(m for m in sched.members[s] if m not in sched.frozen)
        chosen = -1
        if has_room:
            for m in movable:
                if sched.best_free_slot(m, exclude=s) >= 0:
                    chosen = m
                    break
        if chosen < 0 and eject and movable:
            chosen = min(movable, key=lambda m: (prep.weights[m], -sched.count[prep.startup[m]]))
        if chosen < 0:
            return None
        sched.unplace(chosen)
        blockers.append(chosen)
    sched.place(r, s)
    moves = 0
    for b in blockers:
        target = sched.best_free_slot(b, exclude=s) if has_room else -1
        if target >= 0:
            sched.place(b, target)
            moves += 1
        elif not eject:
            return None
    return sched.value - value0, sched.covered - covered0, -moves


def _improve(sched: Schedule, deadline: float) -> None:
    """Insert unplaced requests by relocating or dropping cheaper meetings until stuck."""
    prep = sched.prep
    order = sorted(range(len(prep.requests)), key=lambda r: (-prep.weights[r], r))
    min_weight = min(prep.weights, default=0)
    for _ in range(_MAX_PASSES):
        changed = False
        for r in order:
            if sched.slot[r] >= 0 or not prep.candidates[r]:
                continue
            if time.perf_counter() > deadline:
                return
            if (
                sched.full_slots == sched.n_slots
                and prep.weights[r] <= min_weight
                and sched.count[prep.startup[r]] > 0
            ):
                continue  # nothing can move and dropping anything loses at least as much
            best: tuple[int, int, int] | None = None
            best_s = -1
            for s in prep.candidates[r]:
                mark = len(sched.log)
                result = _attempt(sched, r, s, eject=True)
                sched.undo(mark)
                if result is None or (result[0], result[1]) <= (0, 0):
                    continue
                if best is None or result > best:
                    best, best_s = result, s
            if best is not None:
                _attempt(sched, r, best_s, eject=True)
                changed = True
        if not changed:
            return


def _run_change(row: list[int], vacate: int, fill: int) -> int:
    """How a party's number of meeting runs changes if slot ``vacate`` empties, ``fill`` fills."""
    n = len(row)
    if abs(vacate - fill) > 1:  # independent: closed forms for leaving and joining
        left = vacate > 0 and row[vacate - 1] >= 0
        right = vacate + 1 < n and row[vacate + 1] >= 0
        join_left = fill > 0 and row[fill - 1] >= 0
        join_right = fill + 1 < n and row[fill + 1] >= 0
        return int(left) + int(right) - int(join_left) - int(join_right)

    def busy_after(s: int) -> bool:
        if s == vacate:
            return False
        return s == fill or (0 <= s < n and row[s] >= 0)

    change = 0
    for s in {vacate, vacate + 1, fill, fill + 1}:  # where a run can start or stop
        if s >= n:
            continue
        before = row[s] >= 0 and (s == 0 or row[s - 1] < 0)
        after = busy_after(s) and (s == 0 or not busy_after(s - 1))
        change += int(after) - int(before)
    return change


def _try_swap(sched: Schedule, r1: int, b: int) -> int | None:
    """Move ``r1`` to slot ``b``, swapping with one meeting there if needed, if gaps drop.

    Returns the meeting swapped with (-1 for a plain move), or None when nothing changed.
    """
    prep = sched.prep
    busy = sched.busy
    a = sched.slot[r1]
    o1, t1 = prep.org[r1], prep.startup[r1]
    in_way = {x for x in (busy[o1][b], busy[t1][b]) if x >= 0}
    if len(in_way) > 1:
        return None
    if in_way:
        partners = list(in_way)
    elif len(sched.members[b]) < sched.tables:
        partners = [-1]
    else:
        partners = sorted(sched.members[b])
    own = _run_change(busy[o1], a, b) + _run_change(busy[t1], a, b)
    for r2 in partners:
        if r2 < 0:
            change = own
        else:
            if r2 in sched.frozen or a not in sched.candidate_sets[r2]:
                continue
            o2, t2 = prep.org[r2], prep.startup[r2]
            if busy[o2][a] not in (-1, r1) or busy[t2][a] not in (-1, r1):
                continue
            # A party in both meetings keeps both slots busy: no change for it.
            change = 0
            for p1, p2 in ((o1, o2), (t1, t2)):
                if p1 != p2:
                    change += _run_change(busy[p1], a, b) + _run_change(busy[p2], b, a)
        if change < 0:
            sched.unplace(r1)
            if r2 >= 0:
                sched.unplace(r2)
                sched.place(r2, a)
            sched.place(r1, b)
            return r2
    return None


def _close_gaps(sched: Schedule, deadline: float) -> None:
    """Move meetings, or swap two meetings' slots, while that lowers the number of runs."""
    prep = sched.prep
    meetings_of: list[list[int]] = [[] for _ in prep.parties]
    for r in range(len(prep.requests)):
        meetings_of[prep.org[r]].append(r)
        meetings_of[prep.startup[r]].append(r)
    queue = [r for r, s in enumerate(sched.slot) if s >= 0 and r not in sched.frozen]
    queued = set(queue)
    steps = 0
    max_steps = 50 * len(queue) + 100  # every accepted change lowers the runs; a safety net
    while queue:
        r = queue.pop()
        queued.discard(r)
        a = sched.slot[r]
        if a < 0:
            continue
        steps += 1
        if steps > max_steps or (steps % 64 == 0 and time.perf_counter() > deadline):
            break
        for b in prep.candidates[r]:
            partner = -1 if b == a else _try_swap(sched, r, b)
            if b == a or partner is None:
                continue
            touched = {prep.org[r], prep.startup[r]}
            if partner >= 0:
                touched |= {prep.org[partner], prep.startup[partner]}
            for p in touched:
                for q in meetings_of[p]:
                    if sched.slot[q] >= 0 and q not in queued and q not in sched.frozen:
                        queue.append(q)
                        queued.add(q)
            break
        if len(sched.log) > 4096:
            sched.log.clear()
    sched.log.clear()


def _order(prep: Prepared) -> list[int]:
    """Priority first, then the most constrained request (fewest common slots)."""
    return sorted(
        (r for r in range(len(prep.requests)) if prep.candidates[r]),
        key=lambda r: (-prep.weights[r], len(prep.candidates[r]), r),
    )


def greedy_assignment(
    prep: Prepared, time_limit: float = 1.0, *, close_gaps: bool = True
) -> list[int]:
    """A heuristic slot per request (-1 = not placed) for a validated problem."""
    deadline = time.perf_counter() + time_limit
    sched = Schedule(prep)
    _construct(sched, _order(prep))
    sched.log.clear()
    _improve(sched, deadline)
    sched.log.clear()
    if close_gaps:
        _close_gaps(sched, deadline)
    return sched.assignment()


def greedy_fill(sched: Schedule, deadline: float) -> None:
    """Add what still fits to ``sched`` (in construction order), then improve until ``deadline``."""
    _construct(sched, _order(sched.prep))
    sched.log.clear()
    _improve(sched, deadline)
    sched.log.clear()


def improve(prep: Prepared, assignment: list[int], time_limit: float) -> list[int]:
    """``assignment`` after repairs that raise (value, startups met); nothing else changes."""
    sched = Schedule(prep)
    for r, s in enumerate(assignment):
        if s >= 0:
            sched.place(r, s)
    sched.log.clear()
    _improve(sched, time.perf_counter() + time_limit)
    return sched.assignment()


def polish(
    prep: Prepared,
    assignment: list[int],
    frozen: Iterable[int] = (),
    time_limit: float = 1.0,
    *,
    insert: bool = True,
) -> list[int]:
    """``assignment`` with fewer gaps (and, with ``insert``, more value or startups met).

    Gap closing only moves or swaps meetings between slots, so neither the value nor the
    set of startups with a meeting changes; insertion only accepts changes that raise
    (value, startups met).
    """
    deadline = time.perf_counter() + time_limit
    sched = Schedule(prep, frozen)
    for r, s in enumerate(assignment):
        if s >= 0:
            sched.place(r, s)
    sched.log.clear()
    if insert:
        _improve(sched, deadline)
        sched.log.clear()
    _close_gaps(sched, deadline)
    return sched.assignment()


def repair(
    prep: Prepared, assignment: list[int], keep_order: Iterable[int], skip: set[int]
) -> list[int]:
    """Keep what still fits of ``assignment`` (in ``keep_order`` first), then add what fits.

    Nothing kept is moved: a request whose slot no longer works, or that no longer fits, is
    taken out and then placed again in a free slot if one is left. Requests in ``skip`` are
    never placed.
    """
    sched = Schedule(prep)
    ranked = list(dict.fromkeys([*keep_order, *range(len(assignment))]))
    for r in ranked:
        s = assignment[r]
        if r not in skip and s >= 0 and s in prep.candidates[r] and sched.is_free(r, s):
            sched.place(r, s)
    for r in _order(prep):
        if sched.slot[r] < 0 and r not in skip:
            target = sched.best_free_slot(r)
            if target >= 0:
                sched.place(r, target)
    return sched.assignment()


def greedy_plan(problem: Problem, time_limit: float = 1.0, note: str = "") -> Plan:
    """The heuristic plan for ``problem`` with a cheap bound on the optimum.

    ``time_limit`` bounds the repairs and gap-closing after the construction (which is one
    pass over the requests and their slots).
    """
    started = time.perf_counter()
    validate(problem)
    prep = prepare(problem)
    assignment = greedy_assignment(prep, time_limit)
    return make_plan(
        prep,
        assignment,
        bound=simple_bound(prep),
        proven_optimal=False,
        solver="greedy",
        seconds=time.perf_counter() - started,
        note=note,
    )


def repair_plan(
    problem: Problem, previous: Plan, *, confirmed: set[RequestId], removed: set[RequestId]
) -> Plan:
    """The re-plan without HiGHS: keep what still works (confirmed meetings first), fill gaps.

    Nothing kept moves; a meeting whose slot no longer works is placed again where it fits.
    The planner's fallback when the exact re-plan gives nothing in time.
    """
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
    keep_order = sorted(
        (r for r in range(n) if old[r] >= 0),
        key=lambda r: (prep.requests[r].id not in confirmed, -prep.weights[r], r),
    )
    assignment = repair(prep, old, keep_order, skip)
    return make_plan(
        prep,
        assignment,
        bound=float(simple_bound(prep)),
        proven_optimal=False,
        solver="repair",
        seconds=time.perf_counter() - started,
        previous=previous,
        confirmed=confirmed,
        removed=removed,
    )
