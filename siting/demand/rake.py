"""Raking (iterative proportional fitting) of community estimates to known area totals.

Given non-negative estimates x_i and margins m = 1..M, each assigning row i to a category k = c_m(i)
(or to none, c_m(i) = -1) with a target total T_mk, one sweep applies, for m = 1..M in turn:

    (1)  x_i <- x_i · T_mk / S_mk   for every row i with c_m(i) = k,   where S_mk = Σ_{j: c_m(j) = k} x_j.

Categories with S_mk = 0 and T_mk = 0 are left as they are; S_mk = 0 with T_mk > 0 cannot be reached by
scaling and raises `RakeError`. Sweeps repeat until every margin holds:

    (2)  |S_mk - T_mk| <= tol · max(1, T_mk)   for all m, k,

or until `max_iter` sweeps. With one margin a single sweep is exact. Factors are non-negative, so the result
stays non-negative, and rows outside every margin are unchanged. With several margins IPF converges when
the margins are consistent (equal grand totals over the rows they share); otherwise `converged` is False.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class RakeError(ValueError):
    """A margin cannot be met by scaling (its category's estimates sum to 0 but its total is positive).

    Attributes:
        margin: position of the margin in the list.
        category: index of the category in that margin (None when the problem is not one category's).
    """

    def __init__(self, message: str, margin: int, category: int | None = None):
        super().__init__(message)
        self.margin, self.category = margin, category


@dataclass(frozen=True)
class RakeResult:
    """Outcome of `rake`.

    Attributes:
        values: raked values, same shape as the estimates.
        iterations: sweeps done (1 sweep = every margin applied once).
        max_abs_deviation: largest |category sum - target| over all margins after raking.
        raw_deviations: per margin, (raw category sum - target) per category, before raking.
        converged: True when every margin holds to the tolerance (2).
    """

    values: np.ndarray
    iterations: int
    max_abs_deviation: float
    raw_deviations: tuple[np.ndarray, ...]
    converged: bool


def _sums(values: np.ndarray, index: np.ndarray, n_cat: int) -> np.ndarray:
    inside = index >= 0
    return np.bincount(index[inside], weights=values[inside], minlength=n_cat)


def _checked(
    estimates: np.ndarray, margins: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[np.ndarray, np.ndarray]]:
    x = np.asarray(estimates, dtype=float)
    if x.ndim != 1:
        raise ValueError("estimates must be a 1-d array")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("estimates must be finite and non-negative")
    out = []
    for m, (index, target) in enumerate(margins):
        index = np.asarray(index, dtype=np.int64)
        target = np.asarray(target, dtype=float)
        if index.shape != x.shape:
            raise RakeError(f"margin {m}: category index has {index.size} rows, estimates have {x.size}", m)
        if index.size and (index.min() < -1 or index.max() >= target.size):
            raise RakeError(f"margin {m}: category index outside 0..{target.size - 1} (or -1 for none)", m)
        if not np.all(np.isfinite(target)) or np.any(target < 0):
            raise RakeError(f"margin {m}: targets must be finite and non-negative", m)
        out.append((index, target))
    return out


def rake(
    estimates: np.ndarray, margins: Sequence[tuple[np.ndarray, np.ndarray]], *, tol: float = 1e-12, max_iter: int = 1000
) -> RakeResult:
    """Scale non-negative estimates so their sums per category match each margin's targets (IPF).

    Args:
        estimates: non-negative values, one per row.
        margins: per margin, (category index per row, -1 = row not in this margin; target total per category).
        tol: relative tolerance of (2) in the module docstring.
        max_iter: most sweeps.

    Returns:
        RakeResult; `converged` is False when the margins could not all be met within `max_iter` sweeps.

    Raises:
        RakeError: a category with a positive target has estimates summing to zero (also raised
            mid-way when another margin's zero target emptied it), or a margin is malformed.
        ValueError: estimates negative or not finite.
    """
    margins = _checked(estimates, margins)
    x = np.array(estimates, dtype=float)
    raw = tuple(_sums(x, index, target.size) - target for index, target in margins)
    iterations, deviation = 0, 0.0
    for iterations in range(1, max_iter + 1):
        for m, (index, target) in enumerate(margins):
            sums = _sums(x, index, target.size)
            empty = (sums <= 0) & (target > 0)
            if empty.any():
                k = int(np.flatnonzero(empty)[0])
                raise RakeError(
                    f"margin {m}: category {k} has estimates summing to 0 but a total of {target[k]:g}", m, k
                )
            factor = np.divide(target, sums, out=np.ones_like(target), where=sums > 0)
            inside = index >= 0
            x[inside] *= factor[index[inside]]
        gaps = [np.abs(_sums(x, index, target.size) - target) for index, target in margins]
        deviation = max((float(g.max()) for g in gaps if g.size), default=0.0)
        if all(np.all(g <= tol * np.maximum(1.0, t)) for g, (_, t) in zip(gaps, margins, strict=True)):
            return RakeResult(x, iterations, deviation, raw, True)
    return RakeResult(x, iterations, deviation, raw, False)
