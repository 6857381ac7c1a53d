"""Constraint families (1)–(7) and (9)–(17) of siting.model.formulation, one small vectorised function each.

Each takes (data, spec, variables, n_cols) and returns a ConstraintBlock, a list of them, or None when the
family does not apply. Sparse matrices are built from index arrays; no Python loop touches a coefficient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.model.builder import ConstraintBlock, block_from, linear_row
from siting.model.data import ModelData
from siting.model.spec import COST_OBJECTIVES, ComplexSpec, ModelSpec
from siting.model.variables import Variables, area_capacity, covered

#: What a constraint family returns: a block, several, or None when the family does not apply.
Blocks = ConstraintBlock | list[ConstraintBlock] | None

INF = np.inf


def _options_of(
    data: ModelData,
    rows_of_building: np.ndarray,
    n_rows: int,
    n_cols: int,
    v: Variables,
    coef: np.ndarray | float = 1.0,
    mask: np.ndarray | None = None,
) -> sp.csr_matrix:
    """(n_rows × n_cols) matrix with coef_o at (row of o's building, x_o) for options whose building has a row."""
    row = rows_of_building[data.option_building]
    keep = row >= 0 if mask is None else (row >= 0) & mask
    values = np.broadcast_to(np.asarray(coef, float), row.shape)[keep]
    return sp.csr_matrix((values, (row[keep], v.x[keep])), shape=(n_rows, n_cols))


def _row_index(selected: np.ndarray, size: int) -> np.ndarray:
    """Array of length `size`: row number for selected entries, -1 elsewhere."""
    index = np.full(size, -1, np.int64)
    index[selected] = np.arange(len(selected))
    return index


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
    rows = _row_index(buildings, data.n_buildings)
    return block_from("(1) one mode per building", _options_of(data, rows, len(buildings), n_cols, v), -INF, 1.0)


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
    rows = _row_index(buildings, data.n_buildings)
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
    matrix = use - _options_of(data, rows, len(buildings), n_cols, v, data.area, option_ok)
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
    rows = _row_index(services, len(data.services))
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
        rows = _row_index(buildings, data.n_buildings)
        arc_row = rows[data.host_building[data.arc_host]]
        keep = arc_row >= 0
        served = sp.csr_matrix((load[keep], (arc_row[keep], v.v[keep])), shape=(len(buildings), n_cols))
        reachable = np.bincount(arc_row[keep], weights=load[keep], minlength=len(buildings))
        reach_b = reachable[np.maximum(rows[data.option_building], 0)]
        cap = np.where(np.isfinite(data.option_capacity), np.minimum(data.option_capacity, reach_b), reach_b)
        blocks.append(
            block_from(
                "(9) capacity of options", served - _options_of(data, rows, len(buildings), n_cols, v, cap), -INF, 0.0
            )
        )
    return blocks


def facility_counts(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(10) p_min ≤ Σ_{o new} x_o ≤ p_max;  Σ_{o of mode m} x_o ≤ p_m."""
    new = ~data.option_existing
    blocks = []
    if spec.min_facilities is not None or spec.max_facilities is not None:
        blocks.append(
            linear_row(
                "(10) facility count",
                v.x[new],
                np.ones(int(new.sum())),
                lower=-INF if spec.min_facilities is None else spec.min_facilities,
                upper=INF if spec.max_facilities is None else spec.max_facilities,
                label="number of facilities",
                relaxable=True,
            )
        )
    for mode, limit in sorted(spec.max_by_mode.items()):
        of_mode = data.option_mode == mode
        blocks.append(
            linear_row(f"(10) at most {limit} {mode}", v.x[of_mode], np.ones(int(of_mode.sum())), upper=limit)
        )
    return blocks


def must_and_must_not(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(11) Σ_{o∈O(b)} x_o = 1 for required buildings; = 0 for forbidden ones; x_o = 1 for required options."""
    blocks = []
    if len(spec.must_take):
        count = len(spec.must_take)
        matrix = sp.csr_matrix((np.ones(count), (np.arange(count), v.x[spec.must_take])), shape=(count, n_cols))
        blocks.append(block_from("(11) must choose as", matrix, 1.0, 1.0))
    for name, buildings, bound in (
        ("(11) must choose", spec.must_choose, 1.0),
        ("(11) must not choose", spec.must_not_choose, 0.0),
    ):
        if len(buildings):
            rows = _row_index(np.asarray(buildings), data.n_buildings)
            matrix = _options_of(data, rows, len(buildings), n_cols, v)
            blocks.append(block_from(name, matrix, bound, bound))
    return blocks


def _group_rows(
    data: ModelData,
    mask_gs: np.ndarray,
    values: np.ndarray,
    v: Variables,
    n_cols: int,
    of: sp.csr_matrix | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Rows Σ_{p∈P(g,s)} value_p cov_p for each (g, s) with mask_gs[g, s]; returns the matrix and the (g, s) list.

    `of` replaces cov_p by another (P × n_cols) per-pair quantity (the reach ρ_p of (18)).
    """
    selected = np.argwhere(mask_gs)
    index = np.full(mask_gs.shape, -1, np.int64)
    index[selected[:, 0], selected[:, 1]] = np.arange(len(selected))
    has_group = data.pair_group >= 0
    row = np.full(len(data.pair_group), -1, np.int64)
    row[has_group] = index[data.pair_group[has_group], data.pair_service[has_group]]
    keep = row >= 0
    weights = sp.csr_matrix(
        (values[keep], (row[keep], np.flatnonzero(keep))), shape=(len(selected), len(data.pair_community))
    )
    return weights @ (covered(data, v, n_cols) if of is None else of), selected


def district_min_share(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(12) Σ_{p∈P(g,s)} d_p cov_p ≥ σ^g_s D_{g,s} in every district with demand."""
    if spec.group_min_share is None or not (spec.group_min_share > 0).any() or not len(data.groups):
        return None
    mask = (data.group_demand > 0) & (spec.group_min_share[None, :] > 0)
    matrix, gs = _group_rows(data, mask, data.pair_demand, v, n_cols)
    need = spec.group_min_share[gs[:, 1]] * data.group_demand[gs[:, 0], gs[:, 1]]
    return block_from(
        "(12) district minimum share",
        matrix,
        need,
        INF,
        tuple(f"{data.groups[g]}: {data.services[s]} share" for g, s in gs),
        data.group_demand[gs[:, 0], gs[:, 1]],
        relaxable=True,
    )


def district_requires(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(13) Σ_{p∈P(g,s)} cov_p ≥ 1 for each service a district must have."""
    if not spec.group_requires:
        return None
    mask = np.zeros((len(data.groups), len(data.services)), bool)
    for g, s in spec.group_requires:
        mask[g, s] = True
    matrix, gs = _group_rows(data, mask, np.ones(len(data.pair_community)), v, n_cols)
    return block_from(
        "(13) district must have service",
        matrix,
        1.0,
        INF,
        tuple(f"{data.groups[g]}: must have {data.services[s]}" for g, s in gs),
        relaxable=True,
    )


def asset_pool(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(14) Σ_{o trades k} x_o ≤ 1 per asset k, and the facilities housed in traded assets.

    x_o + x_{o(e)} ≤ 1 for each trade o of k and facility e housed in k; Σ_{o trades k} x_o + x_{o(e)} ≥ 1
    when e is not closable (it closes only by being traded).
    """
    if not len(data.asset_of_option):
        return None
    assets = np.unique(data.asset_of_option)
    rows = _row_index(assets, int(assets.max()) + 1)
    once = sp.csr_matrix(
        (np.ones(len(data.asset_of_option)), (rows[data.asset_of_option], v.x[data.option_of_asset])),
        shape=(len(assets), n_cols),
    )
    blocks = [block_from("(14) each asset traded once", once, -INF, 1.0)]
    trades = pd.DataFrame({"asset": data.asset_of_option, "option": data.option_of_asset})
    housed = pd.DataFrame({"asset": data.asset_facility, "facility": data.facility_option})
    pairs = trades.merge(housed, on="asset")
    if len(pairs):
        k = np.arange(len(pairs))
        cols = np.concatenate([v.x[pairs["option"].to_numpy()], v.x[pairs["facility"].to_numpy()]])
        matrix = sp.csr_matrix((np.ones(2 * len(k)), (np.tile(k, 2), cols)), shape=(len(k), n_cols))
        blocks.append(block_from("(14) trading an asset closes its facilities", matrix, -INF, 1.0))
    stay = housed[~data.option_closable[housed["facility"].to_numpy()]] if len(housed) else housed
    stay = stay[stay["asset"].isin(trades["asset"])]
    if len(stay):
        n = len(stay)
        facility_rows = np.arange(n)
        trade_pairs = stay.reset_index(drop=True).reset_index().merge(trades, on="asset")
        rows_ = np.concatenate([facility_rows, trade_pairs["index"].to_numpy()])
        cols = np.concatenate([v.x[stay["facility"].to_numpy()], v.x[trade_pairs["option"].to_numpy()]])
        matrix = sp.csr_matrix((np.ones(len(rows_)), (rows_, cols)), shape=(n, n_cols))
        blocks.append(block_from("(14) a facility that cannot close stays unless traded", matrix, 1.0, INF))
    return blocks


def complexes(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(15) The complex rule and its requirements.

    c_b ≤ Σx, A^c c_b ≤ ΣA x, m c_b ≤ Σ_s y, m^core c_b ≤ Σ_core y, Σc ≥ N, r ≤ x, r ≤ c, Σ c_o r_o ≥ φ Σ c_o x_o.
    When no building can qualify, Σc ≥ N is kept as the empty row 0 ≥ N, so that the scenario is infeasible
    and explained, not solved without the rule.
    """
    rule = spec.complex
    if rule is None:
        return None
    if not len(v.c):
        blocks = []
        if rule.min_count:
            blocks.append(
                linear_row(
                    "(15) number of complexes",
                    np.zeros(0, np.int64),
                    np.zeros(0),
                    lower=rule.min_count,
                    label="number of complexes (no candidate building can qualify)",
                    relaxable=True,
                )
            )
        if rule.min_capex_share:  # nothing can be spent on a complex, so nothing new may be bought
            blocks.append(_spending_on_complexes(data, rule, v))
        return blocks or None
    n = len(v.c)
    rows = _row_index(v.c_building, data.n_buildings)
    ident = sp.csr_matrix((np.ones(n), (np.arange(n), v.c)), shape=(n, n_cols))
    new = ~data.option_existing
    acquired = _options_of(data, rows, n, n_cols, v, mask=new)
    area = _options_of(data, rows, n, n_cols, v, np.where(np.isfinite(data.area), data.area, 0.0), new)
    slot_row = rows[data.host_building]
    keep = slot_row >= 0
    slots = sp.csr_matrix((np.ones(int(keep.sum())), (slot_row[keep], v.y[keep])), shape=(n, n_cols))
    core = keep & rule.core[data.host_service]
    core_slots = sp.csr_matrix((np.ones(int(core.sum())), (slot_row[core], v.y[core])), shape=(n, n_cols))
    blocks = [
        block_from("(15) complex is acquired", ident - acquired, -INF, 0.0),
        block_from("(15) complex floor area", rule.min_area * ident - area, -INF, 0.0),
        block_from("(15) complex services", rule.min_services * ident - slots, -INF, 0.0),
        block_from("(15) complex core services", rule.min_core * ident - core_slots, -INF, 0.0),
    ]
    if rule.min_count:
        blocks.append(
            linear_row(
                "(15) number of complexes",
                v.c,
                np.ones(n),
                lower=rule.min_count,
                label="number of complexes",
                relaxable=True,
            )
        )
    if len(v.r):
        k = np.arange(len(v.r))
        c_of = v.c[rows[data.option_building[v.r_option]]]
        blocks.append(
            block_from(
                "(15) complex option ≤ taken",
                sp.csr_matrix(
                    (
                        np.concatenate([np.ones(len(k)), -np.ones(len(k))]),
                        (np.tile(k, 2), np.concatenate([v.r, v.x[v.r_option]])),
                    ),
                    shape=(len(k), n_cols),
                ),
                -INF,
                0.0,
            )
        )
        blocks.append(
            block_from(
                "(15) complex option ≤ complex",
                sp.csr_matrix(
                    (np.concatenate([np.ones(len(k)), -np.ones(len(k))]), (np.tile(k, 2), np.concatenate([v.r, c_of]))),
                    shape=(len(k), n_cols),
                ),
                -INF,
                0.0,
            )
        )
        blocks.append(_spending_on_complexes(data, rule, v))
    return blocks


def _spending_on_complexes(data: ModelData, rule: ComplexSpec, v: Variables) -> ConstraintBlock:
    """Σ_o c_o r_o ≥ φ Σ_o c_o x_o over the new options (r empty when no building can qualify: no one-off spending)."""
    new = ~data.option_existing
    cols = np.concatenate([v.r, v.x[new]])
    vals = np.concatenate([data.capex[v.r_option], -rule.min_capex_share * data.capex[new]])
    return linear_row("(15) share of spending on complexes", cols, vals, lower=0.0)


def min_share_level(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(16) Σ_{p∈P(g,s)} d_p cov_p − t D_{g,s} ≥ 0 for every district and service with demand."""
    if not len(v.t) or not len(data.groups):
        return None
    mask = data.group_demand > 0
    matrix, gs = _group_rows(data, mask, data.pair_demand, v, n_cols)
    level = sp.csr_matrix(
        (-data.group_demand[gs[:, 0], gs[:, 1]], (np.arange(len(gs)), np.full(len(gs), v.t[0]))),
        shape=(len(gs), n_cols),
    )
    return block_from("(16) smallest district share", matrix + level, 0.0, INF)


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
