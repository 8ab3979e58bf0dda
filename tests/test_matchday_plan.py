"""The matchday planner: input checks, every constraint, optimality, priorities, re-plans."""

from __future__ import annotations

import ast
import random
import re
from dataclasses import replace
from datetime import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.matchday_instances import generate
from bot.planning import exact
from bot.planning.greedy import greedy_assignment, polish
from bot.planning.indexed import make_plan, prepare, simple_bound
from bot.planning.planner import greedy, replan, solve
from bot.planning.problem import (
    REASON_NEVER_BOTH_AVAILABLE,
    REASON_NO_ROOM,
    REASON_PARTY_FULL,
    REASON_REMOVED,
    Plan,
    PlanInputError,
    Priority,
    Problem,
    Request,
    check_plan,
    day_slots,
    idle_gaps,
    startups_without_meeting,
    validate,
)

MUST, SHOULD, COULD = Priority.MUST, Priority.SHOULD, Priority.COULD
PLANNING = Path(__file__).resolve().parents[1] / "bot" / "planning"


def _rng(seed: int) -> random.Random:
    """A seeded generator for test data."""
    return random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography


def _random_problem(rng: random.Random, orgs: int, startups: int, slots: int, n: int) -> Problem:
    """A small random problem with distinct (organisation, startup) pairs."""
    pairs = [(o, t) for o in range(orgs) for t in range(startups)]
    rng.shuffle(pairs)
    requests = [
        Request(f"r{i}", f"o{o}", f"s{t}", rng.choice([MUST, SHOULD, COULD, COULD]))
        for i, (o, t) in enumerate(pairs[:n])
    ]
    availability: dict[str, frozenset[int]] = {}
    for party in [f"o{o}" for o in range(orgs)] + [f"s{t}" for t in range(startups)]:
        if rng.random() < 0.15:
            continue  # never answered: every slot
        availability[party] = frozenset(s for s in range(slots) if rng.random() < 0.7)
    return Problem(
        slots=slots, tables=rng.randint(1, 3), availability=availability, requests=requests
    )


def _brute_force(problem: Problem) -> tuple[int, int]:
    """The lexicographic optimum (value, startups with a meeting) by full enumeration."""
    options = [problem.common_slots(r) for r in problem.requests]
    busy: set[tuple[str, int]] = set()
    load = [0] * problem.slots
    met: dict[str, int] = {}
    best = (0, 0)

    def go(i: int, value: int) -> None:
        nonlocal best
        if i == len(problem.requests):
            best = max(best, (value, sum(1 for n in met.values() if n)))
            return
        go(i + 1, value)
        request = problem.requests[i]
        for s in options[i]:
            o, t = (request.organisation, s), (request.startup, s)
            if o in busy or t in busy or load[s] >= problem.tables:
                continue
            busy.update((o, t))
            load[s] += 1
            met[request.startup] = met.get(request.startup, 0) + 1
            go(i + 1, value + request.weight)
            met[request.startup] -= 1
            load[s] -= 1
            busy.difference_update((o, t))

    go(0, 0)
    return best


def _covered(problem: Problem, plan: Plan) -> int:
    """How many startups have a meeting."""
    startups = {r.startup for r in problem.requests}
    return len(startups - startups_without_meeting(problem, plan))


# --- the day's slots and bad input ---------------------------------------------------------


def test_day_slots_skip_breaks() -> None:
    slots = day_slots(time(9), time(12), 30, [(time(10, 30), time(11))])
    assert [(s.index, s.start, s.end) for s in slots] == [
        (0, time(9), time(9, 30)),
        (1, time(9, 30), time(10)),
        (2, time(10), time(10, 30)),
        (3, time(11), time(11, 30)),
        (4, time(11, 30), time(12)),
    ]


