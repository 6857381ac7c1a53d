"""The pipeline, stage by stage: scenario → demand → walking reach → model → solve → independent check."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.access.walking import ReachPairs, reach_pairs
from siting.demand import DemandEstimate, estimate_groups, service_demand
from siting.errors import PlanViolation
from siting.model.data import ModelData, build_model_data
from siting.model.solve import Solution, solve
from siting.scenario.load import Scenario
from siting.solvers import SolveOptions
from siting.verify.evaluate import Evaluation, evaluate


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
    solution: Solution
    evaluation: Evaluation
    solver: str
    options: SolveOptions
    timings: dict[str, float] = field(default_factory=dict)


def compute_demand(scenario: Scenario) -> DemandResult:
    """Estimate the groups each service serves and turn them into demand units."""
    cfg = scenario.config
    required = {s.population for s in cfg.services.values()}
    required |= {"total"} if any(s.per_1000_residents is not None for s in cfg.services.values()) else set()
    estimate = estimate_groups(scenario.communities, cfg.demand, base_dir=scenario.path.resolve().parent,
                               source_name=_table_name(cfg.communities), required=required)
    spec = {key: (s.population, s.uptake, s.per_1000_residents) for key, s in cfg.services.items()}
    return DemandResult(estimate, service_demand(estimate, spec))


def _table_name(source) -> str:
    return source if isinstance(source, str) else getattr(source, "path", "communities (inline)")


def compute_reach(scenario: Scenario) -> dict[str, ReachPairs]:
    """Walking pairs within each service's radius."""
    cfg = scenario.config
    comm_xy = scenario.communities[["x", "y"]].to_numpy(float)
    bldg_xy = scenario.buildings[["x", "y"]].to_numpy(float)
    return {key: reach_pairs(comm_xy, bldg_xy, s.radius_m, crs=cfg.crs, detour_factor=cfg.walking.detour_factor)
            for key, s in cfg.services.items()}


def run(scenario: Scenario, *, solver: str = "highs", options: SolveOptions | None = None) -> RunResult:
    """Plan a scenario and re-check the plan; raise PlanViolation rather than return a broken plan."""
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
    data = build_model_data(services=dict(scenario.config.services), demand=demand.units.to_numpy(float),
                            options=scenario.options, building_index=scenario.buildings.index, reach=reach,
                            budget=scenario.config.budget)
    lap("index_s")
    solution = solve(data, solver=solver, options=options)
    lap("solve_s")
    evaluation = evaluate(scenario, solution.plan, demand.units)
    lap("verify_s")
    evaluation.raise_if_invalid()
    check_objective(solution, evaluation)
    return RunResult(scenario, demand, data, solution, evaluation, solver, options, timings)


def check_objective(solution: Solution, evaluation: Evaluation) -> None:
    """The recomputed coverage must be at least what the solver claims (it can only be more: see decode)."""
    claimed, actual = solution.objective, evaluation.objective
    if actual < claimed - max(1e-6, 1e-7 * abs(claimed)):
        raise PlanViolation(f"the solver claims weighted coverage {claimed:.6f} but the plan, re-checked from "
                            f"the raw tables, covers {actual:.6f}: a bug in the model, please report it")
    if not np.isfinite(actual):
        raise PlanViolation("the re-checked coverage is not a finite number")
