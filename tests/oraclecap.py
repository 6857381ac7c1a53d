"""The brute-force oracle with capacities: for a fixed plan, the best assignment and floor-area split is an LP.

Each enumerated plan's discrete part (options, services, closures) is judged as in oraclelib; what capacities
add (how much of each community each host serves, how a building's floor area is split between its services)
is the LP below, written from the scenario schema with scipy.optimize.linprog, independently of siting.model:

    max Σ_s ω_s Σ_e u_e                       u_e ≥ 0: units of community c served by host h (within the radius)
    Σ_{e of (c,s)} u_e ≤ d_cs                 no more than the demand
    Σ_s q_bs ≤ A_o,  q_bs ≥ a_s               the option's floor area, each service at least its minimum
    Σ_{e at (b,s)} u_e ≤ q_bs / k_s           capacity from area (k_s = area_per_unit_m2)
    Σ_{e at b} u_e ≤ C_o                      an option's capacity
    Σ_{e at (f,s)} u_e ≤ Q_f                  an existing facility's capacity, per service
    Σ_{e of s} u_e ≥ σ_s D_s                  required shares (targets with a cost objective)
    Σ_{e of s in g} u_e ≥ σ^g_s D_gs          district minimum shares
    Σ_{c in g, d_cs > 0} Σ_{e of (c,s)} u_e / d_cs ≥ 1   district requirements

The uncapacitated value is an upper bound on the capacitated one, and the uncapacitated rules are necessary
conditions, so plans are visited best bound first (then cheapest) and the search stops once no bound can beat
the best plan found (branch and bound over the enumeration). Objectives: [max_coverage, min_cost] or
[min_cost]; single-source assignment, distance decay and max_min_share are not covered.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from oraclelib import TIE, Case, Space, agree, check, compare_solvers, coverage, enumerate_plans, judge, unit_values
from scipy.optimize import linprog

from siting import pipeline
from siting.plan import Assignment, Plan, Selection
from siting.scenario.load import Scenario
from siting.verify.evaluate import evaluate

RADIUS_TOL_M = 1e-6


def best_assignment(scenario: Scenario, demand, space: Space, n: int, unit_value: dict) -> tuple[float, Plan] | None:
    """Plan n's largest covered value and a plan with its areas and assignments, or None when no LP point meets
    the rules."""
    cfg, policy = scenario.config, scenario.config.model.policy
    services = list(cfg.services)
    comm, options, existing = scenario.communities, scenario.options, scenario.existing
    xy = comm[["x", "y"]].to_numpy(float)
    hosts = []  # (site id, service, site xy, option row or None, facility capacity)
    for b, building in enumerate(space.buildings):
        row, mask = space.choices[b][space.choice[n, b]]
        for i in range(len(services)) if row >= 0 else ():
            if mask >> i & 1:
                hosts.append((building, i, scenario.buildings.loc[building, ["x", "y"]].to_numpy(float), row, np.nan))
    for e, facility in enumerate(existing.index):
        if not space.closed[n, e]:
            for key in existing["services"].iloc[e]:
                place = existing.loc[facility, ["x", "y"]].to_numpy(float)
                hosts.append((facility, services.index(key), place, None, existing["capacity"].iloc[e]))
    d = demand[services].reindex(comm.index).to_numpy(float)
    arcs = [  # (host, community)
        (h, c)
        for h, (_, s, place, _, _) in enumerate(hosts)
        for c in range(len(comm))
        if d[c, s] > 0
        and np.hypot(*(xy[c] - place)) * cfg.walking.detour_factor <= cfg.services[services[s]].radius_m + RADIUS_TOL_M
    ]
    per_unit = [cfg.services[k].area_per_unit_m2 for k in services]
    q_hosts = [h for h, (_, s, _, row, _) in enumerate(hosts) if row is not None and per_unit[s] is not None]
    n_u, n_q = len(arcs), len(q_hosts)
    arc_host = np.array([h for h, _ in arcs], int)
    arc_comm = np.array([c for _, c in arcs], int)
    arc_service = np.array([hosts[h][1] for h in arc_host], int)
    rows, cols, vals, rhs = [], [], [], []

    def add(coefs: dict[int, float], bound: float) -> None:  # Σ coef·x ≤ bound
        r = len(rhs)
        rows.extend([r] * len(coefs))
        cols.extend(coefs)
        vals.extend(coefs.values())
        rhs.append(bound)

    for c, s in {(c, s) for c, s in zip(arc_comm, arc_service)}:
        add({e: 1.0 for e in np.flatnonzero((arc_comm == c) & (arc_service == s))}, d[c, s])
    min_area = [cfg.services[k].min_area_m2 for k in services]
    for building in {hosts[h][0] for h in range(len(hosts)) if hosts[h][3] is not None}:
        mine = [h for h in range(len(hosts)) if hosts[h][0] == building and hosts[h][3] is not None]
        row = hosts[mine[0]][3]
        fixed = sum(min_area[hosts[h][1]] for h in mine if h not in q_hosts)
        add({n_u + q_hosts.index(h): 1.0 for h in mine if h in q_hosts}, options["floor_area_m2"].iloc[row] - fixed)
        if np.isfinite(options["capacity"].iloc[row]):
            add({e: 1.0 for e in np.flatnonzero(np.isin(arc_host, mine))}, options["capacity"].iloc[row])
    for k, h in enumerate(q_hosts):
        add({**{e: 1.0 for e in np.flatnonzero(arc_host == h)}, n_u + k: -1.0 / per_unit[hosts[h][1]]}, 0.0)
    for h, (_, _, _, row, capacity) in enumerate(hosts):
        if row is None and np.isfinite(capacity):
            add({e: 1.0 for e in np.flatnonzero(arc_host == h)}, capacity)
    objectives = cfg.model.objectives
    district = comm[policy.group_by].fillna("").astype(str).to_numpy() if policy.group_by in comm else None
    for s, key in enumerate(services):
        need = cfg.services[key].min_share
        if {"min_cost", "min_capex", "min_annual"} & set(objectives):
            need = max(need, cfg.model.target_share.get(key, 0.0))
        if need > 0 and d[:, s].sum() > 0:
            add({e: -1.0 for e in np.flatnonzero(arc_service == s)}, -need * d[:, s].sum())
        for g in sorted(set(district) - {""}) if district is not None else ():
            in_g = (district == g) & (d[:, s] > 0)
            low = policy.district_min_share.get(key, 0.0)
            if low and d[in_g, s].sum() > 0:
                add({e: -1.0 for e in np.flatnonzero((arc_service == s) & in_g[arc_comm])}, -low * d[in_g, s].sum())
            if key in policy.district_requires.get(g, ()):
                picked = np.flatnonzero((arc_service == s) & in_g[arc_comm])
                add({e: -1.0 / d[arc_comm[e], s] for e in picked}, -1.0)
    cost = np.concatenate([-np.array([unit_value[services[s]] for s in arc_service]), np.zeros(n_q)])
    bounds = [(0, None)] * n_u + [(min_area[hosts[h][1]], options["floor_area_m2"].iloc[hosts[h][3]]) for h in q_hosts]
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(rhs), n_u + n_q))
    if n_u + n_q == 0:
        if any(b < -1e-9 for b in rhs):
            return None
        x = np.zeros(0)
    else:
        result = linprog(cost, A_ub=matrix if len(rhs) else None, b_ub=rhs or None, bounds=bounds, method="highs")
        if result.status != 0:
            return None
        x = result.x
    selections = []
    for b, building in enumerate(space.buildings):
        row, _ = space.choices[b][space.choice[n, b]]
        if row >= 0:
            mine = [h for h in range(len(hosts)) if hosts[h][0] == building and hosts[h][3] is not None]
            keys = tuple(services[hosts[h][1]] for h in mine)
            areas = tuple(x[n_u + q_hosts.index(h)] if h in q_hosts else min_area[hosts[h][1]] for h in mine)
            selections.append(Selection(building, options["mode"].iloc[row], keys, areas))
    assignments = [
        Assignment(comm.index[c], services[hosts[h][1]], hosts[h][0], float(x[e]))
        for e, (h, c) in enumerate(arcs)
        if x[e] > 1e-12
    ]
    closed = [f for f, gone in zip(existing.index, space.closed[n]) if gone]
    return float(-cost[:n_u] @ x[:n_u]), Plan.of(selections, closed=closed, assignments=assignments)


def check_capacitated(scenario: Scenario, solvers: tuple[str, ...]) -> Case:
    """The oracle's optimum by branch and bound over the enumeration, re-judged by the evaluator, vs each solver."""
    order = scenario.config.model.objectives
    if order not in (("max_coverage", "min_cost"), ("min_cost",)):
        raise ValueError(f"objectives {order}: the capacitated oracle knows [max_coverage, min_cost] and [min_cost]")
    case = Case(scenario.config.name)
    demand = pipeline.compute_demand(scenario).units
    clock = time.perf_counter()
    space = enumerate_plans(scenario)
    ok, values = judge(scenario, demand, space)
    case.plans, case.feasible = len(ok), int(ok.sum())
    unit_value = unit_values(scenario, demand)
    bonus = values["max_coverage"] - coverage(scenario, demand, space)[1]  # the complex bonus
    cost, bound = values["min_cost"], values["max_coverage"]
    visit = np.flatnonzero(ok)
    visit = visit[np.lexsort((cost[visit], -bound[visit] if order[0] == "max_coverage" else cost[visit]))]
    best, best_value, best_cost = None, -np.inf, np.inf
    for n in visit:
        if order[0] == "min_cost" and best is not None:
            break
        tie = TIE * max(1.0, abs(best_value)) if np.isfinite(best_value) else 0.0
        if bound[n] < best_value - tie:
            break
        if bound[n] <= best_value + tie and cost[n] >= best_cost:
            continue
        found = best_assignment(scenario, demand, space, int(n), unit_value)
        case.lps += 1
        if found is None:
            continue
        value = found[0] + bonus[n]
        if value > best_value + tie or (value >= best_value - tie and cost[n] < best_cost):
            best, best_value, best_cost = found[1], max(value, best_value), cost[n]
    case.enumerate_s = time.perf_counter() - clock
    if best is not None:
        case.best = {"max_coverage": best_value, "min_cost": float(best_cost)}
        case.best = {name: case.best[name] for name in order}
        clock = time.perf_counter()
        evaluation = evaluate(scenario, best, demand)
        case.evaluated += 1
        case.evaluate_s += time.perf_counter() - clock
        if evaluation.violations:
            case.disagreements.append(f"evaluate refuses the oracle's plan {best}: {evaluation.violations}")
        for name in order:
            if not agree(evaluation.objectives[name], case.best[name]):
                got = evaluation.objectives[name]
                case.disagreements.append(f"{name}: evaluate {got!r}, oracle {case.best[name]!r}")
    compare_solvers(scenario, solvers, case, best)
    return case


def check_scenario(scenario: Scenario, solvers: tuple[str, ...], *, sample: int = 20, seed: int = 0) -> Case:
    """oraclelib.check, or check_capacitated when the scenario turns capacities on."""
    if scenario.config.model.capacities:
        return check_capacitated(scenario, solvers)
    return check(scenario, solvers, sample=sample, seed=seed)
