"""The solver layer: every installed backend must give the same answers through the same API."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from siting.errors import InputError
from siting.solvers import (
    SOLVER_NAMES,
    MilpProblem,
    SolveOptions,
    Status,
    available_solvers,
    get_solver,
)
from siting.solvers.base import relative_gap
from siting.solvers.cbc import CbcSolver
from siting.solvers.mps import write_mps

INF = np.inf
SOLVERS = available_solvers()


def problem(c, rows, row_lower, row_upper, col_lower, col_upper, integer, **kwargs) -> MilpProblem:
    n = len(c)
    return MilpProblem(
        c=np.array(c, float),
        A=sp.csr_array(np.array(rows, float).reshape(-1, n)),
        row_lower=np.array(row_lower, float),
        row_upper=np.array(row_upper, float),
        col_lower=np.array(col_lower, float),
        col_upper=np.array(col_upper, float),
        integrality=np.array(integer, bool),
        **kwargs,
    )


def knapsack() -> MilpProblem:
    """max 10a + 13b + 7c + 8d + 4e, weights 3 4 2 3 1 <= 7, binary: b + c + e = 24 is the only best."""
    return problem([10, 13, 7, 8, 4], [[3, 4, 2, 3, 1]], [-INF], [7], [0] * 5, [1] * 5, [True] * 5, maximize=True)


def equality_problem(integer: bool) -> MilpProblem:
    """min 2x + y - z + 1.5 with x + y = 3, y - x <= 1, 2 <= x + z <= 5; x >= 0, y free, z <= 4.

    On the row x + y = 3 the objective is x - z + 4.5, and x >= 1 (from y - x <= 1), z <= 4 and
    x + z <= 5 make (1, 2, 4) the only optimum, objective 1.5.
    """
    return problem(
        [2, 1, -1],
        [[1, 1, 0], [-1, 1, 0], [1, 0, 1]],
        [3, -INF, 2],
        [3, 1, 5],
        [0, -INF, -INF],
        [INF, INF, 4],
        [integer] * 3,
        offset=1.5,
    )


def multi_knapsack(n: int = 400, m: int = 15, seed: int = 7) -> MilpProblem:
    """A random multi-dimensional knapsack no solver proves in a fraction of a second."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(10, 1000, size=(m, n)).astype(float)
    profit = weights.mean(axis=0) + rng.integers(0, 100, size=n)
    return MilpProblem(
        c=profit,
        A=sp.csr_array(weights),
        row_lower=np.full(m, -INF),
        row_upper=weights.sum(axis=1) / 2,
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integrality=np.ones(n, bool),
        maximize=True,
    )


def market_split(m: int = 5, seed: int = 3) -> tuple[MilpProblem, np.ndarray]:
    """A feasible market-split instance (Cornuejols-Dawande): finding any plan takes a solver far
    longer than the tests allow, but the plan it was built from is returned alongside."""
    n = 10 * (m - 1)
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 100, size=(m, n)).astype(float)
    plan = (rng.random(n) < 0.5).astype(float)
    demand = weights @ plan
    cost = rng.integers(1, 10, size=n).astype(float)
    return MilpProblem(
        c=cost,
        A=sp.csr_array(weights),
        row_lower=demand,
        row_upper=demand,
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integrality=np.ones(n, bool),
    ), plan


def max_coverage(sites: int = 60, points: int = 150, seed: int = 11) -> MilpProblem:
    """Budgeted maximum coverage: open sites (binary) within a budget, count covered points (binary).

    Rows: z_i <= sum of the open sites within reach of point i; total site cost <= 15 % of all.
    """
    rng = np.random.default_rng(seed)
    site_xy, point_xy = rng.random((sites, 2)), rng.random((points, 2))
    reach = np.linalg.norm(point_xy[:, None, :] - site_xy[None, :, :], axis=2) <= 0.18
    weight = rng.integers(1, 20, size=points).astype(float)
    cost = rng.integers(5, 15, size=sites).astype(float)
    A = sp.vstack(
        [
            sp.hstack([-sp.csr_array(reach.astype(float)), sp.eye_array(points)]),
            sp.hstack([sp.csr_array(cost[None, :]), sp.csr_array((1, points))]),
        ]
    ).tocsr()
    n = sites + points
    return MilpProblem(
        c=np.concatenate([np.zeros(sites), weight]),
        A=A,
        row_lower=np.full(points + 1, -INF),
        row_upper=np.concatenate([np.zeros(points), [0.15 * cost.sum()]]),
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integrality=np.ones(n, bool),
        maximize=True,
        offset=1.0,
    )


