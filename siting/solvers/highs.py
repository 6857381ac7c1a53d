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

from siting import interrupts
from siting.solvers.base import (
    DEFAULT_OPTIONS,
    FEASIBILITY_TOLERANCE,
    MilpProblem,
    ProgressEvent,
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
        for key, value in {**tuning(problem), **TUNING}.items():
            h.setOptionValue(key, value)
        warm_start = options.warm_start_for(problem)
        if warm_start is not None:
            h.setSolution(problem.num_cols, np.arange(problem.num_cols, dtype=np.int32), warm_start)
        if options.progress is not None and problem.is_mip:
            h.cbMipInterrupt.subscribe(_reporter(options.progress, self.name, started))
        # HiGHS checks its time limit only now and then (a root LP can run 40 % over); these callbacks stop it at
        # the deadline wherever it is, and at once on Ctrl-C or SIGTERM (siting.interrupts).
        _stop_at(h, None if options.time_limit_s is None else started + float(options.time_limit_s))
        with interrupts.hold():
            h.run()

        model_status = h.getModelStatus()
        info = h.getInfo()
        message = h.modelStatusToString(model_status)
        has_plan = info.primal_solution_status == _SOLUTION_FEASIBLE
        x = np.array(h.getSolution().col_value) if has_plan else None
        if x is not None and warm_start is not None and not _matches(problem, x, info.objective_function_value):
            # HiGHS 1.16 can hand back the start (or a point that is not its incumbent) after a MIP start, with
            # an objective and bound that belong to another point: never trust that; solve again without it, in
            # the time that is left. With no time left, the point it gave is kept if it is feasible (its objective
            # is recomputed from it, and the bound still holds): a plan with an honest gap.
            left = None if options.time_limit_s is None else options.time_limit_s - (time.perf_counter() - started)
            if left is None or left > _RETRY_MIN_S:
                retry = self.solve(problem, dataclasses.replace(options, warm_start=None, time_limit_s=left))
                return dataclasses.replace(retry, time_s=time.perf_counter() - started)
            if problem.max_violation(x) > FEASIBILITY_TOLERANCE:
                x, has_plan = None, False
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


#: HiGHS options set on every solve on top of `tuning` (empty; benchmarks set it to try options).
TUNING: dict[str, object] = {}
#: Up to this many columns a MIP counts as small (the demo has 1,251; benchmarks/ENGINE.md).
SMALL_MIP_COLUMNS = 10_000
#: Up to this many integer columns a MIP counts as small whatever its continuous columns (the radius p-median).
SMALL_MIP_INTEGERS = 1_000
#: From this many continuous columns the root LP is solved by interior point (a generated district's 200,000-arc
#: assignment LP: IPX 32 s, dual simplex over 120 s).
IPM_ROOT_CONTINUOUS = 100_000


def tuning(problem: MilpProblem) -> dict[str, object]:
    """HiGHS options by problem size, as measured on this project's models (benchmarks/ENGINE.md).

    Small MIPs (few columns, or few integer columns among many continuous ones, like the reduced radius
    p-median): no restarts and no RINS/RENS sub-MIPs, which cost more than the few nodes they save (demo: 1.42 +
    2.24 s of CPU for the two stages down to 0.68 + 0.98 s; pmed38 reduced to 34 sites: 20.2 s down to 11.5 s).
    Large assignment models: the root LP by interior point.
    """
    if not problem.is_mip:
        return {}
    options: dict[str, object] = {}
    if problem.num_cols <= SMALL_MIP_COLUMNS or int(problem.integrality.sum()) <= SMALL_MIP_INTEGERS:
        options.update(mip_allow_restart=False, mip_heuristic_run_rins=False, mip_heuristic_run_rens=False)
    if int((~problem.integrality).sum()) >= IPM_ROOT_CONTINUOUS:
        options["mip_lp_solver"] = "ipm"
    return options


#: Seconds between two progress reports from inside HiGHS.
PROGRESS_INTERVAL_S = 0.25


def _reporter(progress, solver: str, started: float):
    """A HiGHS MIP callback that passes incumbent and bound on to `progress`, at most every PROGRESS_INTERVAL_S."""
    last = [0.0]

    def report(event) -> None:
        now = time.perf_counter()
        if now - last[0] < PROGRESS_INTERVAL_S:
            return
        last[0] = now
        out = event.data_out
        incumbent, bound = float(out.mip_primal_bound), float(out.mip_dual_bound)
        progress(
            ProgressEvent(
                incumbent=incumbent if np.isfinite(incumbent) and abs(incumbent) < _NO_VALUE else None,
                bound=bound if np.isfinite(bound) and abs(bound) < _NO_VALUE else None,
                elapsed_s=now - started,
                solver=solver,
            )
        )

    return report


def lp_duals(problem: MilpProblem, time_limit_s: float | None = None) -> np.ndarray | None:
    """Row duals of the LP relaxation of `problem` (None unless HiGHS solves that LP in time).

    Large assignment LPs go to the interior point solver without crossover: its duals are approximate, which is
    all reduced-cost fixing needs (siting.model.fixing computes a valid bound from any multipliers).
    """
    relaxed = dataclasses.replace(problem, integrality=np.zeros(problem.num_cols, bool))
    options: dict[str, object] = {"threads": 1}
    if time_limit_s is not None:
        options["time_limit"] = float(max(time_limit_s, 1e-3))
    if int((~problem.integrality).sum()) >= IPM_ROOT_CONTINUOUS:
        options.update(solver="ipm", run_crossover="off")
    h = highs_model(relaxed, **options)
    if h is None:
        return None
    _size_scheduler(1)
    _stop_at(h, None if time_limit_s is None else time.perf_counter() + time_limit_s)
    with interrupts.hold():
        h.run()
    duals = np.array(h.getSolution().row_dual)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or duals.shape != (problem.num_rows,):
        return None
    return duals


def _stop_at(h: highspy.Highs, deadline: float | None) -> None:
    """Ask HiGHS to stop once `deadline` (a perf_counter time, None = none) has passed or a signal has arrived."""

    def check(event) -> None:
        if interrupts.pending() or (deadline is not None and time.perf_counter() >= deadline):
            event.data_in.user_interrupt = True

    for callback in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callback.subscribe(check)


#: Below this many seconds left, a solve HiGHS answered wrongly after a MIP start is not run again.
_RETRY_MIN_S = 0.05

#: HiGHS writes "none yet" as its infinity (1e30 or more).
_NO_VALUE = 1e29


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
