"""HiGHS through highspy: the default backend, fed the CSC arrays directly (no model file, no loops)."""

from __future__ import annotations

import dataclasses
import os
import sys
import time

import numpy as np

try:
    import highspy
except ImportError:  # HighsSolver.is_available() reports it; nothing else touches highspy then
    highspy = None

from siting.solvers.base import (
    DEFAULT_OPTIONS,
    MilpProblem,
    SolveOptions,
    Solver,
    SolveResult,
    Status,
    settle_infeasible_or_unbounded,
)

#: HiGHS's primal_solution_status value for "a feasible point is available".
_SOLUTION_FEASIBLE = 2

# HiGHS keeps one thread scheduler per process, sized on first use; a later run asking for another
# thread count fails with kError unless the scheduler is reset. Remember what it was sized for.
_scheduler_threads: int | None = None


_banner_done = False


def _new_highs(verbose: bool):
    """A Highs object; the first one is created with the process's stdout file descriptor on /dev/null."""
    global _banner_done
    if _banner_done or verbose:
        _banner_done = True
        return highspy.Highs()
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _banner_done = True
    return h


class HighsSolver(Solver):
    """HiGHS MIP/LP solver (the ``highs`` registry name).

    Deterministic for a given seed and thread count. The first HiGHS object in a process prints a
    banner to stdout from HiGHS's C++ code, before any option can silence it; `_new_highs` sends that one
    to /dev/null so that the command line prints only its own lines.
    """

    name = "highs"

    @classmethod
    def is_available(cls) -> bool:
        """True when highspy can be imported."""
        return highspy is not None

    @classmethod
    def version(cls) -> str:
        """HiGHS's own version, e.g. "1.16.0"."""
        return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"

    def solve(self, problem: MilpProblem, options: SolveOptions = DEFAULT_OPTIONS) -> SolveResult:
        """Solve with HiGHS; see :meth:`Solver.solve`."""
        started = time.perf_counter()
        h = highs_model(problem, options.verbose)
        if h is None:
            return self._result(problem, Status.ERROR, None, None, "HiGHS rejected the model", started)
        _size_scheduler(options.threads)
        h.setOptionValue("threads", options.threads)
        h.setOptionValue("mip_rel_gap", options.mip_rel_gap)
        h.setOptionValue("random_seed", options.seed)
        if options.time_limit_s is not None:
            h.setOptionValue("time_limit", float(options.time_limit_s))
        warm_start = options.warm_start_for(problem)
        if warm_start is not None:
            h.setSolution(problem.num_cols, np.arange(problem.num_cols, dtype=np.int32), warm_start)
        h.run()

        model_status = h.getModelStatus()
        info = h.getInfo()
        message = h.modelStatusToString(model_status)
        has_plan = info.primal_solution_status == _SOLUTION_FEASIBLE
        x = np.array(h.getSolution().col_value) if has_plan else None
        if x is not None and warm_start is not None and not _matches(problem, x, info.objective_function_value):
            # HiGHS 1.16 can hand back the start (or a point that is not its incumbent) after a MIP start, with
            # an objective and bound that belong to another point: never trust that; solve again without it.
            return self.solve(problem, dataclasses.replace(options, warm_start=None))
        status = _map_status(model_status, has_plan)
        if model_status == highspy.HighsModelStatus.kUnboundedOrInfeasible or (
            status is Status.UNBOUNDED and not has_plan
        ):
            status, message = settle_infeasible_or_unbounded(self, problem, options, message)
        bound = None
        if problem.is_mip:
            bound = info.mip_dual_bound
        elif status is Status.OPTIMAL:
            bound = info.objective_function_value  # an optimal LP proves its own objective
        return self._result(problem, status, x, bound, message, started)


def _matches(problem: MilpProblem, x: np.ndarray, reported: float) -> bool:
    """The solution's own objective equals the objective HiGHS reports for it (to 1e-9 relative)."""
    return abs(problem.objective_value(x) - reported) <= 1e-9 * max(1.0, abs(reported))


def _size_scheduler(threads: int) -> None:
    """Make the process-wide HiGHS scheduler fit ``threads``, resetting it only when that changes."""
    global _scheduler_threads
    if _scheduler_threads is not None and _scheduler_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = threads


def highs_model(problem: MilpProblem, verbose: bool = False, **options: float) -> highspy.Highs | None:
    """A ``Highs`` object holding ``problem``, integrality included, or None if HiGHS rejects the model.

    Args:
        problem: the problem, passed column-wise from its arrays (no loop per column).
        verbose: let HiGHS print its log.
        **options: HiGHS options set before the model is passed (e.g. ``infinite_cost``).
    """
    h = _new_highs(verbose)
    h.setOptionValue("output_flag", verbose)
    for name, value in options.items():
        h.setOptionValue(name, value)
    if h.passModel(_to_highs_lp(problem)) == highspy.HighsStatus.kError:
        return None
    integer_cols = np.flatnonzero(problem.integrality).astype(np.int32)
    if integer_cols.size:
        h.changeColsIntegrality(
            integer_cols.size,
            integer_cols,
            np.full(integer_cols.size, int(highspy.HighsVarType.kInteger), np.uint8),
        )
    return h


def _to_highs_lp(problem: MilpProblem) -> highspy.HighsLp:
    """A ``HighsLp`` holding the problem column-wise (integrality is set on the ``Highs`` object)."""
    A = problem.A.tocsc()
    A.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = problem.num_cols, problem.num_rows
    lp.col_cost_, lp.offset_ = problem.c, problem.offset
    lp.sense_ = highspy.ObjSense.kMaximize if problem.maximize else highspy.ObjSense.kMinimize
    lp.col_lower_, lp.col_upper_ = problem.col_lower, problem.col_upper
    lp.row_lower_, lp.row_upper_ = problem.row_lower, problem.row_upper
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.num_col_, matrix.num_row_ = problem.num_cols, problem.num_rows
    matrix.start_, matrix.index_, matrix.value_ = A.indptr, A.indices, A.data
    return lp


def _map_status(model_status: highspy.HighsModelStatus, has_plan: bool) -> Status:
    """Map a ``HighsModelStatus`` onto :class:`Status`; a limit keeps whatever plan was found."""
    kinds = highspy.HighsModelStatus
    if model_status == kinds.kOptimal:
        return Status.OPTIMAL
    if model_status == kinds.kInfeasible:
        return Status.INFEASIBLE
    if model_status == kinds.kUnbounded:
        return Status.UNBOUNDED
    if model_status in (
        kinds.kTimeLimit,
        kinds.kIterationLimit,
        kinds.kSolutionLimit,
        kinds.kMemoryLimit,
        kinds.kInterrupt,
        kinds.kHighsInterrupt,
    ):
        return Status.FEASIBLE if has_plan else Status.NO_SOLUTION
    return Status.ERROR
