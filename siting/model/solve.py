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

And three rules make it fast (issue 9; figures in benchmarks/ENGINE.md): exact reductions first
(siting.model.reduce); a greedy plan as the first stage's start and as the answer when time runs out
(siting.model.greedy); columns the later stages cannot move fixed by reduced costs (siting.model.fixing); the
p-median, capacitated facility location, single-source capacitated p-median and capacitated max coverage first
stages reduced from a Lagrangian bound (siting.model.radius, siting.model.cflp, siting.model.cpmp,
siting.model.coverage). The time limit is the whole solve's: each stage, and settling, gets what is left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from siting.errors import InfeasibleError, InputError, SitingError
from siting.model import cflp, coverage, cpmp, formulation, greedy, radius
from siting.model import reduce as reductions
from siting.model.builder import ConstraintBlock, Model
from siting.model.choose import choose_solver
from siting.model.data import ModelData
from siting.model.fixing import fix_for_later_stages
from siting.model.objectives import MAXIMIZE, keep_optimum, kept_slack, objective_vector
from siting.model.settle import Block, decode, settle
from siting.model.spec import ModelSpec
from siting.model.start import start_vector
from siting.model.variables import Variables
from siting.plan import Plan
from siting.solvers import AUTO, MilpProblem, SolveOptions, SolveResult, Status, get_solver
from siting.solvers.base import FEASIBILITY_TOLERANCE, ProgressEvent, relative_gap
from siting.solvers.highs import lp_duals