def assert_optimal(result, expected_objective: float, expected_x=None) -> None:
    assert result.status is Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(expected_objective, abs=1e-6)
    assert result.bound == pytest.approx(expected_objective, rel=1e-5, abs=1e-6)
    assert result.gap == 0.0
    if expected_x is not None:
        np.testing.assert_allclose(result.x, expected_x, atol=1e-6)


# --- registry ---------------------------------------------------------------------------------------


def test_registry_order_and_default():
    assert SOLVER_NAMES == ("highs", "cbc", "ortools", "ortools-cpsat")
    assert SOLVERS == [name for name in SOLVER_NAMES if name in SOLVERS]
    assert "highs" in SOLVERS
    solver = get_solver(" HiGHS ")
    assert solver.name == "highs" and solver.version().count(".") == 2
    assert {name: get_solver(name).integer_only for name in SOLVERS} == {
        name: name == "ortools-cpsat" for name in SOLVERS
    }


def test_unknown_solver_names_the_choices():
    with pytest.raises(InputError) as info:
        get_solver("gurobi")
    assert all(name in str(info.value) for name in SOLVER_NAMES)


def test_uninstalled_solver_is_refused(monkeypatch):
    monkeypatch.setattr(CbcSolver, "is_available", classmethod(lambda cls: False))
    assert "cbc" not in available_solvers()
    with pytest.raises(InputError, match="not installed; installed: highs"):
        get_solver("cbc")


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, complaint",
    [
        ({"c": [1.0, 2.0]}, "A has shape"),
        ({"row_upper": [1.0, 2.0]}, "row_upper has length 2"),
        ({"integrality": [True, False]}, "integrality"),
        ({"col_lower": [0, np.nan, 0]}, "NaN"),
        ({"col_lower": [0, INF, 0]}, r"col_lower contains \+inf"),
        ({"A": np.ones((1, 3))}, "scipy.sparse"),
    ],
)
def test_problem_validation(change, complaint):
    fields = {
        "c": [1.0, 1.0, 1.0],
        "A": sp.csr_array(np.ones((1, 3))),
        "row_lower": [-INF],
        "row_upper": [1.0],
        "col_lower": [0.0] * 3,
        "col_upper": [1.0] * 3,
        "integrality": [True] * 3,
    }
    fields.update(change)
    with pytest.raises(ValueError, match=complaint):
        MilpProblem(**fields)


def test_problem_is_frozen_and_read_only():
    p = knapsack()
    with pytest.raises(ValueError):
        p.c[0] = 99.0
    with pytest.raises(AttributeError):
        p.maximize = False


@pytest.mark.parametrize("kwargs", [{"time_limit_s": 0}, {"mip_rel_gap": -1}, {"threads": 0}, {"seed": -1}])
def test_options_validation(kwargs):
    with pytest.raises(ValueError):
        SolveOptions(**kwargs)


def test_relative_gap_formula():
    assert relative_gap(100.0, 110.0) == pytest.approx(0.1)
    assert relative_gap(-50.0, -40.0) == pytest.approx(0.2)
    assert relative_gap(0.0, 1e-12) == pytest.approx(1e-3)


# --- MPS writer -------------------------------------------------------------------------------------


def every_mps_feature() -> MilpProblem:
    """A maximisation with an offset, L, E, ranged and free rows, integer runs, free, negative and fixed columns."""
    return problem(
        [1, -2, 3, 0],
        [[1, 0, 2, 0], [0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 5]],
        [-INF, 1, 2, -INF],
        [4, 1, 6, INF],
        [0, -INF, -2, 1],
        [INF, 3, -1, 1],
        [True, False, True, True],
        maximize=True,
        offset=7,
    )


