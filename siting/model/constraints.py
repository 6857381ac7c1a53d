"""Constraint families (1)–(7), (9) and (17) of siting.model.formulation, one small vectorised function each.

Each takes (data, spec, variables, n_cols) and returns a ConstraintBlock, a list of them, or None when the
family does not apply; the policy families (10)–(16) are in siting.model.policy. Sparse matrices are built
from index arrays; no Python loop touches a coefficient.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siting.model.builder import ConstraintBlock, block_from, linear_row
from siting.model.data import ModelData
from siting.model.policy import (
    asset_pool,
    complexes,
    district_min_share,
    district_requires,
    facility_counts,
    min_share_level,
    must_and_must_not,
)
from siting.model.rows import INF, Blocks, options_of, row_index
from siting.model.spec import COST_OBJECTIVES, ModelSpec
from siting.model.variables import Variables, area_capacity, covered


def reachable_load(data: ModelData) -> np.ndarray:
    """(H,) D_h = Σ_{e∈h} d_p: the most demand slot h could ever serve."""
    return np.bincount(data.arc_host, weights=data.pair_demand[data.arc_pair], minlength=len(data.host_building))


def slot_capacity(data: ModelData, spec: ModelSpec) -> np.ndarray:
    """(H,) C_h: the most demand slot h can serve when hosted (inf without capacities).

    min(D_h, Ā_b / u_s) for area capacities, min(D_h, Q_h) for existing facilities, min(D_h, max_o C_o) under
    option capacities. Used to tighten (3), (4) and (9): with these bounds the LP can no longer open a sliver
    of a large building to serve all the demand around it.
    """
    n_hosts = len(data.host_building)
    if not spec.capacitated:
        return np.full(n_hosts, INF)
    cap = np.full(n_hosts, INF)
    max_area = np.zeros(data.n_buildings)
    np.maximum.at(max_area, data.option_building, np.where(data.option_existing, 0.0, data.area))
    by_area = area_capacity(data, spec)
    cap[by_area] = max_area[data.host_building[by_area]] / data.area_per_unit[data.host_service[by_area]]
    fixed = data.host_existing & np.isfinite(data.host_capacity)
    cap[fixed] = data.host_capacity[fixed]
    if (np.isfinite(data.option_capacity) & ~data.option_existing).any():
        new = ~data.option_existing
        best = np.zeros(data.n_buildings)  # an option without a capacity limits nothing: inf
        np.maximum.at(
            best,
            data.option_building[new],
            np.where(np.isnan(data.option_capacity[new]), INF, data.option_capacity[new]),
        )
        slots = ~data.host_existing
        cap[slots] = np.minimum(cap[slots], best[data.host_building[slots]])
    return np.minimum(cap, reachable_load(data))


def one_mode_per_building(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(1) Σ_{o∈O(b)} x_o ≤ 1."""
    buildings = np.unique(data.option_building)
    rows = row_index(buildings, data.n_buildings)
    return block_from("(1) one mode per building", options_of(data, rows, len(buildings), n_cols, v), -INF, 1.0)


def host_only_if_acquired(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(2) y_h − Σ_{o∈O(b)} x_o ≤ 0 for new slots; = 0 for an existing facility's slots."""
    n_hosts = len(data.host_building)
    order = np.argsort(data.option_building, kind="stable")
    sorted_b = data.option_building[order]
    start = np.searchsorted(sorted_b, data.host_building, side="left")
    count = np.searchsorted(sorted_b, data.host_building, side="right") - start
    host_rep = np.repeat(np.arange(n_hosts), count)
    opt = order[np.repeat(start, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)]
    matrix = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_hosts), -np.ones(len(opt))]),
            (np.concatenate([np.arange(n_hosts), host_rep]), np.concatenate([v.y, v.x[opt]])),
        ),
        shape=(n_hosts, n_cols),
    )
    lower = np.where(data.host_existing, 0.0, -INF)
    return block_from("(2) host only if acquired", matrix, lower, 0.0)


