"""A robust plan, stage by stage: each variant planned alone → the regret table → the robust model → check per variant.

`pipeline.run` calls `run_robust` when the scenario has `model.robust`. The result is a RunResult for the robust plan
under the central variant (else the first listed), with `robust` holding every variant's figures and the regret
table: each single-variant plan, and the robust one, judged under every variant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from siting import pipeline
from siting.errors import InfeasibleError
from siting.model import formulation
from siting.model import robust as robust_model
from siting.model.data import ModelData, with_demand
from siting.model.explain import explain, message
from siting.model.index import model_data, model_spec
from siting.model.objectives import objective_vector
from siting.model.settle import Block, decode, settle
from siting.model.solve import Clock, within
from siting.model.spec import ModelSpec
from siting.model.stacked import complete, solve_stacked
from siting.model.start import options_taken
from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.solvers import SolveOptions, Status, get_solver
from siting.verify.robust import RobustCheck, evaluate_robust, variant_scenario


@dataclass(frozen=True)
class RobustOutcome:
    """The robust plan under each variant, and the regret table.

    Attributes:
        variants, criterion, weights: as in model.robust (weights normalised).
        plans: the robust plan under each variant (same buildings; assignments per variant).
        check: the independent check under every variant and the criterion's value.
        optima: each variant's own best value of the first objective (its single-variant plan's).
        table: rows = plans (robust, then each variant's own plan), columns = variants: the first objective's
            value of that plan under that variant (NaN where it breaks that variant's requirements), with
            `worst`, `expected` and `regret` (largest shortfall against the optima).
        singles: each variant's own verified run.
    """

    variants: tuple[str, ...]
    criterion: str
    weights: tuple[float, ...]
    plans: tuple[Plan, ...]
    check: RobustCheck
    optima: tuple[float, ...]
    table: pd.DataFrame
    singles: tuple[pipeline.RunResult, ...]


#: Share of a robust solve's time limit that the single-variant plans may use (the rest is the robust model's).
SINGLES_SHARE = 0.5


def main_variant(variants: tuple[str, ...]) -> int:
    """The variant the reports show the plan under: central when listed, else the first."""
    return variants.index("central") if "central" in variants else 0


def run_robust(
    scenario: Scenario, *, solver: str = "highs", options: SolveOptions | None = None, explain_infeasible: bool = True
) -> pipeline.RunResult:
    """Plan each variant alone, then the one plan for all of them by the criterion; check it under each."""
    options = options or SolveOptions()
    cfg = scenario.config
    rule = cfg.model.robust
    started = time.perf_counter()
    variants = tuple(rule.variants)
    weights = np.array(rule.weights or [1.0] * len(variants), float)
    weights /= weights.sum()
    scenarios = [variant_scenario(scenario, k) for k in variants]
    clock = Clock(started, options.time_limit_s)
    own = Clock(started, None if options.time_limit_s is None else SINGLES_SHARE * options.time_limit_s)
    singles = [
        pipeline.run(
            s,
            solver=solver,
            options=within(options, own, 1 / (len(scenarios) - k)),
            explain_infeasible=explain_infeasible,
        )
        for k, s in enumerate(scenarios)
    ]
    first = cfg.model.objectives[0]
    optima = np.array([s.evaluation.objectives[first] for s in singles])
    keys = list(cfg.services)
    units = [s.demand.units[keys].to_numpy(float) for s in singles]
    largest = pd.DataFrame(np.maximum.reduce(units), index=singles[0].demand.units.index, columns=keys)
    reach = pipeline.compute_reach(scenario)
    structure = model_data(scenario, largest, reach)
    datas = [with_demand(structure, u) for u in units]
    specs = [model_spec(s, d) for s, d in zip(scenarios, datas)]
    table = regret_table(scenarios, singles, datas, specs, first, optima, weights, within(options, clock))
    integer_only = getattr(get_solver(solver if solver != "auto" else "highs"), "integer_only", False)
    stacked = robust_model.build(structure, datas, specs, rule.criterion, weights, optima, integer_only)
    best = _best_single(table, rule.criterion)
    taken = [options_taken(singles[best].solution.plan, structure)] * len(datas)
    start = complete(stacked, taken, options)
    prepared = time.perf_counter()
    try:
        solved = solve_stacked(stacked, solver=solver, options=within(options, clock), start=start)
    except InfeasibleError:
        if not explain_infeasible:
            raise
        raise InfeasibleError(
            message(explain(None, None, solver="highs", options=options, model=stacked.model))
        ) from None
    solution = solved.solution
    check = evaluate_robust(
        scenarios,
        solved.plans,
        [s.demand.units for s in singles],
        optima,
        rule.criterion,
        weights,
        proven=solution.status is Status.OPTIMAL,
    )
    check.raise_if_invalid()
    pipeline.check_claims(solution.values, check.objectives, solution.settled)
    robust_row = pd.DataFrame([check.values], columns=list(variants), index=["robust"])
    table = pd.concat([_summarise(robust_row, optima, weights), table])
    shown = main_variant(variants)
    outcome = RobustOutcome(
        variants, rule.criterion, tuple(weights), solved.plans, check, tuple(optima), table, tuple(singles)
    )
    evaluation = check.evaluations[shown]
    timings = {"singles_s": prepared - started, "solve_s": time.perf_counter() - prepared}
    return pipeline.RunResult(
        scenario,
        singles[shown].demand,
        datas[shown],
        specs[shown],
        replace(solution, plan=solved.plans[shown]),
        evaluation,
        solver,
        options,
        timings,
        robust=outcome,
    )


def under(plan: Plan, data: ModelData, spec: ModelSpec, options: SolveOptions) -> Plan | None:
    """The plan's buildings under another demand: its options fixed, the rest settled for that demand.

    None when they cannot meet that demand's requirements.
    """
    model, v = formulation.build(data, spec)
    vectors = {name: objective_vector(name, data, spec, v, model.n_cols) for name in spec.objectives}
    x = np.zeros(model.n_cols)
    x[v.x] = options_taken(plan, data)
    settled = settle(model, [Block(data, spec, v)], vectors, x, options)
    return None if settled is None else decode(data, spec, v, settled.x)


def regret_table(
    scenarios: list[Scenario],
    singles: list[pipeline.RunResult],
    datas: list[ModelData],
    specs: list[ModelSpec],
    first: str,
    optima: np.ndarray,
    weights: np.ndarray,
    options: SolveOptions,
) -> pd.DataFrame:
    """Each variant's own plan judged under every variant (values recomputed by the independent evaluator)."""
    from siting.verify.evaluate import evaluate

    rows = {}
    for j, single in enumerate(singles):
        values = []
        for k, (scenario, data, spec) in enumerate(zip(scenarios, datas, specs)):
            if j == k:
                values.append(single.evaluation.objectives[first])
                continue
            plan = under(single.solution.plan, data, spec, options)
            ev = None if plan is None else evaluate(scenario, plan, singles[k].demand.units)
            values.append(np.nan if ev is None or ev.violations else ev.objectives[first])
        rows[f"plan for {scenarios[j].config.demand.variant}"] = values
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[s.config.demand.variant for s in scenarios])
    return _summarise(frame, optima, weights)


def _summarise(frame: pd.DataFrame, optima: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    values = frame.to_numpy(float)
    frame = frame.copy()
    frame["worst"] = values.min(axis=1)
    frame["expected"] = values @ weights
    frame["regret"] = (optima[None, :] - values).max(axis=1)
    return frame


def _best_single(table: pd.DataFrame, criterion: str) -> int:
    """The single-variant plan that does best by the criterion (the robust solve's start)."""
    column = {"max_min": "worst", "expected": "expected", "min_regret": "regret"}[criterion]
    values = table[column].to_numpy(float)
    values = np.where(np.isnan(values), -np.inf if column != "regret" else np.inf, values)
    return int(np.argmin(values) if column == "regret" else np.argmax(values))


__all__ = ["RobustOutcome", "run_robust"]
