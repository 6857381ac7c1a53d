"""Write a :class:`MilpProblem` as a free-format MPS file, vectorised with numpy.

File-based solvers (CBC) read the model from disk. The text is built with numpy string operations
over whole arrays, with no Python loop per coefficient; formatting the numbers is most of the cost,
so integral values (most coefficients of a planning model) take a faster integer path. Columns are
named ``C<j>`` and rows ``R<i>`` by their 0-based index, so a solution maps back to positions
without any name table.

The file is always a minimisation of ``sign * c`` without the constant offset (``sign`` is -1 for a
maximisation): not every MPS reader honours OBJSENSE or an objective RHS, so the caller converts the
solver's numbers back with :func:`from_min_form`.
"""

from __future__ import annotations

import os

import numpy as np

from siting.solvers.base import MilpProblem

_INTORG = " MARKER 'MARKER' 'INTORG'"
_INTEND = " MARKER 'MARKER' 'INTEND'"


def _fmt(values: np.ndarray) -> np.ndarray:
    """Format floats so the text reads back to the identical double.

    numpy writes the shortest round-trip repr of a float; integral values go through int64 instead,
    which is several times faster. 32 characters hold either.
    """
    integral = np.isfinite(values) & (np.abs(values) < 1e15) & (values == np.round(values))
    text = np.empty(values.shape, dtype="<U32")
    text[integral] = values[integral].astype(np.int64).astype(np.str_)
    text[~integral] = values[~integral].astype(np.str_)
    return text


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays (and scalars broadcast over them)."""
    out = np.asarray(parts[0], dtype=np.str_)
    for part in parts[1:]:
        out = np.char.add(out, part)
    return out


def _names(prefix: str, indices: np.ndarray) -> np.ndarray:
    """``prefix`` followed by each index, e.g. C0, C1, ..."""
    return _cat(prefix, indices.astype(np.str_))


def objective_sign(problem: MilpProblem) -> float:
    """-1.0 for a maximisation (written as minimising -c), else 1.0."""
    return -1.0 if problem.maximize else 1.0


def from_min_form(problem: MilpProblem, value: float) -> float:
    """Convert an objective value or bound of the written minimisation back to the problem's terms."""
    return objective_sign(problem) * value + problem.offset


def _free_rows(problem: MilpProblem) -> np.ndarray:
    """Mask of rows without any finite bound: they constrain nothing and are left out of the file."""
    return np.isneginf(problem.row_lower) & np.isposinf(problem.row_upper)


def _row_section(problem: MilpProblem) -> tuple[list[str], list[str], list[str]]:
    """ROWS, RHS and RANGES lines of the rows that have a finite bound."""
    kept = np.flatnonzero(~_free_rows(problem))
    lower, upper = problem.row_lower[kept], problem.row_upper[kept]
    names = _names("R", kept)
    equal = lower == upper
    only_lower = np.isposinf(upper)
    kinds = np.where(equal, " E ", np.where(only_lower, " G ", " L "))
    rhs = np.where(equal | only_lower, lower, upper)
    ranged = np.isfinite(lower) & np.isfinite(upper) & ~equal
    rows = _cat(kinds, names).tolist()
    rhs_lines = _cat(" RHS ", names, " ", _fmt(rhs)).tolist()
    range_lines = _cat(" RNG ", names[ranged], " ", _fmt(upper[ranged] - lower[ranged])).tolist()
    return rows, rhs_lines, range_lines


def _column_section(problem: MilpProblem) -> list[str]:
    """COLUMNS lines: per column its objective entry first (so every column is declared), then A."""
    n, m = problem.num_cols, problem.num_rows
    A = problem.A.tocsc()
    A.sort_indices()
    entry_col = np.repeat(np.arange(n), np.diff(A.indptr))
    keep = ~_free_rows(problem)[A.indices] & (A.data != 0)
    # Label 0 is the objective row, label i + 1 constraint row i; names are built once per column
    # and once per row, then gathered per entry.
    cols = np.concatenate([np.arange(n), entry_col[keep]])
    labels = np.concatenate([np.zeros(n, dtype=np.int64), A.indices[keep] + 1])
    values = np.concatenate([objective_sign(problem) * problem.c, A.data[keep]])
    order = np.argsort(cols, kind="stable")
    cols, labels, values = cols[order], labels[order], values[order]
    col_prefix = _cat(" ", _names("C", np.arange(n)), " ")
    row_label = np.concatenate([["OBJ "], _cat(_names("R", np.arange(m)), " ")])
    lines = _cat(col_prefix[cols], row_label[labels], _fmt(values)).astype(object)
    # Wrap each maximal run of integer columns in INTORG/INTEND markers.
    first_line = np.searchsorted(cols, np.arange(n + 1))  # first_line[n] == len(lines)
    integer = np.concatenate([[False], problem.integrality, [False]])
    run_starts = np.flatnonzero(integer[1:-1] & ~integer[:-2])
    run_ends = np.flatnonzero(integer[1:-1] & ~integer[2:]) + 1  # one past the run's last column
    positions = np.concatenate([first_line[run_starts], first_line[run_ends]])
    markers = np.array([_INTORG] * run_starts.size + [_INTEND] * run_ends.size, dtype=object)
    order = np.argsort(positions, kind="stable")
    return np.insert(lines, positions[order], markers[order]).tolist()


def _bound_section(problem: MilpProblem) -> list[str]:
    """Two BOUNDS lines per column: the lower bound first (LO or MI), then the upper (UP or PL).

    Every bound is explicit because MPS readers disagree about defaults, in particular for integer
    columns. The order matters to CBC's reader, which rejects MI after UP/PL, and an explicit lower
    bound also keeps the old rule (a negative UP with a default lower bound makes that -inf) away.
    """
    names = _names("C", np.arange(problem.num_cols))
    lower, upper = problem.col_lower, problem.col_upper
    lo = np.where(np.isneginf(lower), _cat(" MI BND ", names), _cat(" LO BND ", names, " ", _fmt(lower)))
    up = np.where(np.isposinf(upper), _cat(" PL BND ", names), _cat(" UP BND ", names, " ", _fmt(upper)))
    return np.column_stack([lo, up]).ravel().tolist()


def write_mps(problem: MilpProblem, path: str | os.PathLike[str]) -> None:
    """Write ``problem`` to ``path`` as free MPS: minimise ``sign * c`` (see :func:`from_min_form`).

    Raises:
        ValueError: if a lower bound exceeds its upper bound, which MPS cannot express (a range is
            taken as its absolute value, and CBC rejects UP below LO); such a problem is infeasible
            and :meth:`MilpProblem.inconsistent_bounds` says why.
    """
    reason = problem.inconsistent_bounds()
    if reason is not None:
        raise ValueError(f"cannot write an MPS file: {reason}")
    rows, rhs, ranges = _row_section(problem)
    sections = [
        ["NAME siting FREE", "ROWS", " N OBJ"],
        rows,
        ["COLUMNS"],
        _column_section(problem),
        ["RHS"],
        rhs,
        ["RANGES"] if ranges else [],
        ranges,
        ["BOUNDS"],
        _bound_section(problem),
        ["ENDATA"],
    ]
    with open(path, "w", encoding="ascii") as handle:
        for lines in sections:
            if lines:
                handle.write("\n".join(lines))
                handle.write("\n")
