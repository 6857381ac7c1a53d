"""Lagrangian facility fixing for the capacitated facility location problem (siting.model.cflp_bounds, cflp).

Every test compares with the optimum found by enumeration: every set of open facilities priced exactly by its
transportation LP (split assignment), so the fixings and the pipeline's answers are checked against the truth.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import numpy as np
import pytest

from siting.model import cflp, formulation
from siting.model.cflp_bounds import NEVER, Instance, cflp_bounds, transport
from siting.model.objectives import objective_vector
from siting.model.solve import solve
from siting.reproduce.instances import CapInstance
from siting.reproduce.models import cflp_model
from siting.solvers import SolveOptions, get_solver


def random_instance(seed: int, n_sites: int = 6, n_clients: int = 14, equal: bool = True) -> Instance:
    """Facilities and customers in the unit square; fixed costs that vary 4×; capacities for ~1.5–3× the demand."""
    rng = np.random.default_rng(seed)
    sites, clients = rng.random((n_sites, 2)), rng.random((n_clients, 2))
    demand = rng.integers(5, 40, n_clients).astype(float)
    distance = np.hypot(*(sites[:, None, :] - clients[None, :, :]).transpose(2, 0, 1))
    cost = np.round(100 * distance * demand[None, :], 2)
    fixed = np.round(rng.uniform(200, 800, n_sites), 1)
    share = rng.uniform(2.0, 4.0)
    capacity = np.full(n_sites, np.ceil(share * demand.sum() / n_sites))
    if not equal:
        capacity = np.ceil(capacity * rng.uniform(0.5, 1.5, n_sites))
        capacity[0] *= seed % 2  # a facility without capacity (odd seeds keep it)
    return Instance(cost, fixed, capacity, demand)


def all_plans(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Every set of open facilities (rows) and its exact cost (inf when infeasible)."""
    plans = np.array(list(product([False, True], repeat=len(inst.fixed))))
    costs = np.array([np.inf if not p.any() else (transport(inst, p) or (np.inf,))[0] for p in plans])
    return plans, costs


def optimum(table, forced: np.ndarray | None = None, banned: np.ndarray | None = None) -> float:
    """The least cost of the plans that open every `forced` facility and no `banned` one."""
    plans, costs = table
    ok = np.ones(len(plans), bool)
    if forced is not None:
        ok &= plans[:, forced].all(axis=1)
    if banned is not None:
        ok &= ~plans[:, banned].any(axis=1)
    return float(costs[ok].min(initial=np.inf))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("equal", [True, False])
def test_bounds_and_fixings_are_exact(seed: int, equal: bool) -> None:
    inst = random_instance(seed, equal=equal)
    m = len(inst.fixed)
    none = np.zeros(m, bool)
    bounds = cflp_bounds(inst, none, none)
    table = all_plans(inst)
    best = optimum(table)
    tol = 1e-7 * best
    assert bounds.bound <= best + tol <= bounds.cost + 2 * tol
    priced = transport(inst, bounds.open_site)
    assert priced is not None and priced[0] == pytest.approx(bounds.cost, rel=1e-9)
    # A closed facility: every plan opening it costs more than the heuristic plan; an opened one likewise.
    for site in np.flatnonzero(bounds.banned):
        assert optimum(table, forced=np.eye(m, dtype=bool)[site]) > bounds.cost - tol
    for site in np.flatnonzero(bounds.forced):
        assert optimum(table, banned=np.eye(m, dtype=bool)[site]) > bounds.cost - tol
    # The reduced problem keeps the optimum.
    assert optimum(table, forced=bounds.forced, banned=bounds.banned) == pytest.approx(best, rel=1e-9)


def test_fixings_happen_and_given_fixings_hold() -> None:
    fixed_total = 0
    for seed in range(6):
        inst = random_instance(seed)
        m = len(inst.fixed)
        bounds = cflp_bounds(inst, np.zeros(m, bool), np.zeros(m, bool))
        fixed_total += int(bounds.banned.sum() + bounds.forced.sum())
    assert fixed_total > 0  # the tests above check real fixings, not only empty ones
    inst = random_instance(1)
    forced, banned = np.zeros(6, bool), np.zeros(6, bool)
    forced[0], banned[1] = True, True
    bounds = cflp_bounds(inst, forced, banned)
    assert bounds.open_site[0] and not bounds.open_site[1] and bounds.forced[0] and bounds.banned[1]
    assert bounds.bound <= optimum(all_plans(inst), forced=forced, banned=banned) * (1 + 1e-9)


