r"""The radius formulation of the p-median (Elloumi 2010; García, Labbé and Marín 2011) for the first stage.

For a p-median (objective min_distance with every client fully served, no capacities) the assignment form has a
variable per client–site pair. Here each client i instead gets its distinct distances D_i^0 < D_i^1 < … < D_i^K
to the candidate sites and a variable z_i^k ∈ [0, 1] meaning "no open site within D_i^{k−1}":

    min  Σ_i w_i (D_i^0 + Σ_{k=1..K} (D_i^k − D_i^{k−1}) z_i^k)
    (R1) z_i^1 + Σ_{j: d_ij = D_i^0} y_j ≥ 1
    (R2) z_i^k − z_i^{k−1} + Σ_{j: d_ij = D_i^{k−1}} y_j ≥ 0                k = 2..K
    (R3) Σ_{j: d_ij = D_i^K} y_j − z_i^K ≥ 0                                 (every client is served)
    (R4) p_min ≤ Σ_j y_j ≤ p_max;   y_j fixed by must-choose / must-not-choose

(R2) is Elloumi's incremental form of GLM's z_i^k ≥ 1 − Σ_{d_ij ≤ D_i^{k−1}} y_j: each site appears once per client,
so the model has O(arcs) nonzeros, and its LP relaxation is the same. Its optimum is the p-median's; the plan
(the open sites) is turned into the assignment form's columns (every client to its nearest open site), which
settling and any later stage use as usual.

Before it is solved the model is reduced (siting.model.radius_bounds): a heuristic plan of cost UB and a
Lagrangian bound L drop every distance level beyond λ_i + UB − L (the radius model is built on the arcs left, so
(R3) then sits at the client's last level kept) and fix sites whose Lagrangian bound, opened or closed, exceeds
UB. Each removes only plans that cost more than UB, so every optimal plan stays and the optimum is unchanged; the
heuristic plan, feasible in the reduced model, is the solver's start. On OR-Library pmed40 this keeps 5,749 of
810,000 arcs, bans 805 of the 900 sites and opens 85 (benchmarks/ENGINE.md).

It applies to one service, one option per building, no existing facilities, no budgets, no capacities, no
distance decay and no district rules: the published p-median instances, and scenarios shaped like them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from siting.model.data import ModelData
from siting.model.radius_bounds import Bounds, p_median_bounds
from siting.model.spec import ModelSpec
from siting.model.variables import Variables
from siting.solvers import MilpProblem, SolveOptions, Solver, SolveResult, Status
from siting.solvers.base import build_result


def applicable(data: ModelData, spec: ModelSpec) -> bool:
    """The first stage is a plain p-median that the radius formulation solves exactly."""
    one_option = len(np.unique(data.option_building)) == len(data.option_building)
    return (
        spec.objectives[0] == "min_distance"
        and spec.full_assignment
        and not spec.capacitated
        and not spec.single_source
        and spec.distance_cost == 0
        and len(data.services) == 1
        and one_option
        and not data.option_existing.any()
        and not len(data.asset_of_option)
        and not np.isfinite(data.budget_capex)
        and data.budget_annual is None
        and not spec.max_by_mode
        and spec.complex is None
        and not spec.group_requires
        and spec.required_share is None
        and spec.district_share is None
        and (spec.group_min_share is None or not (spec.group_min_share > 0).any())
        and bool((data.arc_credit == 1).all())
        and bool((data.min_area <= 0).all() or np.isinf(data.area).all())
    )


@dataclass(frozen=True)
class RadiusModel:
    """The radius model and what maps plans onto it.

    Attributes:
        problem: the MILP; its first n_y columns are the sites (options in order).
        pair_of_radius, distance, z_col: per distance level, its client (pair), D and z column (−1 for k = 0).
    """

    problem: MilpProblem
    pair_of_radius: np.ndarray
    distance: np.ndarray
    z_col: np.ndarray

    def start(self, open_site: np.ndarray, nearest: np.ndarray) -> np.ndarray:
        """The model's columns for these open sites, each client's nearest at distance `nearest` (per pair)."""
        x = np.zeros(self.problem.num_cols)
        x[: len(open_site)] = open_site
        has_z = self.z_col >= 0
        x[self.z_col[has_z]] = self.distance[has_z] <= nearest[self.pair_of_radius[has_z]]
        return x


def site_arcs(data: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per arc: its client (pair), distance and site column (the option of its building)."""
    y_of_building = np.full(data.n_buildings, -1, np.int64)
    y_of_building[data.option_building] = np.arange(len(data.option_row))
    return data.arc_pair, data.arc_distance, y_of_building[data.host_building[data.arc_host]]