@pytest.mark.parametrize(
    ("start", "end", "minutes", "breaks", "message"),
    [
        (time(12), time(9), 30, [], "ends (09:00) before it starts (12:00)"),
        (time(9), time(9), 30, [], "ends when it starts"),
        (time(9), time(12, 10), 45, [], "does not divide the time from 09:00 to 12:10"),
        (time(9), time(12), 0, [], "positive number of minutes, not 0"),
        (time(9), time(12), -15, [], "positive number of minutes, not -15"),
        (time(9), time(12), 30, [(time(8), time(9, 30))], "outside the day"),
        (time(9), time(12), 30, [(time(11), time(10))], "must end after it starts"),
        (
            time(9),
            time(12),
            30,
            [(time(10), time(11)), (time(10, 30), time(11, 30))],
            "overlap",
        ),
        (time(9), time(12), 40, [(time(10), time(11))], "does not divide the time"),
    ],
)
def test_day_slots_refuse_bad_days(
    start: time, end: time, minutes: int, breaks: list[tuple[time, time]], message: str
) -> None:
    with pytest.raises(PlanInputError, match=re.escape(message)):
        day_slots(start, end, minutes, breaks)


def test_zero_tables_and_other_bad_problems_are_refused() -> None:
    request = Request("r1", "org", "startup", MUST)
    with pytest.raises(PlanInputError, match="0 tables; at least one table is needed"):
        solve(Problem(slots=3, tables=0, availability={}, requests=[request]))
    with pytest.raises(PlanInputError, match="0 tables"):
        greedy(Problem(slots=3, tables=0, availability={}, requests=[request]))
    with pytest.raises(PlanInputError, match="no slots"):
        validate(Problem(slots=0, tables=2, availability={}, requests=[request]))
    with pytest.raises(PlanInputError, match=r"slots \[5\] that the day does not have"):
        validate(Problem(3, 2, {"org": frozenset({0, 5})}, [request]))
    with pytest.raises(PlanInputError, match="used more than once"):
        validate(Problem(3, 2, {}, [request, request]))
    with pytest.raises(PlanInputError, match="to meet themselves"):
        validate(Problem(3, 2, {}, [Request("r2", "same", "same", COULD)]))


def test_unplaceable_requests_are_reported_with_their_reason() -> None:
    problem = Problem(
        slots=3,
        tables=1,
        availability={
            "o1": frozenset({0}),
            "s1": frozenset({1, 2}),  # never together with o1
            "o2": frozenset({1}),
            "s2": frozenset({1}),
            "o3": frozenset({1}),  # slot 1 has one table, taken by o2-s2 (a must)
            "s3": frozenset({1}),
            "o4": frozenset({2}),
            "s4": frozenset({2}),
            "o5": frozenset({2}),  # s4 meets o4 in its only slot
        },
        requests=[
            Request("never", "o1", "s1", MUST),
            Request("table", "o2", "s2", MUST),
            Request("no-room", "o3", "s3", COULD),
            Request("first", "o4", "s4", MUST),
            Request("full", "o5", "s4", COULD),
        ],
    )
    for plan in (solve(problem), greedy(problem)):
        assert check_plan(problem, plan) == []
        assert plan.slot_of() == {"table": 1, "first": 2}
        assert plan.unplaced["never"] == REASON_NEVER_BOTH_AVAILABLE
        assert plan.unplaced["no-room"] == REASON_NO_ROOM
        assert plan.unplaced["full"].startswith(REASON_PARTY_FULL)
        assert "startup s4" in plan.unplaced["full"]


def test_a_party_who_never_answers_is_available_all_day() -> None:
    problem = Problem(
        slots=4,
        tables=4,
        availability={"o1": frozenset({3})},
        requests=[Request("r", "o1", "silent", MUST)],
    )
    assert problem.available("silent") == frozenset(range(4))
    assert solve(problem).slot_of() == {"r": 3}


# --- constraints, optimality, priorities, fairness ------------------------------------------


def test_every_constraint_holds_on_random_instances() -> None:
    rng = _rng(1234)
    for _ in range(25):
        problem = _random_problem(
            rng, rng.randint(2, 6), rng.randint(3, 9), rng.randint(2, 6), rng.randint(5, 25)
        )
        for plan in (solve(problem), greedy(problem)):
            assert check_plan(problem, plan) == [], plan.solver
            assert len(plan.meetings) + len(plan.unplaced) == len(problem.requests)
            assert plan.bound >= plan.objective
            assert 0.0 <= plan.gap <= 1.0