#: Share of a time limit kept for settling (siting.model.settle): the stages stop earlier, so that the plan's
#: figures come from the settled solve, not from the solver's values at the limit.
SETTLE_SHARE = 0.1
#: A stage with less time than this left is not started.
MIN_STAGE_S = 1e-3
#: Reduced-cost fixing (an LP) is only worth its time with at least this many seconds left.
MIN_FIXING_S = 1.0
#: The fixing LP may take this many times the stage it follows (at least MIN_FIXING_S of it).
FIXING_SHARE = 2.0


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
    reduce: bool = True,
    fixing: bool = True,
    start: Plan | None = None,
    bound: float | None = None,
) -> Solution:
    """Optimise each objective in turn keeping the earlier optima, settle the options found, decode the plan.

    The time limit in `options` is for the whole solve: the greedy start, every stage and settling share it,
    each getting what is left. Where serving nobody is allowed, a greedy plan is the first stage's start and,
    should the solver find nothing better in time, the answer (status FEASIBLE, with the proven gap). `start`,
    a plan of a similar scenario (e.g. the previous point of a budget frontier), is handed to the first stage
    instead when it is feasible and better than the greedy plan (siting.model.start); an infeasible one is
    still handed over when there is no greedy plan (solvers ignore it). Neither changes the optimum.

    Args:
        data: the model data; spec: its switches.
        solver: a registry name, or "auto" to choose by problem class (siting.model.choose).
        options: time limit, gap, threads, seed.
        reduce: apply the exact reductions first (siting.model.reduce; for a p-median, siting.model.radius_bounds;
            for capacitated facility location, siting.model.cflp_bounds; for the single-source capacitated
            p-median, siting.model.cpmp_bounds).
        fixing: fix columns for the later stages by reduced costs (siting.model.fixing).
        start: a warm-start plan.
        bound: a proven bound on the first objective's optimum (e.g. the optimum of the same scenario with a
            larger budget, for max_coverage). When the start plan (or the greedy plan) reaches it within the
            relative gap asked for, that plan is the first stage's optimum and the solver is not called.

    Raises:
        InfeasibleError: the first stage has no feasible plan.
        NoPlanError: the first stage stopped before finding one and there is no greedy plan.
    """
    spec = spec or ModelSpec()
    options = options or SolveOptions()
    started = time.perf_counter()
    clock = Clock(started, options.time_limit_s)
    stage_clock = clock.reserving(SETTLE_SHARE)
    if reduce:
        reduction = reductions.reduce(data, spec)
        data, spec = reduction.data, reduction.spec
    if solver.strip().lower() == AUTO:
        solver = choose_solver(data, spec, options)
    backend = get_solver(solver)
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
    x = None
    given = None if start is None else start_vector(data, spec, v, model.n_cols, start)
    col_lower, col_upper = (np.concatenate(bounds) for bounds in (model.lower, model.upper))
    solver_fixing = fixing and len(vectors) > 1
    by_coverage = False
    for index, (name, vector) in enumerate(vectors.items()):
        problem = model.problem(vector, maximize=MAXIMIZE[name], extra=kept)
        if stages:
            problem = replace(problem, col_lower=col_lower, col_upper=col_upper)
        begin = None
        if not stages:
            begin = _first_start(data, spec, v, problem, given)
            x = given if begin is None else begin.x
        limit = stage_clock.left()
        if not stages and begin is not None and _reaches(begin, bound, options.mip_rel_gap):
            result = _known(begin, bound)
        elif limit is not None and limit <= MIN_STAGE_S:
            result = _not_run(problem, x, solver)
        else:
            report = _stage_progress(options.progress, name, index, len(vectors))
            stage_options = replace(options, time_limit_s=limit, warm_start=x, progress=report)
            if not stages and not integer_only and radius.applicable(data, spec):
                result = radius.solve_first_stage(
                    data, spec, v, problem, backend, replace(stage_options, warm_start=None), reduce=reduce
                )
            elif not stages and not integer_only and reduce and cflp.applicable(data, spec):
                result = cflp.solve_first_stage(data, spec, v, problem, backend, stage_options)
            elif not stages and not integer_only and reduce and cpmp.applicable(data, spec):
                result = cpmp.solve_first_stage(data, spec, v, problem, backend, stage_options)
            elif not stages and not integer_only and reduce and coverage.applicable(model, spec, v, problem):
                result = coverage.solve_first_stage(data, spec, v, problem, backend, stage_options)
                by_coverage = True
            else:
                result = backend.solve(problem, stage_options)
            if report is not None:
                report(
                    ProgressEvent(
                        final=True,
                        status=result.status,
                        incumbent=result.objective,
                        bound=result.bound,
                        elapsed_s=result.time_s,
                        solver=result.solver,
                    )
                )
        if not stages:
            label = f"greedy ({solver} found no better plan in time)"
            start_x, start_s = (None, 0.0) if begin is None else (begin.x, begin.seconds)
            result = first_answer(problem, result, start_x, start_s, label)
        stages.append(Stage(name, result))
        if len(stages) == 1:
            check_first(result, solver, options)
        if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            break  # a later stage failed or had no time: keep the previous plan
        x = result.x
        kept.append(keep_optimum(name, vector, float(result.objective), MAXIMIZE[name]))
        if index == 0 and by_coverage and len(vectors) > 1:  # exact, from the Lagrangian bound: 0.1 s
            col_upper[coverage.fix_for_later_stages(data, spec, v, problem, float(kept[-1].lower[0]))] = 0.0
            problem = replace(problem, col_upper=col_upper)  # the LP of fix_later below on what is left
        if index + 1 < len(vectors) and solver_fixing:
            fixed = fix_later(problem, kept[-1], stage_clock, FIXING_SHARE * max(result.time_s, MIN_FIXING_S))
            if fixed is not None:
                col_lower[fixed.columns] = fixed.values
                col_upper[fixed.columns] = fixed.values

    settle_started = time.perf_counter()
    left = clock.left()
    settled = None
    if left is None or left > MIN_STAGE_S:
        settled = settle(model, [Block(data, spec, v)], vectors, x, replace(options, time_limit_s=left))
    settle_s = time.perf_counter() - settle_started
    if settled is None:  # the fixed options admit no settled plan in time: decode the solver's own values
        x = rounded(model, x)
        values = {name: float(vector @ x) for name, vector in vectors.items()}
    else:
        x, values = settled.x, settled.values
    return solution_of(decode(data, spec, v, x), stages, vectors, values, model, build_s, settle_s, settled is not None)


