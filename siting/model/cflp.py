r"""The capacitated facility location first stage: Lagrangian facility fixing, then the reduced MILP.

For a capacitated facility location problem with split assignment (objective min_cost = fixed costs + travel
cost, every client fully served, option capacities) the MILP's root LP alone can take longer than a time limit
(OR-Library capa/b/c: 100 facilities × 1,000 customers = 100,000 assignment columns). siting.model.cflp_bounds
finds a heuristic plan of cost UB and a Lagrangian bound, and fixes facilities whose bound, opened or closed,
exceeds UB. Every fixing removes only plans that cost more than UB and the heuristic plan satisfies them all, so
the reduced MILP keeps an optimal plan, its optimum is the problem's, and its proven bound (and the Lagrangian
bound) hold for the problem. The columns of closed facilities (option, slot, arcs) are dropped, and the heuristic
plan is the solver's start.

It applies (see applicable) to one service, one option per building, capacities from the options (not from
floor area), no existing facilities, no budgets, no facility counts and no rule families beyond (1)–(4) and (9):
the published CFLP instances (siting.reproduce.models.cflp_model), and scenarios shaped like them.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from siting.model.cflp_bounds import NEVER, Bounds, Instance, cflp_bounds
from siting.model.data import ModelData
from siting.model.radius import site_arcs, site_bounds, stronger_bound
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.solvers import MilpProblem, SolveOptions, Solver, SolveResult, Status
from siting.solvers.base import FEASIBILITY_TOLERANCE, build_result

#: The heuristic and the Lagrangian bound may take at most this share of the time limit.
BOUNDS_SHARE = 0.4
#: Dense (facilities × clients) matrices are built only up to this many entries.
MAX_DENSE = 4_000_000


def applicable(data: ModelData, spec: ModelSpec) -> bool:
    """The first stage is a plain capacitated facility location problem with split assignment."""
    return (
        spec.objectives[0] == "min_cost"
        and not spec.single_source
        and spec.min_facilities is None
        and spec.max_facilities is None
        and plain_location(data, spec)
    )


def plain_location(data: ModelData, spec: ModelSpec) -> bool:
    """One service, every client fully served within option capacities, no other rule (budgets, modes, districts)."""
    one_option = len(np.unique(data.option_building)) == len(data.option_building)
    capacity = data.option_capacity
    return (
        spec.full_assignment
        and spec.capacitated
        and len(data.services) == 1
        and one_option
        and len(data.option_row) * len(data.pair_demand) <= MAX_DENSE
        and bool(np.isfinite(capacity).all() and (capacity >= 0).all())
        and not area_capacity(data, spec).any()
        and not data.option_existing.any()
        and not len(data.asset_of_option)
        and not np.isfinite(data.budget_capex)
        and data.budget_annual is None
        and data.budget_npv is None
        and not spec.max_by_mode
        and spec.complex is None
        and not spec.group_requires
        and spec.target_share is None
        and spec.required_share is None
        and spec.district_share is None
        and (spec.group_min_share is None or not (spec.group_min_share > 0).any())
        and bool((data.arc_credit == 1).all())
        and bool((data.min_area <= 0).all() or np.isinf(data.area).all())
    )


def instance(data: ModelData, v: Variables, problem: MilpProblem) -> tuple[Instance, np.ndarray, np.ndarray]:
    """The dense instance read off the MILP's own objective (fixed costs on x, travel costs on v).

    Returns:
        The instance, and per arc its client (pair) and facility (option).
    """
    pair, _, site = site_arcs(data)
    n_sites, n_clients = len(data.option_row), len(data.pair_demand)
    cost = np.full((n_sites, n_clients), NEVER)
    np.minimum.at(cost, (site, pair), problem.c[v.v])
    fixed = problem.c[v.x].copy()
    np.add.at(fixed, site_of_host(data), problem.c[v.y])  # a slot's cost (none in min_cost) is the facility's
    inst = Instance(cost, fixed, data.option_capacity.astype(float), data.pair_demand.astype(float))
    return inst, pair, site


def site_of_host(data: ModelData) -> np.ndarray:
    """Per slot, the option (facility) of its building."""
    of_building = np.full(data.n_buildings, -1, np.int64)
    of_building[data.option_building] = np.arange(len(data.option_row))
    return of_building[data.host_building]


def solve_first_stage(
    data: ModelData, spec: ModelSpec, v: Variables, standard: MilpProblem, backend: Solver, options: SolveOptions
) -> SolveResult:
    """Fix facilities by siting.model.cflp_bounds, solve the reduced MILP from the heuristic plan.

    Returns the result in the standard model's columns; its bound is the better of the solver's and the
    Lagrangian one.
    """
    started = time.perf_counter()
    inst, pair, site = instance(data, v, standard)
    forced, banned = site_bounds(data, spec)
    forced |= standard.col_lower[v.x] > 0.5  # options the columns' own bounds fix (option_forced)
    banned |= standard.col_upper[v.x] < 0.5
    limit = options.time_limit_s
    bounds = cflp_bounds(inst, forced, banned, None if limit is None else BOUNDS_SHARE * limit)
    if bounds is None:
        return backend.solve(standard, options)
    lower, upper = standard.col_lower.copy(), standard.col_upper.copy()
    host_site = site_of_host(data)
    for columns, of_site in ((v.x, np.arange(len(inst.fixed))), (v.y, host_site), (v.v, site)):
        upper[columns[bounds.banned[of_site]]] = 0.0
    for columns, of_site in ((v.x, np.arange(len(inst.fixed))), (v.y, host_site)):
        lower[columns[bounds.forced[of_site]]] = 1.0
    keep = ~((lower == 0) & (upper == 0))
    reduced = restricted(with_cover_rows(replace(standard, col_lower=lower, col_upper=upper), v, inst), keep)
    plan = plan_columns(data, v, standard.num_cols, bounds, pair, site, host_site)
    label = f"Lagrangian facility fixing ({bounds.summary()}"
    return solve_reduced(standard, reduced, keep, plan, bounds.bound, backend, options, started, label)


def solve_reduced(
    standard: MilpProblem,
    reduced: MilpProblem,
    keep: np.ndarray,
    plan: np.ndarray,
    lagrangian: float,
    backend: Solver,
    options: SolveOptions,
    started: float,
    label: str,
) -> SolveResult:
    """Solve the reduced problem (the standard one's columns `keep`) from the heuristic plan; answer in full columns.

    The reduction keeps an optimal plan (the fixings remove only plans dearer than the heuristic's), so both the
    reduced model's bound and the Lagrangian one (`lagrangian`, computed without the standard problem's constant)
    hold; a solver stopped before any plan answers with the heuristic `plan`.

    Args:
        standard, reduced: the full problem and its restriction to `keep`.
        plan: the heuristic plan in the full columns.
        options: the caller's options; the time limit counts from `started`.
        label: the start of the result's message, e.g. "Lagrangian facility fixing (…" (the column counts follow).
    """
    start = plan[keep] if reduced.max_violation(plan[keep]) <= FEASIBILITY_TOLERANCE else options.warm_start
    if start is not None and len(start) != reduced.num_cols:
        start = None
    limit = options.time_limit_s
    left = None if limit is None else max(limit - (time.perf_counter() - started), 1e-3)
    result = backend.solve(reduced, replace(options, time_limit_s=left, warm_start=start))
    status, x = result.status, None
    if result.x is not None:
        x = np.zeros(standard.num_cols)
        x[keep] = result.x
    bound = stronger_bound(result.bound, lagrangian + standard.offset)
    if x is None and status is Status.NO_SOLUTION and standard.max_violation(plan) <= FEASIBILITY_TOLERANCE:
        status, x = Status.FEASIBLE, plan
    if x is None or status not in (Status.OPTIMAL, Status.FEASIBLE):
        return result
    return build_result(
        standard,
        status,
        x=x,
        bound=bound,
        solver=result.solver,
        version=result.version,
        message=f"{label}; {int(keep.sum()):,} of {len(keep):,} columns left); {result.message}",
        started=started,
    )


def with_cover_rows(problem: MilpProblem, v: Variables, inst: Instance) -> MilpProblem:
    """The problem with two rows every plan meets: Σ_i s_i y_i ≥ D and Σ_i y_i ≥ k.

    All demand is served within the open capacities, so they sum to at least D; and no k − 1 facilities have as
    much capacity as the k − 1 largest, so k is the least count whose largest capacities reach D. The LP
    relaxation opens facilities in part (y_i = load_i / s_i); the count row rounds their sum up (capa-8000:
    D / s = 6.36, k = 7).
    """
    total = float(inst.demand.sum())
    largest = np.cumsum(np.sort(inst.capacity)[::-1])
    count = int(np.searchsorted(largest, total * (1 - 1e-9))) + 1 if largest[-1] >= total * (1 - 1e-9) else 0
    rows = sp.csr_matrix(
        (np.r_[inst.capacity, np.ones(len(v.x))], (np.repeat([0, 1], len(v.x)), np.r_[v.x, v.x])),
        shape=(2, problem.num_cols),
    )
    return replace(
        problem,
        A=sp.vstack([problem.A, rows]).tocsr(),
        row_lower=np.r_[problem.row_lower, total * (1 - 1e-9), count],
        row_upper=np.r_[problem.row_upper, np.inf, np.inf],
    )


def restricted(problem: MilpProblem, keep: np.ndarray) -> MilpProblem:
    """The problem on the columns `keep` (the others are fixed at 0, so every row keeps its meaning)."""
    return replace(
        problem,
        c=problem.c[keep],
        A=problem.A.tocsc()[:, keep].tocsr(),
        col_lower=problem.col_lower[keep],
        col_upper=problem.col_upper[keep],
        integrality=problem.integrality[keep],
    )


def plan_columns(
    data: ModelData,
    v: Variables,
    n_cols: int,
    bounds: Bounds,
    pair: np.ndarray,
    site: np.ndarray,
    host_site: np.ndarray,
) -> np.ndarray:
    """The heuristic plan in the standard model's columns: options, slots and the transportation LP's shares."""
    x = np.zeros(n_cols)
    x[v.x] = bounds.open_site
    x[v.y] = bounds.open_site[host_site]
    x[v.v] = bounds.share[site, pair]
    return x