def test_solve_is_optimal_and_greedy_never_better_against_brute_force() -> None:
    rng = _rng(42)
    for _ in range(30):
        problem = _random_problem(rng, orgs=3, startups=4, slots=3, n=8)
        best_value, best_covered = _brute_force(problem)
        exact = solve(problem)
        heuristic = greedy(problem)
        assert exact.objective == best_value
        assert exact.proven_optimal and exact.gap == 0.0
        assert exact.bound == best_value
        assert _covered(problem, exact) == best_covered  # lexicographic: value, then fairness
        assert heuristic.objective <= exact.objective
        assert heuristic.bound >= best_value  # the heuristic's bound is a real bound


def test_a_must_beats_several_coulds() -> None:
    # The must (o1-s1) clashes with the coulds o1-s2 and o2-s1; the table limit then leaves
    # room for just one more meeting: 1 must + 1 could beats 3 coulds.
    problem = Problem(
        slots=1,
        tables=2,
        availability={},
        requests=[
            Request("c1", "o1", "s2", COULD),
            Request("c2", "o2", "s1", COULD),
            Request("c3", "o3", "s3", COULD),
            Request("must", "o1", "s1", MUST),
        ],
    )
    for plan in (solve(problem), greedy(problem)):
        assert "must" in plan.slot_of()
        assert plan.objective == 101
    shoulds = replace(
        problem,
        requests=[
            replace(r, priority=SHOULD if r.id == "must" else COULD) for r in problem.requests
        ],
    )
    assert "must" in solve(shoulds).slot_of()


def test_fairness_every_startup_meets_someone_at_equal_value() -> None:
    # o1 can only meet in slot 0, o2 only in slot 1; s1 meeting both o1 and o2 is worth as
    # much as s1 meeting o2 and s2 meeting o1, but leaves s2 without a meeting.
    problem = Problem(
        slots=2,
        tables=2,
        availability={"o1": frozenset({0}), "o2": frozenset({1})},
        requests=[
            Request("a", "o1", "s1", COULD),
            Request("b", "o1", "s2", COULD),
            Request("c", "o2", "s1", COULD),
        ],
    )
    for plan in (solve(problem), greedy(problem)):
        assert plan.objective == 2
        assert startups_without_meeting(problem, plan) == set()
    assert startups_without_meeting(problem, solve(problem, fairness=False)) <= {"s2"}


def test_meetings_are_packed_without_idle_gaps() -> None:
    problem = Problem(
        slots=6,
        tables=1,
        availability={},
        requests=[Request(f"r{i}", "o1", f"s{i}", COULD) for i in range(3)],
    )
    for plan in (solve(problem), greedy(problem)):
        assert len(plan.meetings) == 3
        assert idle_gaps(problem, plan) == 0


def test_gap_closing_never_adds_gaps_nor_changes_who_meets() -> None:
    rng = _rng(5)
    for _ in range(20):
        problem = _random_problem(rng, 3, 8, 8, 20)
        problem = replace(problem, tables=rng.randint(2, 4))
        prep = prepare(problem)
        rough = greedy_assignment(prep, close_gaps=False)
        smooth = polish(prep, rough, insert=False)

        before, after = (
            make_plan(prep, a, bound=0, proven_optimal=False, solver="t", seconds=0.0)
            for a in (rough, smooth)
        )
        assert check_plan(problem, after) == []
        assert after.objective == before.objective
        assert set(after.slot_of()) == set(before.slot_of())
        assert idle_gaps(problem, after) <= idle_gaps(problem, before)


def test_tables_are_numbered_from_one_per_slot() -> None:
    problem = Problem(
        slots=2,
        tables=3,
        availability={},
        requests=[Request(f"r{i}", f"o{i}", f"s{i}", MUST) for i in range(6)],
    )
    plan = solve(problem)
    for slot in (0, 1):
        assert sorted(m.table for m in plan.meetings if m.slot == slot) == [1, 2, 3]


def test_highs_is_silent(capfd: pytest.CaptureFixture[str]) -> None:
    problem = _random_problem(_rng(3), 3, 5, 4, 10)
    solve(problem)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_domain_modules_import_no_slack_or_database() -> None:
    for path in sorted(PLANNING.glob("*.py")):
        name = path.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                assert not module.startswith(("slack_bolt", "sqlalchemy")), (name, module)


# --- time cap and fallbacks ----------------------------------------------------------------


def test_a_tiny_time_limit_still_gives_a_valid_plan() -> None:
    problem = generate("xl")
    for limit in (0.0, 0.01, 0.3):
        plan = solve(problem, time_limit=limit)
        assert check_plan(problem, plan) == []
        assert plan.objective > 0
        assert not plan.proven_optimal or plan.solver == "greedy"
        assert plan.bound >= plan.objective


