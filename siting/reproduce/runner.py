"""Solve one benchmark case with the planning model, re-evaluate the plan independently, compare with the paper.

:func:`run_case` returns a :class:`Row`: the instance, its size, the published value, ours (the objective
recomputed from the instance data by :mod:`siting.reproduce.evaluate`, not the solver's number), the
difference, the solver status, the proven gap (from the solver's bound), seconds and a verdict.

Verdicts (``Row.failure`` says which ones fail a reproduction):

* ``match``: within the published rounding, optimality proven.
* ``match, not proven``: within the published rounding, the time limit stopped the proof.
* ``above published, not proven``: worse than published, the solver's bound does not exclude the published
  value (not converged).
* ``no plan within the time limit``.
* ``no published value``: nothing to compare (maximal covering); see the bound columns.
* ``MISMATCH: …`` (failure ``mismatch``): proven optimal yet different, a plan better than a published
  optimum, a proven bound that excludes the published value, an infeasible model or a solver error.
* ``CHECK FAILED: …`` (failure ``check``): the plan breaks a rule of the problem, or its independently
  recomputed objective disagrees with the solver's.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from siting.errors import InfeasibleError, InputError, SitingError
from siting.model import formulation
from siting.model.data import ModelData
from siting.model.objectives import MAXIMIZE, objective_vector
from siting.model.solve import NoPlanError, solve
from siting.model.spec import ModelSpec
from siting.reproduce.sets import Case
from siting.solvers import SolveOptions, Status, get_solver
from siting.solvers.base import relative_gap

__all__ = ["CSV_COLUMNS", "Row", "lp_bound", "run_case"]

#: results.csv columns: the eight of the issue first, then the details.
CSV_COLUMNS = (
    "instance",
    "n",
    "p",
    "published",
    "ours",
    "status",
    "gap",
    "seconds",
    "m",
    "difference",
    "bound",
    "lp_bound",
    "solver_objective",
    "solve_seconds",
    "radius",
    "verdict",
)

#: Agreement between the independently recomputed objective and the solver's: relative to the objective.
CHECK_REL = 1e-6
#: A solver's bound contradicts a published value only beyond this relative slack (its numerical tolerance).
BOUND_REL = 1e-6


@dataclass(frozen=True)
class Row:
    """One line of the reproduction table.

    Attributes:
        set: the set name.
        instance: the instance name.
        n: clients; m: candidate sites; p: facility count (None when the model chooses it).
        published: the published value (None when there is none).
        ours: the objective of our plan recomputed from the instance data (None without a plan).
        solver_objective: the solver's objective for the same plan.
        bound: the solver's proven bound; lp_bound: the LP relaxation's optimum (when computed).
        gap: relative proven gap |solver objective − bound| / |solver objective|.
        status: the solver status (``optimal``, ``feasible``, ``no_solution``, ``infeasible``, ``error``).
        seconds: wall time for the instance (read, build, solve, re-evaluate); solve_seconds: solver only.
        radius: the coverage radius (maximal covering only).
        verdict: see the module docstring; failure: ``""``, ``"mismatch"`` or ``"check"``.
    """

    set: str
    instance: str
    n: int
    m: int
    p: int | None
    published: float | None
    ours: float | None
    solver_objective: float | None
    bound: float | None
    gap: float | None
    lp_bound: float | None
    status: str
    seconds: float
    solve_seconds: float
    radius: float | None
    verdict: str
    failure: str = ""

    @property
    def difference(self) -> float | None:
        """Ours − published, when both exist."""
        if self.ours is None or self.published is None:
            return None
        return self.ours - self.published

    def record(self) -> dict[str, object]:
        """The row as a dict keyed by :data:`CSV_COLUMNS`."""
        values = dataclasses.asdict(self)
        values["difference"] = self.difference
        return {k: values[k] for k in CSV_COLUMNS}


def lp_bound(data: ModelData, spec: ModelSpec, *, solver: str, options: SolveOptions) -> float | None:
    """The optimum of the LP relaxation of the first objective (all integrality dropped), or None.

    The model is built exactly as :func:`siting.model.solve.solve` builds it; only the integrality is
    removed. None for integer-only backends (CP-SAT) and when the LP does not solve to optimality.
    """
    backend = get_solver(solver)
    if getattr(backend, "integer_only", False):
        return None
    model, v = formulation.build(data, spec)
    name = spec.objectives[0]
    problem = model.problem(objective_vector(name, data, spec, v, model.n_cols), maximize=MAXIMIZE[name])
    relaxed = dataclasses.replace(problem, integrality=np.zeros(problem.num_cols, bool))
    result = backend.solve(relaxed, dataclasses.replace(options, warm_start=None))
    return float(result.objective) if result.status is Status.OPTIMAL and result.objective is not None else None


def _verdict(case: Case, status: Status, ours: float, bound: float | None) -> tuple[str, str]:
    """The verdict and failure kind for a plan whose independent value is ``ours``."""
    if case.published is None:
        return "no published value", ""
    sign = -1.0 if case.maximize else 1.0  # sign * (a - b) > 0: a is worse than b
    tol = case.tolerance
    worse = sign * (ours - case.published)
    if worse < -tol:
        return f"MISMATCH: better than the published value by {abs(ours - case.published):.6g}", "mismatch"
    # A solver bound carries its feasibility tolerance (~1e-6 relative): only more than that is a proof.
    if bound is not None and sign * (bound - case.published) > tol + BOUND_REL * abs(case.published):
        return f"MISMATCH: the proven bound {bound:.10g} excludes the published value", "mismatch"
    if worse <= tol:
        return ("match", "") if status is Status.OPTIMAL else ("match, not proven", "")
    if status is Status.OPTIMAL:
        return (
            f"MISMATCH: proven optimal within the gap but {worse:.6g} worse than published (tighten --gap?)",
            "mismatch",
        )
    return "above published, not proven", ""


def run_case(
    case: Case,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    with_lp_bound: bool | None = None,
    reduce: bool = True,
) -> Row:
    """Read, model, solve, re-evaluate and compare one case.

    Args:
        case: the instance and its published value.
        solver: the solver registry name.
        options: solver options (time limit, gap, threads).
        with_lp_bound: also solve the LP relaxation (default: only when there is no published value).
        reduce: apply the exact reductions (siting.model.solve's `reduce`; False measures the plain model).

    Returns:
        The table row.

    Raises:
        InputError: a malformed instance file, or an instance the model cannot represent faithfully.
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    prepared = case.prepare()
    size = dict(
        set=case.set,
        instance=case.name,
        n=prepared.n,
        m=prepared.m,
        p=prepared.p,
        published=case.published,
        radius=case.radius,
    )

    def without_plan(status: Status, verdict: str, failure: str = "mismatch") -> Row:
        return Row(
            **size,
            ours=None,
            solver_objective=None,
            bound=None,
            gap=None,
            lp_bound=None,
            status=status.value,
            seconds=time.perf_counter() - started,
            solve_seconds=math.nan,
            verdict=verdict,
            failure=failure,
        )

    try:
        sol = solve(prepared.data, prepared.spec, solver=solver, options=options, reduce=reduce)
    except NoPlanError:
        return without_plan(Status.NO_SOLUTION, "no plan within the time limit", failure="")
    except InfeasibleError:
        return without_plan(Status.INFEASIBLE, "MISMATCH: the model is infeasible")
    except InputError:
        raise
    except SitingError as err:
        return without_plan(Status.ERROR, f"MISMATCH: {err}")
    solve_seconds = sum(s.result.time_s for s in sol.stages)
    evaluation = prepared.evaluate(sol.plan)
    seconds = time.perf_counter() - started
    objective, bound, ours = sol.objective, sol.bound, evaluation.value
    gap = relative_gap(objective, bound) if bound is not None else None
    if with_lp_bound is None:
        with_lp_bound = case.published is None
    relaxed = lp_bound(prepared.data, prepared.spec, solver=solver, options=options) if with_lp_bound else None

    # The independent value must agree with the solver's. For a proven optimum both ways (up to the gap the
    # solver was allowed); otherwise ours may be better (nearest re-assignment, coverage the solver left
    # unclaimed) but never worse.
    sign = -1.0 if case.maximize else 1.0
    slack = CHECK_REL * max(1.0, abs(objective))
    allowed_better = slack + (options.mip_rel_gap * abs(objective) if sol.status is Status.OPTIMAL else math.inf)
    check = ""
    if evaluation.problems:
        check = "; ".join(evaluation.problems)
    elif not math.isfinite(ours) or sign * (ours - objective) > slack:
        check = f"the plan's recomputed objective {ours:.10g} is worse than the solver's {objective:.10g}"
    elif sign * (objective - ours) > allowed_better:
        check = f"the plan's recomputed objective {ours:.10g} is better than the solver's optimum {objective:.10g}"
    if check:
        verdict, failure = f"CHECK FAILED: {check}", "check"
    else:
        verdict, failure = _verdict(case, sol.status, ours, bound)
    return Row(
        **size,
        ours=ours,
        solver_objective=objective,
        bound=bound,
        gap=gap,
        lp_bound=relaxed,
        status=sol.status.value,
        seconds=seconds,
        solve_seconds=solve_seconds,
        verdict=verdict,
        failure=failure,
    )
