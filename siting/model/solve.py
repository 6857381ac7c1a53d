"""Solve the model lexicographically (objectives in the scenario's order) and decode the plan."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

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
    data: ModelData, spec: ModelSpec | None = None, *, solver: str = "highs", options: SolveOptions | None = None
) -> Solution:
    """Optimise each objective in turn, keeping the earlier optima; decode and return the plan.

    The time limit in `options` applies to the first stage; each later stage gets what is left of it, and
    at least a fifth of it.

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
    x = None
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
        on = share > 1e-7
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


__all__ = ["Model", "NoPlanError", "Solution", "Stage", "decode", "solve"]