def solution_of(
    plan: Plan,
    stages: list[Stage],
    vectors: dict[str, np.ndarray],
    values: dict[str, float],
    model: Model,
    build_s: float,
    settle_s: float,
    settled: bool,
) -> Solution:
    """The Solution of settled values: proven when every stage was and the settled plan keeps each stage's value."""
    first = stages[0]
    objective = values[first.objective]
    proven = all(s.result.status is Status.OPTIMAL for s in stages) and len(stages) == len(vectors)
    proven = proven and all(keeps(s, vectors[s.objective], values[s.objective], i == 0) for i, s in enumerate(stages))
    bound = first.result.bound
    return Solution(
        plan=plan,
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        bound=bound,
        gap=relative_gap(objective, bound) if bound is not None else first.result.gap,
        stages=tuple(stages),
        rows=model.row_counts(),
        n_cols=model.n_cols,
        build_s=build_s,
        values=values,
        settle_s=settle_s,
        settled=settled,
    )


def keeps(stage: Stage, vector: np.ndarray, value: float, primary: bool) -> bool:
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


def _first_start(
    data: ModelData, spec: ModelSpec, v: Variables, problem: MilpProblem, given: np.ndarray | None
) -> greedy.Start | None:
    """The feasible start of the first stage: the greedy plan, or the given plan when it is feasible and better."""
    begin = greedy.greedy_start(data, spec, v, problem) if greedy.applicable(spec) else None
    if given is None or problem.max_violation(given) > FEASIBILITY_TOLERANCE:
        return begin
    value = problem.objective_value(given)
    better = begin is None or (value > begin.objective if problem.maximize else value < begin.objective)
    return greedy.Start(given, value, 0.0) if better else begin


def _reaches(begin: greedy.Start, bound: float | None, gap: float) -> bool:
    """The start plan is within `gap` of a proven bound on the optimum: it is an optimum (as a solver would say)."""
    return bound is not None and relative_gap(begin.objective, bound) <= gap


def _known(begin: greedy.Start, bound: float) -> SolveResult:
    """The first stage answered by a start plan that reaches a proven bound (see solve's `bound`)."""
    gap = relative_gap(begin.objective, bound)
    solver = "start plan (it reaches the proven bound)"
    return SolveResult(Status.OPTIMAL, begin.x, begin.objective, bound, gap, begin.seconds, solver, "", "")


def _stage_progress(report, name: str, index: int, count: int):
    """The caller's progress callback with the stage filled in (None without one)."""
    if report is None:
        return None
    return lambda event: report(replace(event, stage=name, index=index, count=count))


def fix_later(problem: MilpProblem, kept: ConstraintBlock, clock: Clock, budget: float):
    """Columns the later stages cannot move (siting.model.fixing), from the LP duals of `problem`.

    The LP gets at most `budget` seconds and a quarter of what is left: its relaxation is the root of the stage
    just solved, so a stage that was quick to prove has a quick LP, and a slow LP is not worth waiting for.
    """
    left = clock.left()
    if left is not None and left < MIN_FIXING_S:
        return None  # no time for a later stage anyway
    duals = lp_duals(problem, budget if left is None else min(budget, left / 4))
    if duals is None:
        return None
    threshold = float(kept.lower[0]) if problem.maximize else -float(kept.upper[0])
    as_max = problem if problem.maximize else replace(problem, c=-problem.c, maximize=True)
    return fix_for_later_stages(as_max, duals, threshold)


class Clock:
    """What is left of the whole solve's time limit."""

    def __init__(self, started: float, limit: float | None) -> None:
        self.started, self.limit = started, limit
        self.deadline = None if limit is None else started + limit

    def reserving(self, share: float) -> Clock:
        """A clock for the work before the last `share` of this one's limit."""
        return Clock(self.started, None if self.limit is None else (1 - share) * self.limit)

    def left(self) -> float | None:
        """Seconds left (None without a limit; may be ≤ 0)."""
        return None if self.deadline is None else self.deadline - time.perf_counter()


