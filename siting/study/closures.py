"""Why a plan closes an existing facility, and what keeping it open would cost: a re-solve with it kept open.

A plan closes a closable facility when its yearly cost buys more coverage elsewhere (the yearly budget is for
new spending, and a closure adds the facility's cost to it), or when a swap trades away the asset that houses
it. Re-planning the scenario with the facility kept open (not closable, and no swap trading its asset) and
comparing the two optima measures the coverage the closure bought.

Each re-plan is a full solve, so with a deadline (the run's --time-limit) the re-plans share the time left: each
gets an equal part of it (at least `MIN_SECONDS`), and a facility whose turn comes with less than that left is
not checked.
"""

from __future__ import annotations

import dataclasses
import time

import pandas as pd

from siting import pipeline
from siting.errors import InfeasibleError
from siting.model.solve import NoPlanError
from siting.scenario.load import Scenario
from siting.solvers import SolveOptions

MIN_SECONDS = 1.0
"""A re-plan given less time than this is not started (it would report a plan it had no time to improve)."""
NOT_CHECKED = "not_checked"


def kept_open(scenario: Scenario, facility: str) -> Scenario:
    """The scenario with existing facility `facility` kept open: not closable, and no option trades its asset.

    A what-if for closure_costs only: its plan is compared, never written, so the change is not recorded.
    """
    existing = scenario.existing.copy()
    existing.loc[facility, "closable"] = False
    asset = existing.loc[facility, "asset"]
    options = scenario.options
    if asset:
        options = options[~options["assets"].map(lambda traded: asset in traded)].reset_index(drop=True)
    return dataclasses.replace(scenario, existing=existing, options=options)


def closure_costs(
    result: pipeline.RunResult,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    deadline: float | None = None,
) -> pd.DataFrame:
    """One row per facility the plan closes (index facility).

    Columns: name, annual_cost (元/year the closure frees), asset, traded_by (the acquired building whose swap
    trades that asset, if any), objective (the plan's), status_kept_open (optimal; feasible: the re-plan hit its
    time limit, so the loss shown is at most that; infeasible: no plan meets the rules with the facility kept
    open; not_checked: no time left), objective_kept_open (NaN unless a plan came back), objective_lost,
    persons_lost (weighted persons), and share_lost.<s> per service (covered share lost, negative when keeping
    the facility raises it).

    Args:
        result: the run whose closures are explained.
        solver: solver of the re-plans.
        options: solve options of the re-plans (their time limit is replaced by a share of the time left).
        deadline: `time.monotonic()` by which the re-plans must end; None = no limit.
    """
    ev = result.evaluation
    traded_by = {a: r.building for r in ev.selected.itertuples() for a in r.assets}
    closed = list(result.solution.plan.closed)
    rows = []
    for position, facility in enumerate(closed):
        info = result.scenario.existing.loc[facility]
        row = {
            "facility": facility,
            "name": info["name"],
            "annual_cost": float(info["annual_cost"]),
            "asset": info["asset"],
            "traded_by": traded_by.get(info["asset"], "") if info["asset"] else "",
            "objective": ev.objective,
        }
        scenario = kept_open(result.scenario, facility)
        row["status_kept_open"], alt = _replan(scenario, solver, options, deadline, len(closed) - position)
        row["objective_kept_open"] = alt.objective if alt is not None else float("nan")
        row["objective_lost"] = _tidy(ev.objective - row["objective_kept_open"])
        persons = (ev.by_service["weight"] * ev.by_service["persons_covered"]).sum()
        kept_persons = (alt.by_service["weight"] * alt.by_service["persons_covered"]).sum() if alt else float("nan")
        row["persons_lost"] = _tidy(persons - kept_persons)
        for key in ev.by_service.index:
            kept_share = alt.by_service.loc[key, "share"] if alt is not None else float("nan")
            row[f"share_lost.{key}"] = _tidy(ev.by_service.loc[key, "share"] - kept_share)
        rows.append(row)
    return pd.DataFrame(rows).set_index("facility") if rows else pd.DataFrame()


def _replan(
    scenario: Scenario, solver: str, options: SolveOptions | None, deadline: float | None, still_to_plan: int
) -> tuple[str, object]:
    """(status, evaluation or None) of the kept-open scenario, planned in its share of the time left."""
    options = options or SolveOptions()
    if deadline is not None:
        left = deadline - time.monotonic()
        if left < MIN_SECONDS:
            return NOT_CHECKED, None
        options = dataclasses.replace(options, time_limit_s=max(left / still_to_plan, MIN_SECONDS))
    try:
        alt = pipeline.run(scenario, solver=solver, options=options, explain_infeasible=False)
    except InfeasibleError:
        return "infeasible", None
    except NoPlanError:
        return NOT_CHECKED, None
    return alt.solution.status.value, alt.evaluation


def _tidy(value: float) -> float:
    """Round away solver noise (and -0.0), so that equal plans show a loss of exactly 0."""
    return round(float(value), 6) + 0.0
