"""Solve the model lexicographically (objectives in the scenario's order), settle the plan, decode it.

Two numerical rules make the answer right whatever the solver's tolerances:

* (8) keeps an earlier optimum F* with a slack τ = 1e-6 · max(1, |F*|, ‖c‖∞): far above the solvers' own
  feasibility tolerances (≈1e-6 on rows whose coefficients are demands times weights), far below any
  difference an officer could see. A slack at 1e-6 absolute let HiGHS's presolve cut off the true optimum of
  the min-cost stage (../shared/cases/min-cost-tolerance).
* Only the rounded options leave the MILP. `siting.model.settle` fixes them and re-solves everything else
  (hosted services, complexes, assignment, floor-area split) with one fixed solver and a fixed order of
  tie-breaks, so that a tolerance-level value never reaches the plan and one set of options always gives one
  set of figures, whichever solver chose them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from siting.errors import InfeasibleError, InputError, SitingError
from siting.model import formulation
from siting.model.builder import ConstraintBlock, Model
from siting.model.data import ModelData
from siting.model.objectives import MAXIMIZE, keep_optimum, kept_slack, objective_vector
from siting.model.settle import decode, settle
from siting.model.spec import ModelSpec
from siting.model.start import start_vector
from siting.model.variables import Variables
from siting.plan import Plan
from siting.solvers import SolveOptions, SolveResult, Status, get_solver
from siting.solvers.base import relative_gap


class NoPlanError(SitingError):
    """The solver stopped (time limit) before finding any plan."""

    exit_code = 5


@dataclass(frozen=True)
class Stage:
    """One lexicographic stage: its objective and the solver's result."""

    objective: str
    result: SolveResult


@dataclass(frozen=True)
class Solution:
    """The decoded plan and how it was found.

    Attributes:
        plan: chosen buildings, modes, services (and assignments in the assign form).
        status: OPTIMAL only when every stage proved optimality and the settled plan keeps the first stage's
            value; FEASIBLE otherwise.
        bound: the solver's proven bound on the first objective; gap: the relative gap between the bound and
            the first objective's value at the settled plan (`objective`).
        stages: every MILP stage, in order.
        rows: constraint rows per family; n_cols: number of variables; build_s: seconds to build the arrays.
        values: each objective's value at the settled plan.
        settle_s: seconds spent settling; settled: False when settling failed and the solver's own values
            (integers rounded) were decoded.
    """

    plan: Plan
    status: Status
    bound: float | None
    gap: float | None
    stages: tuple[Stage, ...]
    rows: dict[str, int]
    n_cols: int
    build_s: float
    values: dict[str, float]
    settle_s: float = 0.0
    settled: bool = True

    @property
    def objective(self) -> float:
        """The first objective's value at the settled plan."""
        return self.values[self.stages[0].objective]

    @property
    def first(self) -> Stage:
        """The primary stage."""
        return self.stages[0]