def test_missing_arcs_and_too_little_capacity() -> None:
    inst = random_instance(3)
    cost = inst.cost.copy()
    cost[:3, :5] = NEVER  # customers 0-4 only reachable from facilities 3-6
    inst = replace(inst, cost=cost)
    m = len(inst.fixed)
    bounds = cflp_bounds(inst, np.zeros(m, bool), np.zeros(m, bool))
    best = optimum(all_plans(inst))
    assert bounds.bound <= best * (1 + 1e-9) and bounds.cost == pytest.approx(best, rel=1e-6)
    assert (bounds.share[:3, :5] == 0).all()
    short = replace(inst, capacity=np.full(m, inst.demand.sum() / (m + 1)))
    assert cflp_bounds(short, np.zeros(m, bool), np.zeros(m, bool)) is None


def cap_instance(inst: Instance) -> CapInstance:
    m, n = inst.cost.shape
    return CapInstance(
        name="random", m=m, n=n, capacity=inst.capacity, fixed_cost=inst.fixed, demand=inst.demand, cost=inst.cost
    )


@pytest.mark.parametrize(("seed", "solver"), [(0, "highs"), (1, "highs"), (2, "cbc"), (3, "ortools")])
def test_pipeline_matches_enumeration(seed: int, solver: str) -> None:
    inst = random_instance(seed, n_sites=7, n_clients=20, equal=seed % 2 == 0)
    data, spec = cflp_model(cap_instance(inst), capacitated=True)
    assert cflp.applicable(data, spec)
    options = SolveOptions(mip_rel_gap=1e-9, threads=1)
    sol = solve(data, spec, solver=solver, options=options)
    assert "Lagrangian facility fixing" in sol.first.result.message
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(optimum(all_plans(inst)), rel=1e-7)
    model, v = formulation.build(data, spec)  # the unreduced MILP, straight to HiGHS
    plain = get_solver(solver).solve(
        model.problem(objective_vector("min_cost", data, spec, v, model.n_cols), maximize=False), options
    )
    assert plain.objective == pytest.approx(sol.objective, rel=1e-7)
    unreduced = solve(data, spec, solver=solver, options=options, reduce=False)
    assert "Lagrangian" not in unreduced.first.result.message
    assert unreduced.objective == pytest.approx(sol.objective, rel=1e-7)


def test_applicable_only_to_the_plain_problem() -> None:
    data, spec = cflp_model(cap_instance(random_instance(0)), capacitated=True)
    assert cflp.applicable(data, spec)
    assert not cflp.applicable(data, replace(spec, single_source=True))
    assert not cflp.applicable(data, replace(spec, min_facilities=2))
    assert not cflp.applicable(data, replace(spec, objectives=("min_distance",)))
    assert not cflp.applicable(*cflp_model(cap_instance(random_instance(0)), capacitated=False))
    assert not cflp.applicable(replace(data, budget_capex=1e4), spec)


def test_pipeline_keeps_must_choose_and_must_not_choose() -> None:
    inst = random_instance(5, n_sites=6, n_clients=16, equal=False)
    data, spec = cflp_model(cap_instance(inst), capacitated=True)
    table = all_plans(inst)
    must, never = np.zeros(6, bool), np.zeros(6, bool)
    never[int(np.argmax(inst.capacity))] = True  # close the largest and open the dearest of the others
    must[int(np.argmax(np.where(never, -np.inf, inst.fixed)))] = True
    assert optimum(table, forced=must, banned=never) > optimum(table) * (1 + 1e-6)  # the rules change the plan
    spec = replace(spec, must_choose=np.flatnonzero(must), must_not_choose=np.flatnonzero(never))
    sol = solve(data, spec, options=SolveOptions(mip_rel_gap=1e-9, threads=1))
    assert "Lagrangian facility fixing" in sol.first.result.message
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(optimum(table, forced=must, banned=never), rel=1e-7)


@pytest.mark.parametrize("offset", [-1e6, 1e6])
def test_bound_counts_the_objective_offset(offset: float) -> None:
    # The Lagrangian bound is computed from the columns' costs; a constant in the objective must be added to it,
    # or with a negative constant the reported bound would lie above the plan it bounds.
    data, spec = cflp_model(cap_instance(random_instance(3, n_sites=6, n_clients=16)), capacitated=True)
    model, v = formulation.build(data, spec)
    problem = model.problem(objective_vector("min_cost", data, spec, v, model.n_cols), maximize=False)
    problem = replace(problem, offset=problem.offset + offset)
    options = SolveOptions(mip_rel_gap=1e-9, threads=1)
    result = cflp.solve_first_stage(data, spec, v, problem, get_solver("highs"), options)
    assert "Lagrangian facility fixing" in result.message
    assert result.objective == pytest.approx(optimum(all_plans(random_instance(3, 6, 16))) + offset, rel=1e-9)
    assert result.bound <= result.objective + 1e-6 * abs(result.objective)
    assert result.bound == pytest.approx(result.objective, rel=1e-6)