def site_bounds(data: ModelData, spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    """Sites forced open and banned by the scenario (must-choose, must-not-choose)."""
    forced = np.isin(data.option_building, spec.must_choose)
    forced[spec.must_take] = True
    return forced, np.isin(data.option_building, spec.must_not_choose)


def radius_problem(
    data: ModelData, spec: ModelSpec, keep_arc: np.ndarray | None = None, fixed: tuple | None = None
) -> RadiusModel:
    """The radius model (module docstring) on the arcs kept, with the sites (forced, banned) fixed."""
    n_y = len(data.option_row)
    pair, dist, y_col = site_arcs(data)
    if keep_arc is not None:
        pair, dist, y_col = pair[keep_arc], dist[keep_arc], y_col[keep_arc]
    order = np.lexsort((dist, pair))
    pair, dist, y_col = pair[order], dist[order], y_col[order]
    # Radius index of each arc within its pair: 0, 1, … over the pair's distinct distances.
    new_pair = np.r_[True, pair[1:] != pair[:-1]]
    new_radius = new_pair | np.r_[True, dist[1:] != dist[:-1]]
    radius_id = np.cumsum(new_radius) - 1  # global index of (pair, radius)
    first_radius = radius_id[new_pair]  # per pair (pairs sorted), its first global radius index
    pairs = pair[new_pair]
    count = np.diff(np.r_[first_radius, radius_id[-1] + 1])  # K_i + 1 distinct radii per pair
    distance = dist[new_radius]  # D of each global radius
    pair_of_radius = np.repeat(pairs, count)
    local = np.arange(len(distance)) - np.repeat(first_radius, count)
    # z columns: one per (pair, k ≥ 1) = one per radius that is not the pair's first.
    has_z = local > 0
    z_col = np.full(len(distance), -1, np.int64)
    z_col[has_z] = n_y + np.arange(int(has_z.sum()))
    n_cols = n_y + int(has_z.sum())
    # One row per radius: row k' holds the sites at D^{k'} (+1), z^{k'+1} (+1) and z^{k'} (−1): (R1) for k' = 0,
    # (R2) in between, (R3) for the last radius.
    rows, cols, vals = [radius_id], [y_col], [np.ones(len(y_col))]
    rows.append(np.flatnonzero(has_z) - 1)  # z_i^k enters the row of radius k−1 (the sites at D^{k−1}) with +1
    cols.append(z_col[has_z])
    vals.append(np.ones(int(has_z.sum())))
    rows.append(np.flatnonzero(has_z))  # … and the next row with −1 (z_i^k − z_i^{k+1} chain)
    cols.append(z_col[has_z])
    vals.append(-np.ones(int(has_z.sum())))
    matrix = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(distance), n_cols)
    )
    # Row of radius k−1 reads: z^k − z^{k−1} + Σ_{d = D^{k−1}} y ≥ 0; for k−1 = 0 there is no z^0 term and the
    # bound is 1; the row of the last radius has no z^{K+1} term: Σ_{d = D^K} y − z^K ≥ 0.
    lower = np.where(local == 0, 1.0, 0.0)
    count_row = sp.csr_matrix((np.ones(n_y), (np.zeros(n_y, np.int64), np.arange(n_y))), shape=(1, n_cols))
    p_min = -np.inf if spec.min_facilities is None else float(spec.min_facilities)
    p_max = np.inf if spec.max_facilities is None else float(spec.max_facilities)
    weight = data.pair_demand[pair_of_radius]  # min_distance is Σ_e d_p ℓ_e v_e
    c = np.zeros(n_cols)
    step = np.diff(distance)  # D^k − D^{k−1} for radius k (valid where has_z)
    c[z_col[has_z]] = (weight * np.r_[0.0, step])[has_z]
    offset = float((weight * distance)[local == 0].sum())
    col_lower, col_upper = np.zeros(n_cols), np.ones(n_cols)
    forced, banned = site_bounds(data, spec) if fixed is None else fixed
    col_lower[:n_y][forced], col_upper[:n_y][banned] = 1.0, 0.0
    integrality = np.zeros(n_cols, bool)
    integrality[:n_y] = True
    problem = MilpProblem(
        c=c,
        A=sp.vstack([matrix, count_row]).tocsr(),
        row_lower=np.r_[lower, p_min],
        row_upper=np.r_[np.full(len(distance), np.inf), p_max],
        col_lower=col_lower,
        col_upper=col_upper,
        integrality=integrality,
        maximize=False,
        offset=offset,
    )
    return RadiusModel(problem, pair_of_radius, distance, z_col)


