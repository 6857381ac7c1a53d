"""Solve the model lexicographically (objectives in the scenario's order) and decode the plan."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError, InputError, SitingError
from siting.model import formulation
from siting.model.builder import ConstraintBlock, Model, linear_row
from siting.model.data import ModelData
from siting.model.objectives import MAXIMIZE, objective_vector
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.plan import Assignment, Plan, Selection
from siting.solvers import SolveOptions, SolveResult, Status, get_solver


class NoPlanError(SitingError):
    """The solver stopped (time limit) before finding any plan."""

    exit_code = 5


@dataclass(frozen=True)
class Stage:
    """One lexicographic stage: its objective and the solver's result."""

    objective: str
    result: SolveResult


@dataclass(frozen=True)
class Solution:
    """The decoded plan and how it was found.

    Attributes:
        plan: chosen buildings, modes, services (and assignments in the assign form).
        status: OPTIMAL only when every stage proved optimality; FEASIBLE otherwise.
        objective: the first stage's objective value (solver's), bound and gap: its proven bound and gap.
        stages: every stage, in order.
        rows: constraint rows per family; n_cols: number of variables; build_s: seconds to build the arrays.
    """

    plan: Plan
    status: Status
    objective: float
    bound: float | None
    gap: float | None
    stages: tuple[Stage, ...]
    rows: dict[str, int]
    n_cols: int
    build_s: float

    @property
    def first(self) -> Stage:
        """The primary stage."""
        return self.stages[0]


def keep_optimum(name: str, vector: np.ndarray, value: float) -> ConstraintBlock:
    """(8) keep an earlier stage's optimum: ≥ F* − τ when maximising, ≤ F* + τ when minimising."""
    cols = np.flatnonzero(vector)
    tolerance = max(1e-6, 1e-9 * abs(value))
    if MAXIMIZE[name]:
        return linear_row(f"(8) keep {name}", cols, vector[cols], lower=value - tolerance)
    return linear_row(f"(8) keep {name}", cols, vector[cols], upper=value + tolerance)


def solve(
    data: ModelData,
    spec: ModelSpec | None = None,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    start: Plan | None = None,
) -> Solution:
    """Optimise each objective in turn, keeping the earlier optima; decode and return the plan.

    The time limit in `options` applies to the first stage; each later stage gets what is left of it, and
    at least a fifth of it. `start`, a plan of a similar scenario (e.g. the previous point of a budget
    frontier), is handed to the first stage as a warm start (see start_vector); solvers ignore an
    infeasible one, and it never changes the optimum, only how fast it is proven.

    Raises:
        InfeasibleError: the first stage has no feasible plan.
        NoPlanError: the first stage stopped before finding one.
    """
    spec = spec or ModelSpec()
    options = options or SolveOptions()
    backend = get_solver(solver)
    started = time.perf_counter()
    integer_only = getattr(backend, "integer_only", False)
    model, v = formulation.build(data, spec, integer_only=integer_only)
    if integer_only and (v.assign or len(v.q) or len(v.t) or len(v.r)):
        raise InputError(
            f"{solver} takes integer variables only, and this scenario's model needs continuous "
            "ones (capacities, distance decay or distances, max_min_share, or the complex spending "
            "share); use highs, cbc or ortools",
            field="--solver",
        )
    vectors = [objective_vector(name, data, spec, v, model.n_cols) for name in spec.objectives]
    build_s = time.perf_counter() - started

    stages: list[Stage] = []
    kept: list[ConstraintBlock] = []
    x = None if start is None else start_vector(data, spec, v, model.n_cols, start)
    for name, vector in zip(spec.objectives, vectors):
        limit = options.time_limit_s
        if limit is not None and stages:
            limit = max(limit - sum(s.result.time_s for s in stages), limit / 5)
        problem = model.problem(vector, maximize=MAXIMIZE[name], extra=kept)
        result = backend.solve(problem, replace(options, time_limit_s=limit, warm_start=x))
        stages.append(Stage(name, result))
        if len(stages) == 1:
            _check_first(result, solver, options)
        if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            break  # a later stage failed: keep the previous plan
        x = result.x
        kept.append(keep_optimum(name, vector, float(result.objective)))
    first = stages[0].result
    proven = all(s.result.status is Status.OPTIMAL for s in stages) and len(stages) == len(spec.objectives)
    return Solution(
        plan=decode(data, spec, v, x),
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        objective=float(first.objective),
        bound=first.bound,
        gap=first.gap,
        stages=tuple(stages),
        rows=model.row_counts(),
        n_cols=model.n_cols,
        build_s=build_s,
    )


