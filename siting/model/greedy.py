r"""A greedy plan with local search: the solver's start, and the answer when time runs out.

Where acquiring nothing is feasible (no full assignment), a plan is built in three phases, then checked against
every row of the model (MilpProblem.max_violation); a plan that breaks a row is not returned:

1. Rules that need something acquired: must-choose-as options are taken; each must-choose building gets its
   best option; at least N^c complex candidates are acquired hosting all the services they fit; while a
   required share (7), district minimum share (12) or district must-have (13) is unmet, the option covering
   most of the missing demand per unit of cost is taken (demand weighted by what each unmet row still lacks).
2. For coverage objectives: greedy on weighted coverage gained per share of the budgets used
   (c_o / B_c + f_o / B_f, plus 1 / p_max with a facility cap; in the cover form measured against what is left
   of each budget, so both budgets get spent), until nothing more fits; then, if the count is below p_min, the
   best remaining options whatever they add. The cover form keeps every building's gain exact as pairs get
   covered and takes the best ratio each time; other forms use the lazy greedy (CELF).
3. Local search: drop the chosen option worth least per cost and refill the freed budget greedily; keep the
   change when coverage grows (within a time budget).

The plan's state (siting.model.greedy_state) tracks coverage per demand pair; with capacities each slot serves
the uncovered demand within reach in order of credit, up to its capacity (area capacity: the option's floor area
split between the services by value per m²), so the plan's assignment respects capacities by construction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from siting.model.data import ModelData
from siting.model.greedy_state import PlanState
from siting.model.spec import ModelSpec
from siting.model.variables import Variables
from siting.solvers import MilpProblem
from siting.solvers.base import FEASIBILITY_TOLERANCE

#: Share of the greedy's own time that local search may add.
LOCAL_SEARCH_SHARE = 1.0
#: Local search may always take this long, seconds.
LOCAL_SEARCH_FLOOR_S = 0.05
#: Hard cap on local search, seconds.
LOCAL_SEARCH_CAP_S = 0.3


@dataclass(frozen=True)
class Start:
    """A plan as a full column vector of the model, with its objective value and how long it took."""

    x: np.ndarray
    objective: float
    seconds: float


def applicable(spec: ModelSpec) -> bool:
    """Greedy plans need a model where serving nobody is allowed (no full assignment)."""
    return not spec.full_assignment and spec.objectives[0] in ("max_coverage", "max_min_share", "min_cost")


def greedy_start(data: ModelData, spec: ModelSpec, v: Variables, problem: MilpProblem) -> Start | None:
    """A feasible plan for `problem` (the first lexicographic stage), or None when the greedy cannot find one."""
    if not applicable(spec):
        return None
    started = time.perf_counter()
    state = PlanState(data, spec, v)
    meet_requirements(state)
    if spec.objectives[0] != "min_cost":
        state.weights = state.objective_weights()
        state.celf()
        fill_count(state)
        spent = time.perf_counter() - started
        local_search(
            state,
            deadline=time.perf_counter()
            + min(LOCAL_SEARCH_CAP_S, max(LOCAL_SEARCH_FLOOR_S, LOCAL_SEARCH_SHARE * spent)),
        )
    else:
        fill_count(state)
    x = vector(state, problem.num_cols)
    if problem.max_violation(x) > FEASIBILITY_TOLERANCE:
        return None
    return Start(x, problem.objective_value(x), time.perf_counter() - started)


def meet_requirements(state: PlanState) -> None:
    """Phase 1: must-choose buildings, the complex count, required shares and district rules."""
    d, spec = state.data, state.spec
    state.weights = state.objective_weights()
    for o in np.asarray(spec.must_take, np.int64):
        if state.fits(o):
            state.take(o, state.evaluate(o, everything=True)[1])
    for b in np.asarray(spec.must_choose, np.int64):
        options = [o for o in np.flatnonzero(d.option_building == b) if state.fits(o)]
        if options:
            scored = [(state.evaluate(o)[0] / state.cost(o), o) for o in options]
            best = max(scored)[1]
            state.take(best, state.evaluate(best, everything=True)[1])
    if spec.complex is not None and spec.complex.min_count:
        _complexes(state, spec.complex.min_count)
    rows = _share_rows(state)
    if rows:
        state.weights = _deficit_weights(state, rows)
        if state.weights.any():
            state.celf(stop=lambda: not _refresh_deficits(state, rows))


def _complexes(state: PlanState, count: int) -> None:
    """Acquire complex candidates, best gain per cost first, until `count` complexes are planned."""
    d, rule = state.data, state.spec.complex
    while state.complex.sum() < count:
        best = None
        for o in np.flatnonzero(np.isin(d.option_building, state.v.c_building)):
            if not state.fits(o) or d.area[o] < rule.min_area:
                continue
            gain, plan = state.evaluate(o, everything=True)
            services = d.host_service[[h for h, *_ in plan]]
            if len(plan) >= rule.min_services and rule.core[services].sum() >= rule.min_core:
                score = (gain + 1e-9) / state.cost(o)
                if best is None or score > best[0]:
                    best = (score, o, plan)
        if best is None:
            return
        state.take(best[1], best[2])
        state.complex[d.option_building[best[1]]] = True


def _share_rows(state: PlanState) -> list[tuple[np.ndarray, float, bool]]:
    """Lower-bound coverage rows as (pair mask, required amount, counts pairs instead of demand)."""
    d, spec = state.data, state.spec
    rows = []
    share = d.min_share.copy()
    if "min_cost" in spec.objectives and spec.target_share is not None:
        share = np.maximum(share, spec.target_share)
    for s in np.flatnonzero(share > 0):
        rows.append((d.pair_service == s, share[s] * d.total_demand[s], False))
    if spec.group_min_share is not None and len(d.groups):
        for g, s in np.argwhere((d.group_demand > 0) & (spec.group_min_share[None, :] > 0)):
            mask = (d.pair_group == g) & (d.pair_service == s)
            rows.append((mask, spec.group_min_share[s] * d.group_demand[g, s], False))
    for g, s in spec.group_requires:
        rows.append(((d.pair_group == g) & (d.pair_service == s), 1.0, True))
    # (18) audit targets on reach; served demand is within reach, so meeting them served meets them reached.
    if spec.required_share is not None:
        outside = d.total_demand - d.group_demand.sum(axis=0)
        for s in np.flatnonzero((spec.required_share > 0) & (outside > 0)):
            rows.append(((d.pair_service == s) & (d.pair_group < 0), spec.required_share[s] * outside[s], False))
    if spec.district_share is not None:
        for g, s in np.argwhere((d.group_demand > 0) & (spec.district_share > 0)):
            mask = (d.pair_group == g) & (d.pair_service == s)
            rows.append((mask, spec.district_share[g, s] * d.group_demand[g, s], False))
    return rows


def _refresh_deficits(state: PlanState, rows) -> bool:
    """Recompute the phase-1 weights; False once every row is met."""
    state.weights = _deficit_weights(state, rows)
    return bool(state.weights.any())


def _deficit_weights(state: PlanState, rows) -> np.ndarray:
    """Per pair (cover form) or demand unit: the share of each unmet row's requirement that serving it meets."""
    d = state.data
    covered = state.covered_fraction()
    weights = np.zeros(len(d.pair_community))
    for mask, need, count_pairs in rows:
        amount = covered[mask].sum() if count_pairs else (covered[mask] * d.pair_demand[mask]).sum()
        if need * (1 + 1e-9) - amount <= 1e-9:
            continue
        if state.cover:
            weights[mask] += (1.0 if count_pairs else d.pair_demand[mask]) / need
        else:
            weights[mask] += (1.0 / d.pair_demand[mask] if count_pairs else 1.0) / need
    return weights


