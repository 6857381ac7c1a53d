"""Solve the coverage model lexicographically (coverage, then cost) and decode the plan."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from siting.errors import InfeasibleError, SitingError
from siting.model import coverage
from siting.model.data import ModelData
from siting.plan import Plan, Selection
from siting.solvers import SolveOptions, SolveResult, Status, get_solver


class NoPlanError(SitingError):
    """The solver stopped (time limit) before finding any plan."""

    exit_code = 5


@dataclass(frozen=True)
class Solution:
    """The decoded plan and how it was found.

    Attributes:
        plan: chosen buildings, modes and services.
        status: OPTIMAL only when both stages proved optimality; FEASIBLE otherwise.
        objective: stage-1 coverage objective of the solver's plan.
        bound: proven upper bound on the coverage objective.
        gap: relative gap of stage 1.
        stages: raw solver results (coverage, then cost).
        rows: constraint rows per family.
        n_cols: number of variables.
        build_s: seconds spent building the model arrays.
    """

    plan: Plan
    status: Status
    objective: float
    bound: float | None
    gap: float | None
    stages: tuple[SolveResult, ...]
    rows: dict[str, int]
    n_cols: int
    build_s: float


def _describe_requirements(data: ModelData) -> str:
    needs = [f"{key} ≥ {share:.0%}" for key, share in zip(data.services, data.min_share) if share > 0]
    reach = ", ".join(needs) if needs else "none"
    return (f"infeasible: no plan meets every requirement within the budget (one-off {data.budget_capex:,.0f} 元"
            + (f", yearly {data.budget_annual:,.0f} 元" if data.budget_annual is not None else "")
            + f"); required covered shares: {reach}")


def solve(data: ModelData, *, solver: str = "highs", options: SolveOptions | None = None,
          lexicographic: bool = True) -> Solution:
    """Maximise weighted coverage, then (stage 2) minimise net present cost at that coverage.

    The time limit in `options` bounds stage 1; stage 2 gets what is left of it, and at least a fifth of it.
    """
    options = options or SolveOptions()
    backend = get_solver(solver)
    started = time.perf_counter()
    model, v = coverage.build(data, integer_coverage=getattr(backend, "integer_only", False))
    cover = coverage.coverage_value(data, v, model.n_cols)
    first_problem = model.problem(cover, maximize=True)
    build_s = time.perf_counter() - started

    first = backend.solve(first_problem, options)
    if first.status is Status.INFEASIBLE:
        raise InfeasibleError(_describe_requirements(data))
    if first.status is Status.NO_SOLUTION:
        raise NoPlanError(f"{solver} found no plan within the time limit of {options.time_limit_s} s; "
                          "give it more time (--time-limit)")
    if first.x is None or first.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise SitingError(f"{solver} failed: {first.status.value} {first.message}".strip())
    stages, x = [first], first.x

    if lexicographic and len(v.x):
        limit = options.time_limit_s
        if limit is not None:
            limit = max(limit - first.time_s, limit / 5)
        second_problem = model.problem(coverage.cost_value(data, v, model.n_cols), maximize=False,
                                       extra=[coverage.keep_coverage(cover, first.objective)])
        second = backend.solve(second_problem, replace(options, time_limit_s=limit, warm_start=first.x))
        stages.append(second)
        if second.x is not None and second.status in (Status.OPTIMAL, Status.FEASIBLE):
            x = second.x
    proven = all(s.status is Status.OPTIMAL for s in stages)
    return Solution(
        plan=decode(data, v, x),
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        objective=float(first.objective),
        bound=first.bound,
        gap=first.gap,
        stages=tuple(stages),
        rows=model.row_counts(),
        n_cols=model.n_cols,
        build_s=build_s,
    )


def decode(data: ModelData, v: coverage.CoverageVariables, x: np.ndarray) -> Plan:
    """Chosen options and hosted services, without services that cover nobody another host does not.

    A hosted service whose every coverable pair is also covered by another chosen host adds nothing; the
    solver may leave such slots switched on (they cost nothing), so they are dropped here, in a fixed
    order, and a building left with no service is dropped too. Coverage is unchanged by construction.
    """
    taken = x[v.x] > 0.5
    hosted = (x[v.y] > 0.5) & np.isin(data.host_building, data.option_building[taken])
    hosted = _drop_idle_hosts(data, hosted)
    chosen = np.flatnonzero(taken)
    selections = []
    for option in chosen:
        building = data.option_building[option]
        services = tuple(data.services[s] for s in data.host_service[hosted & (data.host_building == building)])
        if services:
            selections.append(Selection(str(data.building_ids[building]), str(data.option_mode[option]), services))
    return Plan.of(selections)


def _drop_idle_hosts(data: ModelData, hosted: np.ndarray) -> np.ndarray:
    hosted = hosted.copy()
    arc_on = hosted[data.arc_host]
    count = np.bincount(data.arc_pair[arc_on], minlength=len(data.pair_community))
    order = np.argsort(data.arc_host, kind="stable")
    starts = np.searchsorted(data.arc_host[order], np.arange(len(hosted) + 1))
    for host in np.flatnonzero(hosted):
        pairs = data.arc_pair[order[starts[host]:starts[host + 1]]]
        if np.all(count[pairs] >= 2):
            hosted[host] = False
            count[pairs] -= 1
    return hosted
