"""The matchday planner's entry point: :func:`solve`, :func:`greedy` and :func:`replan`.

Read the package top-down: this module chooses, :mod:`bot.planning.exact` (HiGHS) and
:mod:`bot.planning.greedy` (the heuristic) solve, :mod:`bot.planning.indexed` numbers a problem
for them and builds the plan, and :mod:`bot.planning.problem` holds the problem, the plan and
the rules a plan keeps.

Tie-breaking ("at (nearly) equal value"): :func:`solve` first maximises the value, then, with
the value held at its optimum, the number of startups with a meeting: the lexicographic
optimum (value, then startups met), never trading value for fairness. Idle gaps (per party,
its runs of consecutive meetings - 1; consecutive slot indexes count as adjacent even across a
break) are then reduced by a local search that only moves or swaps meetings between slots,
which changes neither the value nor who meets.

Time: :func:`solve` keeps within ``time_limit`` including building the model. A day too large
for the integer program is planned by the heuristic guided by the linear relaxation and says
so (``solver == "greedy"``, the reason in ``note``, ``gap`` against the LP bound).

Re-planning (:func:`replan`) keeps confirmed meetings whose slot still works exactly where
they are (a hard constraint), never lets the value fall below "the previous plan minus what
was removed or became impossible, plus what fits in directly", and then trades value against
moves: one could meeting is worth 100, moving an unconfirmed meeting costs 40 and dropping
one 90, so a could justifies at most two moves, a should 24, a must 249; gaps come last.
A declined meeting goes in ``removed`` (it is dropped); a party who cannot make the time any
more is new unavailability in ``problem.availability`` (the meeting is moved if possible).
"""

from __future__ import annotations

from bot.planning.exact import replan_exact, solve_exact
from bot.planning.greedy import greedy_plan, repair_plan
from bot.planning.problem import Plan, Problem, RequestId

__all__ = ["greedy", "repair", "replan", "solve"]


def solve(problem: Problem, *, time_limit: float = 10.0, fairness: bool = True) -> Plan:
    """The best plan HiGHS proves (or finds within ``time_limit`` seconds); greedy as fallback."""
    return solve_exact(problem, time_limit=time_limit, fairness=fairness)


def greedy(problem: Problem) -> Plan:
    """A fast heuristic plan: priority order, most-constrained first, then local repairs."""
    return greedy_plan(problem)


def replan(
    problem: Problem,
    previous: Plan,
    *,
    confirmed: set[RequestId],
    removed: set[RequestId],
    time_limit: float = 3.0,
) -> Plan:
    """Re-plan after declines or new unavailability, moving as few meetings as possible."""
    return replan_exact(
        problem, previous, confirmed=confirmed, removed=removed, time_limit=time_limit
    )


def repair(
    problem: Problem, previous: Plan, *, confirmed: set[RequestId], removed: set[RequestId]
) -> Plan:
    """The re-plan without HiGHS: keep what still works, fill free places, move nothing."""
    return repair_plan(problem, previous, confirmed=confirmed, removed=removed)
