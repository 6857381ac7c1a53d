"""A frontier's points: one planned point, and the rules by which one point's plan answers another.

The feasible plans at a budget B are among those at any B' > B, so a proven optimum at B' that spends no more
than B is the optimum at B too (`answers_at`, `taken`), and a plan found at a smaller budget fits every larger one
(`best_below`). Every plan taken over is re-checked against its new point's rules (`recheck`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from siting import pipeline
from siting.errors import InfeasibleError
from siting.model.objectives import MAXIMIZE
from siting.model.solve import NoPlanError
from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.solvers import SolveOptions, Status
from siting.solvers.base import relative_gap
from siting.study.frontier_table import WAN
from siting.study.variants import BudgetKind
from siting.verify.evaluate import evaluate


@dataclass(frozen=True)
class Point:
    """One planned point of a sweep.

    Attributes:
        sweep: free, nested or target.
        label: p00, p01, ... in the order of the swept value.
        budget: the budget planned with (元 or 元/year), None for a target sweep.
        target: the covered share asked of every service, None for a budget sweep.
        result: the verified run, None when the point has no plan.
        status: optimal, feasible, infeasible or no_solution.
        seconds: wall time of the point (model, solve and check).
        note: why there is no plan, or where the plan came from: "= free p07" (that point's plan, which fits
            this budget, is the optimum here too), "= nested top" (the plan found at the largest budget with the
            same buildings kept).
    """

    sweep: str
    label: str
    budget: float | None
    target: float | None
    result: pipeline.RunResult | None
    status: str
    seconds: float
    note: str = ""


def solve_point(
    scenario: Scenario,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    start: Plan | None = None,
    bound: float | None = None,
) -> tuple[pipeline.RunResult | None, str, str, float]:
    """Plan one point: (result or None, status, note, seconds). A pure function of its arguments.

    Infeasible points and points with no plan in time are answers, not errors; a plan that fails its
    independent check still raises PlanViolation. `bound`: a proven bound on the first objective (pipeline.run).
    """
    started = time.perf_counter()
    try:
        result = pipeline.run(
            scenario, solver=solver, options=options, start=start, bound=bound, explain_infeasible=False
        )
    except InfeasibleError as err:
        return None, "infeasible", str(err), time.perf_counter() - started
    except NoPlanError as err:
        return None, "no_solution", str(err), time.perf_counter() - started
    return result, result.solution.status.value, "", time.perf_counter() - started


def spent(result: pipeline.RunResult, kind: BudgetKind) -> float:
    """What a plan takes of the budget `kind`: its one-off cost, or its new yearly cost net of closures."""
    ev = result.evaluation
    return ev.capex if kind == "capex" else max(0.0, ev.annual - ev.freed)


def best_below(points: list[Point], scenarios: list[Scenario]) -> list[Point]:
    """Each point with the best plan found at its budget or below (a smaller budget's plan fits every larger one).

    Only a point whose own solve stopped at the time limit can be worse than a point below it; it takes that
    plan, re-checked against its own rules, with its own proven bound and the gap from it (status feasible), so
    a frontier never falls as the budget rises.
    """
    best: Point | None = None
    out = []
    for point, scenario in zip(points, scenarios):
        if point.result is not None and best is not None and point.status != "optimal" and _worse(point, best):
            point = _lifted(best, point, scenario)
        if point.result is not None and (best is None or _worse(best, point)):
            best = point
        out.append(point)
    return out


def _worse(point: Point, other: Point) -> bool:
    """The point's first objective is worse than the other's (beyond rounding)."""
    solution, rival = point.result.solution, other.result.solution
    margin = 1e-9 * max(1.0, abs(solution.objective))
    if MAXIMIZE[solution.first.objective]:
        return solution.objective < rival.objective - margin
    return solution.objective > rival.objective + margin


def _lifted(source: Point, point: Point, scenario: Scenario) -> Point:
    """The source's plan (found at a smaller budget) as the point's answer, with the point's own bound and gap."""
    started = time.perf_counter()
    result = recheck(source.result, scenario)
    bound = point.result.solution.bound
    gap = relative_gap(result.solution.objective, bound) if bound is not None else None
    solution = dataclasses.replace(result.solution, status=Status.FEASIBLE, bound=bound, gap=gap)
    note = f"= {source.sweep} {source.label} (better than this point's own solve found in time)"
    seconds = point.seconds + time.perf_counter() - started
    return Point(point.sweep, point.label, point.budget, point.target, dataclasses.replace(result, solution=solution),
                 "feasible", seconds, note)  # fmt: skip


def answers_at(point: Point, budget: float, kind: BudgetKind) -> bool:
    """The point's proven answer is also the answer at `budget` (below the point's own, module docstring)."""
    if point.status == "infeasible":
        return True
    return point.status == "optimal" and spent(point.result, kind) <= budget


def taken(source: Point, sweep: str, label: str, budget: float, scenario: Scenario) -> Point:
    """The source point's answer as the answer of `scenario` (another budget or kept buildings), re-checked."""
    started = time.perf_counter()
    note = f"= {source.sweep} {source.label}"
    if source.result is None:
        return Point(sweep, label, budget, None, None, source.status, 0.0, source.note or note)
    result = recheck(source.result, scenario)
    return Point(sweep, label, budget, None, result, source.status, time.perf_counter() - started, note)


def recheck(result: pipeline.RunResult, scenario: Scenario) -> pipeline.RunResult:
    """`result`'s plan as the plan of `scenario`, checked by the independent evaluator against its rules.

    Raises:
        PlanViolation: the plan breaks a rule of `scenario`, or its objectives differ from the solution's claims
            (a bug in the rule that chose to reuse it).
    """
    solution = result.solution
    evaluation = evaluate(scenario, solution.plan, result.demand.units, proven=solution.status.value == "optimal")
    evaluation.raise_if_invalid()
    pipeline.check_claims(solution.values, evaluation.objectives, solution.settled)
    return dataclasses.replace(result, scenario=scenario, evaluation=evaluation)


def solve_point_task(
    scenario: Scenario, solver: str, options: SolveOptions | None, start: Plan | None, bound: float | None = None
) -> tuple[pipeline.RunResult | None, str, str, float]:
    """solve_point with positional arguments, as an executor calls it."""
    return solve_point(scenario, solver=solver, options=options, start=start, bound=bound)


def step_text(point: Point) -> str:
    """One plain line on a planned point, for the progress printer."""
    what = f"target {point.target:.0%}" if point.target is not None else f"budget {point.budget / WAN:,.2f} 万元"
    if point.result is None:
        return f"{point.sweep} {point.label} {what}: {point.status} ({point.seconds:.1f} s)"
    ev = point.result.evaluation
    return (
        f"{point.sweep} {point.label} {what}: {point.status}, objective {ev.objective:,.4g}, "
        f"{len(ev.selected)} buildings ({point.seconds:.1f} s)"
    )
