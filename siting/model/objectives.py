"""Objective vectors of the formulation (see siting.model.formulation) and their senses."""

from __future__ import annotations

import numpy as np

from siting.model.builder import ConstraintBlock, linear_row
from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, covered

MAXIMIZE = {
    "max_coverage": True,
    "min_cost": False,
    "min_capex": False,
    "min_annual": False,
    "min_distance": False,
    "max_min_share": True,
    "expected_coverage": True,
}
LABELS = {
    "max_coverage": ("加权覆盖需求", "priority-weighted covered demand"),
    "min_cost": ("净现值成本 (元)", "net present cost (元)"),
    "min_capex": ("一次性投入 (元)", "one-off cost (元)"),
    "min_annual": ("年度费用 (元/年，含保留的现有设施)", "yearly cost (元/year, existing facilities kept included)"),
    "min_distance": ("需求加权步行距离 (单位·米)", "demand-weighted walking distance (unit·m)"),
    "max_min_share": ("最低街道覆盖率", "smallest district covered share"),
    "expected_coverage": ("各需求情景加权平均覆盖", "coverage averaged over the demand variants"),
}
#: Stages the program adds after an objective: a robust max-min or min-regret plan then covers as much as it can
#: on average over the variants (else the variants that are not the worst could give up coverage for nothing).
TIE_BREAKS = ("expected_coverage",)


def coverage_vector(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> np.ndarray:
    """Σ_p ω_s d_p κ cov_p (+ complex bonus Σ_b c_b), ω_s the value of one covered unit of s.

    ω_s = w_s on the units basis, w_s / ρ_s on the persons basis (ρ_s demand units per person of the group),
    100 w_s / D_s on the share basis (weighted percentage points of the service's own demand).
    """
    unit_value = data.weight if spec.coverage_weight is None else spec.coverage_weight
    weights = unit_value[data.pair_service] * data.pair_demand
    c = np.asarray(covered(data, v, n_cols, credit=True).T @ weights).ravel()
    if spec.complex is not None and spec.complex.bonus:
        c[v.c] += spec.complex.bonus
    return c


def walking_vector(data: ModelData, v: Variables, n_cols: int) -> np.ndarray:
    """Σ_e d_p ℓ_e v_e (assign form only)."""
    c = np.zeros(n_cols)
    c[v.v] = data.pair_demand[data.arc_pair] * data.arc_distance
    return c


def cost_vector(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> np.ndarray:
    """Σ_o n_o x_o (+ λ Σ_e d_p ℓ_e v_e)."""
    c = np.zeros(n_cols)
    c[v.x] = data.npv
    if spec.distance_cost and v.assign:
        c += spec.distance_cost * walking_vector(data, v, n_cols)
    return c


def objective_vector(name: str, data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> np.ndarray:
    """The vector of objective `name`; its sense is MAXIMIZE[name]."""
    if name == "max_coverage":
        return coverage_vector(data, spec, v, n_cols)
    if name == "min_cost":
        return cost_vector(data, spec, v, n_cols)
    if name in ("min_capex", "min_annual"):
        c = np.zeros(n_cols)
        c[v.x] = data.capex if name == "min_capex" else data.annual
        return c
    if name == "min_distance":
        if not v.assign:
            raise ValueError("min_distance needs the assignment form")
        return walking_vector(data, v, n_cols)
    if name == "max_min_share":
        c = np.zeros(n_cols)
        c[v.t] = 1.0
        return c
    raise ValueError(f"unknown objective {name!r}")


#: Relative slack τ of (8) between MILP stages; see kept_slack.
MILP_SLACK = 1e-6


def kept_slack(vector: np.ndarray, value: float, relative: float = MILP_SLACK) -> float:
    """τ of (8): relative · max(1, |F*|, ‖c‖∞).

    Between MILP stages the relative slack is 1e-6: far above the solvers' own feasibility tolerances (≈1e-6
    on rows whose coefficients are demands times weights), far below any difference an officer could see. A
    slack of 1e-9 relative let HiGHS's presolve cut off the true optimum of a min-cost stage and "prove" a plan
    62 % dearer (../shared/cases/min-cost-tolerance). Earlier optima are therefore kept to within 1e-6 of
    their value, which the report states.
    """
    return relative * max(1.0, abs(value), float(np.abs(vector).max(initial=0.0)))


def keep_optimum(
    label: str, vector: np.ndarray, value: float, maximize: bool, relative: float = MILP_SLACK
) -> ConstraintBlock:
    """(8) keep an earlier stage's optimum F*: c·x ≥ F* − τ when maximising, c·x ≤ F* + τ when minimising."""
    cols = np.flatnonzero(vector)
    slack = kept_slack(vector, value, relative)
    bounds = {"lower": value - slack} if maximize else {"upper": value + slack}
    return linear_row(f"(8) keep {label}", cols, vector[cols], **bounds)
