"""The model's variable blocks (x, y, z, v, q, c, r, t, w of siting.model.formulation) and their helpers.

Kept apart from the constraint families so that constraints, objectives and decoding all read the same
column indices without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

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
    w: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # reach per pair (assign form, targets)


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


def add_variables(
    model: Model,
    data: ModelData,
    spec: ModelSpec,
    integer_only: bool = False,
    *,
    suffix: str = "",
    plan: Variables | None = None,
) -> Variables:
    """All variable blocks the spec needs; binaries for x, y, c (and z or v when a solver needs integers).

    Args:
        suffix: appended to the block names, for a model holding several copies (years: "@2027").
        plan: take the plan's columns (x, y, c, r) from these variables and add only those that follow the
            demand (z, v, q, t, w): another demand variant of the same plan.
    """
    assign = uses_assignment(data, spec)

    def add(name: str, n: int, **kwargs) -> np.ndarray:
        return model.add_variables(name + suffix, n, **kwargs)

    # the order of the blocks is the column order: x, y, z, v, q, c, r, t, w (a plan's own blocks skipped)
    x = plan.x if plan else add("x", len(data.option_row), lower=data.option_forced.astype(float), integer=True)
    y = plan.y if plan else add("y", len(data.host_building), integer=True)
    z = add("z", 0 if assign else len(data.pair_community), integer=integer_only)
    v = add("v", len(data.arc_pair) if assign else 0, integer=spec.single_source or integer_only)
    # q_h ≤ Ā_b, the largest option area (implied by (3); explicit so that every column is bounded). The area a
    # service is given follows the demand served, so a demand variant has its own.
    max_area = np.zeros(data.n_buildings)
    np.maximum.at(max_area, data.option_building, np.where(data.option_existing, 0.0, data.area))
    q = add("q", int(area_capacity(data, spec).sum()), upper=max_area[data.host_building[area_capacity(data, spec)]])
    if plan:
        c, candidates, r, r_option = plan.c, plan.c_building, plan.r, plan.r_option
    else:
        candidates = complex_candidates(data, spec)
        c = add("c", len(candidates), integer=True)
        need_r = spec.complex is not None and spec.complex.min_capex_share > 0
        r_option = np.flatnonzero(np.isin(data.option_building, candidates)) if need_r else np.zeros(0, np.int64)
        r = add("r", len(r_option))
    t = add("t", 1 if "max_min_share" in spec.objectives else 0)
    targets = assign and spec.required_share is not None
    w = add("w", len(data.pair_community) if targets else 0, integer=integer_only)
    return Variables(x, y, z, v, q, c, candidates, r, r_option, t, assign, w)


def covered(data: ModelData, v: Variables, n_cols: int, credit: bool = False) -> sp.csr_matrix:
    """(P × n_cols) matrix M with (M x)_p = cov_p, the covered fraction of pair p (credit-weighted if asked)."""
    n_pairs = len(data.pair_community)
    if not v.assign:
        return sp.csr_matrix((np.ones(n_pairs), (np.arange(n_pairs), v.z)), shape=(n_pairs, n_cols))
    values = data.arc_credit if credit else np.ones(len(v.v))
    return sp.csr_matrix((values, (data.arc_pair, v.v)), shape=(n_pairs, n_cols))


def reached(data: ModelData, v: Variables, n_cols: int) -> sp.csr_matrix:
    """(P × n_cols) matrix M with (M x)_p = ρ_p, pair p within reach of an open slot: z_p, or w_p (assign form)."""
    n_pairs = len(data.pair_community)
    cols = v.w if v.assign else v.z
    return sp.csr_matrix((np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(n_pairs, n_cols))