def solve(
    data: ModelData,
    spec: ModelSpec | None = None,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    start: Plan | None = None,
) -> Solution:
    """Optimise each objective in turn keeping the earlier optima, settle the options found, decode the plan.

    The time limit in `options` applies to the first stage; each later stage gets what is left of it, and
    at least a fifth of it. `start`, a plan of a similar scenario (e.g. the previous point of a budget
    frontier), is handed to the first stage as a warm start (siting.model.start); solvers ignore an
    infeasible one, and it never changes the optimum, only how fast it is found.

    Raises:
        InfeasibleError: the first stage has no feasible plan.
        NoPlanError: the first stage stopped before finding one.
    """
    spec = spec or ModelSpec()
    options = options or SolveOptions()
    backend = get_solver(solver)
    started = time.perf_counter()
    integer_only = getattr(backend, "integer_only", False)
    model, v = formulation.build(data, spec, integer_only=integer_only)
    if integer_only and (v.assign or len(v.q) or len(v.t) or len(v.r)):
        raise InputError(
            f"{solver} takes integer variables only, and this scenario's model needs continuous "
            "ones (capacities, distance decay or distances, max_min_share, or the complex spending "
            "share); use highs, cbc or ortools",
            field="--solver",
        )
    vectors = {name: objective_vector(name, data, spec, v, model.n_cols) for name in spec.objectives}
    build_s = time.perf_counter() - started

    stages: list[Stage] = []
    kept: list[ConstraintBlock] = []
    x = None if start is None else start_vector(data, spec, v, model.n_cols, start)
    for name, vector in vectors.items():
        limit = options.time_limit_s
        if limit is not None and stages:
            limit = max(limit - sum(s.result.time_s for s in stages), limit / 5)
        problem = model.problem(vector, maximize=MAXIMIZE[name], extra=kept)
        result = backend.solve(problem, replace(options, time_limit_s=limit, warm_start=x))
        stages.append(Stage(name, result))
        if len(stages) == 1:
            _check_first(result, solver, options)
        if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            break  # a later stage failed: keep the previous plan
        x = result.x
        kept.append(keep_optimum(name, vector, float(result.objective), MAXIMIZE[name]))

    settle_started = time.perf_counter()
    settled = settle(model, v, data, spec, vectors, x, options)
    settle_s = time.perf_counter() - settle_started
    if settled is None:  # the fixed options admit no settled plan in time: decode the solver's own values
        x = _rounded(model, v, x)
        values = {name: float(vector @ x) for name, vector in vectors.items()}
    else:
        x, values = settled.x, settled.values
    first = stages[0]
    objective = values[first.objective]
    proven = all(s.result.status is Status.OPTIMAL for s in stages) and len(stages) == len(vectors)
    proven &= all(
        _keeps(stage, vectors[stage.objective], values[stage.objective], i == 0) for i, stage in enumerate(stages)
    )
    bound = first.result.bound
    return Solution(
        plan=decode(data, spec, v, x),
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        bound=bound,
        gap=relative_gap(objective, bound) if bound is not None else first.result.gap,
        stages=tuple(stages),
        rows=model.row_counts(),
        n_cols=model.n_cols,
        build_s=build_s,
        values=values,
        settle_s=settle_s,
        settled=settled is not None,
    )


def _keeps(stage: Stage, vector: np.ndarray, value: float, primary: bool) -> bool:
    """The settled plan keeps the stage's proven value, within the slack of (8).

    Better than a proven optimum means the proof was wrong; worse, for the primary objective, means the solver's
    plan relied on its tolerances: either way the plan is not proven optimal. A later objective may come out
    slightly worse: settling restores the earlier objectives that the solver had traded within the slack of (8).
    """
    claimed = float(stage.result.objective)
    slack = 2 * kept_slack(vector, claimed)  # (8) allows τ; twice that absorbs rounding at the edge
    better = value > claimed + slack if MAXIMIZE[stage.objective] else value < claimed - slack
    worse = value < claimed - slack if MAXIMIZE[stage.objective] else value > claimed + slack
    return not better and not (primary and worse)


def _rounded(model: Model, v: Variables, x: np.ndarray) -> np.ndarray:
    """The solver's values with integer columns rounded (used only when settling fails)."""
    x = x.copy()
    integer = np.concatenate(model.integer) if model.integer else np.zeros(0, bool)
    x[integer] = np.round(x[integer])
    return x


def _check_first(result: SolveResult, solver: str, options: SolveOptions) -> None:
    if result.status is Status.INFEASIBLE:
        raise InfeasibleError("infeasible: no plan meets every requirement of the scenario")
    if result.status is Status.NO_SOLUTION:
        raise NoPlanError(
            f"{solver} found no plan within the time limit of {options.time_limit_s} s; "
            "give it more time (--time-limit)"
        )
    if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise SitingError(f"{solver} failed: {result.status.value} {result.message}".strip())


__all__ = ["Model", "NoPlanError", "Solution", "Stage", "decode", "solve"]