def fill_count(state: PlanState) -> None:
    """Take the best remaining options, whatever they add, until the minimum facility count is met."""
    need = state.spec.min_facilities
    if not need:
        return
    new_taken = lambda: int((state.taken & ~state.data.option_existing).sum())  # noqa: E731
    while new_taken() < need:
        candidates = [o for o in np.flatnonzero(state.allowed & ~state.taken) if state.fits(o)]
        if not candidates:
            return
        scored = max(((state.evaluate(o)[0] + 1e-12) / state.cost(o), o) for o in candidates)
        o = scored[1]
        state.take(o, state.evaluate(o)[1])


def local_search(state: PlanState, deadline: float) -> None:
    """Drop the option worth least per cost, refill greedily; keep the change if coverage grew."""
    d = state.data
    fixed = np.zeros(len(d.option_row), bool)
    fixed[d.option_existing] = True
    fixed[np.isin(d.option_building, state.spec.must_choose)] = True
    fixed[state.spec.must_take] = True
    fixed[np.isin(d.option_building, np.flatnonzero(state.complex))] = True
    tried: set[int] = set()
    while time.perf_counter() < deadline and state.more_to_gain():
        chosen = [o for o in np.flatnonzero(state.taken & ~fixed) if o not in tried]
        if not chosen:
            return
        worth = [state.contribution(o) / state.cost(o) for o in chosen]
        o = chosen[int(np.argmin(worth))]
        tried.add(o)
        before = state.coverage()
        snapshot = state.snapshot()
        state.release(o)
        state.allowed[o] = False
        state.celf()
        state.allowed[o] = True
        if state.coverage() <= before * (1 + 1e-12) + 1e-12:
            state.restore(snapshot)


