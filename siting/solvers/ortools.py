"""OR-Tools' MILP solvers: SCIP (``ortools``) and CP-SAT (``ortools-cpsat``).

Both go through OR-Tools' model-builder helper, which loads bounds, objective and the CSR matrix in
one call; only integrality flags and warm-start hints take a call per column. The pandas-based
``model_builder`` layer on top of it is not needed (nor imported).
"""

from __future__ import annotations

import abc
import functools
import importlib.util
import time
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import scipy.sparse

from siting.solvers.base import (
    DEFAULT_OPTIONS,
    FEASIBILITY_TOLERANCE,
    MilpProblem,
    SolveOptions,
    Solver,
    SolveResult,
    Status,
    settle_infeasible_or_unbounded,
)

if TYPE_CHECKING:
    from ortools.linear_solver.python import model_builder_helper as mbh


@functools.cache
def _helper():
    """OR-Tools' model-builder helper, imported on first use: a run with another solver never loads OR-Tools."""
    from ortools.linear_solver.python import model_builder_helper

    return model_builder_helper


_SCIP_INFINITY = 1e20


class _OrToolsSolver(Solver):
    """What SCIP and CP-SAT share: model loading, status mapping, bound reading."""

    backend: ClassVar[str]  # OR-Tools' name for the solver behind the model-builder helper
    _recheck_plan: ClassVar[bool] = False  # check plans against the original problem before trusting them

    @classmethod
    def is_available(cls) -> bool:
        """True when OR-Tools is installed and was built with this solver."""
        if importlib.util.find_spec("ortools") is None:
            return False
        return _helper().ModelSolverHelper(cls.backend).solver_is_supported()

    @classmethod
    def version(cls) -> str:
        """OR-Tools' version, e.g. "9.15.6755" (the solvers inside it are pinned to it)."""
        import ortools

        return ortools.__version__

    @abc.abstractmethod
    def _parameters(self, options: SolveOptions) -> str:
        """Solver-specific parameter text for gap, seed and threads."""

    def solve(self, problem: MilpProblem, options: SolveOptions = DEFAULT_OPTIONS) -> SolveResult:
        """Solve with OR-Tools; see :meth:`Solver.solve`."""
        started = time.perf_counter()
        warm_start = options.warm_start_for(problem)
        if self.integer_only and not problem.integrality.all():
            return self._result(problem, Status.ERROR, None, None, _continuous_refusal(problem), started)
        solver = _helper().ModelSolverHelper(self.backend)
        solver.enable_output(options.verbose)
        solver.set_solver_specific_parameters(self._parameters(options))
        if options.time_limit_s is not None:
            solver.set_time_limit_in_seconds(float(options.time_limit_s))
        solver.solve(_build_model(problem, warm_start))

        raw, text = solver.status(), solver.status_string()
        message = f"{raw.name}: {text}" if text else raw.name
        x = np.array(solver.variable_values()) if solver.has_solution() else None
        status = _map_status(raw, limited=options.time_limit_s is not None)
        undecided = raw in (_helper().SolveStatus.INFEASIBLE, _helper().SolveStatus.UNKNOWN_STATUS)
        if undecided and "unbounded" in text.lower():
            # SCIP's INFORUNBD arrives as INFEASIBLE, CP-SAT's as UNKNOWN_STATUS; both say so in text.
            status, message = settle_infeasible_or_unbounded(self, problem, options, message)
        if self._recheck_plan and x is not None and status in (Status.OPTIMAL, Status.FEASIBLE):
            violation = problem.max_violation(x)
            if violation > FEASIBILITY_TOLERANCE:
                status, message = Status.ERROR, f"plan violates the problem by {violation:.3g}; {message}"
        # The bound is only filled in when a plan was found (otherwise OR-Tools leaves a 0.0
        # placeholder), and SCIP writes "none yet" as its infinity, 1e20.
        bound = solver.best_objective_bound() if status in (Status.OPTIMAL, Status.FEASIBLE) else None
        if bound is not None and abs(bound) >= _SCIP_INFINITY:
            bound = None
        return self._result(problem, status, x, bound, message, started)


