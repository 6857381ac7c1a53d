"""The solver interface: one problem type, one options type, one result type, one status enum.

Every backend takes a :class:`MilpProblem` made of numpy/scipy arrays and returns a :class:`SolveResult`
whose numbers mean the same thing whichever solver produced them, so the rest of the project never
needs to know which solver ran.
"""

from __future__ import annotations

import abc
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from siting.solvers.problem import MilpProblem

#: Denominator floor in the relative gap, so a zero objective does not divide by zero.
GAP_DENOMINATOR_FLOOR = 1e-9
#: How far (see MilpProblem.max_violation) a plan no solver vouched for may be from feasible.
FEASIBILITY_TOLERANCE = 1e-6


class Status(str, enum.Enum):
    """How a solve ended, in words every backend's own statuses are mapped onto."""

    OPTIMAL = "optimal"
    """Proven optimal within the gap tolerance."""
    FEASIBLE = "feasible"
    """Has a plan, optimality not proven (e.g. time limit); ``gap`` says how far it may be."""
    NO_SOLUTION = "no_solution"
    """Stopped (e.g. time limit) before any feasible plan was found."""
    INFEASIBLE = "infeasible"
    """Proven to have no feasible plan."""
    UNBOUNDED = "unbounded"
    """Feasible, and the objective improves without limit."""
    ERROR = "error"
    """Anything else; solver statuses we do not recognise map here."""


@dataclass(frozen=True)
class ProgressEvent:
    """What a solve reports while it runs (and once at the end of each stage, with `final`).

    Attributes:
        incumbent: objective of the best plan so far (None before the first); bound: best proven bound.
        elapsed_s: seconds since the stage started; final: the stage has ended, with `status`.
        stage, index, count: filled in by the lexicographic stage loop (objective name, 0-based position, total).
        solver: registry name of the backend.
    """

    incumbent: float | None = None
    bound: float | None = None
    elapsed_s: float = 0.0
    final: bool = False
    status: Status | None = None
    stage: str = ""
    index: int = 0
    count: int = 1
    solver: str = ""

    @property
    def gap(self) -> float | None:
        """Relative gap between incumbent and bound, when both are known."""
        if self.incumbent is None or self.bound is None:
            return None
        return relative_gap(self.incumbent, self.bound)


@dataclass(frozen=True, eq=False)
class SolveOptions:
    """What the caller asks of a solve; every backend maps these onto its own parameters.

    Attributes:
        time_limit_s: wall-clock limit in seconds, or None for no limit.
        mip_rel_gap: stop when the relative gap is at most this (the solver's own gap formula).
        threads: threads the solver may use; 1 keeps results reproducible.
        seed: random seed, so repeated solves return the same plan.
        warm_start: a full-length x vector, feasible or not, that backends able to use it do.
        verbose: print the solver's own log.
        progress: called with a ProgressEvent as the search goes (backends that can say so: HiGHS).

    Raises:
        ValueError: for a non-positive time limit or thread count, or a negative gap.
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 1e-6
    threads: int = 1
    seed: int = 0
    warm_start: np.ndarray | None = None
    verbose: bool = False
    progress: Callable[[ProgressEvent], None] | None = None

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not self.time_limit_s > 0:
            raise ValueError(f"SolveOptions.time_limit_s must be > 0 or None, got {self.time_limit_s}")
        if not self.mip_rel_gap >= 0:
            raise ValueError(f"SolveOptions.mip_rel_gap must be >= 0, got {self.mip_rel_gap}")
        if self.threads < 1:
            raise ValueError(f"SolveOptions.threads must be >= 1, got {self.threads}")
        if self.seed < 0:
            raise ValueError(f"SolveOptions.seed must be >= 0, got {self.seed}")

    def warm_start_for(self, problem: MilpProblem) -> np.ndarray | None:
        """The warm start as a float vector checked against ``problem``, or None when there is none.

        Raises:
            ValueError: if its length differs from the number of variables or it is not finite.
        """
        if self.warm_start is None:
            return None
        x = np.asarray(self.warm_start, dtype=np.float64)
        if x.shape != (problem.num_cols,) or not np.isfinite(x).all():
            raise ValueError(
                f"SolveOptions.warm_start must be a finite vector of length {problem.num_cols}, got shape {x.shape}"
            )
        return x


DEFAULT_OPTIONS = SolveOptions()


@dataclass(frozen=True, eq=False)
class SolveResult:
    """The outcome of one solve, the same for every backend.

    Attributes:
        status: how the solve ended.
        x: primal values (n,), None when there is no solution.
        objective: ``c @ x + offset`` in the problem's own sense, None without a solution.
        bound: best proven dual bound (offset included, same sense), None when unknown.
        gap: ``|objective - bound| / max(|objective|, 1e-9)``, as measured (an OPTIMAL result is within the
            requested tolerance); 0.0 for OPTIMAL without a bound (LPs); None otherwise without both.
        time_s: wall time of the solve call, model building included.
        solver: registry name of the backend, e.g. "highs".
        version: the solver's version, e.g. "1.16.0".
        message: the solver's own status text.
    """

    status: Status
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    time_s: float
    solver: str
    version: str
    message: str = ""


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, 1e-9)``: one formula for every backend."""
    return abs(objective - bound) / max(abs(objective), GAP_DENOMINATOR_FLOOR)


