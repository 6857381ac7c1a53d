"""Assemble a MILP from named variable blocks and constraint blocks given as coordinate arrays.

Each constraint family returns a ConstraintBlock (rows, cols, vals with block-local row numbers and bounds);
`Model.problem()` stacks them into one sparse matrix. No Python loop touches a coefficient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siting.solvers import MilpProblem


@dataclass(frozen=True)
class ConstraintBlock:
    """lower ≤ A x ≤ upper for one family of constraints.

    Attributes:
        name: family name, e.g. "(1) one option per building".
        rows: block-local row index of each nonzero.
        cols: global column index of each nonzero.
        vals: coefficient of each nonzero.
        lower: (m,) lower bounds (-inf for ≤ rows).
        upper: (m,) upper bounds (+inf for ≥ rows).
        labels: optional row labels (for explanations), one per row.
        totals: optional per-row totals that turn a row's value into a share (for explanations).
        relaxable: a requirement the user sets (budget, share, count) that an infeasibility explanation may
            relax; the model's structural rules (one mode per building, area, links) are not.
        offsets: optional per-row part of a bound that is not the user's own figure (a budget row adds the
            existing facilities' costs), taken off the bound when an explanation shows it.
    """

    name: str
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    labels: tuple[str, ...] = ()
    totals: tuple[float, ...] = ()
    relaxable: bool = False
    offsets: tuple[float, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of constraints in the block."""
        return len(self.lower)


@dataclass
class Model:
    """Variables by block name, constraint blocks, and an objective."""

    blocks: dict[str, np.ndarray] = field(default_factory=dict)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    integer: list[np.ndarray] = field(default_factory=list)
    constraints: list[ConstraintBlock] = field(default_factory=list)
    n_cols: int = 0

    def add_variables(
        self,
        name: str,
        n: int,
        *,
        lower: float | np.ndarray = 0.0,
        upper: float | np.ndarray = 1.0,
        integer: bool = False,
    ) -> np.ndarray:
        """Add a block of n variables; return their global column indices."""
        if name in self.blocks:
            raise ValueError(f"variable block {name!r} already exists")
        cols = np.arange(self.n_cols, self.n_cols + n, dtype=np.int64)
        self.blocks[name] = cols
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self.integer.append(np.full(n, integer, dtype=bool))
        self.n_cols += n
        return cols

    def add(self, block: ConstraintBlock | list[ConstraintBlock | None] | None) -> None:
        """Add a constraint block or a list of them (None and empty blocks are skipped)."""
        for item in block if isinstance(block, list) else [block]:
            if item is not None and item.n_rows:
                self.constraints.append(item)

    def problem(
        self, objective: np.ndarray, *, maximize: bool, extra: list[ConstraintBlock] | None = None
    ) -> MilpProblem:
        """Stack everything into a MilpProblem with the given objective vector."""
        blocks = self.constraints + [b for b in (extra or []) if b.n_rows]
        offsets = np.cumsum([0] + [b.n_rows for b in blocks])
        rows = np.concatenate([b.rows + off for b, off in zip(blocks, offsets)] or [np.zeros(0, np.int64)])
        cols = np.concatenate([b.cols for b in blocks] or [np.zeros(0, np.int64)])
        vals = np.concatenate([b.vals for b in blocks] or [np.zeros(0)])
        A = sp.csr_matrix((vals, (rows, cols)), shape=(int(offsets[-1]), self.n_cols))
        A.sum_duplicates()
        return MilpProblem(
            c=np.asarray(objective, dtype=float),
            A=A,
            row_lower=np.concatenate([b.lower for b in blocks] or [np.zeros(0)]),
            row_upper=np.concatenate([b.upper for b in blocks] or [np.zeros(0)]),
            col_lower=np.concatenate(self.lower or [np.zeros(0)]),
            col_upper=np.concatenate(self.upper or [np.zeros(0)]),
            integrality=np.concatenate(self.integer or [np.zeros(0, bool)]),
            maximize=maximize,
        )

    def row_counts(self) -> dict[str, int]:
        """Rows per constraint family, for logs and the manifest."""
        return {b.name: b.n_rows for b in self.constraints}


def linear_row(
    name: str,
    cols: np.ndarray,
    vals: np.ndarray,
    *,
    lower: float = -np.inf,
    upper: float = np.inf,
    label: str = "",
    relaxable: bool = False,
    offset: float = 0.0,
) -> ConstraintBlock:
    """A single constraint lower ≤ Σ vals·x[cols] ≤ upper (offset: see ConstraintBlock.offsets)."""
    cols = np.asarray(cols, dtype=np.int64)
    return ConstraintBlock(
        name,
        np.zeros(len(cols), np.int64),
        cols,
        np.asarray(vals, dtype=float),
        np.array([lower], float),
        np.array([upper], float),
        (label,) if label else (),
        relaxable=relaxable,
        offsets=(float(offset),) if offset else (),
    )


def block_from(
    name: str,
    matrix: sp.spmatrix,
    lower: np.ndarray | float,
    upper: np.ndarray | float,
    labels: tuple[str, ...] = (),
    totals: tuple[float, ...] = (),
    relaxable: bool = False,
) -> ConstraintBlock:
    """A block from a sparse matrix whose columns are global column indices."""
    coo = sp.coo_matrix(matrix)
    m = coo.shape[0]
    return ConstraintBlock(
        name,
        coo.row.astype(np.int64),
        coo.col.astype(np.int64),
        coo.data.astype(float),
        np.broadcast_to(np.asarray(lower, float), (m,)).copy(),
        np.broadcast_to(np.asarray(upper, float), (m,)).copy(),
        tuple(labels),
        tuple(float(t) for t in totals),
        relaxable=relaxable,
    )
