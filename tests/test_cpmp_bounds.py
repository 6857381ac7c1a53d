"""Lagrangian knapsack fixing for the single-source capacitated p-median (siting.model.cpmp_bounds, cpmp).

The knapsacks are checked against enumeration of every item subset, and the bounds, the heuristic plan and every
fixing against enumeration of every plan (each set of p open sites with each single-source assignment of the
clients), so that the reductions are checked against the truth, not against the solver.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations, product

import numpy as np
import pytest

from siting.model import cpmp, formulation
from siting.model.cflp_bounds import Instance
from siting.model.cpmp_bounds import cpmp_bounds, knapsack
from siting.model.objectives import objective_vector
from siting.model.solve import solve
from siting.reproduce.instances import CapInstance, CpmpInstance
from siting.reproduce.models import cflp_model, cpmp_model, euclidean
from siting.solvers import SolveOptions, get_solver


@pytest.mark.parametrize("seed", range(5))
def test_knapsack_matches_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, items = 4, 8
    profit = rng.uniform(-5, 10, (rows, items))
    weight = rng.integers(0 if seed % 2 else 1, 9, items)
    capacity = rng.integers(0, 25, rows)
    table, choice = knapsack(profit, weight, capacity)
    subsets = np.array(list(product([False, True], repeat=items)))
    load = subsets @ weight
    for k in range(rows):
        value = subsets @ profit[k]
        for w in range(capacity[k] + 1):
            assert table[k, w] == pytest.approx(value[load <= w].max(), abs=1e-9)
        assert weight[choice[k]].sum() <= capacity[k]
        assert profit[k, choice[k]].sum() == pytest.approx(table[k, capacity[k]], abs=1e-9)


def random_cpmp(seed: int, n: int = 9, p: int = 3, equal: bool = True) -> CpmpInstance:
    """Nodes in a square, integer demands, capacities for ~1.15–1.5× the demand shared by p medians.

    Unequal capacities vary 0.3–1.7× around that (some below the largest demands: arcs that can never be used).
    """
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 20, n)
    capacity = np.full(n, int(np.ceil(rng.uniform(1.15, 1.5) * demand.sum() / p)))
    if not equal:
        capacity = np.ceil(capacity * rng.uniform(0.3, 1.7, n)).astype(np.int64)
    xy = np.round(rng.random((n, 2)) * 1000, 1)
    return CpmpInstance(name=f"random{seed}", n=n, p=p, xy=xy, capacity=capacity, demand=demand)


def as_instance(inst: CpmpInstance) -> Instance:
    """The dense instance of cpmp_bounds: sites × clients (every node both)."""
    return Instance(euclidean(inst.xy).T.copy(), np.zeros(inst.n), inst.capacity.astype(float), inst.demand * 1.0)


def all_plans(inst: CpmpInstance) -> tuple[np.ndarray, np.ndarray]:
    """Every feasible plan as (n,) the site of each client, and its cost (p sites open, within capacities)."""
    cost = euclidean(inst.xy)
    served, costs = [], []
    for sites in combinations(range(inst.n), inst.p):
        to = np.array(sites)[np.array(list(product(range(inst.p), repeat=inst.n)))]  # every assignment
        load = np.stack([(inst.demand * (to == s)).sum(axis=1) for s in sites], axis=1)
        ok = (load <= inst.capacity[list(sites)]).all(axis=1)
        served.append(to[ok])
        costs.append(cost[np.arange(inst.n), to[ok]].sum(axis=1))
    return np.concatenate(served), np.concatenate(costs)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("equal", [True, False])
def test_bounds_and_fixings_are_exact(seed: int, equal: bool) -> None:
    inst = random_cpmp(seed, equal=equal)
    none = np.zeros(inst.n, bool)
    bounds = cpmp_bounds(as_instance(inst), inst.p, inst.p, none, none)
    if not equal and bounds is None:  # no plan found: allowed only when there is none
        assert not len(all_plans(inst)[1])
        return
    served, costs = all_plans(inst)
    best = float(costs.min())
    tol = 1e-7 * best
    assert bounds.bound <= best + tol <= bounds.cost + 2 * tol
    # The heuristic plan is a plan: p sites, every client to an open site within the capacities, at its cost.
    to = bounds.served_by
    assert bounds.open_site.sum() == inst.p and bounds.open_site[to].all()
    assert (np.bincount(to, weights=inst.demand, minlength=inst.n) <= inst.capacity).all()
    assert euclidean(inst.xy)[np.arange(inst.n), to].sum() == pytest.approx(bounds.cost, rel=1e-9)
    # Every fixing removes only plans costing more than the heuristic plan.
    uses = (served[:, :, None] == np.arange(inst.n)[None, None, :]).any(axis=1)  # (plans, sites) site serves
    for site in np.flatnonzero(bounds.banned):
        assert costs[uses[:, site]].min(initial=np.inf) > bounds.cost - tol
    for site in np.flatnonzero(bounds.forced):
        assert costs[~uses[:, site]].min(initial=np.inf) > bounds.cost - tol
    for site, client in zip(*np.nonzero(~bounds.keep_arc), strict=True):
        assert costs[served[:, client] == site].min(initial=np.inf) > bounds.cost - tol
    # The reduced problem keeps the optimum.
    kept = bounds.keep_arc[served, np.arange(inst.n)].all(axis=1) & ~uses[:, bounds.banned].any(axis=1)
    assert costs[kept].min() == pytest.approx(best, rel=1e-9)


def test_fixings_happen_and_given_fixings_hold() -> None:
    dropped = 0
    for seed in range(6):
        inst = random_cpmp(seed)
        none = np.zeros(inst.n, bool)
        bounds = cpmp_bounds(as_instance(inst), inst.p, inst.p, none, none)
        dropped += int((~bounds.keep_arc).sum() + bounds.banned.sum())
    assert dropped > 0  # the tests above check real fixings, not only empty ones
    inst = random_cpmp(1)
    forced, banned = np.zeros(inst.n, bool), np.zeros(inst.n, bool)
    forced[0], banned[1] = True, True
    bounds = cpmp_bounds(as_instance(inst), inst.p, inst.p, forced, banned)
    assert bounds.open_site[0] and not bounds.open_site[1] and bounds.forced[0] and bounds.banned[1]
    served, costs = all_plans(inst)
    allowed = (served == 0).any(axis=1) & ~(served == 1).any(axis=1)
    assert bounds.bound <= costs[allowed].min() * (1 + 1e-9) <= bounds.cost * (1 + 1e-9)


def test_too_little_capacity() -> None:
    inst = random_cpmp(2)
    short = replace(as_instance(inst), capacity=np.full(inst.n, float(inst.demand.sum() // (inst.p + 1))))
    none = np.zeros(inst.n, bool)
    assert cpmp_bounds(short, inst.p, inst.p, none, none) is None


@pytest.mark.parametrize(("seed", "solver"), [(0, "highs"), (1, "highs"), (2, "cbc"), (3, "ortools")])
def test_pipeline_matches_enumeration_and_the_plain_model(seed: int, solver: str) -> None:
    inst = random_cpmp(seed, n=9, p=3)
    data, spec = cpmp_model(inst)
    assert cpmp.applicable(data, spec)
    options = SolveOptions(mip_rel_gap=1e-9, threads=1)
    sol = solve(data, spec, solver=solver, options=options)
    assert "Lagrangian knapsack fixing" in sol.first.result.message
    assert sol.status.value == "optimal"
    best = float(all_plans(inst)[1].min())
    assert sol.objective == pytest.approx(best, rel=1e-7)
    assert sol.bound <= best * (1 + 1e-7)
    model, v = formulation.build(data, spec)  # the unreduced MILP, straight to the solver
    plain = get_solver(solver).solve(
        model.problem(objective_vector("min_distance", data, spec, v, model.n_cols), maximize=False), options
    )
    assert plain.objective == pytest.approx(sol.objective, rel=1e-7)
    unreduced = solve(data, spec, solver=solver, options=options, reduce=False)
    assert "Lagrangian" not in unreduced.first.result.message
    assert unreduced.objective == pytest.approx(sol.objective, rel=1e-7)


def test_pipeline_keeps_must_choose_and_must_not_choose() -> None:
    inst = random_cpmp(4)
    data, spec = cpmp_model(inst)
    served, costs = all_plans(inst)
    best_plan = served[int(np.argmin(costs))]
    never = int(best_plan[0])  # close a median of the optimum, open a node that is not one
    must = int(np.setdiff1d(np.arange(inst.n), best_plan)[0])
    allowed = (served == must).any(axis=1) & ~(served == never).any(axis=1)
    spec = replace(spec, must_choose=np.array([must]), must_not_choose=np.array([never]))
    sol = solve(data, spec, options=SolveOptions(mip_rel_gap=1e-9, threads=1))
    assert "Lagrangian knapsack fixing" in sol.first.result.message
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(float(costs[allowed].min()), rel=1e-7)


def test_applicable_only_to_integer_single_source_problems() -> None:
    data, spec = cpmp_model(random_cpmp(0))
    assert cpmp.applicable(data, spec)
    assert not cpmp.applicable(data, replace(spec, single_source=False))
    assert not cpmp.applicable(data, replace(spec, capacitated=False))
    assert not cpmp.applicable(replace(data, option_capacity=data.option_capacity + 0.5), spec)
    assert not cpmp.applicable(replace(data, pair_demand=data.pair_demand + 0.25), spec)
    assert not cpmp.applicable(replace(data, budget_capex=1e4), spec)


def test_bounds_are_deterministic() -> None:
    inst = random_cpmp(3, n=12, p=3)
    none = np.zeros(inst.n, bool)
    first, second = (cpmp_bounds(as_instance(inst), inst.p, inst.p, none, none) for _ in range(2))
    assert first.cost == second.cost and first.bound == second.bound
    assert (first.served_by == second.served_by).all() and (first.keep_arc == second.keep_arc).all()


@pytest.mark.parametrize("seed", range(2))
def test_single_source_facility_location_matches_the_plain_model(seed: int) -> None:
    """Fixed costs and no facility count (p_min = 0, p_max = m): the same path, checked against the plain MILP."""
    rng = np.random.default_rng(seed)
    m, n = 6, 14
    demand = rng.integers(5, 40, n).astype(float)
    cost = np.round(100 * rng.random((m, n)) * demand[None, :], 2)
    capacity = np.ceil(rng.uniform(0.3, 0.6, m) * demand.sum())
    fixed = np.round(rng.uniform(200, 800, m), 1)
    inst = CapInstance(name="random", m=m, n=n, capacity=capacity, fixed_cost=fixed, demand=demand, cost=cost)
    data, spec = cflp_model(inst, capacitated=True)
    spec = replace(spec, single_source=True)
    assert cpmp.applicable(data, spec)
    options = SolveOptions(mip_rel_gap=1e-9, threads=1)
    sol = solve(data, spec, options=options)
    assert "Lagrangian knapsack fixing" in sol.first.result.message
    model, v = formulation.build(data, spec)
    plain = get_solver("highs").solve(
        model.problem(objective_vector("min_cost", data, spec, v, model.n_cols), maximize=False), options
    )
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(plain.objective, rel=1e-7)
    assert sol.bound <= plain.objective * (1 + 1e-7)
