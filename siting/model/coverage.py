r"""Budgeted maximal covering with acquisition modes and multi-service buildings (model v1).

Sets
    b ∈ B buildings; o ∈ O(b) acquisition options of b (one per mode: renovate, buy, rent, swap, build);
    s ∈ S services; h = (b, s) ∈ H host slots (b can fit s: some option of b has area ≥ a_s);
    p = (i, s) ∈ P coverable demand pairs (community i has demand d_p > 0 for s and some host within reach);
    R(p) ⊆ H the host slots of service s within s's walking radius of i.

Data
    c_o one-off cost (元), f_o yearly cost (元/year), A_o floor area (m²), n_o = c_o + f_o · AF net present
    cost (AF = Σ_{t=1..T} (1+r)^-t), a_s minimum area for s (m²), w_s priority weight, d_p demand units,
    D_s total demand of s (coverable or not), σ_s required covered share, B_c, B_f budgets.

Variables
    x_o ∈ {0,1} option o is taken;  y_h ∈ {0,1} building b hosts service s;  z_p ∈ [0,1] pair p is covered.

Constraints
    (1) one mode per building       Σ_{o∈O(b)} x_o ≤ 1                                   ∀ b
    (2) host only what is acquired  y_{bs} − Σ_{o∈O(b)} x_o ≤ 0                            ∀ (b,s) ∈ H
    (3) floor area                  Σ_s a_s y_{bs} − Σ_{o∈O(b)} A_o x_o ≤ 0                 ∀ b
    (4) coverage                    z_p − Σ_{h∈R(p)} y_h ≤ 0                               ∀ p ∈ P
    (5) one-off budget              Σ_o c_o x_o ≤ B_c
    (6) yearly budget               Σ_o f_o x_o ≤ B_f                                     (when given)
    (7) required share              Σ_{p of s} d_p z_p ≥ σ_s D_s                           ∀ s with σ_s > 0

Objective, lexicographic (two solves)
    stage 1:  F* = max Σ_p w_s d_p z_p
    stage 2:  min Σ_o n_o x_o  subject to (1)–(7) and (8) Σ_p w_s d_p z_p ≥ F* − τ,  τ = max(1e-6, 1e-9 F*).
    A scaled single objective (max F − ε · cost) would need ε below the smallest positive gap between two
    coverage values, which continuous demands do not bound; the second solve needs no such proof. Stage 2 is
    started from stage 1's plan, which is feasible for it, so stage 2 can only keep or lower the cost while
    (8) keeps the coverage of stage 1.

z needs no integrality: (4) and z ≤ 1 make z_p = min(1, Σ y_h) at a stage-1 optimum, and the evaluator
recomputes coverage from the chosen buildings, never from z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.model.builder import ConstraintBlock, Model, linear_row
from siting.model.data import ModelData


@dataclass(frozen=True)
class CoverageVariables:
    """Global column indices of each variable block."""

    x: np.ndarray  # options
    y: np.ndarray  # host slots
    z: np.ndarray  # coverable demand pairs


def add_variables(model: Model, data: ModelData, integer_coverage: bool = False) -> CoverageVariables:
    """x (options) and y (host slots) binary; z (coverage) continuous in [0, 1], or binary for solvers that
    take integer variables only (the optimum is the same: z = min(1, Σ y) is integral)."""
    return CoverageVariables(
        x=model.add_variables("x", len(data.option_row), integer=True),
        y=model.add_variables("y", len(data.host_building), integer=True),
        z=model.add_variables("z", len(data.pair_community), integer=integer_coverage),
    )


def _per_building_rows(buildings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique buildings and, for each entry, its row number among them."""
    unique, rows = np.unique(buildings, return_inverse=True)
    return unique, rows.astype(np.int64)


def one_mode_per_building(data: ModelData, v: CoverageVariables) -> ConstraintBlock:
    """(1) Σ_{o∈O(b)} x_o ≤ 1 for every building with options."""
    unique, rows = _per_building_rows(data.option_building)
    return ConstraintBlock("(1) one mode per building", rows, v.x, np.ones(len(v.x)),
                           np.full(len(unique), -np.inf), np.ones(len(unique)))


