"""Index helpers every constraint family builds its rows from (constraints, policy and targets)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siting.model.builder import ConstraintBlock
from siting.model.data import ModelData
from siting.model.variables import Variables, covered

#: What a constraint family returns: a block, several, or None when the family does not apply.
Blocks = ConstraintBlock | list[ConstraintBlock] | None

INF = np.inf


def options_of(
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


def row_index(selected: np.ndarray, size: int) -> np.ndarray:
    """Array of length `size`: row number for selected entries, -1 elsewhere."""
    index = np.full(size, -1, np.int64)
    index[selected] = np.arange(len(selected))
    return index


def group_rows(
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
