"""Hand-solvable scenarios with known optimal plans, solved with every installed solver."""

from __future__ import annotations

import pytest
from conftest import building, community, make_scenario, option

from siting import pipeline
from siting.errors import InfeasibleError
from siting.model.data import annuity_factor
from siting.scenario.load import load_scenario
from siting.solvers import available_solvers

SOLVERS = available_solvers()
ELDERLY = {"population": "elderly", "radius_m": 500, "uptake": 1.0, "min_area_m2": 300, "weight": 1.0}
CHILDCARE = {"population": "infant", "radius_m": 500, "uptake": 1.0, "min_area_m2": 300, "weight": 1.5}
MEALS = {"population": "elderly", "radius_m": 500, "uptake": 1.0, "min_area_m2": 150, "weight": 1.0}


def line_scenario(tmp_path, budget: dict):
    """Three communities 2 km apart, one candidate building at each; only the building next door reaches."""
    return make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 2000, 100), community("C3", 4000, 50)],
        buildings=[building("B1", 0), building("B2", 2000), building("B3", 4000)],
        options=[
            option("B1", "buy", 100),
            option("B1", "rent", 10, 20),
            option("B2", "renovate", 60),
            option("B3", "build", 30),
        ],
        services={"elderly_care": ELDERLY},
        budget=budget,
    )


def plan_of(result) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(s.building, s.mode, s.services) for s in result.solution.plan.selected}


def solve(path, solver):
    """The expected values below count covered demand units (objective basis units)."""
    return pipeline.run(load_scenario(path, sets=["model.objective_basis=units"]), solver=solver)


@pytest.mark.parametrize("solver", SOLVERS)
def test_capex_budget_picks_the_two_cheap_buildings(tmp_path, solver):
    # Capex 100, yearly 15: renting B1 costs 20 a year (too much); buying B1 (100) covers 100,
    # renovating B2 + building B3 (90) covers 150.
    result = solve(line_scenario(tmp_path, {"capex": 100, "annual": 15}), solver)
    assert plan_of(result) == {("B2", "renovate", ("elderly_care",)), ("B3", "build", ("elderly_care",))}
    assert result.evaluation.objective == pytest.approx(150)
    assert result.evaluation.capex == pytest.approx(90)
    assert result.solution.status.value == "optimal"


@pytest.mark.parametrize("solver", SOLVERS)
def test_yearly_budget_allows_renting_when_buying_is_too_dear(tmp_path, solver):
    # Capex 150 cannot buy B1 (100) with B2 and B3 (90); renting B1 (10 + 20/year) fits: all 250 covered.
    result = solve(line_scenario(tmp_path, {"capex": 150, "annual": 25}), solver)
    assert plan_of(result) == {
        ("B1", "rent", ("elderly_care",)),
        ("B2", "renovate", ("elderly_care",)),
        ("B3", "build", ("elderly_care",)),
    }
    assert result.evaluation.objective == pytest.approx(250)
    assert result.evaluation.annual == pytest.approx(20)


@pytest.mark.parametrize("solver", SOLVERS)
def test_equal_coverage_prefers_the_lower_net_present_cost(tmp_path, solver):
    # Capex 200 allows both ways to get B1; buying (NPV 100) beats renting (NPV 10 + 20 × 8.53 = 180.6).
    result = solve(line_scenario(tmp_path, {"capex": 200, "annual": 25}), solver)
    assert plan_of(result) == {
        ("B1", "buy", ("elderly_care",)),
        ("B2", "renovate", ("elderly_care",)),
        ("B3", "build", ("elderly_care",)),
    }
    assert result.evaluation.npv == pytest.approx(190)
    assert 10 + 20 * annuity_factor(10, 0.03) > 100  # the reason


def area_scenario(tmp_path, area: float):
    # One community with 100 elderly and 80 infants; one building. Childcare weighs 1.5 (120 > 100).
    return make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100, 80)],
        buildings=[building("B1", 100, area)],
        options=[option("B1", "renovate", 10)],
        services={"elderly_care": ELDERLY, "childcare": CHILDCARE, "meals": MEALS},
        budget={"capex": 1000},
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("area", "possible", "objective"),
    [
        (299, [{"meals"}], 100.0),  # only meals (150 m²) fits
        (450, [{"childcare", "meals"}], 220.0),  # 300 + 150: childcare (120) + meals (100)
        (650, [{"childcare", "elderly_care"}, {"childcare", "meals"}], 220.0),  # any two; all three need 750
        (750, [{"childcare", "elderly_care", "meals"}], 320.0),
    ],
)
def test_floor_area_limits_the_services_a_building_hosts(tmp_path, solver, area, possible, objective):
    result = solve(area_scenario(tmp_path, area), solver)
    assert result.evaluation.objective == pytest.approx(objective)
    hosted = {s for sel in result.solution.plan.selected for s in sel.services}
    assert hosted in possible
    assert (result.evaluation.selected["area_used_m2"] <= area).all()


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_zero_with_required_share_is_infeasible(tmp_path, solver):
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0)],
        options=[option("B1", "renovate", 10)],
        services={"elderly_care": {**ELDERLY, "min_share": 0.5}},
        budget={"capex": 0},
    )
    with pytest.raises(InfeasibleError):
        solve(path, solver)


def test_all_solvers_agree_on_the_line_scenario(tmp_path):
    path = line_scenario(tmp_path, {"capex": 120, "annual": 25})
    values = {solver: solve(path, solver).evaluation.objective for solver in SOLVERS}
    assert len(SOLVERS) >= 2
    assert max(values.values()) - min(values.values()) < 1e-6, values


@pytest.mark.parametrize("solver", SOLVERS)
def test_bundled_tiny_scenario_matches_its_hand_solution(solver):
    # scenarios/tiny/README.md: B001 rent (childcare) + B003 swap (both services): 80 + 30 + 40 = 150 of 300.
    from conftest import REPO

    result = solve(REPO / "scenarios" / "tiny" / "scenario.yaml", solver)
    assert plan_of(result) == {("B001", "rent", ("childcare",)), ("B003", "swap", ("childcare", "elderly_care"))}
    assert result.evaluation.objective == pytest.approx(150)
    assert result.evaluation.capex == pytest.approx(1_900_000)
