"""Settle a plan canonically: fix the chosen options, re-solve everything else, decode the result.

A MILP solver returns values within its tolerances: a binary at 6.8e-7, a share of 7e-7 on an arc to a building
that hosts nothing, an assignment and a floor-area split that are one of many optima. Different solvers pick
different ones, so the same buildings could print different figures. Here the options x are rounded and fixed,
and the rest of the model (hosted services y, complexes c, coverage z or assignment v, area q, levels t and r)
is solved again, always by the same solver (HiGHS, one thread, fixed seed, no start), in a fixed order:

    S1…Sk  each objective of the scenario, in its order, keeping the earlier ones with (8) (slack 1e-9)
    Sk+1   min Σ_{h new} y_h                    host no service that serves nobody
    Sk+2   min Σ_e d_p ℓ_e v_e                   (with capacities) serve each community from the nearest hosts

The input of these solves is a function of the options alone, so the figures are too. An acquired building that
ends up hosting nothing is then released (it only costs money) unless a rule needs it (must-choose or must-choose-as,
an asset it trades, the minimum number of facilities). The floor area given to each service is the least it needs:
q_h = max(a_s, u_s · load_h) (the area split is otherwise free).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from siting.model.builder import Model
from siting.model.data import ModelData
from siting.model.objectives import MAXIMIZE, keep_optimum, walking_vector
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity, covered
from siting.plan import Assignment, Plan, Selection
from siting.solvers import SolveOptions, Status, get_solver

#: The one solver every plan is settled with, whichever solver chose its options.
SETTLE_SOLVER = "highs"
#: Relative slack of (8) between the settle stages: tiny, or a later stage would give up earlier objectives for
#: nothing (an LP vertex on the slack's edge) or for a hair of distance; the larger one is the fallback should the
#: solver's tolerances make the tiny one infeasible.
SLACKS = (1e-9, 1e-6)
#: Shares below this are solver noise, not an assignment (demand units × share below 1e-9 of a unit).
SHARE_FLOOR = 1e-9


@dataclass(frozen=True)
class Block:
    """One copy of the model's variables and the data it was built from.

    A plain model has one; a phased plan has one per year, a robust plan one per demand variant (sharing the
    plan's columns x, y, q, c, r).
    """

    data: ModelData
    spec: ModelSpec
    v: Variables


@dataclass(frozen=True)
class Settled:
    """The settled solution vector and each scenario objective's value at it."""

    x: np.ndarray
    values: dict[str, float]


def settle(
    model: Model,
    blocks: list[Block],
    vectors: dict[str, np.ndarray],
    x: np.ndarray,
    options: SolveOptions,
) -> Settled | None:
    """Fix the rounded options of `x` and solve stages S1… of the module docstring; None if a stage fails.

    Args:
        model: the built model (without the lexicographic rows of the MILP stages).
        blocks: its copies of the variables with their data (one for a plain model).
        vectors: objective vector of each scenario objective, in order.
        x: the MILP's final solution.
        options: the caller's options (time limit and verbosity are kept; threads, seed, gap are fixed here).
    """
    backend = get_solver(SETTLE_SOLVER)
    options_cols = np.unique(np.concatenate([b.v.x for b in blocks]))
    fixed = np.round(x[options_cols])
    base = model.problem(np.zeros(model.n_cols), maximize=False)
    col_lower, col_upper = base.col_lower.copy(), base.col_upper.copy()
    col_lower[options_cols], col_upper[options_cols] = fixed, fixed
    for b in blocks:
        _unacquired_off(b, col_lower, col_upper)
    free = ~((col_lower == 0) & (col_upper == 0))  # columns at 0 are left out of the solves
    free |= not free.any()  # a plan of nothing still makes a (trivial) problem
    settle_options = SolveOptions(time_limit_s=options.time_limit_s, mip_rel_gap=1e-9, verbose=options.verbose)
    deadline = None if options.time_limit_s is None else time.perf_counter() + options.time_limit_s

    def solve(vector: np.ndarray, maximize: bool, kept: list) -> np.ndarray | None:
        problem = model.problem(vector, maximize=maximize, extra=kept)
        A = problem.A.tocsc()[:, free].tocsr()
        # rows left empty hold trivially (0 within their bounds) and go too; one that cannot hold stays
        rows = (np.diff(A.indptr) > 0) | (problem.row_lower > 0) | (problem.row_upper < 0)
        problem = replace(
            problem,
            c=problem.c[free],
            A=A[rows],
            row_lower=problem.row_lower[rows],
            row_upper=problem.row_upper[rows],
            col_lower=col_lower[free],
            col_upper=col_upper[free],
            integrality=problem.integrality[free],
        )
        left = None if deadline is None else max(deadline - time.perf_counter(), 1e-3)
        result = backend.solve(problem, replace(settle_options, time_limit_s=left))  # the limit is for all solves
        if result.x is None or result.status is not Status.OPTIMAL:
            return None
        x = np.zeros(model.n_cols)
        x[free] = result.x
        return x

    new_hosts = np.zeros(model.n_cols)
    for b in blocks:
        new_hosts[b.v.y[~b.data.host_existing]] = 1.0
    walking = sum(walking_vector(b.data, b.v, model.n_cols) for b in blocks if b.spec.capacitated)
    stages = [(name, vector, MAXIMIZE[name]) for name, vector in vectors.items()]
    stages.append(("hosted services", new_hosts, False))
    if isinstance(walking, np.ndarray):
        stages.append(("walking", walking, False))
    for relative in SLACKS:
        kept, solution = [], None
        for name, vector, maximize in stages:
            solution = solve(vector, maximize, kept)
            if solution is None:
                break
            kept.append(keep_optimum(name, vector, float(vector @ solution), maximize, relative))
        if solution is not None:
            break
    if solution is None:
        return None
    solution[options_cols] = fixed
    idle = [set(idle_options(b.data, b.spec, b.v, solution)) for b in blocks]
    used = set().union(*(set(np.flatnonzero(solution[b.v.x] > 0.5)) - i for b, i in zip(blocks, idle)))
    for b in blocks:  # an option idle wherever it is taken (every year, every variant) is released in all
        solution[b.v.x[sorted(set().union(*idle) - used)]] = 0.0
    for b in blocks:
        exact_coverage(b.data, b.spec, b.v, solution)
    return Settled(solution, {name: float(vector @ solution) for name, vector in vectors.items()})


def _unacquired_off(block: Block, col_lower: np.ndarray, col_upper: np.ndarray) -> None:
    """Fix at 0 what the fixed options leave unusable: slots, areas and arcs of buildings not acquired.

    (2) y_h ≤ Σ_o x_o (= for existing facilities), (3) q_h ≤ Ā y_h and (4) v_e ≤ m_e y_h already force them to 0;
    fixing them only spares the solver ~190,000 columns on a large district (in place).
    """
    d, v = block.data, block.v
    acquired = np.zeros(d.n_buildings, bool)
    acquired[d.option_building[col_lower[v.x] > 0.5]] = True
    off = ~acquired[d.host_building]
    col_upper[v.y[off]] = 0.0
    if len(v.v):
        col_upper[v.v[off[d.arc_host]]] = 0.0
    col_upper[v.q[off[area_capacity(d, block.spec)]]] = 0.0


def exact_coverage(data: ModelData, spec: ModelSpec, v: Variables, x: np.ndarray) -> None:
    """Give the coverage variables their exact values for the hosts in `x` (in place).

    The stages bound them only from above (z_p ≤ Σ y, t ≤ every district share), and later stages may leave them
    up to the slack of (8) below their value. Without capacities each community is served in full by its nearest
    hosting building (ties: the building listed first), which is optimal for every objective and is what the
    evaluator counts; with capacities the assignment found is kept, less the shares `decode` drops as noise.
    """
    hosted = x[v.y] > 0.5
    if not v.assign:
        reach = np.bincount(data.arc_pair, weights=hosted[data.arc_host], minlength=len(v.z))
        x[v.z] = np.minimum(1.0, reach)
    elif not spec.capacitated:
        open_arcs = np.flatnonzero(hosted[data.arc_host])
        order = open_arcs[np.lexsort((data.host_building[data.arc_host[open_arcs]], data.arc_distance[open_arcs],
                                      data.arc_pair[open_arcs]))]  # fmt: skip
        first = order[np.r_[True, data.arc_pair[order][1:] != data.arc_pair[order][:-1]]] if len(order) else order
        x[v.v] = 0.0
        x[v.v[first]] = 1.0
    else:  # the noise `decode` drops goes from the claimed figures too (1e-10 of a unit walked 15 km: 1.5e-5 unit·m)
        x[v.v[~hosted[data.arc_host] | (x[v.v] <= SHARE_FLOOR)]] = 0.0
    if len(v.t):
        cover = covered(data, v, len(x)) @ x
        share = np.zeros_like(data.group_demand)
        has_group = data.pair_group >= 0
        np.add.at(share, (data.pair_group[has_group], data.pair_service[has_group]),
                  (data.pair_demand * cover)[has_group])  # fmt: skip
        demanded = data.group_demand > 0
        x[v.t] = (share[demanded] / data.group_demand[demanded]).min(initial=1.0) if demanded.any() else 0.0


def idle_options(data: ModelData, spec: ModelSpec, v: Variables, x: np.ndarray) -> np.ndarray:
    """Options taken in `x` whose building hosts nothing and that no rule needs, dearest first.

    Releasing one changes no coverage, loosens the budgets and the complex spending share, and breaks no rule
    unless the building is required, the option trades an asset (its facility's fate changes), or the number
    of facilities would fall below its minimum (then the cheapest idle ones are kept).
    """
    taken = (x[v.x] > 0.5) & ~data.option_existing
    hosting = np.bincount(data.host_building[x[v.y] > 0.5], minlength=data.n_buildings) > 0
    idle = taken & ~hosting[data.option_building]
    idle[data.option_of_asset] = False
    idle &= ~np.isin(data.option_building, spec.must_choose)
    idle[spec.must_take] = False
    candidates = np.flatnonzero(idle)
    candidates = candidates[np.lexsort((candidates, -data.npv[candidates]))]
    if spec.min_facilities is not None:
        candidates = candidates[: max(0, int(taken.sum()) - spec.min_facilities)]
    return candidates


def within_capacity(
    data: ModelData, spec: ModelSpec, share: np.ndarray, taken: np.ndarray, hosted: np.ndarray
) -> np.ndarray:
    """Arc shares with the excess the solver's tolerance left over a limit taken off.

    The limits, in order (each only lowers loads, so the earlier ones keep holding):
    a pair served more than whole; an existing facility over its fixed capacity; a building over its taken
    option's capacity (shared by its services); a building whose area-capacity slots need more floor area
    (q_h = max(a_s, u_s · load_h)) than its taken option has.

    On a scaled row HiGHS's 1e-7 can become 1e-4 units (district at 12,158 万元: a facility of capacity 116
    served 116.0002, which the independent check refused); at most that much coverage is lost.

    Args:
        data: the model data; spec: the model's rules; share: (E,) the share of each arc's pair demand served
            through it, 0 on slots that host nothing; taken: (O,) the options taken; hosted: (H,) the slots
            that host their service.
    """
    served = np.bincount(data.arc_pair, weights=share, minlength=len(data.pair_demand))
    share = share / np.maximum(served, 1.0)[data.arc_pair]
    load = np.bincount(
        data.arc_host, weights=data.pair_demand[data.arc_pair] * share, minlength=len(data.host_building)
    )
    cap = np.where(data.host_existing & np.isfinite(data.host_capacity), data.host_capacity, np.inf)
    factor = np.minimum(1.0, cap / np.maximum(load, 1e-300))

    new = taken & ~data.option_existing
    limit = np.full(data.n_buildings, np.inf)
    limit[data.option_building[new]] = np.where(
        np.isfinite(data.option_capacity[new]), data.option_capacity[new], np.inf
    )
    by_building = np.bincount(data.host_building, weights=load * factor, minlength=data.n_buildings)
    factor *= np.minimum(1.0, limit / np.maximum(by_building, 1e-300))[data.host_building]

    by_area = area_capacity(data, spec) & hosted
    if by_area.any():
        floor = np.full(data.n_buildings, np.inf)
        floor[data.option_building[new]] = data.area[new]
        minimum = data.min_area[data.host_service]
        needed = np.where(by_area, data.area_per_unit[data.host_service] * load * factor, 0.0)
        above = np.where(by_area, np.maximum(needed - minimum, 0.0), 0.0)
        counted = hosted & ~data.host_existing  # the slots (3) puts on the building's floor area
        used = np.bincount(
            data.host_building, weights=np.where(counted, np.maximum(minimum, needed), 0.0), minlength=data.n_buildings
        )
        # Over the floor by E with F m² above the slots' minimums: each such slot keeps (1 − E/F) of its excess.
        flexible = np.bincount(data.host_building, weights=above, minlength=data.n_buildings)
        keep = np.clip(1.0 - (used - floor) / np.maximum(flexible, 1e-300), 0.0, 1.0)[data.host_building]
        shrink = by_area & (above > 0) & (used > floor)[data.host_building]
        factor[shrink] *= (minimum + above * keep)[shrink] / needed[shrink]
    return share * factor[data.arc_host]


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
    if share is not None:
        share = within_capacity(data, spec, share, taken, hosted)
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
