r"""The capacitated max coverage first stage: a Lagrangian bound, a core MILP for the plan, exact option fixing.

For max coverage with capacities and budgets over many reach arcs (the generated district: 190,864 arcs) the
MILP's root LP alone takes most of a minute. siting.model.coverage_bounds gives in a fraction of a second a bound
L on the coverage and, for each option o, its slack s_o ≥ 0: every plan that takes o covers at most L − s_o.

1. Core: the options of smallest slack (CORE_FACTOR times as many as the Lagrangian solution takes, and the
   greedy start's) are the only ones allowed; the solver solves that much smaller MILP from the greedy start.
   Every plan of it is a plan of the problem (the other options' columns are fixed at 0).
2. Fixing: with UB the best plan's coverage, an option with s_o > L − UB (plus a margin) is in no better plan,
   so its column is fixed at 0 (and the slots, areas and arcs of a building left without options). The best
   plan satisfies every fixing (its own options have s_o ≤ L − UB), so the reduced model keeps it and every
   better plan: its optimum is the problem's, and the solver's bound on it holds for the problem, as does L.
3. The reduced MILP from the best plan, in the time left; the answer's bound is the smaller of the two.
4. Later stages keep coverage ≥ F* − τ by (8): options with s_o > L − (F* − τ) are in none of their plans and
   are fixed at 0 for them (fix_for_later_stages), before siting.model.fixing's reduced-cost LP.

The bound at λ = 0 (budgets priced exactly, pairs free) is 0.004–0.11 % above the LP bound or the best plan
on the models measured (district at its budget: 111.85 vs the optimum 111.72; at 20,000 / 30,000 万元, where
the yearly budget binds as well: 140.84 / 141.18 vs the LP's 140.73 / 141.08; capacitated city 2,000 × 5,000:
79,628 vs the best plan 79,625). The subgradient on λ adds little (district: 111.85 to 111.82 in 150
iterations): every arc of a pool has the same value per m², so the maximiser is degenerate; averaging its
solutions (the volume algorithm) or spreading the room over tied arcs did no better (20,000 万元: 140.837 to
140.834 in 150 iterations, where the LP's pair duals give 140.73). A loose bound (> WEAK above the start plan)
hands the stage to the plain MILP.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from siting.model import coverage_bounds
from siting.model.builder import Model
from siting.model.cflp import restricted
from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.solvers import MilpProblem, SolveOptions, Solver, SolveResult, Status
from siting.solvers.base import FEASIBILITY_TOLERANCE, build_result

#: Models with fewer reach arcs go to the solver as they are.
MIN_ARCS = 20_000
#: The subgradient may take this share of the time limit (and at most SUBGRADIENT_CAP_S).
SUBGRADIENT_SHARE = 0.05
SUBGRADIENT_CAP_S = 1.0
#: The core allows this many times as many options as the Lagrangian solution takes (at least CORE_MIN).
CORE_FACTOR = 2
CORE_MIN = 50
#: The core MILP may take this share of the time limit (it stops at CORE_GAP anyway: the share matters when time
#: is short and the core's plan is the answer; district at 10 s, load 2.2–2.4: 0.5 gave 110.90, 0.7 111.68).
CORE_SHARE = 0.7
#: The core is a heuristic: it stops once its own gap is this small (district: 0.08 % after 5 s, then no better
#: plan in the next 25 s), leaving the time to the reduced MILP, whose plans and bound hold for the problem.
CORE_GAP = 1e-3
#: A bound more than this share above the start plan fixes nothing the plain MILP would not settle faster: the
#: stage goes to the solver as it is (capacitated city 2,000 × 5,000 with the budget prices of one budget at a
#: time: L 168 % above the optimum, no option fixed, 14.1 s plain vs 16.2 s through the core). With exact prices
#: no model measured comes near it (L 1.03–1.25 times the greedy plan).
WEAK = 0.5
#: Relative margin on the fixing test.
MARGIN = 1e-7


def applicable(model: Model, spec: ModelSpec, v: Variables, problem: MilpProblem) -> bool:
    """A capacitated max coverage first stage the relaxation is exact for, large enough to pay."""
    return len(v.v) >= MIN_ARCS and coverage_bounds.applicable(model, spec, v, problem)


def solve_first_stage(
    data: ModelData, spec: ModelSpec, v: Variables, standard: MilpProblem, backend: Solver, options: SolveOptions
) -> SolveResult:
    """Bound, core plan, fixing, reduced MILP (module docstring); the result is in the standard model's columns."""
    started = time.perf_counter()
    limit = options.time_limit_s
    deadline = None if limit is None else started + limit
    rel = coverage_bounds.relaxation(data, spec, v, standard)

    def left() -> float | None:
        return None if deadline is None else max(deadline - time.perf_counter(), 1e-3)

    start = options.warm_start
    lower = -np.inf if start is None else standard.objective_value(start) - standard.offset
    first, _ = coverage_bounds.evaluate(rel, np.zeros(rel.n_pairs))  # λ = 0: the subgradient's first point
    if not np.isfinite(first.bound) or (start is not None and first.bound > (1 + WEAK) * max(lower, 0.0)):
        return backend.solve(standard, replace(options, time_limit_s=None if deadline is None else left()))
    budget = SUBGRADIENT_CAP_S if limit is None else min(SUBGRADIENT_CAP_S, SUBGRADIENT_SHARE * limit)
    outcome = coverage_bounds.optimise(rel, max(lower, 0.0), time.perf_counter() + budget)
    slack = outcome.dual.slack
    bound = outcome.bound + standard.offset

    taken = int(outcome.dual.taken.sum())
    allowed = np.zeros(len(slack), bool)
    allowed[np.argsort(slack, kind="stable")[: max(CORE_MIN, CORE_FACTOR * taken)]] = True
    if start is not None:
        allowed |= start[v.x] > 0.5
    allowed &= np.isfinite(slack)
    core_limit = None if limit is None else min(CORE_SHARE * limit, left())
    best = start
    core_started = time.perf_counter()
    core_options = replace(options, time_limit_s=core_limit, mip_rel_gap=max(options.mip_rel_gap, CORE_GAP))
    core = _solve_restricted(data, spec, v, standard, allowed, backend, core_options)
    # What the core ran past its limit (setting up and presolving before the solver looks at the clock) is kept
    # back from the reduced MILP, which has more columns to set up: a stage that ends on time leaves settling its
    # share.
    late = 0.0 if core_limit is None else max(0.0, time.perf_counter() - core_started - core_limit)
    if core is not None and (best is None or standard.objective_value(core) > standard.objective_value(best)):
        best = core
    if best is None:
        return backend.solve(standard, replace(options, time_limit_s=left()))
    value = standard.objective_value(best)
    keep_options = slack <= bound - value + MARGIN * max(1.0, abs(bound))
    keep_options |= best[v.x] > 0.5
    reduced_limit = None if limit is None else max(left() - 2 * late, 1e-3)
    result, kept_cols = _solve_restricted(
        data,
        spec,
        v,
        standard,
        keep_options,
        backend,
        replace(options, time_limit_s=reduced_limit, warm_start=best),
        True,
    )
    x, status = best, Status.FEASIBLE
    if result.x is not None and standard.objective_value(result.x) >= value:
        x = result.x
        status = Status.OPTIMAL if result.status is Status.OPTIMAL else Status.FEASIBLE
    # The reduced model holds the best plan and every better one: the solver's bound on it holds here too.
    solver_bound = result.bound if result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION) else None
    final = bound if solver_bound is None or not np.isfinite(solver_bound) else min(bound, float(solver_bound))
    return build_result(
        standard,
        status,
        x=x,
        bound=final,
        solver=result.solver,
        version=result.version,
        message=f"Lagrangian coverage bound {bound:.10g} ({outcome.iterations} iterations); core of "
        f"{int(allowed.sum()):,} options; {int(keep_options.sum()):,} of {len(keep_options):,} options left "
        f"({kept_cols:,} columns); {result.message}",
        started=started,
    )