def _check_first(result: SolveResult, solver: str, options: SolveOptions) -> None:
    if result.status is Status.INFEASIBLE:
        raise InfeasibleError("infeasible: no plan meets every requirement of the scenario")
    if result.status is Status.NO_SOLUTION:
        raise NoPlanError(
            f"{solver} found no plan within the time limit of {options.time_limit_s} s; "
            "give it more time (--time-limit)"
        )
    if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise SitingError(f"{solver} failed: {result.status.value} {result.message}".strip())


def decode(data: ModelData, spec: ModelSpec, v: Variables, x: np.ndarray) -> Plan:
    """Chosen options, hosted services, area per service, assignments and closed facilities.

    A hosted service that serves nobody another host does not serve adds nothing; the solver may leave such
    slots on (they cost nothing), so they are dropped here in a fixed order, except in complexes (whose
    status counts their services) and in existing facilities (which keep their services while open).
    Every option the solver took stays in the plan, with whatever services remain. Coverage is unchanged by
    construction.
    """
    taken = x[v.x] > 0.5
    hosted = (x[v.y] > 0.5) & np.isin(data.host_building, data.option_building[taken])
    keep = data.host_existing | np.isin(data.host_building, v.c_building[x[v.c] > 0.5])
    share = x[v.v] if v.assign else None
    if v.assign:
        load = np.bincount(data.arc_host, weights=share, minlength=len(hosted))
        hosted &= (load > 1e-9) | keep
    else:
        hosted = _drop_idle_hosts(data, hosted, keep)
    area = data.min_area[data.host_service].astype(float)
    area[np.flatnonzero(area_capacity(data, spec))] = x[v.q]

    closed = [str(data.building_ids[data.option_building[o]]) for o in np.flatnonzero(~taken & data.option_existing)]
    selections = []
    for option in np.flatnonzero(taken & ~data.option_existing):
        building = data.option_building[option]
        slots = np.flatnonzero(hosted & (data.host_building == building))
        selections.append(
            Selection(
                str(data.building_ids[building]),
                str(data.option_mode[option]),
                tuple(data.services[s] for s in data.host_service[slots]),
                tuple(float(a) for a in area[slots]),
            )
        )
    assignments = ()
    if v.assign:
        on = (share > 1e-7) & hosted[data.arc_host]  # a share within tolerance of 0 on a host not taken is 0
        assignments = tuple(
            Assignment(
                str(data.community_ids[data.pair_community[p]]),
                data.services[data.pair_service[p]],
                str(data.building_ids[data.host_building[h]]),
                float(data.pair_demand[p] * s),
            )
            for p, h, s in zip(data.arc_pair[on], data.arc_host[on], share[on])
        )
    return Plan.of(selections, closed=closed, assignments=assignments)


