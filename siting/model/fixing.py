r"""Reduced-cost fixing for the later lexicographic stages: exact, from one LP of the earlier stage.

Every later stage keeps the earlier optimum with (8): c·x ≥ F* − τ. For any row multipliers y, the Lagrangian
bound of the earlier stage's relaxation

    L(y) = Σ_r g_r(y_r) + Σ_j max(d_j l_j, d_j u_j),   d = c − Aᵀy,   g_r = y_r·ū_r (y_r > 0), y_r·l̄_r (y_r < 0)

is an upper bound on c·x over every point within the rows and column bounds (c·x = d·x + y·Ax, and each term
is at most its maximum over its box); a multiplier whose row bound is infinite on the side it needs is set to 0.
If an integer column j leaves the bound b_j at which its term is largest, c·x falls by at least |d_j|, so
when L − |d_j| < F* − τ no plan that keeps the earlier optimum can move it: x_j is fixed at b_j in every later
stage. The multipliers are the LP duals of the earlier stage, tried with both signs (either gives a valid bound;
the sign conventions of solvers differ). With an LP bound close to the optimum (coverage models: within 0.1 %)
most acquisition columns are fixed, and the min-cost stage shrinks to the few buildings that matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.solvers import MilpProblem

#: Safety margin, relative to max(1, |L|), before a column is fixed.
MARGIN = 1e-7


@dataclass(frozen=True)
class Fixing:
    """Columns fixed for the later stages and the bound that justified it."""

    columns: np.ndarray
    values: np.ndarray
    bound: float


def lagrangian(problem: MilpProblem, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L(y) and the reduced costs d for a maximisation problem (see the module docstring)."""
    y = np.where((y > 0) & ~np.isfinite(problem.row_upper), 0.0, y)
    y = np.where((y < 0) & ~np.isfinite(problem.row_lower), 0.0, y)
    rows = np.where(y > 0, y * np.where(np.isfinite(problem.row_upper), problem.row_upper, 0.0), 0.0)
    rows += np.where(y < 0, y * np.where(np.isfinite(problem.row_lower), problem.row_lower, 0.0), 0.0)
    d = problem.c - problem.A.T @ y
    low, high = d * problem.col_lower, d * problem.col_upper
    with np.errstate(invalid="ignore"):
        best = np.where(d > 0, high, np.where(d < 0, low, 0.0))
    return float(rows.sum() + best.sum()), d


def fix_for_later_stages(problem: MilpProblem, duals: np.ndarray, threshold: float) -> Fixing | None:
    """Integer columns that no plan with c·x ≥ threshold can move, for the maximisation `problem`.

    Args:
        problem: the earlier stage (maximisation; a minimisation is passed negated by the caller).
        duals: row duals of its LP relaxation.
        threshold: F* − τ, the least value a later stage may keep.

    Returns:
        The fixing, or None when no finite bound is available.
    """
    candidates = []
    for sign in (1.0, -1.0):
        bound, d = lagrangian(problem, sign * duals)
        if np.isfinite(bound):
            candidates.append((bound, d))
    if not candidates:
        return None
    bound, d = min(candidates, key=lambda item: item[0])
    span = problem.col_upper - problem.col_lower
    at_upper = d > 0
    loss = np.abs(d) * np.minimum(span, 1.0)
    margin = MARGIN * max(1.0, abs(bound))
    fixed = problem.integrality & np.isfinite(span) & (bound - loss < threshold - margin) & (d != 0)
    columns = np.flatnonzero(fixed)
    values = np.where(at_upper[columns], problem.col_upper[columns], problem.col_lower[columns])
    return Fixing(columns, values, bound)
