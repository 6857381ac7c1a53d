"""Solve a MILP given as numpy/scipy arrays with HiGHS, CBC or OR-Tools, behind one small interface.

>>> solver = get_solver("highs")
>>> result = solver.solve(problem, SolveOptions(time_limit_s=60))
>>> result.status, result.objective, result.gap

Every backend returns the same :class:`SolveResult`, so callers never branch on the solver.
"""

from __future__ import annotations

from siting.errors import InputError
from siting.solvers.base import MilpProblem, SolveOptions, Solver, SolveResult, Status
from siting.solvers.cbc import CbcSolver
from siting.solvers.highs import HighsSolver
from siting.solvers.ortools import OrToolsCpSatSolver, OrToolsScipSolver

__all__ = [
    "AUTO",
    "SOLVER_NAMES",
    "MilpProblem",
    "SolveOptions",
    "SolveResult",
    "Solver",
    "Status",
    "available_solvers",
    "get_solver",
]

_SOLVERS: dict[str, type[Solver]] = {
    cls.name: cls for cls in (HighsSolver, CbcSolver, OrToolsScipSolver, OrToolsCpSatSolver)
}

#: Every known registry name, default first.
SOLVER_NAMES: tuple[str, ...] = tuple(_SOLVERS)
#: "Choose for me": siting.model.solve picks by problem class; anywhere else it means the default, HiGHS.
AUTO = "auto"


def available_solvers() -> list[str]:
    """Names of the installed solvers, in the fixed order of :data:`SOLVER_NAMES`."""
    return [name for name, cls in _SOLVERS.items() if cls.is_available()]


def get_solver(name: str) -> Solver:
    """The solver registered as ``name`` (case-insensitive).

    Raises:
        InputError: if ``name`` is unknown or that solver is not installed; the message lists the choices.
    """
    key = name.strip().lower()
    if key == AUTO:
        key = SOLVER_NAMES[0]
    if key not in _SOLVERS:
        raise InputError(f"unknown solver '{name}'; choose one of: {', '.join(SOLVER_NAMES)}", field="solver")
    if not _SOLVERS[key].is_available():
        installed = ", ".join(available_solvers()) or "none"
        raise InputError(f"solver '{key}' is not installed; installed: {installed}", field="solver")
    return _SOLVERS[key]()
