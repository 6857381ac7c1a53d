"""The p-median reductions (siting.model.radius_bounds) keep every optimal plan and the radius model's optimum."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from siting.access.walking import ReachPairs
from siting.model import radius
from siting.model.data import from_arrays
from siting.model.radius_bounds import NEVER, cost_matrix, p_median_bounds
from siting.model.spec import ModelSpec
from siting.reproduce.models import euclidean
from siting.solvers import SolveOptions, get_solver


def random_instance(seed: int, n_clients: int = 14, n_sites: int = 10, sparse: bool = False):
    """Clients and sites on an integer grid (many equal distances: ties between plans), weights 1–3."""
    rng = np.random.default_rng(seed)
    distance = euclidean(np.r_[rng.integers(0, 12, (n_clients, 2)), rng.integers(0, 12, (n_sites, 2))])
    distance = np.round(distance[:n_clients, n_clients:])
    client, site = np.meshgrid(np.arange(n_clients), np.arange(n_sites), indexing="ij")
    client, site, distance = client.ravel(), site.ravel(), distance.ravel()
    if sparse:  # each client reaches its nearest site and about 60 % of the others
        nearest = np.zeros(len(client), bool)
        nearest[np.argmin(distance.reshape(n_clients, n_sites), axis=1) + np.arange(n_clients) * n_sites] = True
        keep = nearest | (rng.random(len(client)) < 0.6)
        client, site, distance = client[keep], site[keep], distance[keep]
    weight = rng.integers(1, 4, n_clients).astype(float)
    return client, site, distance, weight


def all_plans(matrix: np.ndarray, sizes, forced: np.ndarray, banned: np.ndarray):
    """Every feasible plan (open sites as a bool vector) with its cost, by enumeration."""
    n_sites = matrix.shape[1]
    for size in sizes:
        for chosen in combinations(range(n_sites), size):
            plan = np.zeros(n_sites, bool)
            plan[list(chosen)] = True
            if (forced & ~plan).any() or (banned & plan).any():
                continue
            cost = matrix[:, plan].min(axis=1)
            if (cost < NEVER).all():
                yield plan, float(cost.sum())


CASES = [(seed, sparse, rule) for seed in range(6) for sparse in (False, True) for rule in ("p", "range", "must")]


@pytest.mark.parametrize(("seed", "sparse", "rule"), CASES)
def test_every_optimal_plan_survives_the_reductions(seed, sparse, rule):
    client, site, distance, weight = random_instance(seed, sparse=sparse)
    n_sites = 10
    cost = weight[client] * distance
    forced, banned = np.zeros(n_sites, bool), np.zeros(n_sites, bool)
    p_min, p_max = 3, 3
    if rule == "range":
        p_min = 2
    if rule == "must":
        forced[seed % n_sites], banned[(seed + 3) % n_sites] = True, True
    bounds = p_median_bounds(client, site, cost, n_sites, p_min, p_max, forced, banned)
    assert bounds is not None
    matrix = cost_matrix(client, site, cost, (len(weight), n_sites))
    plans = list(all_plans(matrix, range(p_min, p_max + 1), forced, banned))
    optimum = min(c for _, c in plans)
    assert bounds.bound <= optimum + 1e-9 <= bounds.cost + 2e-9
    assert bounds.cost == pytest.approx(float(matrix[:, bounds.open_site].min(axis=1).sum()))
    assert bounds.forced[forced].all() and bounds.banned[banned].all()
    kept = cost_matrix(client[bounds.keep_arc], site[bounds.keep_arc], cost[bounds.keep_arc], matrix.shape)
    for plan, value in plans:
        if value <= bounds.cost + 1e-9:  # every plan as good as the heuristic's is kept, at the same cost
            assert not (bounds.banned & plan).any() and not (bounds.forced & ~plan).any()
            assert kept[:, plan].min(axis=1).sum() == pytest.approx(value)


def test_the_reductions_remove_something():
    """Not vacuous: on these instances arcs are dropped and sites fixed (beyond the scenario's)."""
    dropped = fixed = 0
    for seed in range(6):
        client, site, distance, weight = random_instance(seed, n_clients=30, n_sites=20)
        no = np.zeros(20, bool)
        bounds = p_median_bounds(client, site, weight[client] * distance, 20, 4, 4, no, no)
        dropped += int((~bounds.keep_arc).sum())
        fixed += int(bounds.banned.sum() + bounds.forced.sum())
    assert dropped > 0 and fixed > 0


def test_too_large_or_unservable_instances_are_left_alone():
    client, site, distance, weight = random_instance(0, sparse=True)
    no = np.zeros(10, bool)
    lonely = client != 0  # client 0 reaches no site: no plan serves it
    assert p_median_bounds(client[lonely], site[lonely], distance[lonely], 10, 3, 3, no, no) is None
    assert p_median_bounds(client, site, distance, 10, 11, 11, no, no) is None  # more sites asked than exist


@pytest.mark.parametrize("seed", range(4))
def test_reduced_radius_model_has_the_unreduced_optimum(seed):
    client, site, distance, weight = random_instance(seed + 10, n_clients=24, n_sites=16, sparse=seed % 2 == 1)
    data = from_arrays(
        services=["s"],
        demand=weight[:, None],
        arcs=[ReachPairs(client, site, distance)],
        building_ids=[str(j) for j in range(16)],
        option_building=np.arange(16),
        capex=np.zeros(16),
    )
    spec = ModelSpec(objectives=("min_distance",), full_assignment=True, min_facilities=3, max_facilities=4)
    assert radius.applicable(data, spec)
    highs, options = get_solver("highs"), SolveOptions()
    plain = highs.solve(radius.radius_problem(data, spec).problem, options)
    model, bounds = radius.reduced_model(data, spec, None)
    assert bounds is not None and model.problem.num_cols <= radius.radius_problem(data, spec).problem.num_cols
    start = model.start(bounds.open_site.astype(float), radius.nearest_distance(data, bounds.open_site))
    assert model.problem.max_violation(start) <= 1e-9
    assert model.problem.objective_value(start) == pytest.approx(bounds.cost)
    reduced = highs.solve(model.problem, options)
    assert reduced.objective == pytest.approx(plain.objective, rel=1e-9)


def test_a_solver_stopped_before_any_plan_leaves_the_heuristic_plan_with_the_lagrangian_bound(monkeypatch):
    from siting.model.solve import solve
    from siting.solvers import SolveResult, Status
    from siting.solvers.highs import HighsSolver

    client, site, distance, weight = random_instance(3, n_clients=24, n_sites=16)
    data = from_arrays(
        services=["s"],
        demand=weight[:, None],
        arcs=[ReachPairs(client, site, distance)],
        building_ids=[str(j) for j in range(16)],
        option_building=np.arange(16),
        capex=np.zeros(16),
    )
    spec = ModelSpec(objectives=("min_distance",), full_assignment=True, min_facilities=3, max_facilities=3)
    optimum = solve(data, spec).objective
    stopped = SolveResult(Status.NO_SOLUTION, None, None, None, None, 0.0, "highs", "", "time limit")
    monkeypatch.setattr(HighsSolver, "solve", lambda self, problem, options=None: stopped)
    solution = solve(data, spec, options=SolveOptions(time_limit_s=5))
    assert solution.first.result.status is Status.FEASIBLE
    assert solution.bound <= optimum + 1e-9 <= solution.objective + 2e-9
    assert len(solution.plan.selected) == 3