def test_mps_round_trips_through_highs(tmp_path):
    highspy = pytest.importorskip("highspy")
    p = every_mps_feature()
    path = tmp_path / "p.mps"
    write_mps(p, path)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    lp = h.getLp()
    np.testing.assert_array_equal(lp.col_cost_, -p.c)  # written as a minimisation, offset left out
    assert lp.sense_ == highspy.ObjSense.kMinimize and lp.offset_ == 0
    np.testing.assert_array_equal(lp.col_lower_, p.col_lower)
    np.testing.assert_array_equal(lp.col_upper_, p.col_upper)
    np.testing.assert_array_equal(lp.row_lower_, [-INF, 1, 2])  # the free row 3 is left out
    np.testing.assert_array_equal(lp.row_upper_, [4, 1, 6])  # L, E and a ranged row
    assert [int(t) for t in lp.integrality_] == [1, 0, 1, 1]
    a = lp.a_matrix_
    read = sp.csc_array((a.value_, a.index_, a.start_), shape=(3, 4)).toarray()
    np.testing.assert_array_equal(read, p.A.toarray()[:3])


def test_mps_keeps_every_digit_and_huge_values(tmp_path):
    highspy = pytest.importorskip("highspy")
    c = np.array([1 / 3, 0.1 + 0.2, 123456789.123456789, 1e-20, 2.0**53 + 2, 1e25])
    p = problem(c, [np.ones(6)], [-INF], [1e22], [0] * 6, [1e21] + [1] * 5, [False] * 6)
    write_mps(p, tmp_path / "p.mps")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for option in ("infinite_cost", "infinite_bound"):
        h.setOptionValue(option, INF)
    h.readModel(str(tmp_path / "p.mps"))
    lp = h.getLp()
    np.testing.assert_array_equal(lp.col_cost_, c)  # HiGHS would write 1e25 as inf by default
    assert lp.col_upper_[0] == 1e21 and lp.row_upper_[0] == 1e22


def test_mps_needs_the_mps_extension(tmp_path):
    with pytest.raises(ValueError, match="must end in .mps"):
        write_mps(knapsack(), tmp_path / "p.lp")


@pytest.mark.skipif("cbc" not in SOLVERS, reason="CBC is not installed")
def test_cbc_reads_every_mps_feature_as_highs_does():
    p = every_mps_feature()
    highs, cbc = get_solver("highs").solve(p), get_solver("cbc").solve(p)
    assert highs.status is Status.OPTIMAL, highs.message
    assert_optimal(cbc, highs.objective, highs.x)


def test_mps_refuses_crossed_bounds(tmp_path):
    p = problem([1], [[1]], [-INF], [1], [2], [1], [False])
    with pytest.raises(ValueError, match="column 0 has lower bound 2 > upper bound 1"):
        write_mps(p, tmp_path / "p.mps")


# --- every installed solver -------------------------------------------------------------------------


@pytest.fixture(params=SOLVERS)
def solver(request):
    return get_solver(request.param)


def test_sigterm_during_a_highs_solve_stops_it_and_is_raised_not_lost():
    """SIGTERM lands in HiGHS's progress callback: the command must stop, not report 'Solve error' or go on."""
    import os
    import signal

    from siting.cli.main import _signals_interrupt
    from siting.interrupts import Interrupted

    rng = np.random.default_rng(3)
    weights = rng.integers(5, 40, (5, 60)).astype(float)
    hard = problem(rng.integers(10, 60, 60), weights, [-INF] * 5, weights.sum(1) / 3, [0] * 60, [1] * 60,
                   [True] * 60, maximize=True)  # fmt: skip
    calls = []

    def terminated(event):
        calls.append(event)
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs at the next bytecode, in this callback

    with _signals_interrupt(), pytest.raises(Interrupted) as raised:
        get_solver("highs").solve(hard, SolveOptions(progress=terminated))
    assert raised.value.signum == signal.SIGTERM and len(calls) == 1  # asked to stop at once
    assert get_solver("highs").solve(hard).status is Status.OPTIMAL  # nothing left pending