def within(options: SolveOptions, clock: Clock, share: float = 1.0) -> SolveOptions:
    """`options` with the time limit set to `share` of what is left on `clock` (as they are without a limit).

    Solves made of several solves (a phased or robust plan: single-year or single-variant plans first, then the
    stacked model) give each part its share, so that the time limit holds for the whole.
    """
    left = clock.left()
    return options if left is None else replace(options, time_limit_s=max(share * left, MIN_STAGE_S))


def _not_run(problem: MilpProblem, x: np.ndarray | None, solver: str) -> SolveResult:
    """A stage the time limit left no room for: NO_SOLUTION, with the best bound known without solving."""
    return SolveResult(Status.NO_SOLUTION, None, None, trivial_bound(problem), None, 0.0, solver, "", "no time left")


def first_answer(
    problem: MilpProblem, result: SolveResult, start: np.ndarray | None, seconds: float, label: str
) -> SolveResult:
    """The first stage's answer: the start plan (`label`) when the solver found none in time; a plan has a bound."""
    if result.x is None and result.status is Status.NO_SOLUTION and start is not None:
        result = fallback(problem, start, seconds, result, label)
    if result.x is not None and result.bound is None:
        result = with_trivial_bound(problem, result)
    return result


def fallback(problem: MilpProblem, x: np.ndarray, seconds: float, result: SolveResult, label: str) -> SolveResult:
    """A start plan as the first stage's answer when the solver found nothing in time.

    The bound is the solver's (or the trivial one); `label` says where the plan came from.
    """
    bound = result.bound if result.bound is not None else trivial_bound(problem)
    objective = problem.objective_value(x)
    return SolveResult(
        Status.FEASIBLE,
        x,
        objective,
        bound,
        None if bound is None else relative_gap(objective, bound),
        result.time_s + seconds,
        label,
        result.version,
        result.message,
    )


def with_trivial_bound(problem: MilpProblem, result: SolveResult) -> SolveResult:
    """A plan stopped before the solver proved any bound (HiGHS interrupted in presolve) still gets a gap."""
    bound = trivial_bound(problem)
    if bound is None:
        return result
    gap = None if result.objective is None else relative_gap(float(result.objective), bound)
    return replace(result, bound=bound, gap=gap)


def trivial_bound(problem: MilpProblem) -> float | None:
    """The best objective any point within the column bounds could have (None if that is unbounded)."""
    on = np.flatnonzero(problem.c)
    upward = (problem.c[on] > 0) == problem.maximize
    best = np.where(upward, problem.col_upper[on], problem.col_lower[on])
    if not np.isfinite(best).all():
        return None
    return float(problem.c[on] @ best) + problem.offset


def rounded(model: Model, x: np.ndarray) -> np.ndarray:
    """The solver's values with integer columns rounded (used only when settling fails)."""
    x = x.copy()
    integer = np.concatenate(model.integer) if model.integer else np.zeros(0, bool)
    x[integer] = np.round(x[integer])
    return x


def check_first(result: SolveResult, solver: str, options: SolveOptions) -> None:
    """Raise InfeasibleError, NoPlanError or SitingError when the first stage has no plan."""
    if result.status is Status.INFEASIBLE:
        raise InfeasibleError("infeasible: no plan meets every requirement of the scenario")
    if result.status is Status.NO_SOLUTION:
        raise NoPlanError(
            f"{solver} found no plan within the time limit of {options.time_limit_s:g} s; "
            "give it more time (--time-limit)"
        )
    if result.x is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise SitingError(f"{solver} failed: {result.status.value} {result.message}".strip())


__all__ = ["Model", "NoPlanError", "Solution", "Stage", "decode", "solve"]
