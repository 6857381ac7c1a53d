"""Models holding several copies of the variables, and how they are solved.

A phased roll-out has a copy per year (siting.model.phases), a robust plan a copy of the coverage variables per
demand variant (siting.model.robust). They are solved as the plain model is: objectives in the scenario's
order, each later one keeping the earlier optima with (8); then the options found are fixed and everything else
is settled by one solver in a fixed order (siting.model.settle), and each copy is decoded into its own plan.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from siting.errors import InputError
from siting.model.builder import Model
from siting.model.objectives import MAXIMIZE, keep_optimum
from siting.model.settle import Block, decode, settle
from siting.model.solve import (
    FIXING_SHARE,
    MIN_FIXING_S,
    MIN_STAGE_S,
    SETTLE_SHARE,
    Clock,
    Solution,
    Stage,
    check_first,
    first_answer,
    fix_later,
    rounded,
    solution_of,
)
from siting.plan import Plan
from siting.solvers import AUTO, SolveOptions, Status, get_solver

#: Solver for stacked models when the caller leaves the choice to the program.
DEFAULT_SOLVER = "highs"


@dataclass(frozen=True)
class Stacked:
    """A built stacked model: its copies of the variables and the objective vectors (summed over copies)."""

    model: Model
    blocks: list[Block]
    vectors: dict[str, np.ndarray]
    build_s: float
    exact: Callable[[np.ndarray], None] | None = None  # gives auxiliary columns (θ, ρ) their exact values


@dataclass(frozen=True)
class StackedSolution:
    """The solution of a stacked model.

    Attributes:
        solution: status, bound, gap, stages and objective values of the whole model, with the last copy's
            plan (the plan at the end of a roll-out; the one plan of a robust model).
        plans: each copy's plan, in the order of the copies.
        x: the settled solution vector.
    """

    solution: Solution
    plans: tuple[Plan, ...]
    x: np.ndarray


def solve_stacked(
    stacked: Stacked, *, solver: str = DEFAULT_SOLVER, options: SolveOptions | None = None, start=None
) -> StackedSolution:
    """Solve the objectives in turn, settle with the options fixed, decode each copy.

    Args:
        stacked: the model.
        solver: a registry name ("auto" = HiGHS).
        options: time limit (for the whole solve), gap, threads.
        start: a full-length solution vector to start the first stage from (solvers that take one).

    Raises:
        InfeasibleError, NoPlanError: as siting.model.solve.solve.
    """
    options = options or SolveOptions()
    clock = Clock(time.perf_counter(), options.time_limit_s)
    stage_clock = clock.reserving(SETTLE_SHARE)
    name = DEFAULT_SOLVER if solver.strip().lower() == AUTO else solver
    backend = get_solver(name)
    model, blocks, vectors = stacked.model, stacked.blocks, stacked.vectors
    if getattr(backend, "integer_only", False) and not np.concatenate(model.integer).all():
        raise InputError(
            f"{name} takes integer variables only, and a phased or robust model needs continuous ones; "
            "use highs, cbc or ortools",
            field="--solver",
        )
    stages: list[Stage] = []
    kept = []
    x = start
    staged = model  # the model of the stages, with the columns reduced-cost fixing settles
    for objective, vector in vectors.items():
        left = stage_clock.left()
        if stages and left is not None and left <= MIN_STAGE_S:
            break  # no time for a later stage: keep the plan found
        problem = staged.problem(vector, maximize=MAXIMIZE[objective], extra=kept)
        result = backend.solve(problem, replace(options, time_limit_s=left and max(left, MIN_STAGE_S), warm_start=x))
        if not stages:
            result = first_answer(problem, result, start, 0.0, f"start plan ({name} found no better plan in time)")
        stages.append(Stage(objective, result))
        if len(stages) == 1:
            check_first(result, name, options)
        if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            break
        x = result.x
        kept.append(keep_optimum(objective, vector, float(result.objective), MAXIMIZE[objective]))
        if len(stages) < len(vectors):  # exact reduced-cost fixing for the later stages (siting.model.fixing)
            fixed = fix_later(problem, kept[-1], stage_clock, FIXING_SHARE * max(result.time_s, MIN_FIXING_S))
            if fixed is not None:
                staged = _with_fixed(staged, fixed)
    settle_started = time.perf_counter()
    left = clock.left()
    settled = settle(model, blocks, vectors, x, replace(options, time_limit_s=left and max(left, MIN_STAGE_S)))
    settle_s = time.perf_counter() - settle_started
    if settled is None:
        x = rounded(model, x)
        values = {n: float(c @ x) for n, c in vectors.items()}
    else:
        x = settled.x
        if stacked.exact is not None:
            stacked.exact(x)
        values = {n: float(c @ x) for n, c in vectors.items()}
    plans = tuple(decode(b.data, b.spec, b.v, x) for b in blocks)
    solution = solution_of(plans[-1], stages, vectors, values, model, stacked.build_s, settle_s, settled is not None)
    return StackedSolution(solution, plans, x)


def complete(stacked: Stacked, taken: list[np.ndarray], options: SolveOptions) -> np.ndarray | None:
    """A start for `solve_stacked`: a whole solution with each copy's options fixed to `taken`.

    The rest is solved for the first objective; None when those options admit no solution. With the options fixed
    this is quick, and it is what a stacked solve falls back to when time runs out, so it runs without the time
    limit.
    """
    model = stacked.model
    name, vector = next(iter(stacked.vectors.items()))
    problem = model.problem(vector, maximize=MAXIMIZE[name])
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    for block, chosen in zip(stacked.blocks, taken):
        lower[block.v.x] = upper[block.v.x] = chosen.astype(float)
    result = get_solver(DEFAULT_SOLVER).solve(
        replace(problem, col_lower=lower, col_upper=upper),
        replace(options, warm_start=None, mip_rel_gap=1e-4, time_limit_s=None),
    )
    return result.x if result.x is not None and result.status in (Status.OPTIMAL, Status.FEASIBLE) else None


def _with_fixed(model: Model, fixed) -> Model:
    """The model with the fixed columns' bounds set to their values."""
    lower, upper = np.concatenate(model.lower), np.concatenate(model.upper)
    lower[fixed.columns] = upper[fixed.columns] = fixed.values
    return dataclasses.replace(model, lower=[lower], upper=[upper], integer=[np.concatenate(model.integer)])
