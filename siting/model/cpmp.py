r"""The single-source capacitated p-median first stage: Lagrangian site and arc fixing, then the reduced MILP.

For a capacitated p-median with single-source assignment (every client wholly served by one open site within its
capacity, p sites open; Lorena–Senne's SJC instances, siting.reproduce.models.cpmp_model) the compact MILP's LP
bound is weak and HiGHS closes the gap slowly (SJC3a: 9.8 % after 60 s). siting.model.cpmp_bounds finds a heuristic
plan of cost UB and the knapsack Lagrangian bound L (relaxing the assignment rows), bans or forces the sites and
drops the arcs whose bound exceeds UB. Every fixing removes only plans that cost more than UB, and the heuristic plan
meets them all, so the reduced MILP keeps an optimal plan: its optimum is the problem's and its proven bound, as
well as L, holds for the problem. The columns of banned sites and dropped arcs go, and the heuristic plan is the
solver's start.

It applies (see applicable) where siting.model.cflp's shape holds (one service, one option per building, option
capacities, no budgets nor other rules) with single-source assignment, the costs on the options and the
assignments only, and integer demands and capacities (the knapsacks are solved by dynamic programming on them).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from siting.model.cflp import instance, plain_location, restricted, site_of_host, solve_reduced
from siting.model.cpmp_bounds import Bounds, cpmp_bounds
from siting.model.data import ModelData
from siting.model.radius import site_bounds
from siting.model.spec import ModelSpec
from siting.model.variables import Variables
from siting.solvers import MilpProblem, SolveOptions, Solver, SolveResult

#: The heuristic and the Lagrangian bound may take at most this share of the time limit.
BOUNDS_SHARE = 0.6
#: The knapsack tables hold (sites × (largest capacity + 1)) values: at most this many (SJC4a: 402 × 841).
MAX_TABLE = 2_000_000


def applicable(data: ModelData, spec: ModelSpec) -> bool:
    """The first stage is a single-source capacitated p-median (or facility location) with integer data."""
    capacity, demand = data.option_capacity, data.pair_demand
    return (
        spec.objectives[0] in ("min_distance", "min_cost")
        and spec.single_source
        and plain_location(data, spec)
        and len(capacity) * (min(float(np.max(capacity, initial=0.0)), float(demand.sum())) + 1) <= MAX_TABLE
        and bool((capacity == np.round(capacity)).all() and (demand == np.round(demand)).all())
    )


def solve_first_stage(
    data: ModelData, spec: ModelSpec, v: Variables, standard: MilpProblem, backend: Solver, options: SolveOptions
) -> SolveResult:
    """Fix sites and arcs by siting.model.cpmp_bounds, solve the reduced MILP from the heuristic plan.

    Returns the result in the standard model's columns; its bound is the better of the solver's and the
    Lagrangian one.
    """
    started = time.perf_counter()
    costed = np.zeros(standard.num_cols, bool)
    costed[np.r_[v.x, v.y, v.v]] = True
    if (standard.c[~costed] != 0).any():
        return backend.solve(standard, options)  # an objective term the instance would not see
    inst, pair, site = instance(data, v, standard)
    forced, banned = site_bounds(data, spec)
    forced |= standard.col_lower[v.x] > 0.5
    banned |= standard.col_upper[v.x] < 0.5
    p_min = 0 if spec.min_facilities is None else int(spec.min_facilities)
    p_max = len(inst.fixed) if spec.max_facilities is None else int(spec.max_facilities)
    limit = options.time_limit_s
    bounds = cpmp_bounds(inst, p_min, p_max, forced, banned, None if limit is None else BOUNDS_SHARE * limit)
    if bounds is None:
        return backend.solve(standard, options)
    lower, upper = standard.col_lower.copy(), standard.col_upper.copy()
    host_site = site_of_host(data)
    for columns, of_site in ((v.x, np.arange(len(inst.fixed))), (v.y, host_site)):
        upper[columns[bounds.banned[of_site]]] = 0.0
        lower[columns[bounds.forced[of_site]]] = 1.0
    upper[v.v[~bounds.keep_arc[site, pair]]] = 0.0
    keep = ~((lower == 0) & (upper == 0))
    reduced = restricted(replace(standard, col_lower=lower, col_upper=upper), keep)
    plan = plan_columns(v, standard.num_cols, bounds, pair, site, host_site, standard.c[v.v])
    label = f"Lagrangian knapsack fixing ({bounds.summary()}"
    return solve_reduced(standard, reduced, keep, plan, bounds.bound, backend, options, started, label)


def plan_columns(
    v: Variables,
    n_cols: int,
    bounds: Bounds,
    pair: np.ndarray,
    site: np.ndarray,
    host_site: np.ndarray,
    arc_cost: np.ndarray,
) -> np.ndarray:
    """The heuristic plan in the standard model's columns: options, slots and one arc per client (its cheapest)."""
    x = np.zeros(n_cols)
    x[v.x] = bounds.open_site
    x[v.y] = bounds.open_site[host_site]
    used = bounds.served_by[pair] == site
    order = np.flatnonzero(used)[np.lexsort((arc_cost[used], pair[used]))]
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    x[v.v[first]] = 1.0
    return x
