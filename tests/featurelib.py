"""Builders for the hand-solvable feature scenarios of test_model_features.py.

Everything lies on the x axis (y = 0), walking distance = straight line (detour factor 1.0), and every group
count is given so that demand = count × uptake exactly (uptake 1.0).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import conftest
import pytest
from conftest import building as building  # re-exported: the feature tests build rows from here
from conftest import make_scenario
from conftest import option as option

from siting import pipeline
from siting.errors import InputError
from siting.plan import Plan
from siting.scenario.load import load_scenario
from siting.verify.evaluate import evaluate

ELDERLY = {"population": "elderly", "radius_m": 500, "uptake": 1.0, "min_area_m2": 100, "weight": 1.0}
CHILDCARE = {"population": "infant", "radius_m": 500, "uptake": 1.0, "min_area_m2": 100, "weight": 1.0}


community = partial(conftest.community, population=10000)


def facility(
    fid: str,
    x: float,
    services: str,
    capacity: float | str = "",
    annual: float = 0.0,
    closable: bool = False,
    asset: str = "",
) -> dict:
    return {
        "id": fid,
        "name": f"站{fid}",
        "x": x,
        "y": 0,
        "services": services,
        "capacity": capacity,
        "annual_cost": annual,
        "closable": "true" if closable else "false",
        "asset": asset,
    }


scenario = make_scenario  # the tables beyond the three required ones are conftest.make_scenario's too


UNITS = "model.objective_basis=units"  # the hand-worked values count covered demand units


def run(path: Path, solver: str):
    """Plan with `solver` (objective basis units); an integer-only solver (CP-SAT) must refuse models with
    continuous variables by name, and the test is then skipped for it (the refusal itself was checked)."""
    try:
        return pipeline.run(load_scenario(path, sets=[UNITS]), solver=solver)
    except InputError as err:
        if solver == "ortools-cpsat" and "takes integer variables only" in str(err):
            pytest.skip("CP-SAT refuses models with continuous variables (refusal checked)")
        raise


def plan_of(result) -> set[tuple[str, str, tuple[str, ...]]]:
    """(building, mode, services) of every acquired building."""
    return {(s.building, s.mode, s.services) for s in result.solution.plan.selected}


def areas_of(result) -> dict[str, dict[str, float]]:
    """building -> service -> floor area given to it."""
    return {s.building: dict(zip(s.services, s.area_m2, strict=True)) for s in result.solution.plan.selected}


def units_by(result, key: str = "building") -> dict:
    """Assigned units summed by building (or by (community, building) with key='pair')."""
    out: dict = {}
    for a in result.solution.plan.assignments:
        k = a.building if key == "building" else (a.community, a.service, a.building)
        out[k] = out.get(k, 0.0) + a.units
    return out


def complex_flags(result) -> dict[str, bool]:
    """building -> whether the evaluator counts it as a complex."""
    table = result.evaluation.selected
    return {b: bool(f) for b, f in zip(table["building"], table["complex"], strict=True)}


def objectives(result) -> dict[str, float]:
    return result.evaluation.objectives


def selected_row(result, building_id: str):
    table = result.evaluation.selected
    rows = table[table["building"] == building_id]
    assert len(rows) == 1, table
    return rows.iloc[0]


def evaluator(path: Path) -> Callable[[Plan], tuple[str, ...]]:
    """Load a scenario once; the returned function evaluates a hand-made plan and returns its violations."""
    loaded = load_scenario(path)
    units = pipeline.compute_demand(loaded).units

    def violations(plan: Plan) -> tuple[str, ...]:
        return evaluate(loaded, plan, units).violations

    return violations


def approx(value: float):
    return pytest.approx(value, rel=1e-6, abs=1e-6)