def host_only_if_acquired(data: ModelData, v: CoverageVariables) -> ConstraintBlock:
    """(2) y_{bs} − Σ_{o∈O(b)} x_o ≤ 0 for every host slot."""
    n_hosts = len(data.host_building)
    # Pair every host slot with every option of its building through a sort on building.
    order = np.argsort(data.option_building, kind="stable")
    sorted_b = data.option_building[order]
    start = np.searchsorted(sorted_b, data.host_building, side="left")
    count = np.searchsorted(sorted_b, data.host_building, side="right") - start
    host_rep = np.repeat(np.arange(n_hosts), count)
    within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    opt = order[np.repeat(start, count) + within]
    rows = np.concatenate([np.arange(n_hosts), host_rep])
    cols = np.concatenate([v.y, v.x[opt]])
    vals = np.concatenate([np.ones(n_hosts), -np.ones(len(opt))])
    return ConstraintBlock("(2) host only if acquired", rows, cols, vals,
                           np.full(n_hosts, -np.inf), np.zeros(n_hosts))


def floor_area(data: ModelData, v: CoverageVariables) -> ConstraintBlock | None:
    """(3) Σ_s a_s y_{bs} − Σ_{o∈O(b)} A_o x_o ≤ 0 for every building with host slots."""
    unique, host_rows = _per_building_rows(data.host_building)
    if not len(unique):
        return None
    option_rows = np.searchsorted(unique, data.option_building)
    has = (option_rows < len(unique)) & (unique[np.minimum(option_rows, len(unique) - 1)] == data.option_building)
    rows = np.concatenate([host_rows, option_rows[has]])
    cols = np.concatenate([v.y, v.x[has]])
    vals = np.concatenate([data.min_area[data.host_service], -data.area[has]])
    return ConstraintBlock("(3) floor area", rows, cols, vals, np.full(len(unique), -np.inf), np.zeros(len(unique)))


def coverage_link(data: ModelData, v: CoverageVariables) -> ConstraintBlock:
    """(4) z_p − Σ_{h∈R(p)} y_h ≤ 0 for every coverable pair."""
    n_pairs = len(data.pair_community)
    rows = np.concatenate([np.arange(n_pairs), data.arc_pair])
    cols = np.concatenate([v.z, v.y[data.arc_host]])
    vals = np.concatenate([np.ones(n_pairs), -np.ones(len(data.arc_pair))])
    return ConstraintBlock("(4) coverage", rows, cols, vals, np.full(n_pairs, -np.inf), np.zeros(n_pairs))


def capex_budget(data: ModelData, v: CoverageVariables) -> ConstraintBlock:
    """(5) Σ_o c_o x_o ≤ B_c."""
    return linear_row("(5) one-off budget", v.x, data.capex, upper=data.budget_capex)


def annual_budget(data: ModelData, v: CoverageVariables) -> ConstraintBlock | None:
    """(6) Σ_o f_o x_o ≤ B_f, when a yearly budget is given."""
    if data.budget_annual is None:
        return None
    return linear_row("(6) yearly budget", v.x, data.annual, upper=data.budget_annual)


def required_share(data: ModelData, v: CoverageVariables) -> ConstraintBlock:
    """(7) Σ_{p of s} d_p z_p ≥ σ_s D_s for each service with a required share."""
    need = data.min_share * data.total_demand
    services = np.flatnonzero(data.min_share > 0)
    row_of = np.full(len(data.services), -1)
    row_of[services] = np.arange(len(services))
    mask = row_of[data.pair_service] >= 0
    return ConstraintBlock("(7) required share", row_of[data.pair_service[mask]], v.z[mask],
                           data.pair_demand[mask], need[services], np.full(len(services), np.inf))


def coverage_value(data: ModelData, v: CoverageVariables, n_cols: int) -> np.ndarray:
    """Objective vector of stage 1: Σ_p w_s d_p z_p."""
    c = np.zeros(n_cols)
    c[v.z] = data.weight[data.pair_service] * data.pair_demand
    return c


def cost_value(data: ModelData, v: CoverageVariables, n_cols: int) -> np.ndarray:
    """Objective vector of stage 2: Σ_o n_o x_o (net present cost, 元)."""
    c = np.zeros(n_cols)
    c[v.x] = data.npv
    return c


def keep_coverage(coverage: np.ndarray, floor: float) -> ConstraintBlock:
    """(8) Σ_p w_s d_p z_p ≥ F* − τ (the stage-1 optimum, kept while stage 2 lowers the cost)."""
    cols = np.flatnonzero(coverage)
    tolerance = max(1e-6, 1e-9 * abs(floor))
    return linear_row("(8) keep stage-1 coverage", cols, coverage[cols], lower=floor - tolerance)


CONSTRAINTS = (one_mode_per_building, host_only_if_acquired, floor_area, coverage_link, capex_budget,
               annual_budget, required_share)


def build(data: ModelData, integer_coverage: bool = False) -> tuple[Model, CoverageVariables]:
    """Variables and constraints (1)–(7)."""
    model = Model()
    variables = add_variables(model, data, integer_coverage)
    for family in CONSTRAINTS:
        model.add(family(data, variables))
    return model, variables
