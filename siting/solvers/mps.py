"""Write a :class:`MilpProblem` as an MPS file for file-based solvers (CBC), with HiGHS's own writer.

The arrays go to HiGHS in one call (:func:`siting.solvers.highs.highs_model`) and HiGHS writes the file:
fixed-format MPS while names fit in 8 characters, free format beyond, integer columns between MARKER
lines, every value with 17 significant digits (it reads back to the identical double). Columns are named
``c<j>`` and rows ``r<i>`` by their 0-based index (:data:`COLUMN_NAME`), so a solution maps back to
positions without any name table.

The file is always a minimisation of ``sign * c`` without the constant offset (``sign`` is -1 for a
maximisation): not every MPS reader honours OBJSENSE or an objective RHS, so the caller converts the
solver's numbers back with :func:`from_min_form`. Rows without a finite bound are left out, because HiGHS
writes them as extra N rows, which readers treat differently.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from siting.solvers.highs import highs_model, highspy
from siting.solvers.problem import MilpProblem

#: printf pattern of the column names in the file (HiGHS's default names), e.g. for a MIP start file.
COLUMN_NAME = "c%d"

# HiGHS treats costs and bounds from 1e20 and coefficients from 1e15 as infinite or too large by default;
# the file must hold the problem as given.
_AS_GIVEN = {"infinite_cost": np.inf, "infinite_bound": np.inf, "large_matrix_value": np.inf}


def objective_sign(problem: MilpProblem) -> float:
    """-1.0 for a maximisation (written as minimising -c), else 1.0."""
    return -1.0 if problem.maximize else 1.0


def from_min_form(problem: MilpProblem, value: float) -> float:
    """Convert an objective value or bound of the written minimisation back to the problem's terms."""
    return objective_sign(problem) * value + problem.offset


def _min_form(problem: MilpProblem) -> MilpProblem:
    """Minimise ``sign * c`` without offset, over the rows that have a finite bound."""
    kept = np.flatnonzero(~(np.isneginf(problem.row_lower) & np.isposinf(problem.row_upper)))
    return dataclasses.replace(
        problem,
        c=objective_sign(problem) * problem.c,
        A=problem.A[kept],
        row_lower=problem.row_lower[kept],
        row_upper=problem.row_upper[kept],
        maximize=False,
        offset=0.0,
    )


def write_mps(problem: MilpProblem, path: str | os.PathLike[str]) -> None:
    """Write ``problem`` to ``path`` as MPS: minimise ``sign * c`` (see :func:`from_min_form`).

    Raises:
        ValueError: if ``path`` does not end in ``.mps`` (HiGHS picks the format by the extension), or a
            lower bound exceeds its upper bound, which MPS cannot express (a range is taken as its absolute
            value, and CBC rejects UP below LO); such a problem is infeasible and
            :meth:`MilpProblem.inconsistent_bounds` says why.
        OSError: if HiGHS could not write the file.
    """
    if not os.fspath(path).endswith(".mps"):
        raise ValueError(f"an MPS file name must end in .mps, got {os.fspath(path)!r}")
    reason = problem.inconsistent_bounds()
    if reason is not None:
        raise ValueError(f"cannot write an MPS file: {reason}")
    h = highs_model(_min_form(problem), **_AS_GIVEN)
    if h is None or h.writeModel(os.fspath(path)) == highspy.HighsStatus.kError:
        raise OSError(f"HiGHS could not write the MPS file {os.fspath(path)!r}")