def test_an_interrupted_cbc_run_is_killed_not_waited_for():
    """SIGTERM while CBC searches: the command stops at once; Popen's exit alone would wait for CBC to finish."""
    import signal
    import sys
    import time

    from siting.interrupts import Interrupted
    from siting.solvers.cbc import _run

    def alarm(signum, frame):
        raise Interrupted(signal.SIGTERM)  # Popen's exit treats only a plain KeyboardInterrupt specially

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    started = time.perf_counter()
    try:
        with pytest.raises(Interrupted):
            _run([sys.executable, "-c", "import time; print('searching', flush=True); time.sleep(30)"], False, None)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - started < 10


def test_knapsack(solver):
    result = solver.solve(knapsack())
    assert_optimal(result, 24.0, [0, 1, 1, 0, 1])
    assert result.solver == solver.name and result.version == solver.version()


def test_max_sense_with_offset(solver):
    # max 3x + 2y + 10 with x + y <= 4, x <= 2 (integers >= 0): x = 2, y = 2, objective 20.
    p = problem(
        [3, 2], [[1, 1], [1, 0]], [-INF, -INF], [4, 2], [0, 0], [INF, INF], [True, True], maximize=True, offset=10
    )
    assert_optimal(solver.solve(p), 20.0, [2, 2])


def test_equality_rows_ranges_and_infinite_bounds(solver):
    assert_optimal(solver.solve(equality_problem(integer=True)), 1.5, [1, 2, 4])


def test_lp_with_continuous_variables(solver):
    result = solver.solve(equality_problem(integer=False))
    if solver.integer_only:  # CP-SAT refuses continuous columns by design
        assert result.status is Status.ERROR and "continuous" in result.message and result.x is None
    else:
        assert_optimal(result, 1.5, [1, 2, 4])


def test_no_constraint_rows(solver):
    p = problem([1, -2], np.zeros((0, 2)), [], [], [0, 0], [3, 4], [True, True])
    assert_optimal(solver.solve(p), -8.0, [0, 4])


def test_infeasible(solver):
    result = solver.solve(problem([1, 1], [[1, 1]], [3], [INF], [0, 0], [1, 1], [True, True]))
    assert result.status is Status.INFEASIBLE, result.message
    assert result.x is None and result.objective is None and result.bound is None and result.gap is None


def test_infeasible_lp(solver):
    result = solver.solve(problem([1, 1], [[1, 1]], [3], [INF], [0, 0], [1, 1], [False, False]))
    expected = Status.ERROR if solver.integer_only else Status.INFEASIBLE
    assert result.status is expected, result.message


def test_integer_infeasible_with_unbounded_relaxation(solver):
    # 2x = 1 has no integer solution, while y alone makes the relaxation unbounded: a solver that
    # says "infeasible or unbounded" must be settled to INFEASIBLE, not UNBOUNDED.
    p = problem([1, -1], [[2, 0]], [1], [1], [0, 0], [5, INF], [True, True])
    assert solver.solve(p).status is Status.INFEASIBLE


def test_crossed_bounds_are_infeasible(solver):
    result = solver.solve(problem([1, 1], [[1, 1]], [0], [4], [0, 3], [1, 2], [True, True]))
    assert result.status is Status.INFEASIBLE, result.message


@pytest.mark.parametrize("integer", [True, False])
def test_unbounded(solver, integer):
    p = problem([1, 1], [[1, -1]], [-INF], [2], [0, 0], [INF, INF], [integer] * 2, maximize=True)
    result = solver.solve(p)
    expected = Status.ERROR if solver.integer_only and not integer else Status.UNBOUNDED
    assert result.status is expected, result.message
    assert result.x is None and result.objective is None and result.bound is None