def build_result(
    problem: MilpProblem,
    status: Status,
    *,
    x: np.ndarray | None,
    bound: float | None,
    solver: str,
    version: str,
    message: str,
    started: float,
) -> SolveResult:
    """Assemble a :class:`SolveResult` the same way for every backend.

    The objective is recomputed from ``x`` (so objective and plan can never disagree) and the gap
    from objective and bound. A plan is kept only for OPTIMAL and FEASIBLE; a status claiming a
    plan without one becomes ERROR rather than a result nobody can use.

    Args:
        problem: the problem that was solved.
        status: the mapped status.
        x: primal values from the solver, or None.
        bound: the solver's dual bound, offset included, in the problem's sense; non-finite means none.
        solver: registry name of the backend.
        version: the backend's version string.
        message: the solver's own status text.
        started: ``time.perf_counter()`` at the start of the solve call.
    """
    has_plan = status in (Status.OPTIMAL, Status.FEASIBLE)
    if has_plan and x is None:
        status, message = Status.ERROR, f"{status.value} reported without a solution; {message}"
        has_plan = False
    if (bound is not None and not np.isfinite(bound)) or status in (Status.INFEASIBLE, Status.UNBOUNDED):
        bound = None
    plan = np.array(x, dtype=np.float64) if has_plan else None
    objective = problem.objective_value(plan) if plan is not None else None
    gap = None
    if objective is not None and bound is not None:
        gap = relative_gap(objective, bound)  # the measured gap, also when the solver stopped at its tolerance
    elif status is Status.OPTIMAL:
        gap = 0.0
    return SolveResult(
        status=status,
        x=plan,
        objective=objective,
        bound=None if bound is None else float(bound),
        gap=gap,
        time_s=time.perf_counter() - started,
        solver=solver,
        version=version,
        message=message,
    )


def settle_infeasible_or_unbounded(
    solver: Solver, problem: MilpProblem, options: SolveOptions, said: str
) -> tuple[Status, str]:
    """Decide INFEASIBLE or UNBOUNDED for a solver that answered "one of the two" (or may have erred).

    Re-solves the same constraints with a zero objective (same options): any plan means the original
    problem is unbounded, none means it is infeasible. For an integer programme with rational data
    whose relaxation is unbounded these are the only two cases. A zero objective cannot be unbounded,
    so this never recurses more than once.

    Args:
        solver: the backend that gave the ambiguous answer.
        problem: the problem it was given.
        options: the options it was given.
        said: its own status text, kept in the message.

    Returns:
        The status and a message saying how it was decided.
    """
    if not problem.c.any():
        return Status.INFEASIBLE, f"infeasible (solver said '{said}'; a zero objective cannot be unbounded)"
    check = solver.solve(problem.with_zero_objective(), options)
    if check.status in (Status.OPTIMAL, Status.FEASIBLE):
        return Status.UNBOUNDED, f"unbounded (solver said '{said}'; without objective a plan exists)"
    if check.status is Status.INFEASIBLE:
        return Status.INFEASIBLE, f"infeasible (solver said '{said}'; without objective no plan exists)"
    return Status.ERROR, (
        f"infeasible or unbounded (solver said '{said}'; without objective the solve "
        f"ended {check.status.value}: {check.message})"
    )


class Solver(abc.ABC):
    """A MILP backend. Subclasses set ``name`` (their registry name) and implement the three methods."""

    name: ClassVar[str]
    #: True for backends without continuous variables (CP-SAT): models then declare implied-integer
    #: columns as integers instead of continuous.
    integer_only: ClassVar[bool] = False

    @classmethod
    @abc.abstractmethod
    def is_available(cls) -> bool:
        """True when the backend's library or binary is installed and usable."""

    @classmethod
    @abc.abstractmethod
    def version(cls) -> str:
        """The solver's version string."""

    @abc.abstractmethod
    def solve(self, problem: MilpProblem, options: SolveOptions = DEFAULT_OPTIONS) -> SolveResult:
        """Solve ``problem``; never raises for solver trouble, which is reported as Status.ERROR."""

    def _result(
        self,
        problem: MilpProblem,
        status: Status,
        x: np.ndarray | None,
        bound: float | None,
        message: str,
        started: float,
    ) -> SolveResult:
        """:func:`build_result` with this backend's name and version."""
        return build_result(
            problem,
            status,
            x=x,
            bound=bound,
            solver=self.name,
            version=self.version(),
            message=message,
            started=started,
        )