def columns_off(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int, allowed: np.ndarray) -> np.ndarray:
    """Columns at 0 when only the `allowed` options may be taken.

    The other options, and the slots, areas and arcs of buildings with none allowed ((2)–(4) force them to 0).
    """
    off = np.zeros(n_cols, bool)
    off[v.x[~allowed]] = True
    open_building = np.zeros(data.n_buildings, bool)
    open_building[data.option_building[allowed]] = True
    off[v.y[~open_building[data.host_building]]] = True
    off[v.v[~open_building[data.host_building[data.arc_host]]]] = True
    off[v.q[~open_building[data.host_building[area_capacity(data, spec)]]]] = True
    return off


def fix_for_later_stages(
    data: ModelData, spec: ModelSpec, v: Variables, first: MilpProblem, threshold: float
) -> np.ndarray:
    """Columns every plan with coverage ≥ `threshold` has at 0 (the later stages keep F* − τ by (8)).

    An option of slack s_o > L − threshold is in no such plan (module docstring, step 2, with UB = threshold).
    """
    rel = coverage_bounds.relaxation(data, spec, v, first)
    dual, _ = coverage_bounds.evaluate(rel, np.zeros(rel.n_pairs))
    bound = dual.bound + first.offset
    allowed = dual.slack <= bound - threshold + MARGIN * max(1.0, abs(bound))
    allowed |= first.col_lower[v.x] > 0.5
    return columns_off(data, spec, v, first.num_cols, allowed) & (first.col_lower == 0)


def _solve_restricted(
    data: ModelData,
    spec: ModelSpec,
    v: Variables,
    standard: MilpProblem,
    allowed: np.ndarray,
    backend: Solver,
    options: SolveOptions,
    full: bool = False,
):
    """Solve `standard` with only the `allowed` options (the others fixed at 0, and what only they could use).

    Returns the plan in the standard columns (None if none, or infeasible for the standard model); with `full`,
    the solver's result in the standard columns and the number of columns kept.
    """
    upper = standard.col_upper.copy()
    upper[columns_off(data, spec, v, standard.num_cols, allowed)] = 0.0
    keep = ~((standard.col_lower == 0) & (upper == 0))
    reduced = restricted(replace(standard, col_upper=upper), keep)
    start = options.warm_start
    if start is not None:
        start = start[keep] if reduced.max_violation(start[keep]) <= FEASIBILITY_TOLERANCE else None
    result = backend.solve(reduced, replace(options, warm_start=start))
    x = None
    if result.x is not None:
        x = np.zeros(standard.num_cols)
        x[keep] = result.x
        if standard.max_violation(x) > FEASIBILITY_TOLERANCE:
            x = None
    if full:
        return replace(result, x=x), int(keep.sum())
    return x if result.status in (Status.OPTIMAL, Status.FEASIBLE) else None
