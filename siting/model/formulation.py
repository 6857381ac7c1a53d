r"""The planning model: which buildings, which mode, which services, who is served.

Sets
    b ∈ B buildings (candidate buildings, then existing facilities); o ∈ O(b) acquisition options of b (one per
    mode; an existing facility has one keep-open option); s ∈ S services; h = (b, s) ∈ H host slots;
    p = (i, s) ∈ P coverable demand pairs (community i, demand d_p > 0, some slot within reach);
    e = (p, h) ∈ E reach arcs (slot h within s's walking radius of i, distance ℓ_e, credit κ_e ∈ [0, 1]);
    g ∈ G districts, P(g, s) the pairs of district g and service s; k ∈ K assets.

Data
    c_o one-off cost, f_o yearly cost, A_o floor area, C_o capacity (units), n_o = c_o + f_o·AF net present
    cost; a_s minimum area, u_s area per demand unit, w_s weight, σ_s required share; D_s, D_{g,s} total
    demand; B_c, B_f budgets, F_0 yearly cost of the existing facilities; Q_h fixed capacity of an existing slot.

Variables
    x_o ∈ {0,1} option taken;  y_h ∈ {0,1} slot hosts its service;
    cover form:  z_p ∈ [0,1] pair covered (no capacities, no distance decay, no distance objective);
    assign form: v_e ∈ [0,1] share of pair p's demand served through arc e ({0,1} when single-source);
    q_h ≥ 0 floor area given to slot h (area-based capacities);  c_b ∈ {0,1} building b is a complex;
    r_o ∈ [0,1] option o is a complex's option (capex share);  t ∈ [0,1] smallest district share.
    Covered fraction of p: cov_p = z_p (cover form) or Σ_{e∈p} v_e (assign form).

Constraints (numbers are used in the code and in the model's row names)
    (1)  Σ_{o∈O(b)} x_o ≤ 1                                            one mode per building
    (2)  y_h ≤ Σ_{o∈O(b)} x_o;  existing slots: y_h = x_{o(b)}          host only what is acquired / kept
    (3)  Σ_s a_s y_{bs} ≤ Σ_o A_o x_o        or, with area capacities,    floor area
         Σ_s q_{bs} ≤ Σ_o A_o x_o,  a_s y_h ≤ q_h ≤ Ā_b y_h (Ā_b the largest option area of b)
    (4)  z_p ≤ Σ_{h∈R(p)} y_h;  or  Σ_{e∈p} v_e ≤ 1 (= 1 with full assignment),  v_e ≤ y_{h(e)}   coverage
    (5)  Σ_o c_o x_o ≤ B_c                                             one-off budget
    (6)  Σ_o f_o x_o ≤ B_f + F_0                                       yearly budget (closing frees f)
    (7)  Σ_{p of s} d_p cov_p ≥ σ_s D_s                                required share (target share for min_cost)
    (8)  objective_k ≥ F_k* − τ (or ≤ F_k* + τ)                        keep earlier lexicographic optima
    (9)  Σ_{e∈h} d_p v_e ≤ q_h / u_s;  ≤ Q_h y_h (existing);  Σ_{e at b} d_p v_e ≤ Σ_o C_o x_o   capacity
    (10) p_min ≤ Σ_{o new} x_o ≤ p_max;  Σ_{o of mode m} x_o ≤ p_m       facility counts
    (11) Σ_{o∈O(b)} x_o = 1 (must choose);  x_o = 0 (must not)           policy
    (12) Σ_{p∈P(g,s)} d_p cov_p ≥ σ^g_s D_{g,s}                          minimum share in every district
    (13) Σ_{p∈P(g,s)} cov_p ≥ 1                                        district g must have service s
    (14) Σ_{o trades k} x_o ≤ 1;  x_o + x_{o(e)} ≤ 1 for facility e housed in asset k;    swap asset pool
         Σ_{o trades k} x_o + x_{o(e)} ≥ 1 for a facility e that cannot close (it closes only if traded)
    (15) c_b ≤ Σ_o x_o,  A^c c_b ≤ Σ_o A_o x_o,  m c_b ≤ Σ_s y_{bs},  m^core c_b ≤ Σ_{s core} y_{bs},
         Σ_b c_b ≥ N^c,  r_o ≤ x_o,  r_o ≤ c_{b(o)},  Σ_o c_o r_o ≥ φ Σ_o c_o x_o             complexes
    (16) Σ_{p∈P(g,s)} d_p cov_p − t D_{g,s} ≥ 0                         t = smallest district share

Objectives (siting.model.objectives), solved lexicographically in the scenario's order, each later one with
(8) keeping the earlier optima (τ = max(1e-6, 1e-9·|F*|)); the default is max_coverage then min_cost:
    max_coverage   Σ_p w_s d_p κ·cov_p (+ bonus Σ_b c_b)   (κ = 1 without distance decay)
    min_cost       Σ_o n_o x_o (+ λ Σ_e d_p ℓ_e v_e with a travel cost λ)
    min_distance   Σ_e d_p ℓ_e v_e                          (p-median with a facility count or budget)
    max_min_share  t
A single scaled objective would need a weight below the smallest gap between two coverage values, which
continuous demands do not bound; lexicographic solves need no such proof. Each later stage starts from the
previous plan, which is feasible for it.

z needs no integrality: (4) and z ≤ 1 make z_p = min(1, Σ y) at a coverage optimum, and the evaluator
recomputes coverage from the plan, never from z. Partial coverage of a community happens only with
capacities (assign form): cov_p < 1 when nearby capacity runs out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.model import constraints
from siting.model.builder import Model
from siting.model.data import ModelData
from siting.model.spec import ModelSpec


@dataclass(frozen=True)
class Variables:
    """Global column indices of each variable block (empty arrays for blocks not in the model)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    v: np.ndarray
    q: np.ndarray
    c: np.ndarray
    c_building: np.ndarray  # building of each complex variable
    r: np.ndarray
    r_option: np.ndarray  # option of each r variable
    t: np.ndarray
    assign: bool


