"""The worker's planner: HiGHS in a child process, stopped at its time and memory caps."""

from __future__ import annotations

import time

import pytest

from benchmarks.matchday_instances import generate
from bot.planning.greedy import greedy_plan
from bot.planning.problem import PlanInputError, Priority, Problem, Request, check_plan
from worker import planner


def test_a_plan_within_its_cap_is_highs_s_own() -> None:
    problem = generate("small")
    plan = planner.plan(problem, time_limit=20.0)
    assert plan.solver == "highs" and plan.proven_optimal
    assert check_plan(problem, plan) == []


def test_the_time_cap_stops_the_solver_and_falls_back_to_greedy() -> None:
    problem = generate("medium")
    started = time.monotonic()
    plan = planner.plan(problem, time_limit=0.05)
    elapsed = time.monotonic() - started
    assert plan.solver == "greedy"
    assert "time cap" in plan.note
    assert check_plan(problem, plan) == []
    # The heuristic's construction, without repairs after the cap, and an honest gap.
    assert plan.objective == greedy_plan(problem, time_limit=planner.FALLBACK_SECONDS).objective
    assert not plan.proven_optimal and plan.bound > plan.objective
    assert elapsed < 3.0  # the cap, then the heuristic: never the solver's full run


def test_a_replan_over_its_cap_keeps_what_still_works() -> None:
    problem = generate("small")
    first = planner.plan(problem, time_limit=20.0)
    ids = sorted(m.request_id for m in first.meetings)
    declined, confirmed = ids[0], set(ids[1::2])
    again = planner.replan(problem, first, confirmed=confirmed, removed={declined}, time_limit=0.05)
    assert again.solver == "repair"
    assert check_plan(problem, again) == []
    assert declined not in again.slot_of()
    assert not again.moved  # the repair moves nothing that still works


def test_a_solve_over_its_memory_cap_falls_back() -> None:
    problem = generate("small")
    plan = planner.plan(problem, time_limit=20.0, memory_mb=64)
    assert plan.solver == "greedy"
    assert check_plan(problem, plan) == []


def test_a_day_that_cannot_be_planned_is_refused_before_any_child() -> None:
    bad = Problem(
        slots=3, tables=0, availability={}, requests=[Request("1", "o", "s", Priority.MUST)]
    )
    with pytest.raises(PlanInputError):
        planner.plan(bad, time_limit=1.0)


def test_the_solver_gets_the_cap_less_the_child_s_start() -> None:
    assert planner.solver_seconds(12.0) == pytest.approx(10.5)
    assert planner.solver_seconds(4.0) == pytest.approx(3.0)
    assert planner.solver_seconds(0.05) == pytest.approx(0.0375)
