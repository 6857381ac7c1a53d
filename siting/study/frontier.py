"""The budget frontier: the best plan at each budget, from the least that meets the rules to where coverage stops.

A budget officer asks what each extra 万元 buys and where it stops paying. `budget_frontier` plans the
scenario at a series of one-off (or yearly) budgets, every other rule kept:

- the ends are found, not guessed: the lower end is the least one-off (yearly) cost of any plan that meets the
  scenario's rules (objective min_capex / min_annual with that budget lifted); the upper end is the least cost
  of a plan with the most coverage possible (max_coverage, then min_capex / min_annual, budget lifted): below
  it coverage is lower, at or above it coverage stops rising;
- each point is `pipeline.run` on the scenario with the budget set (so the same model, objectives and
  independent check as `siting run`), warm-started from the cheapest plan, which every budget admits;
- nested (`nested=True`): each point keeps every building of the previous nested point by the same mode
  (money arrives in tranches; what was bought stays), and its price of nesting is the objective lost
  against the free optimum at the same budget.

Points are not solved when their answer is already known, exactly (issue 10 asks each point to equal a single
run at its budget; these rules keep that). The feasible plans at a budget B are among those at any B' > B, so
the lexicographic optimum P' at B' is the optimum at every B in [spent(P'), B'], and a point infeasible at B' is
infeasible below it:
- free points are planned from the largest budget down, and a point takes the plan of the point above it when
  that plan spends no more than its budget (or its infeasibility);
- the largest budget's first stage (most coverage) is known from the upper end's plan, which reaches the bound
  proven there (siting.model.solve's `bound`): only the later stages are solved;
- with a time limit, a free point whose own solve stopped with a worse plan than a point below it takes that
  plan (it fits the larger budget), with its own bound and gap: the frontier never falls as the budget rises;
- a nested point takes a free point's plan (at its budget or above) that keeps its buildings and spends no
  more than its budget, or the plan found at the largest budget with the same buildings kept (solved once such
  a plan's buildings stop growing; it answers every later point, as the plan keeps its own buildings).

`target_frontier` is the same sweep for min_cost over coverage targets (every service's covered share),
budgets lifted: what each target costs.

The result is a table with a (sweep, plan) index: one row per point (see COLUMNS), marginal gains against the
previous point and the knee (the point after which the marginal gain drops most).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting import pipeline
from siting.errors import InputError
from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.solvers import SolveOptions
from siting.study.executors import AutoPool, Executor, run_all
from siting.study.frontier_table import FREE, NESTED, TARGET, WAN, frontier_table
from siting.study.points import Point, answers_at, best_below, solve_point, solve_point_task, spent, step_text, taken
from siting.study.progress import Progress, silent
from siting.study.variants import BudgetKind, keeping, with_budget, with_objectives, with_target, without_limit


@dataclass(frozen=True)
class Frontier:
    """A sweep's points and its table.

    Attributes:
        kind: capex, annual (budget sweeps) or target.
        points: every point of every sweep, in table order.
        table: one row per point, index (sweep, plan); see frontier_table.
        ends: lower and upper budget found by the program (empty when the budgets were given), with the
            status of the solves that found them.
        ends_seconds: wall time spent finding the ends.
    """

    kind: str
    points: tuple[Point, ...]
    table: pd.DataFrame
    ends: dict[str, float | str] = field(default_factory=dict)
    ends_seconds: float = 0.0


def budget_ends(
    scenario: Scenario, kind: BudgetKind, *, solver: str = "highs", options: SolveOptions | None = None
) -> tuple[float, float, pipeline.RunResult, pipeline.RunResult]:
    """The least budget any plan needs and the least budget of a plan with the most coverage possible.

    Raises:
        InfeasibleError: no plan meets the rules at any budget (with the conflicting requirements named).
    """
    unlimited = without_limit(scenario, kind)
    cheapest = pipeline.run(with_objectives(unlimited, (f"min_{kind}",)), solver=solver, options=options)
    best = pipeline.run(
        with_objectives(unlimited, ("max_coverage", f"min_{kind}")),
        solver=solver,
        options=options,
        start=cheapest.solution.plan,
    )
    return spent(cheapest, kind), spent(best, kind), cheapest, best


def spaced(lower: float, upper: float, n: int) -> list[float]:
    """`n` budgets from `lower` to `upper`, evenly spaced.

    The ends are rounded up to whole 元, the budgets between to whole 万元 when they are 10 万元 apart or more.
    """
    lo, hi = math.ceil(lower - 1e-6), math.ceil(upper - 1e-6)
    if n <= 1 or hi <= lo:
        return [float(hi)]
    inner = np.linspace(lo, hi, n)[1:-1]
    step = WAN if (hi - lo) / (n - 1) >= 10 * WAN else 1.0
    values = [float(lo), *(float(np.round(v / step) * step) for v in inner), float(hi)]
    return sorted(set(values))


def budget_frontier(
    scenario: Scenario,
    *,
    kind: BudgetKind = "capex",
    budgets: Sequence[float] | None = None,
    points: int = 12,
    nested: bool = False,
    solver: str = "highs",
    options: SolveOptions | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Frontier:
    """Plan the scenario at each budget (given, or `points` spaced between the ends found) and tabulate.

    Args:
        scenario: the loaded scenario (overrides applied).
        kind: which budget to sweep: capex (one-off) or annual (yearly, net of closures).
        budgets: the budgets to plan with; None = `points` budgets from the lower to the upper end.
        points: how many points when the budgets are not given.
        nested: also plan the nested sweep (each point keeps the previous one's buildings).
        solver: MILP solver.
        options: solver options (the time limit applies to each point).
        progress: printer; None prints nothing.
        executor: plan the free points as independent tasks there (siting.study.executors); None plans them
            one after another, from the largest budget down. Either way a point whose answer the point above
            it gives takes that answer (module docstring), so both give the same frontier. An AutoPool plans
            the largest budget here and the rest on a local pool when that took AUTO_POOL_S or more. Nested
            points are planned in order here (each keeps the buildings of the one before).
    """
    one_plan_per_point(scenario)
    ends: dict[str, float | str] = {}
    started = time.perf_counter()
    known = Known()
    if budgets is None:
        lower, upper, cheapest, best = budget_ends(scenario, kind, solver=solver, options=options)
        ends = {
            "lower": lower,
            "upper": upper,
            "lower_status": cheapest.solution.status.value,
            "upper_status": best.solution.status.value,
        }
        budgets = spaced(lower, upper, points)
        known = Known(cheapest.solution.plan, best, _coverage_bound(scenario, best))
    ends_seconds = time.perf_counter() - started
    budgets = sorted(float(b) for b in budgets)
    scenarios = [with_budget(scenario, kind, b) for b in budgets]  # a budget the scenario refuses fails here
    progress = progress or silent(0, "")
    progress.total, progress.slots = len(budgets) * (2 if nested else 1), executor.slots if executor else 1
    progress.start()
    free = _free(scenarios, kind, budgets, known, solver, options, progress, executor)
    found = list(free)
    if nested:
        found += _nested(scenario, kind, budgets, free, solver, options, progress)
    progress.close()
    return Frontier(kind, tuple(found), frontier_table(found, kind), ends, ends_seconds)


def one_plan_per_point(scenario: Scenario) -> None:
    """Refuse a phased or robust scenario: a point is one plan for one demand at one budget, re-checked as such.

    Raises:
        InputError: the scenario has model.phases (money per year: which budget would a point set?) or
            model.robust (several demands).
    """
    model = scenario.config.model
    key = "model.phases" if model.phases is not None else "model.robust" if model.robust is not None else None
    if key is not None:
        raise InputError(
            f"a frontier plans one demand at one budget per point; {key} is not supported here: plan it with "
            f"`siting run`, or remove it (--set {key}=null)",
            file=str(scenario.path),
            field=key,
        )


@dataclass(frozen=True)
class Known:
    """What the ends tell every point: a plan every budget admits, the upper end's plan and its coverage bound.

    Attributes:
        start: the cheapest plan (the warm start of every point).
        best: the plan with the most coverage at the least cost (budget lifted), None when the budgets were given.
        bound: a proven bound on max_coverage at any budget (None unless the scenario maximises coverage first).
    """

    start: Plan | None = None
    best: pipeline.RunResult | None = None
    bound: float | None = None


def _coverage_bound(scenario: Scenario, best: pipeline.RunResult) -> float | None:
    """The upper end's proven bound on coverage, when the scenario's first objective is coverage."""
    return best.solution.bound if scenario.config.model.objectives[0] == "max_coverage" else None


def _free(
    scenarios: list[Scenario],
    kind: BudgetKind,
    budgets: list[float],
    known: Known,
    solver: str,
    options: SolveOptions | None,
    progress: Progress,
    executor: Executor | None,
) -> list[Point]:
    """The free points, from the largest budget down; a point the one above answers is not solved.

    On `executor` every point is a task and the same rule then picks the answers, so the frontier is the same.
    """

    def task(i: int) -> tuple:
        best = known.best
        start = best.solution.plan if best is not None and spent(best, kind) <= budgets[i] else known.start
        return scenarios[i], solver, options, start, known.bound

    def point(i: int, answer: tuple) -> Point:
        result, status, note, seconds = answer
        return Point(FREE, f"p{i:02d}", budgets[i], None, result, status, seconds, note)

    def planned(pool: Executor, keys: list[int]) -> dict[int, Point]:
        calls = [(str(i), task(i)) for i in keys]
        answers = run_all(pool, solve_point_task, calls, lambda i, a: progress.step(step_text(point(int(i), a))))
        return {i: point(i, answers[str(i)]) for i in keys}

    order = list(reversed(range(len(budgets))))
    solved: dict[int, Point] = {}
    if isinstance(executor, AutoPool):
        first = point(order[0], solve_point_task(*task(order[0])))
        solved[order[0]] = first
        pool = executor.pool_for(first.seconds, len(order) - 1)
        executor = pool
        if pool is not None:
            progress.slots = pool.slots
            progress.step(step_text(first))
            progress.note(f"the other {len(order) - 1} points on a local pool of {pool.slots} processes")
            with pool:
                solved.update(planned(pool, order[1:]))
    elif executor is not None:
        solved = planned(executor, order)
    found: dict[int, Point] = {}
    for i in order:
        above = found.get(i + 1)
        if above is not None and answers_at(above, budgets[i], kind):
            found[i] = taken(above, FREE, f"p{i:02d}", budgets[i], scenarios[i])
        else:
            found[i] = solved[i] if i in solved else point(i, solve_point_task(*task(i)))
        if executor is None:
            progress.step(step_text(found[i]))
    return best_below([found[i] for i in range(len(budgets))], scenarios)


def target_frontier(
    scenario: Scenario,
    targets: Sequence[float],
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Frontier:
    """The least net present cost of covering each target share of every service (budgets lifted).

    Solved from the highest target down, so that each plan warm-starts the next (a plan that reaches a
    target reaches every lower one), or as independent tasks on `executor`; tabulated from the lowest up.
    """
    one_plan_per_point(scenario)
    executor = None if isinstance(executor, AutoPool) else executor  # each target warm-starts the next: serial
    targets = sorted(float(t) for t in targets)
    progress = progress or silent(0, "")
    progress.total, progress.slots = len(targets), executor.slots if executor else 1
    progress.start()
    down = list(reversed(targets))
    scenarios = [with_target(scenario, t) for t in down]
    found = _sweep(TARGET, scenarios, None, down, solver, options, None, progress, executor)
    progress.close()
    ordered = [dataclasses.replace(p, label=f"p{i:02d}") for i, p in enumerate(reversed(found))]
    return Frontier("target", tuple(ordered), frontier_table(ordered, "target"))


def _sweep(
    sweep: str,
    scenarios: list[Scenario],
    budgets: list[float] | None,
    targets: list[float] | None,
    solver: str,
    options: SolveOptions | None,
    start: Plan | None,
    progress: Progress,
    executor: Executor | None = None,
) -> list[Point]:
    """Plan each scenario in order, each warm-started from the last plan found (or all at once on `executor`)."""

    def point(i: int, answer: tuple) -> Point:
        result, status, note, seconds = answer
        budget = None if budgets is None else budgets[i]
        target = None if targets is None else targets[i]
        return Point(sweep, f"p{i:02d}", budget, target, result, status, seconds, note)

    if executor is not None:
        calls = [(str(i), (variant, solver, options, start)) for i, variant in enumerate(scenarios)]
        answers = run_all(executor, solve_point_task, calls, lambda i, a: progress.step(step_text(point(int(i), a))))
        return [point(i, answers[str(i)]) for i in range(len(scenarios))]
    found = []
    for i, variant in enumerate(scenarios):
        found.append(point(i, solve_point(variant, solver=solver, options=options, start=start)))
        progress.step(step_text(found[-1]))
        if found[-1].result is not None:
            start = found[-1].result.solution.plan
    return found


def _nested(
    scenario: Scenario,
    kind: BudgetKind,
    budgets: list[float],
    free: list[Point],
    solver: str,
    options: SolveOptions | None,
    progress: Progress,
) -> list[Point]:
    """Each point keeps the previous nested point's buildings.

    The first one keeps nothing, so it is the free plan at that budget (the same scenario: not solved twice).
    A later one takes a known answer when there is one (module docstring): the optimum P at a budget B' ≥ B of
    a scenario that keeps fewer buildings (a free point keeps none) is the answer when P keeps every building
    asked for and spends no more than B. When a point adds nothing and leaves the money its budget added unspent
    (another limit binds), the same buildings are planned once at the largest budget: that plan then answers
    every later point it fits.
    """
    found: list[Point] = []
    previous: Plan | None = None
    known = [(p, frozenset()) for p in free]  # (answer, buildings its scenario kept)
    for i, budget in enumerate(budgets):
        if previous is None:
            point = free[i]
            found.append(
                Point(NESTED, point.label, budget, None, point.result, point.status, 0.0, "= free " + point.label)
            )
        else:
            kept = _kept(previous)
            variant = keeping(with_budget(scenario, kind, budget), previous)
            source = _known_answer(known, kept, budget, kind)
            if source is None and _stalled(found, kept, budgets, i, kind):
                top = keeping(with_budget(scenario, kind, budgets[-1]), previous)
                answer = solve_point(top, solver=solver, options=options, start=previous)
                known.append((Point(NESTED, "top", budgets[-1], None, *answer), kept))
                source = _known_answer(known, kept, budget, kind)
            if source is not None:
                found.append(taken(source, NESTED, f"p{i:02d}", budget, variant))
            else:
                result, status, note, seconds = solve_point(variant, solver=solver, options=options, start=previous)
                found.append(Point(NESTED, f"p{i:02d}", budget, None, result, status, seconds, note))
        progress.step(step_text(found[-1]))
        if found[-1].result is not None:
            previous = found[-1].result.solution.plan
    return found


def _kept(plan: Plan) -> frozenset:
    """The (building, mode) pairs a nested point keeps from `plan`."""
    return frozenset((s.building, s.mode) for s in plan.selected)


def _known_answer(known: list[tuple[Point, frozenset]], kept: frozenset, budget: float, kind: BudgetKind):
    """A known answer for the nested point keeping `kept` at `budget`, or None.

    A proven optimum at a budget ≥ `budget` of a scenario keeping a subset of `kept` is the answer when its plan
    keeps `kept` and spends at most `budget`: the point's feasible plans are among that scenario's.
    """
    for point, asked in known:
        if point.status != "optimal" or point.budget < budget or not asked <= kept:
            continue
        if kept <= _kept(point.result.solution.plan) and spent(point.result, kind) <= budget:
            return point
    return None


def _stalled(found: list[Point], kept: frozenset, budgets: list[float], i: int, kind: BudgetKind) -> bool:
    """The last nested point added no building and left unspent the money its budget added."""
    last = found[-1]
    if i < 2 or last.result is None or last.status != "optimal":
        return False
    return _kept(last.result.solution.plan) == kept and spent(last.result, kind) <= budgets[i - 2]