class OrToolsScipSolver(_OrToolsSolver):
    """SCIP inside OR-Tools (the ``ortools`` registry name).

    SCIP searches sequentially, so ``threads`` is ignored.
    """

    name = "ortools"
    backend = "scip"

    def _parameters(self, options: SolveOptions) -> str:
        return f"limits/gap = {options.mip_rel_gap!r}\nrandomization/randomseedshift = {options.seed}\n"


class OrToolsCpSatSolver(_OrToolsSolver):
    """CP-SAT inside OR-Tools (the ``ortools-cpsat`` registry name): integer programmes only.

    CP-SAT has no continuous variables. Given some, OR-Tools quietly treats them as integers (or
    scaled integers) and reports that restricted problem as "optimal", so this backend refuses any
    problem with a continuous column: Status.ERROR with a message saying so. Its plans are re-checked
    against the original rows, because CP-SAT scales non-integer coefficients to integers.

    Each CP-SAT worker runs one search strategy, and the default single worker proves bounds poorly on
    MILPs, so ``threads=1`` uses full LP linearisation and ``threads=2`` the ``max_lp`` and
    ``default_lp`` workers; more threads use CP-SAT's own portfolio. Only ``threads=1`` is
    deterministic.
    """

    name = "ortools-cpsat"
    backend = "sat"
    integer_only = True
    _recheck_plan = True

    def _parameters(self, options: SolveOptions) -> str:
        fields = [
            f"num_workers: {options.threads}",
            f"random_seed: {options.seed}",
            f"relative_gap_limit: {options.mip_rel_gap!r}",
        ]
        if options.threads == 1:
            fields.append("linearization_level: 2")
        elif options.threads == 2:
            fields.append("subsolvers: 'max_lp' subsolvers: 'default_lp'")
        return " ".join(fields)


def _continuous_refusal(problem: MilpProblem) -> str:
    """Status message for an integer-only backend given continuous columns."""
    continuous = np.flatnonzero(~problem.integrality)
    shown = ", ".join(str(j) for j in continuous[:5]) + (", ..." if continuous.size > 5 else "")
    return (
        f"CP-SAT needs integer variables but {continuous.size} column(s) are continuous ({shown}); "
        "use highs, cbc or ortools (SCIP) for problems with continuous variables"
    )


def _build_model(problem: MilpProblem, warm_start: np.ndarray | None) -> mbh.ModelBuilderHelper:
    """The problem as an OR-Tools model (arrays in one call; integrality and hints per column)."""
    model = _helper().ModelBuilderHelper()
    model.fill_model_from_sparse_data(
        problem.col_lower,
        problem.col_upper,
        problem.c,
        problem.row_lower,
        problem.row_upper,
        scipy.sparse.csr_matrix(problem.A),
    )
    for j in np.flatnonzero(problem.integrality):
        model.set_var_integrality(int(j), True)
    model.set_maximize(problem.maximize)
    model.set_objective_offset(problem.offset)
    if warm_start is not None:
        for j, value in enumerate(warm_start):
            model.add_hint(j, float(value))
    return model


def _map_status(raw: mbh.SolveStatus, limited: bool) -> Status:
    """Map OR-Tools' status onto :class:`Status`.

    NOT_SOLVED under a time limit means the limit came before any plan; without one it is an error.
    """
    kinds = _helper().SolveStatus
    mapping = {
        kinds.OPTIMAL: Status.OPTIMAL,
        kinds.FEASIBLE: Status.FEASIBLE,
        kinds.INFEASIBLE: Status.INFEASIBLE,
        kinds.UNBOUNDED: Status.UNBOUNDED,
    }
    if raw == kinds.NOT_SOLVED and limited:
        return Status.NO_SOLUTION
    return mapping.get(raw, Status.ERROR)
