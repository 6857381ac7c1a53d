"""The pipeline, stage by stage: scenario → demand → walking reach → model → solve → independent check."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.access.walking import ReachPairs, reach_pairs
from siting.demand import DemandEstimate, estimate_groups, service_demand
from siting.demand.base import SECTION
from siting.errors import InfeasibleError, InputError, PlanViolation
from siting.model.data import ModelData
from siting.model.explain import explain, message
from siting.model.index import building_table, model_data, model_spec
from siting.model.objectives import MAXIMIZE
from siting.model.solve import Solution, solve
from siting.model.spec import ModelSpec
from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.scenario.schema import speed_m_per_min
from siting.solvers import SolveOptions, Status
from siting.verify.evaluate import Evaluation, evaluate

#: Agreement asked of a claimed objective and its recomputation (see check_claims).
CLAIM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class DemandResult:
    """Group sizes per community and the demand units per community × service they imply."""

    estimate: DemandEstimate
    units: pd.DataFrame  # index = community id, one column per service


@dataclass(frozen=True)
class RunResult:
    """Everything a report needs about one run."""

    scenario: Scenario
    demand: DemandResult
    data: ModelData
    spec: ModelSpec
    solution: Solution
    evaluation: Evaluation
    solver: str
    options: SolveOptions
    timings: dict[str, float] = field(default_factory=dict)
    phases: Any = None  # siting.phased.PhasedOutcome for a phased roll-out
    robust: Any = None  # siting.robust.RobustOutcome for a plan judged under several demand variants


def compute_demand(scenario: Scenario) -> DemandResult:
    """Estimate the groups each service serves and turn them into demand units."""
    cfg = scenario.config
    required = {s.population for s in cfg.services.values()}
    required |= {"total"} if any(s.per_1000_residents is not None for s in cfg.services.values()) else set()
    try:
        estimate = estimate_groups(
            scenario.communities,
            cfg.demand,
            base_dir=scenario.path.resolve().parent,
            source_name=_table_name(cfg.communities),
            required=required,
        )
    except InputError as err:
        if err.file != SECTION:
            raise
        field = ".".join(filter(None, ["demand", err.field]))  # the section's keys, named as the scenario has them
        raise InputError(err.message, file=str(scenario.path), field=field, problems=err.problems) from None
    spec = {key: (s.population, s.uptake, s.per_1000_residents) for key, s in cfg.services.items()}
    return DemandResult(estimate, service_demand(estimate, spec))


def _table_name(source) -> str:
    return source if isinstance(source, str) else getattr(source, "path", "communities (inline)")


def compute_reach(scenario: Scenario, radii: dict[str, float] | None = None) -> dict[str, ReachPairs]:
    """Walking pairs within each service's radius, from coordinates, an OD table or a network.

    Args:
        scenario: the loaded scenario; sites are its buildings, then its existing facilities (building_table).
        radii: name -> radius in metres to use instead of the services' radii (e.g. a life circle).
    """
    cfg = scenario.config
    radii = radii if radii is not None else {key: s.radius_m for key, s in cfg.services.items()}
    sites = building_table(scenario)
    comm_xy = scenario.communities[["x", "y"]].to_numpy(float)
    site_xy = sites[["x", "y"]].to_numpy(float)
    base = scenario.path.resolve().parent
    walking = cfg.walking
    if walking.od_table is not None:
        from siting.access.od import od_reach_pairs, read_od_table  # imported when used, as for the network

        od = read_od_table(
            walking.od_table,
            base_dir=base,
            community_ids=scenario.communities.index,
            building_ids=sites.index,
            speed_m_per_min=speed_m_per_min(walking.speed_kmh),
        )
        return {key: od_reach_pairs(od, radius) for key, radius in radii.items()}
    if walking.network is not None:
        from siting.access.network import network_reach_pairs, read_network  # scipy.sparse.csgraph: slow to load

        net = read_network(walking.network.nodes, walking.network.edges, base_dir=base, crs=cfg.crs)
        return {
            key: network_reach_pairs(net, comm_xy, site_xy, radius, crs=cfg.crs, snap_max_m=walking.network.snap_max_m)
            for key, radius in radii.items()
        }
    return {
        key: reach_pairs(comm_xy, site_xy, radius, crs=cfg.crs, detour_factor=walking.detour_factor)
        for key, radius in radii.items()
    }


def run(
    scenario: Scenario,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    start: Plan | None = None,
    bound: float | None = None,
    explain_infeasible: bool = True,
) -> RunResult:
    """Plan a scenario and re-check the plan; raise PlanViolation rather than return a broken plan.

    Args:
        scenario: the loaded scenario.
        solver: registry name of the MILP solver.
        options: time limit, gap, threads.
        start: a plan to warm-start the solver from (e.g. the previous point of a frontier); same optimum.
        bound: a proven bound on the first objective (siting.model.solve); same optimum.
        explain_infeasible: on infeasibility, search for the requirements in conflict (another solve) and say
            which; False raises InfeasibleError at once (a sweep expects some points to be infeasible).
    """
    model = scenario.config.model
    if model.phases is not None:
        from siting.phased import run_phased

        return run_phased(scenario, solver=solver, options=options, explain_infeasible=explain_infeasible)
    if model.robust is not None:
        from siting.robust import run_robust

        return run_robust(scenario, solver=solver, options=options, explain_infeasible=explain_infeasible)
    options = options or SolveOptions()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    demand = compute_demand(scenario)
    lap("demand_s")
    reach = compute_reach(scenario)
    lap("reach_s")
    data = model_data(scenario, demand.units, reach)
    spec = model_spec(scenario, data)
    lap("index_s")
    try:
        solution = solve(data, spec, solver=solver, options=options, start=start, bound=bound)
    except InfeasibleError:
        if not explain_infeasible:
            raise
        raise InfeasibleError(message(explain(data, spec, solver=solver, options=options))) from None
    lap("solve_s")
    evaluation = evaluate(scenario, solution.plan, demand.units, proven=solution.status is Status.OPTIMAL)
    lap("verify_s")
    evaluation.raise_if_invalid()
    check_claims(solution.values, evaluation.objectives, solution.settled)
    return RunResult(scenario, demand, data, spec, solution, evaluation, solver, options, timings)


def check_claims(claims: dict[str, float], objectives: dict[str, float], settled: bool = True) -> None:
    """Each objective the model claims for the plan must match its value recomputed from the raw tables.

    The claims are the settled plan's values (siting.model.settle), so they differ from the recomputation only
    by the solver's tolerances: CLAIM_TOLERANCE · max(1, |claim|). A disagreement beyond that, either way, is a
    bug in the model or in the evaluator. A plan that could not be settled is held to the one-sided rule: the
    recomputation may be better than the claim, never worse.
    """
    for name, claimed in claims.items():
        actual = objectives[name]
        tolerance = CLAIM_TOLERANCE * max(1.0, abs(claimed))
        worse = actual < claimed - tolerance if MAXIMIZE[name] else actual > claimed + tolerance
        better = abs(actual - claimed) > tolerance and not worse
        if not np.isfinite(actual) or worse or (better and settled):
            raise PlanViolation(
                f"the solver claims {name} = {claimed:.6f} but the plan, re-checked from the raw "
                f"tables, gives {actual:.6f}: a bug in the model, please report it"
            )
