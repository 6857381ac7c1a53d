"""A phased plan, stage by stage: demand per year → walking reach → the multi-year model → solve → check year by year.

`pipeline.run` calls `run_phased` when the scenario has `model.phases`. The result is a RunResult for the plan at the
end of the roll-out (so that every report works), with `phases` holding each year's plan and check.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siting import pipeline
from siting.access.walking import unit_sphere
from siting.errors import InfeasibleError, InputError
from siting.model import phases
from siting.model.data import ModelData, with_demand
from siting.model.explain import explain, message
from siting.model.index import model_data, model_spec
from siting.model.solve import Clock, within
from siting.model.spec import ModelSpec
from siting.model.stacked import complete, solve_stacked
from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.solvers import SolveOptions, Status, get_solver
from siting.verify.phased import PhaseCheck, evaluate_phases, schedule_money, year_scenario


@dataclass(frozen=True)
class PhasedOutcome:
    """Each year of a phased plan.

    Attributes:
        years: the years of the roll-out.
        plans: the plan in force in each year (what has been acquired by then, its services).
        demands: each year's demand (the demand model's projection).
        check: the independent check, year by year, and the schedule's objectives.
        capex, annual: each year's money (annual None = not limited).
    """

    years: tuple[int, ...]
    plans: tuple[Plan, ...]
    demands: tuple[pipeline.DemandResult, ...]
    check: PhaseCheck
    capex: tuple[float, ...]
    annual: tuple[float, ...] | None


def building_districts(scenario: Scenario) -> np.ndarray:
    """(B,) district of each candidate building: that of the community nearest to it (straight line)."""
    group_by = scenario.config.model.policy.group_by
    communities = scenario.communities
    if group_by not in communities or not len(scenario.buildings):
        return np.full(len(scenario.buildings), "", dtype=object)
    points = communities[["x", "y"]].to_numpy(float)
    queries = scenario.buildings[["x", "y"]].to_numpy(float)
    if scenario.config.crs == "lonlat":
        points, queries = unit_sphere(points), unit_sphere(queries)
    _, nearest = cKDTree(points).query(queries)
    return communities[group_by].fillna("").astype(str).to_numpy(object)[nearest]


def pilot_outside(scenario: Scenario, data: ModelData) -> np.ndarray:
    """(O,) options whose building lies outside the pilot districts (none without a pilot)."""
    pilot = scenario.config.model.phases.pilot
    outside = np.zeros(len(data.option_row), bool)
    if pilot is None:
        return outside
    new = ~data.option_existing
    district = building_districts(scenario)[
        scenario.buildings.index.get_indexer(data.building_ids[data.option_building[new]])
    ]
    outside[new] = ~np.isin(district, list(pilot.districts))
    return outside


def run_phased(
    scenario: Scenario, *, solver: str = "highs", options: SolveOptions | None = None, explain_infeasible: bool = True
) -> pipeline.RunResult:
    """Plan every year of the roll-out in one model and check each year's plan; see siting.model.phases."""
    options = options or SolveOptions()
    started = time.perf_counter()
    years = tuple(scenario.config.model.phases.years)
    pilot = scenario.config.model.phases.pilot
    demands, datas, specs, schedule = phased_inputs(scenario)
    capex, annual = schedule_money(scenario)
    integer_only = getattr(get_solver(solver if solver != "auto" else "highs"), "integer_only", False)
    stacked = phases.build(datas, specs, schedule, integer_only)
    prepared = time.perf_counter()
    clock = Clock(started, options.time_limit_s)
    myopic = phases.myopic(datas, specs, schedule, solver=solver, options=options, clock=clock)
    stacked.model.add(phases.year_cuts(stacked, myopic.bounds))
    start = None if myopic.taken is None else complete(stacked, myopic.taken, options)
    try:
        solved = solve_stacked(stacked, solver=solver, options=within(options, clock), start=start)
    except InfeasibleError:
        if not explain_infeasible:
            raise
        relaxations = explain_stacked(stacked, solver, options)
        text = message(relaxations)
        if not relaxations and pilot is not None:  # the pilot is a fixed rule too, and the one users forget
            text += f"; among the fixed rules: only the pilot districts {list(pilot.districts)} until {pilot.by}"
        raise InfeasibleError(text) from None
    solution = solved.solution
    check = evaluate_phases(
        scenario, solved.plans, [d.units for d in demands], capex, annual, proven=solution.status is Status.OPTIMAL
    )
    check.raise_if_invalid()
    pipeline.check_claims(solution.values, check.objectives, solution.settled)
    evaluation = dataclasses.replace(check.evaluations[-1], objectives=check.objectives)
    outcome = PhasedOutcome(years, solved.plans, tuple(demands), check, capex, annual)
    timings = {"prepare_s": prepared - started, "solve_s": time.perf_counter() - prepared}
    return pipeline.RunResult(
        scenario, demands[-1], datas[-1], specs[-1], solution, evaluation, solver, options, timings, phases=outcome
    )


def phased_inputs(
    scenario: Scenario,
) -> tuple[list[pipeline.DemandResult], list[ModelData], list[ModelSpec], phases.Schedule]:
    """Each year's demand, model data and switches, and the schedule of a scenario with `model.phases`."""
    cfg = scenario.config
    scenarios = [year_scenario(scenario, year) for year in cfg.model.phases.years]
    demands = [_year_demand(s) for s in scenarios]
    reach = pipeline.compute_reach(scenario)
    keys = list(cfg.services)
    units = [d.units[keys].to_numpy(float) for d in demands]
    largest = pd.DataFrame(np.maximum.reduce(units), index=demands[-1].units.index, columns=keys)
    structure = model_data(scenario, largest, reach)  # every pair with demand in some year
    datas = [with_demand(structure, u) for u in units]
    specs = [model_spec(s, d) for s, d in zip(scenarios, datas)]
    capex, annual = schedule_money(scenario)
    pilot = cfg.model.phases.pilot
    schedule = phases.Schedule(
        years=tuple(cfg.model.phases.years),
        capex=np.array(capex),
        annual=None if annual is None else np.array(annual),
        pilot_until=None if pilot is None else pilot.by,
        pilot_outside=pilot_outside(scenario, structure),
        horizon_years=cfg.budget.horizon_years,
        discount_rate=cfg.budget.discount_rate,
    )
    return demands, datas, specs, schedule


def _year_demand(scenario: Scenario) -> pipeline.DemandResult:
    """The demand of a year of the roll-out; a year the projection cannot reach is named as a phases year."""
    try:
        return pipeline.compute_demand(scenario)
    except InputError as err:
        if err.field != "demand.year":
            raise
        raise InputError(err.message, file=str(scenario.path), field="model.phases.years") from None


def explain_stacked(stacked, solver: str, options: SolveOptions):
    """Which requirements conflict in a stacked model (the elastic search of siting.model.explain)."""
    return explain(None, None, solver=solver, options=options, model=stacked.model)