def test_time_limit_is_not_optimal(solver):
    p = multi_knapsack()
    result = solver.solve(p, SolveOptions(time_limit_s=0.05))
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION), result.message
    if result.status is Status.FEASIBLE:
        assert p.max_violation(result.x) <= 1e-6
        assert result.objective == pytest.approx(p.objective_value(result.x))
        assert result.bound is not None and result.bound >= result.objective - 1e-6  # maximisation
        assert result.gap == pytest.approx(relative_gap(result.objective, result.bound)) and result.gap > 0
    else:
        assert result.x is None and result.objective is None


def test_lp_stopped_early_keeps_only_a_feasible_point(solver):
    # A random LP that takes these solvers seconds: an interrupted simplex sits at a point that need
    # not be feasible, and such a point must not come back as a plan.
    rng = np.random.default_rng(0)
    m, n, k = 1500, 2000, 12000
    A = sp.csr_array((rng.random(k), (rng.integers(0, m, k), rng.integers(0, n, k))), shape=(m, n))
    p = MilpProblem(
        c=-rng.random(n),
        A=A,
        row_lower=np.full(m, -INF),
        row_upper=rng.random(m) * 5 + 1,
        col_lower=np.zeros(n),
        col_upper=np.full(n, 10.0),
        integrality=np.zeros(n, bool),
    )
    result = solver.solve(p, SolveOptions(time_limit_s=0.05))
    if solver.integer_only:
        assert result.status is Status.ERROR
        return
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION), result.message
    if result.x is not None:
        assert p.max_violation(result.x) <= 1e-6
        assert result.bound is None or result.bound <= result.objective + 1e-6  # minimisation


def test_warm_start_is_used(solver):
    p, plan = market_split()
    cold = solver.solve(p, SolveOptions(time_limit_s=0.15))
    assert cold.status is Status.NO_SOLUTION, cold.message
    warm = solver.solve(p, SolveOptions(time_limit_s=0.15, warm_start=plan))
    assert warm.status in (Status.FEASIBLE, Status.OPTIMAL), warm.message
    assert p.max_violation(warm.x) <= 1e-6
    assert warm.objective <= p.objective_value(plan) + 1e-9  # minimisation: at least as good


@pytest.mark.skipif("cbc" not in SOLVERS, reason="CBC is not installed")
def test_cbc_is_killed_when_it_overruns_its_time_limit(monkeypatch):
    monkeypatch.setattr("siting.solvers.cbc._deadline", lambda time_limit_s: 0.3)
    result = get_solver("cbc").solve(market_split()[0], SolveOptions(time_limit_s=60))
    # Only the kill timer (not CBC's own 60 s limit) produces this message and status.
    assert result.status is Status.NO_SOLUTION
    assert "ignored its time limit and was stopped after 0.3 s" in result.message


def test_infeasible_warm_start_is_harmless(solver):
    result = solver.solve(knapsack(), SolveOptions(warm_start=np.ones(5)))
    assert_optimal(result, 24.0, [0, 1, 1, 0, 1])


def test_warm_start_of_wrong_length_is_refused(solver):
    with pytest.raises(ValueError, match="length 5"):
        solver.solve(knapsack(), SolveOptions(warm_start=np.ones(4)))


def test_two_threads(solver):
    # CP-SAT with two workers proves nothing unless one of them bounds with the LP; HiGHS must
    # resize its process-wide scheduler between thread counts.
    assert_optimal(solver.solve(max_coverage(), SolveOptions(threads=2)), 1425.0)
    assert_optimal(solver.solve(knapsack(), SolveOptions(threads=1)), 24.0)


def test_repeated_solves_give_the_same_plan(solver):
    p = max_coverage(seed=12, points=200)
    first, second = (solver.solve(p, SolveOptions(seed=3)) for _ in range(2))
    assert first.status is Status.OPTIMAL
    np.testing.assert_array_equal(first.x, second.x)


def test_all_solvers_agree_on_a_medium_milp():
    p = max_coverage()
    results = {name: get_solver(name).solve(p) for name in SOLVERS}
    for name, result in results.items():
        assert result.status is Status.OPTIMAL, (name, result.message)
        assert p.max_violation(result.x) <= 1e-6, name
    objectives = {name: result.objective for name, result in results.items()}
    assert objectives == pytest.approx({name: 1425.0 for name in SOLVERS}), objectives
