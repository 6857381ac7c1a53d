"""The problem every solver backend takes: a mixed-integer linear programme made of numpy/scipy arrays."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse


def _float_vector(value: object, name: str, length: int | None) -> np.ndarray:
    """Return ``value`` as a read-only 1-D float64 array of ``length``, or raise ValueError naming it."""
    array = np.array(value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"MilpProblem.{name} must be 1-D, got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"MilpProblem.{name} has length {array.shape[0]}, expected {length}")
    if np.isnan(array).any():
        raise ValueError(f"MilpProblem.{name} contains NaN")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class MilpProblem:
    """A mixed-integer linear programme ``min/max c @ x + offset`` s.t. row and column bounds.

    Rows are ``row_lower <= A @ x <= row_upper`` and columns ``col_lower <= x <= col_upper``;
    infinite entries mean "no bound". Arrays are copied to float64 (``integrality`` to bool) and
    made read-only, and ``A`` to a CSR array, so a problem cannot change after it was validated.
    Inconsistent bounds (lower > upper) are allowed: they make the problem infeasible, which is
    the solver's to report.

    Raises:
        ValueError: if a shape does not match, a value is NaN, or a bound is infinite on the wrong
            side (a lower bound of +inf or an upper bound of -inf).
    """

    c: np.ndarray
    A: scipy.sparse.csr_array | scipy.sparse.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    maximize: bool = False
    offset: float = 0.0

    def __post_init__(self) -> None:
        c = _float_vector(self.c, "c", None)
        n = c.shape[0]
        if n == 0:
            raise ValueError("MilpProblem needs at least one variable (c is empty)")
        if not scipy.sparse.issparse(self.A):
            raise ValueError(f"MilpProblem.A must be a scipy.sparse matrix, got {type(self.A).__name__}")
        if self.A.ndim != 2 or self.A.shape[1] != n:
            raise ValueError(f"MilpProblem.A has shape {self.A.shape}, expected (m, {n}) to match c")
        A = scipy.sparse.csr_array(self.A, dtype=np.float64)
        A.sum_duplicates()
        if np.isnan(A.data).any() or np.isinf(A.data).any():
            raise ValueError("MilpProblem.A contains NaN or infinite coefficients")
        m = A.shape[0]
        integrality = np.array(self.integrality)
        if integrality.shape != (n,) or not np.isin(integrality, (0, 1)).all():
            raise ValueError(
                f"MilpProblem.integrality must be a bool (or 0/1) array of shape ({n},), "
                f"got {integrality.dtype} {integrality.shape}"
            )
        integrality = integrality.astype(np.bool_)
        integrality.flags.writeable = False
        fields = {
            "c": c,
            "A": A,
            "integrality": integrality,
            "row_lower": _float_vector(self.row_lower, "row_lower", m),
            "row_upper": _float_vector(self.row_upper, "row_upper", m),
            "col_lower": _float_vector(self.col_lower, "col_lower", n),
            "col_upper": _float_vector(self.col_upper, "col_upper", n),
        }
        for name in ("row_lower", "col_lower"):
            if np.isposinf(fields[name]).any():
                raise ValueError(f"MilpProblem.{name} contains +inf (a lower bound must be finite or -inf)")
        for name in ("row_upper", "col_upper"):
            if np.isneginf(fields[name]).any():
                raise ValueError(f"MilpProblem.{name} contains -inf (an upper bound must be finite or +inf)")
        if not np.isfinite(self.offset):
            raise ValueError(f"MilpProblem.offset must be finite, got {self.offset}")
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "maximize", bool(self.maximize))
        object.__setattr__(self, "offset", float(self.offset))

    @property
    def num_cols(self) -> int:
        """Number of variables (columns)."""
        return int(self.c.shape[0])

    @property
    def num_rows(self) -> int:
        """Number of constraints (rows)."""
        return int(self.A.shape[0])

    @property
    def is_mip(self) -> bool:
        """True when at least one variable is integer; otherwise the problem is an LP."""
        return bool(self.integrality.any())

    def objective_value(self, x: np.ndarray) -> float:
        """The objective at ``x``, offset included, in the problem's own sense."""
        return float(self.c @ x) + self.offset

    def inconsistent_bounds(self) -> str | None:
        """Name the first row or column whose lower bound exceeds its upper bound, or None.

        Such a problem is infeasible before any solver looks at it.
        """
        for kind, lower, upper in (("column", self.col_lower, self.col_upper), ("row", self.row_lower, self.row_upper)):
            crossed = np.flatnonzero(lower > upper)
            if crossed.size:
                i = int(crossed[0])
                return f"{kind} {i} has lower bound {lower[i]:g} > upper bound {upper[i]:g}"
        return None

    def with_zero_objective(self) -> MilpProblem:
        """The same constraints with nothing to optimise: solving it answers "is there any plan?"."""
        return dataclasses.replace(self, c=np.zeros(self.num_cols), maximize=False, offset=0.0)

    def max_violation(self, x: np.ndarray) -> float:
        """Largest violation at ``x`` of a row bound, column bound or integrality.

        Bound violations are relative to ``1 + |bound|``. Lets a backend check a plan its solver did not
        vouch for (an interrupted LP, a model the solver approximated).
        """
        integer = np.abs(x - np.round(x))[self.integrality]
        return float(
            max(
                np.max(_excess(self.A @ x, self.row_lower, self.row_upper), initial=0.0),
                np.max(_excess(x, self.col_lower, self.col_upper), initial=0.0),
                np.max(integer, initial=0.0),
            )
        )


def _excess(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Per entry, how far ``value`` lies outside [lower, upper] relative to ``1 + |violated bound|``.

    An infinite bound gives 0/inf = 0, so no special cases are needed.
    """
    below = np.maximum(lower - value, 0.0) / (1.0 + np.abs(lower))
    above = np.maximum(value - upper, 0.0) / (1.0 + np.abs(upper))
    return np.maximum(below, above)