def start_vector(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int, plan: Plan) -> np.ndarray:
    """The column vector of `plan` in this model, for a warm start (the inverse of decode).

    Options of the plan's (building, mode) pairs and kept existing facilities are taken; their listed services
    hosted with the listed areas; assignments become arc shares (assign form) or cov_p = min(1, Σ y) (cover
    form); complex, capex-share and district-share variables follow from those. A building or mode this
    model does not offer is left out, so the vector may be infeasible: solvers then ignore it.
    """
    x = np.zeros(n_cols)
    building = data.building_ids[data.option_building]
    chosen = {(s.building, s.mode) for s in plan.selected}
    taken = np.array([(b, m) in chosen for b, m in zip(building, data.option_mode)], bool)
    taken |= data.option_existing & ~np.isin(building, list(plan.closed))
    x[v.x] = taken
    slot_building = data.building_ids[data.host_building].astype(str)
    slot_service = np.asarray(data.services, object)[data.host_service].astype(str)
    area = {(s.building, k): a for s in plan.selected for k, a in zip(s.services, s.area_m2 or [np.nan] * 9)}
    hosted = np.array([(b, k) in area for b, k in zip(slot_building, slot_service)], bool)
    open_building = np.zeros(data.n_buildings, bool)
    open_building[data.option_building[taken]] = True
    hosted = (hosted | data.host_existing) & open_building[data.host_building]
    x[v.y] = hosted
    on_area = np.flatnonzero(area_capacity(data, spec))
    given = np.array([area.get((b, k), np.nan) for b, k in zip(slot_building[on_area], slot_service[on_area])])
    x[v.q] = np.where(hosted[on_area], np.nan_to_num(given, nan=0.0) if len(given) else 0.0, 0.0)
    if v.assign:
        arcs = pd.DataFrame(
            {
                "community": data.community_ids[data.pair_community[data.arc_pair]].astype(str),
                "service": np.asarray(data.services, object)[data.pair_service[data.arc_pair]].astype(str),
                "building": slot_building[data.arc_host],
                "arc": np.arange(len(data.arc_pair)),
            }
        )
        served = pd.DataFrame(
            [vars(a) for a in plan.assignments], columns=["community", "service", "building", "units"]
        )
        found = arcs.merge(served, on=["community", "service", "building"])
        share = found["units"].to_numpy(float) / data.pair_demand[data.arc_pair[found["arc"].to_numpy()]]
        x[v.v[found["arc"].to_numpy()]] = np.clip(share, 0.0, 1.0)
        cover = np.bincount(data.arc_pair, weights=x[v.v], minlength=len(data.pair_community))
    else:
        cover = np.minimum(
            1.0, np.bincount(data.arc_pair, weights=hosted[data.arc_host], minlength=len(data.pair_community))
        )
        x[v.z] = cover
    if spec.complex is not None and len(v.c):
        rule = spec.complex
        count = np.bincount(data.host_building, weights=hosted, minlength=data.n_buildings)
        core = np.bincount(
            data.host_building, weights=hosted & rule.core[data.host_service], minlength=data.n_buildings
        )
        size = np.zeros(data.n_buildings)
        np.maximum.at(size, data.option_building, np.where(taken, data.area, 0.0))
        is_complex = (size >= rule.min_area) & (count >= rule.min_services) & (core >= rule.min_core)
        x[v.c] = is_complex[v.c_building]
        x[v.r] = taken[v.r_option] & is_complex[data.option_building[v.r_option]]
    if len(v.t) and len(data.groups):
        served = np.zeros_like(data.group_demand)
        has = data.pair_group >= 0
        np.add.at(served, (data.pair_group[has], data.pair_service[has]), (data.pair_demand * cover)[has])
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = served[data.group_demand > 0] / data.group_demand[data.group_demand > 0]
        x[v.t] = float(np.clip(shares.min(initial=1.0), 0.0, 1.0))
    return x


def _drop_idle_hosts(data: ModelData, hosted: np.ndarray, keep: np.ndarray) -> np.ndarray:
    hosted = hosted.copy()
    count = np.bincount(data.arc_pair[hosted[data.arc_host]], minlength=len(data.pair_community))
    order = np.argsort(data.arc_host, kind="stable")
    starts = np.searchsorted(data.arc_host[order], np.arange(len(hosted) + 1))
    for host in np.flatnonzero(hosted & ~keep):
        pairs = data.arc_pair[order[starts[host] : starts[host + 1]]]
        if np.all(count[pairs] >= 2):
            hosted[host] = False
            count[pairs] -= 1
    return hosted


__all__ = ["Model", "NoPlanError", "Solution", "Stage", "decode", "solve", "start_vector"]