def solve_first_stage(
    data: ModelData,
    spec: ModelSpec,
    v: Variables,
    standard: MilpProblem,
    backend: Solver,
    options: SolveOptions,
    reduce: bool = True,
) -> SolveResult:
    """Solve the p-median by the radius model; return the result in the assignment form's columns.

    With `reduce`, the model is reduced by siting.model.radius_bounds and started from its heuristic plan, which
    takes at most BOUNDS_SHARE of the time limit.
    """
    started = time.perf_counter()
    model, bounds = reduced_model(data, spec, options.time_limit_s) if reduce else (radius_problem(data, spec), None)
    n_y = len(data.option_row)
    if bounds is not None:
        nearest = nearest_distance(data, bounds.open_site)
        options = replace(options, warm_start=model.start(bounds.open_site.astype(float), nearest))
        left = None if options.time_limit_s is None else max(options.time_limit_s - bounds.seconds, 1e-3)
        options = replace(options, time_limit_s=left)
    result = backend.solve(model.problem, options)
    status, bound, y = result.status, result.bound, None if result.x is None else np.round(result.x[:n_y])
    if bounds is not None:
        # Plans the reduction dropped cost more than UB, and the heuristic plan is in the reduced model: the
        # reduced model's bound holds for the p-median, and so does the Lagrangian bound.
        bound = stronger_bound(bound, bounds.bound)
        if y is None and status is Status.NO_SOLUTION:  # stopped before any plan: the heuristic plan
            status, y = Status.FEASIBLE, bounds.open_site.astype(float)
    if y is None or status not in (Status.OPTIMAL, Status.FEASIBLE):
        return result
    x = _assignment_form(data, v, standard.num_cols, y)
    reduced = "" if bounds is None else f"reduced: {bounds.summary(len(data.arc_pair))}; "
    return build_result(
        standard,
        status,
        x=x,
        bound=bound,
        solver=result.solver,
        version=result.version,
        message=f"radius formulation ({reduced}{result.message})",
        started=started,
    )


def stronger_bound(solver_bound: float | None, lagrangian: float) -> float:
    """The better of two valid lower bounds on a minimum (the solver's may be missing or infinite)."""
    if solver_bound is None or not np.isfinite(solver_bound):
        return lagrangian
    return max(float(solver_bound), lagrangian)


#: The heuristic and the Lagrangian bound may take at most this share of the time limit.
BOUNDS_SHARE = 0.25


def reduced_model(data: ModelData, spec: ModelSpec, time_limit_s: float | None) -> tuple[RadiusModel, Bounds | None]:
    """The radius model on the arcs and sites that a plan no worse than the heuristic's may use."""
    pair, dist, y_col = site_arcs(data)
    forced, banned = site_bounds(data, spec)
    bounds = p_median_bounds(
        pair,
        y_col,
        data.pair_demand[pair] * dist,
        len(data.option_row),
        -np.inf if spec.min_facilities is None else float(spec.min_facilities),
        np.inf if spec.max_facilities is None else float(spec.max_facilities),
        forced,
        banned,
        None if time_limit_s is None else BOUNDS_SHARE * time_limit_s,
    )
    if bounds is None:
        return radius_problem(data, spec), None
    return radius_problem(data, spec, bounds.keep_arc, (bounds.forced, bounds.banned)), bounds


def nearest_distance(data: ModelData, open_site: np.ndarray) -> np.ndarray:
    """Per pair, the distance to its nearest open site (inf when none)."""
    pair, dist, y_col = site_arcs(data)
    nearest = np.full(len(data.pair_demand), np.inf)
    np.minimum.at(nearest, pair, np.where(open_site[y_col], dist, np.inf))
    return nearest


def _assignment_form(data: ModelData, v: Variables, n_cols: int, open_option: np.ndarray) -> np.ndarray:
    """Columns of the assignment form for these open sites: each client wholly served by its nearest open site."""
    x = np.zeros(n_cols)
    x[v.x] = open_option
    open_building = np.zeros(data.n_buildings, bool)
    open_building[data.option_building[open_option > 0.5]] = True
    hosted = open_building[data.host_building]
    x[v.y] = hosted
    live = hosted[data.arc_host]
    order = np.lexsort((data.arc_host, np.where(live, data.arc_distance, np.inf), data.arc_pair))
    first = np.r_[True, data.arc_pair[order][1:] != data.arc_pair[order][:-1]]
    best = order[first]
    x[v.v[best[live[best]]]] = 1.0
    return x