def test_highs_failure_falls_back_to_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _random_problem(_rng(9), 4, 6, 4, 15)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(exact, "_run", broken)
    plan = solve(problem)
    assert plan.solver == "greedy"
    assert "solver exploded" in plan.note
    assert check_plan(problem, plan) == []
    assert plan.objective == greedy(problem).objective

    def empty(*args: object, **kwargs: object) -> object:
        return exact._Result(None, float("inf"), False, "Time limit reached")

    monkeypatch.setattr(exact, "_run", empty)
    plan = solve(problem)
    assert plan.solver == "greedy" and not plan.proven_optimal
    assert check_plan(problem, plan) == []
    again = replan(problem, plan, confirmed=set(), removed=set())
    assert again.solver == "repair" and again.moved == frozenset()
    assert check_plan(problem, again) == []


# --- re-planning ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def medium() -> tuple[Problem, Plan]:
    problem = generate("medium")
    return problem, solve(problem)


def test_replan_after_a_decline_moves_little(medium: tuple[Problem, Plan]) -> None:
    problem, plan = medium
    rng = _rng(7)
    ids = sorted(m.request_id for m in plan.meetings)
    declined = rng.choice(ids)
    confirmed = set(rng.sample([i for i in ids if i != declined], len(ids) // 2))
    weight = {r.id: r.weight for r in problem.requests}
    new = replan(problem, plan, confirmed=confirmed, removed={declined})
    assert check_plan(problem, new) == []
    assert declined not in new.slot_of()
    assert new.unplaced[declined] == REASON_REMOVED
    assert new.objective >= plan.objective - weight[declined]
    assert not new.moved & confirmed
    assert len(new.moved) <= max(2, len(plan.meetings) // 33)
    assert new.dropped == frozenset()
    before, after = plan.table_of(), new.table_of()
    slot_before = plan.slot_of()
    for m in new.meetings:
        if slot_before.get(m.request_id) == m.slot:
            assert after[m.request_id] == before[m.request_id]  # unmoved keeps its table


def test_replan_honours_new_unavailability(medium: tuple[Problem, Plan]) -> None:
    problem, plan = medium
    requests = {r.id: r for r in problem.requests}
    ids = sorted(m.request_id for m in plan.meetings)
    confirmed = set(ids[::2])
    victim = next(m for m in plan.meetings if m.request_id in confirmed)
    party = requests[victim.request_id].startup
    availability = dict(problem.availability)
    availability[party] = problem.available(party) - {victim.slot}
    changed = replace(problem, availability=availability)
    new = replan(changed, plan, confirmed=confirmed, removed=set())
    assert check_plan(changed, new) == []
    assert new.slot_of().get(victim.request_id) != victim.slot
    others_moved = new.moved - {victim.request_id}
    assert not others_moved & confirmed
    assert len(new.moved) <= max(3, len(plan.meetings) // 33)
    lost = requests[victim.request_id].weight
    assert new.objective >= plan.objective - lost


def test_replan_random_small_instances_stay_valid() -> None:
    rng = _rng(77)
    for _ in range(15):
        problem = _random_problem(rng, 4, 7, 5, 18)
        plan = solve(problem)
        ids = sorted(plan.slot_of())
        removed = set(rng.sample(ids, min(2, len(ids))))
        confirmed = set(rng.sample(ids, len(ids) // 2))
        availability = dict(problem.availability)
        party = rng.choice(sorted({r.organisation for r in problem.requests}))
        availability[party] = problem.available(party) - {rng.randrange(problem.slots)}
        changed = replace(problem, availability=availability)
        new = replan(changed, plan, confirmed=confirmed, removed=removed)
        assert check_plan(changed, new) == []
        assert not set(new.slot_of()) & removed
        slot = plan.slot_of()
        for rid in confirmed - removed:
            request = next(r for r in problem.requests if r.id == rid)
            still_ok = slot[rid] in changed.common_slots(request)
            if still_ok:
                assert new.slot_of().get(rid) == slot[rid]


# --- the package's shape, the exact path's fallbacks, the bounds ---------------------------

LAYERS = ["problem", "indexed", "greedy", "exact", "planner"]


def _planning_imports(name: str) -> set[str]:
    """The ``bot.planning`` modules that ``bot/planning/<name>.py`` imports."""
    tree = ast.parse((PLANNING / f"{name}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module == "bot.planning":
                modules = [f"bot.planning.{a.name}" for a in node.names]
        found |= {m.removeprefix("bot.planning.") for m in modules if m.startswith("bot.planning.")}
    return found


def test_the_planning_modules_import_only_downwards() -> None:
    modules = sorted(p.stem for p in PLANNING.glob("*.py") if p.stem != "__init__")
    assert sorted(LAYERS) == modules  # a new module gets its place in the layers
    for i, name in enumerate(LAYERS):
        below = set(LAYERS[:i])
        assert _planning_imports(name) <= below, (name, _planning_imports(name) - below)
    assert _planning_imports("__init__") == set()  # the model loads without HiGHS
    bot = PLANNING.parent
    assert not list(bot.glob("matchday_plan.py")) and not list(bot.glob("matchday_solver.py"))


def test_the_integer_program_path_is_optimal_against_brute_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pretend every relaxation is fractional: the plan then comes from rounding, reduced-cost
    # fixing and the warm-started integer program, which must still be the exact optimum.
    monkeypatch.setattr(exact, "_integral", lambda values, n_x: False)
    rng = _rng(4242)
    for _ in range(25):
        problem = _random_problem(rng, orgs=3, startups=5, slots=3, n=9)
        best_value, best_covered = _brute_force(problem)
        plan = solve(problem)
        assert check_plan(problem, plan) == []
        assert (plan.objective, _covered(problem, plan)) == (best_value, best_covered)
        assert plan.proven_optimal and plan.bound == best_value
        assert solve(problem, fairness=False).objective == best_value


def test_a_day_too_large_for_the_exact_solver_is_planned_by_the_heuristic_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exact, "MIP_MAX_COLUMNS", 0)
    rng = _rng(31)
    for _ in range(10):
        problem = _random_problem(rng, orgs=3, startups=5, slots=3, n=9)
        best_value, _covered_best = _brute_force(problem)
        plan = solve(problem)
        assert check_plan(problem, plan) == []
        assert plan.solver == "greedy"
        assert "too large for the exact solver" in plan.note
        assert "LP bound" in plan.note
        assert plan.objective <= best_value <= plan.bound <= simple_bound(prepare(problem))
        assert plan.gap == pytest.approx((plan.bound - plan.objective) / plan.bound)
        assert plan.proven_optimal == (plan.objective == plan.bound)


def test_any_dual_values_give_a_true_bound_and_optimal_ones_the_lp_bound() -> None:
    rng = _rng(8)
    for _ in range(15):
        problem = _random_problem(rng, orgs=3, startups=5, slots=3, n=9)
        best_value, _ = _brute_force(problem)
        cols = exact._value_model(prepare(problem))
        n_rows = len(cols.model.row_upper)
        for _attempt in range(5):  # arbitrary non-negative duals: weaker, never wrong
            duals = [rng.random() * 3 for _ in range(n_rows)]
            assert exact.dual_bound(cols.model, np.asarray(duals)) >= best_value - 1e-9
        relaxed = exact._run(cols.model, None, 5.0, lp=True)
        assert relaxed.optimal and relaxed.row_duals is not None and relaxed.values is not None
        lp_value = float(cols.model.cost @ relaxed.values)
        assert exact.dual_bound(cols.model, relaxed.row_duals) == pytest.approx(lp_value)
        assert lp_value >= best_value - 1e-9


def test_a_replan_through_the_integer_program_moves_no_confirmed_meeting(
    medium: tuple[Problem, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exact, "_integral", lambda values, n_x: False)  # skip the LP shortcut
    problem, plan = medium
    ids = sorted(plan.slot_of())
    declined, confirmed = ids[3], set(ids[::2]) - {ids[3]}
    weight = {r.id: r.weight for r in problem.requests}
    new = replan(problem, plan, confirmed=confirmed, removed={declined})
    assert check_plan(problem, new) == []
    assert new.solver == "highs" and new.proven_optimal
    assert declined not in new.slot_of()
    assert not new.moved & confirmed
    assert new.objective >= plan.objective - weight[declined]