def uses_assignment(data: ModelData, spec: ModelSpec) -> bool:
    """Assign form when the rules need per-arc shares: capacities, decay, distances."""
    return spec.assignment or bool((data.arc_credit < 1).any())


def area_capacity(data: ModelData, spec: ModelSpec) -> np.ndarray:
    """Mask of slots whose capacity comes from floor area (area per unit given, not an existing facility)."""
    if not spec.capacitated:
        return np.zeros(len(data.host_building), bool)
    return np.isfinite(data.area_per_unit[data.host_service]) & ~data.host_existing


def complex_candidates(data: ModelData, spec: ModelSpec) -> np.ndarray:
    """Buildings that could become complexes: large enough, enough slots and core slots."""
    rule = spec.complex
    if rule is None:
        return np.zeros(0, np.int64)
    n = data.n_buildings
    max_area = np.zeros(n)
    np.maximum.at(max_area, data.option_building, np.where(data.option_existing, 0.0, data.area))
    slots = np.bincount(data.host_building, minlength=n)
    core = np.bincount(data.host_building, weights=rule.core[data.host_service].astype(float), minlength=n)
    return np.flatnonzero((max_area >= rule.min_area) & (slots >= rule.min_services) & (core >= rule.min_core))


def add_variables(model: Model, data: ModelData, spec: ModelSpec, integer_only: bool = False) -> Variables:
    """All variable blocks the spec needs; binaries for x, y, c (and z or v when a solver needs integers)."""
    assign = uses_assignment(data, spec)
    forced_lower = data.option_forced.astype(float)
    x = model.add_variables("x", len(data.option_row), lower=forced_lower, integer=True)
    y = model.add_variables("y", len(data.host_building), integer=True)
    z = model.add_variables("z", 0 if assign else len(data.pair_community), integer=integer_only)
    v = model.add_variables("v", len(data.arc_pair) if assign else 0, integer=spec.single_source or integer_only)
    q = model.add_variables("q", int(area_capacity(data, spec).sum()), upper=np.inf)
    candidates = complex_candidates(data, spec)
    c = model.add_variables("c", len(candidates), integer=True)
    need_r = spec.complex is not None and spec.complex.min_capex_share > 0
    r_option = np.flatnonzero(np.isin(data.option_building, candidates)) if need_r else np.zeros(0, np.int64)
    r = model.add_variables("r", len(r_option))
    t = model.add_variables("t", 1 if "max_min_share" in spec.objectives else 0)
    return Variables(x, y, z, v, q, c, candidates, r, r_option, t, assign)


def covered(data: ModelData, v: Variables, n_cols: int, credit: bool = False) -> sp.csr_matrix:
    """(P × n_cols) matrix M with (M x)_p = cov_p, the covered fraction of pair p (credit-weighted if asked)."""
    n_pairs = len(data.pair_community)
    if not v.assign:
        return sp.csr_matrix((np.ones(n_pairs), (np.arange(n_pairs), v.z)), shape=(n_pairs, n_cols))
    values = data.arc_credit if credit else np.ones(len(v.v))
    return sp.csr_matrix((values, (data.arc_pair, v.v)), shape=(n_pairs, n_cols))


def build(data: ModelData, spec: ModelSpec, integer_only: bool = False) -> tuple[Model, Variables]:
    """Variables and constraint families (1)–(7) and (9)–(16); (8) is added per lexicographic stage."""
    model = Model()
    variables = add_variables(model, data, spec, integer_only)
    for family in constraints.FAMILIES:
        model.add(family(data, spec, variables, model.n_cols))
    return model, variables
