"""Policy constraint families (10)–(16) of siting.model.formulation, one small vectorised function each.

Counts, must and must-not choose, district shares and requirements, traded assets, complexes, the smallest
district share.

Each takes (data, spec, variables, n_cols) and returns a ConstraintBlock, a list of them, or None when the
family does not apply (siting.model.constraints holds families (1)–(9) and (17), and the list of all).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.model.builder import ConstraintBlock, block_from, linear_row
from siting.model.data import ModelData
from siting.model.rows import INF, Blocks, group_rows, options_of, row_index
from siting.model.spec import ComplexSpec, ModelSpec
from siting.model.variables import Variables


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
            rows = row_index(np.asarray(buildings), data.n_buildings)
            matrix = options_of(data, rows, len(buildings), n_cols, v)
            blocks.append(block_from(name, matrix, bound, bound))
    return blocks


def district_min_share(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(12) Σ_{p∈P(g,s)} d_p cov_p ≥ σ^g_s D_{g,s} in every district with demand."""
    if spec.group_min_share is None or not (spec.group_min_share > 0).any() or not len(data.groups):
        return None
    mask = (data.group_demand > 0) & (spec.group_min_share[None, :] > 0)
    matrix, gs = group_rows(data, mask, data.pair_demand, v, n_cols)
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
    matrix, gs = group_rows(data, mask, np.ones(len(data.pair_community)), v, n_cols)
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
    rows = row_index(assets, int(assets.max()) + 1)
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
    rows = row_index(v.c_building, data.n_buildings)
    ident = sp.csr_matrix((np.ones(n), (np.arange(n), v.c)), shape=(n, n_cols))
    new = ~data.option_existing
    acquired = options_of(data, rows, n, n_cols, v, mask=new)
    area = options_of(data, rows, n, n_cols, v, np.where(np.isfinite(data.area), data.area, 0.0), new)
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
    matrix, gs = group_rows(data, mask, data.pair_demand, v, n_cols)
    level = sp.csr_matrix(
        (-data.group_demand[gs[:, 0], gs[:, 1]], (np.arange(len(gs)), np.full(len(gs), v.t[0]))),
        shape=(len(gs), n_cols),
    )
    return block_from("(16) smallest district share", matrix + level, 0.0, INF)