def vector(state: PlanState, n_cols: int) -> np.ndarray:
    """The plan as values of every model column (x, y, z or v, q, c, r, t)."""
    d, spec, v = state.data, state.spec, state.v
    x = np.zeros(n_cols)
    x[v.x] = state.taken
    x[v.y] = state.hosted
    if state.cover:
        x[v.z] = np.minimum(1.0, state.count)
    else:
        x[v.v] = np.where(state.served > 0, state.served / d.pair_demand[d.arc_pair], 0.0)
        if not spec.capacitated:
            x[v.v] = _best_arc_shares(state)
    if len(v.w):  # reach (audit targets): any hosted slot within the radius
        x[v.w] = np.minimum(1.0, np.bincount(d.arc_pair, weights=state.hosted[d.arc_host], minlength=len(v.w)))
    x[v.q] = state.area_given[np.flatnonzero(state.by_area)]
    if len(v.c):
        x[v.c] = _qualifies_as_complex(state, v.c_building)
        building_complex = np.zeros(d.n_buildings)
        building_complex[v.c_building] = x[v.c]
        x[v.r] = state.taken[v.r_option] * building_complex[d.option_building[v.r_option]]
    if len(v.t):
        x[v.t] = _smallest_share(state, x)
    return x


def _best_arc_shares(state: PlanState) -> np.ndarray:
    """Without capacities each pair is served wholly by the hosted arc of best credit."""
    d = state.data
    live = state.hosted[d.arc_host]
    score = np.where(live, d.arc_credit - 1e-12 * d.arc_distance, -np.inf)
    order = np.lexsort((-score, d.arc_pair))
    first = np.ones(len(order), bool)
    first[1:] = d.arc_pair[order][1:] != d.arc_pair[order][:-1]
    share = np.zeros(len(d.arc_pair))
    best = order[first]
    share[best[live[best]]] = 1.0
    return share


def _qualifies_as_complex(state: PlanState, buildings: np.ndarray) -> np.ndarray:
    d, rule = state.data, state.spec.complex
    area = np.zeros(d.n_buildings)
    taken_new = state.taken & ~d.option_existing
    np.add.at(area, d.option_building[taken_new], np.where(np.isfinite(d.area), d.area, 0.0)[taken_new])
    slots = np.bincount(d.host_building, weights=state.hosted.astype(float), minlength=d.n_buildings)
    core = np.bincount(
        d.host_building, weights=(state.hosted & rule.core[d.host_service]).astype(float), minlength=d.n_buildings
    )
    ok = (area >= rule.min_area) & (slots >= rule.min_services) & (core >= rule.min_core)
    return ok[buildings].astype(float)


def _smallest_share(state: PlanState, x: np.ndarray) -> float:
    d = state.data
    if not len(d.groups):
        return 1.0
    covered = state.covered_fraction() * d.pair_demand
    has = d.pair_group >= 0
    amount = np.zeros(d.group_demand.shape)
    np.add.at(amount, (d.pair_group[has], d.pair_service[has]), covered[has])
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(d.group_demand > 0, amount / d.group_demand, np.inf)
    return float(min(1.0, shares.min(initial=np.inf)))
