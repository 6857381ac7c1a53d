"""Settle a plan canonically: fix the chosen options, re-solve everything else, decode the result.

A MILP solver returns values within its tolerances: a binary at 6.8e-7, a share of 7e-7 on an arc to a building
that hosts nothing, an assignment and a floor-area split that are one of many optima. Different solvers pick
different ones, so the same buildings could print different figures. Here the options x are rounded and fixed,
and the rest of the model (hosted services y, complexes c, coverage z or assignment v, area q, levels t and r)
is solved again, always by the same solver (HiGHS, one thread, fixed seed, no start), in a fixed order:

    S1…Sk  each objective of the scenario, in its order, keeping the earlier ones with (8)
    Sk+1   min Σ_{h new} y_h                    host no service that serves nobody
    Sk+2   min Σ_e d_p ℓ_e v_e                   (assign form) serve each community from the nearest hosts

The input of these solves is a function of the options alone, so the figures are too. The floor area given to
each service is then the least it needs: q_h = max(a_s, u_s · load_h) (the area split is otherwise free).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siting.model.builder import Model
from siting.model.data import ModelData
from siting.model.objectives import MAXIMIZE, keep_optimum, walking_vector
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.plan import Assignment, Plan, Selection
from siting.solvers import SolveOptions, Status, get_solver

#: The one solver every plan is settled with, whichever solver chose its options.
SETTLE_SOLVER = "highs"
#: Relative slack of (8) between settle stages: tiny, since with the options fixed only tie-breaks follow (a
#: larger one would let the walking tie-break trade coverage for distance); the larger one is the fallback
#: should the solver's tolerances make the tiny one infeasible.
SETTLE_SLACKS = (1e-9, 1e-6)
#: Shares below this are solver noise, not an assignment (demand units × share below 1e-9 of a unit).
SHARE_FLOOR = 1e-9


@dataclass(frozen=True)
class Settled:
    """The settled solution vector and each scenario objective's value at it."""

    x: np.ndarray
    values: dict[str, float]


def settle(
    model: Model,
    v: Variables,
    data: ModelData,
    spec: ModelSpec,
    vectors: dict[str, np.ndarray],
    x: np.ndarray,
    options: SolveOptions,
) -> Settled | None:
    """Fix the rounded options of `x` and solve stages S1… of the module docstring; None if a stage fails.

    Args:
        model: the built model (without the lexicographic rows of the MILP stages).
        v: its variable blocks.
        data: the model's data; spec: its switches.
        vectors: objective vector of each scenario objective, in order.
        x: the MILP's final solution.
        options: the caller's options (time limit and verbosity are kept; threads, seed, gap are fixed here).
    """
    backend = get_solver(SETTLE_SOLVER)
    fixed = np.round(x[v.x])
    base = model.problem(np.zeros(model.n_cols), maximize=False)
    col_lower, col_upper = base.col_lower.copy(), base.col_upper.copy()
    col_lower[v.x], col_upper[v.x] = fixed, fixed
    settle_options = SolveOptions(time_limit_s=options.time_limit_s, mip_rel_gap=1e-9, verbose=options.verbose)

    stages = [(name, vector, MAXIMIZE[name]) for name, vector in vectors.items()]
    new_hosts = np.zeros(model.n_cols)
    new_hosts[v.y[~data.host_existing]] = 1.0
    stages.append(("hosted services", new_hosts, False))
    if v.assign:
        stages.append(("walking", walking_vector(data, v, model.n_cols), False))
    for relative in SETTLE_SLACKS:
        kept = []
        solution = None
        for name, vector, maximize in stages:
            problem = replace(
                model.problem(vector, maximize=maximize, extra=kept), col_lower=col_lower, col_upper=col_upper
            )
            result = backend.solve(problem, settle_options)
            if result.x is None or result.status is not Status.OPTIMAL:
                solution = None
                break
            solution = result.x
            kept.append(keep_optimum(name, vector, float(result.objective), maximize, relative))
        if solution is not None:
            solution[v.x] = fixed
            return Settled(solution, {name: float(vector @ solution) for name, vector in vectors.items()})
    return None


def decode(data: ModelData, spec: ModelSpec, v: Variables, x: np.ndarray) -> Plan:
    """The plan in `x`: options taken, services hosted, floor area per service, assignments, closures.

    `x` is a settled solution: options and hosted services are integral. Assignments below SHARE_FLOOR and to
    slots that host nothing are solver noise and are dropped.
    """
    taken = x[v.x] > 0.5
    acquired = np.zeros(data.n_buildings, bool)
    acquired[data.option_building[taken]] = True
    hosted = (x[v.y] > 0.5) & acquired[data.host_building]
    share = np.where(hosted[data.arc_host] & (x[v.v] > SHARE_FLOOR), x[v.v], 0.0) if v.assign else None
    area = data.min_area[data.host_service].astype(float)
    by_area = np.flatnonzero(area_capacity(data, spec))
    if len(by_area):
        load = np.bincount(data.arc_host, weights=data.pair_demand[data.arc_pair] * share, minlength=len(hosted))
        area[by_area] = np.maximum(area[by_area], data.area_per_unit[data.host_service[by_area]] * load[by_area])

    closed = [str(data.building_ids[data.option_building[o]]) for o in np.flatnonzero(~taken & data.option_existing)]
    slots_of = np.argsort(data.host_building, kind="stable")
    bounds = np.searchsorted(data.host_building[slots_of], np.arange(data.n_buildings + 1))
    selections = []
    for option in np.flatnonzero(taken & ~data.option_existing):
        building = data.option_building[option]
        slots = slots_of[bounds[building] : bounds[building + 1]]
        slots = slots[hosted[slots]]
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
        on = np.flatnonzero(share > 0)
        assignments = tuple(
            Assignment(
                str(data.community_ids[data.pair_community[data.arc_pair[e]]]),
                data.services[data.pair_service[data.arc_pair[e]]],
                str(data.building_ids[data.host_building[data.arc_host[e]]]),
                float(data.pair_demand[data.arc_pair[e]] * share[e]),
            )
            for e in on
        )
    return Plan.of(selections, closed=closed, assignments=assignments)