def floor_area(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(3) Σ_s a_s y_bs (or Σ_s q_bs for area-capacity slots) − Σ_o A_o x_o ≤ 0, and a_s y_h ≤ q_h ≤ Ā_h y_h.

    Ā_h = min(Ā_b, max(a_s, u_s C_h)): the largest option area, or the area the slot's reachable demand can use.
    """
    new_area = np.where(data.option_existing, 0.0, data.area)
    max_area = np.zeros(data.n_buildings)
    np.maximum.at(max_area, data.option_building, new_area)
    slots = ~data.host_existing & np.isfinite(max_area[data.host_building])
    buildings = np.unique(data.host_building[slots])
    if not len(buildings):
        return None
    rows = row_index(buildings, data.n_buildings)
    by_area = area_capacity(data, spec)
    plain = slots & ~by_area
    host_row = rows[data.host_building]
    q_slots = np.flatnonzero(by_area)
    use = sp.csr_matrix(
        (
            np.concatenate([data.min_area[data.host_service[plain]], np.ones(len(q_slots))]),
            (np.concatenate([host_row[plain], host_row[q_slots]]), np.concatenate([v.y[plain], v.q])),
        ),
        shape=(len(buildings), n_cols),
    )
    option_ok = ~data.option_existing & np.isfinite(data.area)
    matrix = use - options_of(data, rows, len(buildings), n_cols, v, data.area, option_ok)
    blocks = [block_from("(3) floor area", matrix, -INF, 0.0)]
    if len(q_slots):
        k = np.arange(len(q_slots))
        lower = sp.csr_matrix(
            (
                np.concatenate([np.ones(len(k)), -data.min_area[data.host_service[q_slots]]]),
                (np.concatenate([k, k]), np.concatenate([v.q, v.y[q_slots]])),
            ),
            shape=(len(k), n_cols),
        )
        # Area beyond what the reachable demand can use is never needed: q_h ≤ max(a_s, u_s C_h) as well.
        useful = np.maximum(
            data.min_area[data.host_service[q_slots]],
            data.area_per_unit[data.host_service[q_slots]] * slot_capacity(data, spec)[q_slots],
        )
        upper = sp.csr_matrix(
            (
                np.concatenate([np.ones(len(k)), -np.minimum(max_area[data.host_building[q_slots]], useful)]),
                (np.concatenate([k, k]), np.concatenate([v.q, v.y[q_slots]])),
            ),
            shape=(len(k), n_cols),
        )
        blocks += [
            block_from("(3) area given ≥ minimum", lower, 0.0, INF),
            block_from("(3) area given only if hosted", upper, -INF, 0.0),
        ]
    return blocks


def coverage_link(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(4) z_p ≤ Σ_{h∈R(p)} y_h; or Σ_{e∈p} v_e ≤ 1 (= 1 with full assignment) and v_e ≤ min(1, C_h / d_p) y_{h(e)}.

    C_h is the slot's capacity bound (slot_capacity): a host cannot serve more of a pair than it can hold.
    """
    n_pairs, n_arcs = len(data.pair_community), len(data.arc_pair)
    if not v.assign:
        matrix = sp.csr_matrix(
            (
                np.concatenate([np.ones(n_pairs), -np.ones(n_arcs)]),
                (np.concatenate([np.arange(n_pairs), data.arc_pair]), np.concatenate([v.z, v.y[data.arc_host]])),
            ),
            shape=(n_pairs, n_cols),
        )
        return block_from("(4) coverage", matrix, -INF, 0.0)
    total = sp.csr_matrix((np.ones(n_arcs), (data.arc_pair, v.v)), shape=(n_pairs, n_cols))
    most = np.minimum(1.0, slot_capacity(data, spec)[data.arc_host] / data.pair_demand[data.arc_pair])
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_arcs), -most]),
            (np.tile(np.arange(n_arcs), 2), np.concatenate([v.v, v.y[data.arc_host]])),
        ),
        shape=(n_arcs, n_cols),
    )
    return [
        block_from("(4) assignment", total, 1.0 if spec.full_assignment else -INF, 1.0),
        block_from("(4) assign only to hosts", link, -INF, 0.0),
    ]


def budgets(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(5) Σ_o c_o x_o ≤ B_c;  (6) Σ_o f_o x_o ≤ B_f + F_0."""
    blocks = []
    if np.isfinite(data.budget_capex):
        blocks.append(
            linear_row(
                "(5) one-off budget", v.x, data.capex, upper=data.budget_capex, label="one-off budget", relaxable=True
            )
        )
    if data.budget_annual is not None:
        blocks.append(
            linear_row(
                "(6) yearly budget",
                v.x,
                data.annual,
                upper=data.budget_annual + data.annual_existing,
                label="yearly budget",
                relaxable=True,
                offset=data.annual_existing,
            )
        )
    return blocks


def npv_budget(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(17) Σ_o n_o x_o ≤ B_N + AF·F_0: net present cost budget.

    n_o = c_o + f_o·AF for every option, an existing facility's keep-open option included (c = 0), exactly as
    min_cost counts them; the right-hand side adds AF·F_0, the net present cost of keeping every existing
    facility open, so that B_N caps the new acquisitions and closing a facility frees its AF·f for them:
    Σ_{o new} n_o x_o − AF·Σ_{e closed} f_e ≤ B_N.
    """
    if data.budget_npv is None:
        return None
    kept = data.npv[data.option_existing].sum()
    return linear_row(
        "(17) net present cost budget",
        v.x,
        data.npv,
        upper=data.budget_npv + kept,
        label="net present cost budget",
        relaxable=True,
        offset=kept,
    )


def required_share(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(7) Σ_{p of s} d_p cov_p ≥ σ_s D_s (σ_s = max(min share, target share when a cost is an objective))."""
    share = data.min_share.copy()
    if set(COST_OBJECTIVES) & set(spec.objectives) and spec.target_share is not None:
        share = np.maximum(share, spec.target_share)
    services = np.flatnonzero(share > 0)
    if not len(services):
        return None
    rows = row_index(services, len(data.services))
    pair_row = rows[data.pair_service]
    keep = pair_row >= 0
    weights = sp.csr_matrix(
        (data.pair_demand[keep], (pair_row[keep], np.flatnonzero(keep))),
        shape=(len(services), len(data.pair_community)),
    )
    return block_from(
        "(7) required share",
        weights @ covered(data, v, n_cols),
        share[services] * data.total_demand[services],
        INF,
        tuple(f"{data.services[s]} share" for s in services),
        data.total_demand[services],
        relaxable=True,
    )


def capacity(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(9) Σ_{e∈h} d_p v_e ≤ q_h / u_s (area);  ≤ Q_h y_h (existing);  Σ_{e at b} d_p v_e ≤ Σ_o C_o x_o (options)."""
    if not spec.capacitated or not v.assign:
        return None
    load = data.pair_demand[data.arc_pair]
    n_hosts = len(data.host_building)
    by_host = sp.csr_matrix((load, (data.arc_host, v.v)), shape=(n_hosts, n_cols))
    blocks = []
    by_area = np.flatnonzero(area_capacity(data, spec))
    if len(by_area):
        per_unit = data.area_per_unit[data.host_service[by_area]]
        room = sp.csr_matrix((-1.0 / per_unit, (np.arange(len(by_area)), v.q)), shape=(len(by_area), n_cols))
        blocks.append(block_from("(9) capacity from floor area", by_host[by_area] + room, -INF, 0.0))
    fixed = np.flatnonzero(data.host_existing & np.isfinite(data.host_capacity))
    if len(fixed):
        held = np.minimum(data.host_capacity[fixed], reachable_load(data)[fixed])
        room = sp.csr_matrix((-held, (np.arange(len(fixed)), v.y[fixed])), shape=(len(fixed), n_cols))
        blocks.append(block_from("(9) capacity of existing facilities", by_host[fixed] + room, -INF, 0.0))
    given = np.isfinite(data.option_capacity) & ~data.option_existing
    if given.any():
        buildings = np.unique(data.option_building[given])
        rows = row_index(buildings, data.n_buildings)
        arc_row = rows[data.host_building[data.arc_host]]
        keep = arc_row >= 0
        served = sp.csr_matrix((load[keep], (arc_row[keep], v.v[keep])), shape=(len(buildings), n_cols))
        reachable = np.bincount(arc_row[keep], weights=load[keep], minlength=len(buildings))
        reach_b = reachable[np.maximum(rows[data.option_building], 0)]
        cap = np.where(np.isfinite(data.option_capacity), np.minimum(data.option_capacity, reach_b), reach_b)
        blocks.append(
            block_from(
                "(9) capacity of options", served - options_of(data, rows, len(buildings), n_cols, v, cap), -INF, 0.0
            )
        )
    return blocks


#: Families on the plan's own columns (x, y, c, r): the same whatever the demand.
PLAN_FAMILIES = (
    one_mode_per_building,
    host_only_if_acquired,
    budgets,
    npv_budget,
    facility_counts,
    must_and_must_not,
    asset_pool,
    complexes,
)

FAMILIES = (
    one_mode_per_building,
    host_only_if_acquired,
    floor_area,
    coverage_link,
    budgets,
    npv_budget,
    required_share,
    capacity,
    facility_counts,
    must_and_must_not,
    district_min_share,
    district_requires,
    asset_pool,
    complexes,
    min_share_level,
)


__all__ = ["FAMILIES", "ConstraintBlock"]
