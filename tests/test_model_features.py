"""One hand-solvable scenario per model feature, solved with every installed solver, plus evaluator checks.

Every scenario lies on the x axis with walking distance = straight-line distance (detour factor 1.0) and group
counts given per community, so demand = count × uptake (1.0) exactly. The derivation of each optimum is in the
comment above its test. Annual costs are 0 unless stated, so the net present cost equals the one-off cost.
"""

from __future__ import annotations

import pytest
from featurelib import (
    CHILDCARE,
    ELDERLY,
    approx,
    areas_of,
    building,
    community,
    complex_flags,
    evaluator,
    facility,
    objectives,
    option,
    plan_of,
    run,
    scenario,
    selected_row,
    units_by,
)

from siting.plan import Assignment, Plan, Selection
from siting.scenario.load import load_scenario
from siting.solvers import available_solvers

SOLVERS = available_solvers()
EC = ("elderly_care",)


def coverage_row(result, community_id: str, service: str = "elderly_care"):
    table = result.evaluation.coverage
    return table[(table["community"] == community_id) & (table["service"] == service)].iloc[0]


def share(result, service: str = "elderly_care") -> float:
    return float(result.evaluation.by_service.loc[service, "share"])


def assert_optimal(result) -> None:
    assert result.solution.status.value == "optimal"
    assert result.evaluation.violations == ()


# ---------------------------------------------------------------------------------------------------------
# 1. Capacities from floor area (area_per_unit_m2): the model splits a building's area between services.
# ---------------------------------------------------------------------------------------------------------


def area_capacity_scenario(folder):
    return scenario(
        folder,
        communities=[community("C1", 0, elderly=40, infant=30)],
        buildings=[building("B1", 100, area=500)],
        options=[option("B1", "renovate", 10)],
        services={
            "elderly_care": {**ELDERLY, "area_per_unit_m2": 10},
            "childcare": {**CHILDCARE, "area_per_unit_m2": 10, "weight": 1.5},
        },
        budget={"capex": 100},
    )


# C1 (100 m from B1) needs 40 elderly-care places (weight 1) and 30 childcare places (weight 1.5); each place
# takes 10 m², so full coverage would need 400 + 300 = 700 m² but B1 has 500 m². A m² of childcare is worth
# 1.5 / 10 = 0.15, a m² of elderly care 0.10: childcare gets what it can use, 300 m² (30 places, 45), and the
# remaining 200 m² go to elderly care (20 of 40 places, 20). Objective 65; any other split is worse
# (e.g. 400/100: 40 + 15 = 55; childcare only: 45). Capacity 50 places, all used: utilisation 1.
@pytest.mark.parametrize("solver", SOLVERS)
def test_area_capacity_splits_the_floor_area_by_weighted_demand(tmp_path, solver):
    result = run(area_capacity_scenario(tmp_path), solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "renovate", ("childcare", "elderly_care"))}
    assert areas_of(result)["B1"] == {"childcare": approx(300), "elderly_care": approx(200)}
    assert objectives(result)["max_coverage"] == approx(65)
    assert units_by(result, "pair") == {("C1", "childcare", "B1"): approx(30), ("C1", "elderly_care", "B1"): approx(20)}
    assert share(result, "elderly_care") == approx(0.5)  # partial coverage of C1
    assert share(result, "childcare") == approx(1.0)
    assert coverage_row(result, "C1")["covered"] == approx(0.5)
    row = selected_row(result, "B1")
    assert row["capacity"] == approx(50) and row["served"] == approx(50) and row["utilisation"] == approx(1.0)
    assert row["area_used_m2"] == approx(500)


# ---------------------------------------------------------------------------------------------------------
# 2. Capacity given per option (options.csv `capacity`).
# ---------------------------------------------------------------------------------------------------------


def option_capacity_scenario(folder):
    return scenario(
        folder,
        communities=[community("C1", 0, 60), community("C2", 1000, 40)],
        buildings=[building("B1", 0), building("B2", 500), building("B3", 1000)],
        options=[
            option("B1", "renovate", 10, capacity=30),
            option("B2", "buy", 20, capacity=80),
            option("B3", "renovate", 10),
        ],  # B3: no capacity given (unlimited)
        services={"elderly_care": {**ELDERLY, "radius_m": 600}},
        budget={"capex": 20},
    )


# Radius 600. B1 (x=0, capacity 30) reaches C1 (60); B3 (x=1000, no capacity) reaches C2 (40); B2 (x=500,
# capacity 80) reaches both at 500 m. Budget 20: {B2} serves min(100, 80) = 80; {B1, B3} serves 30 + 40 = 70;
# {B1} 30, {B3} 40. Without the capacities {B2} and {B1, B3} would tie at 100. Optimum {B2}: 80 of 100.
@pytest.mark.parametrize("solver", SOLVERS)
def test_option_capacity_limits_what_a_building_serves(tmp_path, solver):
    result = run(option_capacity_scenario(tmp_path), solver)
    assert_optimal(result)
    assert plan_of(result) == {("B2", "buy", EC)}
    assert objectives(result)["max_coverage"] == approx(80)
    assert units_by(result) == {"B2": approx(80)}
    assert share(result) == approx(0.8)
    row = selected_row(result, "B2")
    assert row["capacity"] == approx(80) and row["served"] == approx(80) and row["utilisation"] == approx(1.0)


# ---------------------------------------------------------------------------------------------------------
# 3. An existing facility covers demand at no cost, up to its capacity.
# ---------------------------------------------------------------------------------------------------------


def existing_scenario(folder):
    return scenario(
        folder,
        communities=[community("C1", 0, 60), community("C2", 1000, 50)],
        buildings=[building("B1", 0), building("B2", 1000)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 10)],
        existing=[facility("E1", 0, "elderly_care", capacity=40)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 10},
    )


def _data_of(path):
    from siting import pipeline
    from siting.model.index import model_data, model_spec

    loaded = load_scenario(path)
    data = model_data(loaded, pipeline.compute_demand(loaded).units, pipeline.compute_reach(loaded))
    return data, model_spec(loaded, data)


def test_decode_takes_off_what_the_solvers_tolerance_puts_over_a_fixed_capacity(tmp_path):
    """HiGHS left 116.0002 units on a facility of capacity 116 (district, 12,158 万元): decode keeps it at 116."""
    import numpy as np

    from siting.model.settle import within_capacity

    data, spec = _data_of(existing_scenario(tmp_path))
    building = data.building_ids[data.host_building[data.arc_host]]
    share = np.where(building == "E1", 40 / 60 * (1 + 5e-6), 0.0)  # E1's arc to C1: 40.0002 units, capacity 40
    share[building == "B2"] = 1.0 + 3e-7  # C2 served by B2 a little more than whole
    taken, hosted = data.option_building >= 0, np.ones(len(data.host_building), bool)
    fixed = within_capacity(data, spec, share, taken, hosted)
    hosts = len(data.host_building)
    load = np.bincount(data.arc_host, weights=data.pair_demand[data.arc_pair] * fixed, minlength=hosts)
    assert load[data.host_existing].max() == pytest.approx(40, abs=1e-12) and load[data.host_existing].max() <= 40
    assert np.bincount(data.arc_pair, weights=fixed).max() <= 1.0
    assert within_capacity(data, spec, share / 2, taken, hosted).tolist() == (share / 2).tolist()  # unchanged


def test_decode_keeps_an_options_capacity_and_floor_area_against_the_solvers_tolerance(tmp_path):
    """A load 5e-6 over an option's capacity, or over what its floor area holds, is taken off; the plan passes."""
    import numpy as np

    from siting.model.settle import within_capacity

    data, spec = _data_of(option_capacity_scenario(tmp_path / "options"))
    taken = data.building_ids[data.option_building] == "B2"
    hosted = data.building_ids[data.host_building] == "B2"
    on_b2 = hosted[data.arc_host]
    share = np.where(on_b2, 0.8 * (1 + 5e-6), 0.0)  # B2 (capacity 80) serves 80.0004 of C1 + C2's 100
    fixed = within_capacity(data, spec, share, taken, hosted)
    served = float(data.pair_demand[data.arc_pair] @ fixed)
    assert served == pytest.approx(80, abs=1e-9) and served <= 80
    assert within_capacity(data, spec, share / 2, taken, hosted).tolist() == (share / 2).tolist()

    # B1: 500 m², 10 m² a place, at least 100 m² a service. Childcare 30 places (300 m²) + elderly care 20 places
    # (200 m²) fill it; 5e-6 more of each needs 500.0025 m². Both keep their minimum and give up the excess.
    data, spec = _data_of(area_capacity_scenario(tmp_path / "area"))
    taken = np.ones(len(data.option_building), bool)
    hosted = np.ones(len(data.host_building), bool)
    wanted = {"childcare": 1.0, "elderly_care": 0.5}
    share = np.array([wanted[data.services[data.pair_service[p]]] for p in data.arc_pair]) * (1 + 5e-6)
    fixed = within_capacity(data, spec, share, taken, hosted)
    load = np.bincount(data.arc_host, weights=data.pair_demand[data.arc_pair] * fixed, minlength=len(hosted))
    area = np.maximum(data.min_area[data.host_service], data.area_per_unit[data.host_service] * load)
    assert area.sum() == pytest.approx(500, abs=1e-9) and area.sum() <= 500 * (1 + 1e-15)
    assert (fixed <= share).all() and fixed.sum() == pytest.approx(share.sum(), rel=1e-5)


# E1 (x=0, capacity 40, kept, free) serves 40 of C1's 60. Budget 10 buys one building: B1 (next to C1) adds
# the remaining 20 of C1; B2 (next to C2) adds 50. Without E1, B1 (60) would beat B2 (50). Optimum {B2}:
# 40 + 50 = 90; C1 partly covered (40/60), E1 fully used.
@pytest.mark.parametrize("solver", SOLVERS)
def test_existing_facility_covers_for_free_so_the_budget_goes_elsewhere(tmp_path, solver):
    result = run(existing_scenario(tmp_path), solver)
    assert_optimal(result)
    assert plan_of(result) == {("B2", "renovate", EC)}
    assert result.solution.plan.closed == ()
    assert objectives(result)["max_coverage"] == approx(90)
    assert units_by(result, "pair") == {
        ("C1", "elderly_care", "E1"): approx(40),
        ("C2", "elderly_care", "B2"): approx(50),
    }
    assert coverage_row(result, "C1")["covered"] == approx(40 / 60)
    existing = result.evaluation.existing.set_index("facility")
    assert existing.loc["E1", "status"] == "kept"
    assert existing.loc["E1", "served"] == approx(40) and existing.loc["E1", "utilisation"] == approx(1.0)
    assert result.evaluation.capex == approx(10)


# ---------------------------------------------------------------------------------------------------------
# 4. A closable existing facility is closed to free its yearly cost for a better new building.
# ---------------------------------------------------------------------------------------------------------


def closable_scenario(folder):
    return scenario(
        folder,
        communities=[community("C1", 0, 30), community("C2", 1000, 100)],
        buildings=[building("B1", 1000)],
        options=[option("B1", "rent", 0, annual=60)],
        existing=[facility("E1", 0, "elderly_care", annual=50, closable=True)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 100, "annual": 20},
    )


# E1 (x=0) covers C1 (30) for 50 a year; renting B1 (next to C2, 100) costs 60 a year. New yearly spending
# may be 20 plus whatever closing frees: keep E1 and rent B1 → 60 > 20; close E1 → 60 − 50 = 10 ≤ 20.
# Closing E1 and renting B1 covers 100 > keeping E1 alone (30). Optimum: rent B1, close E1, objective 100.
@pytest.mark.parametrize("solver", SOLVERS)
def test_closing_an_existing_facility_frees_its_yearly_cost(tmp_path, solver):
    result = run(closable_scenario(tmp_path), solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "rent", EC)}
    assert result.solution.plan.closed == ("E1",)
    assert objectives(result)["max_coverage"] == approx(100)
    assert result.evaluation.annual == approx(60)
    assert coverage_row(result, "C1")["covered"] == 0
    existing = result.evaluation.existing.set_index("facility")
    assert existing.loc["E1", "status"] == "closed"


# ---------------------------------------------------------------------------------------------------------
# 5. Swaps from the asset pool: each asset traded at most once; trading an asset closes its facility.
# ---------------------------------------------------------------------------------------------------------

ASSETS = [{"id": "A1", "name": "资产1", "value": 100}, {"id": "A2", "name": "资产2", "value": 100}]


def swap_scenario(folder, facilities):
    return scenario(
        folder,
        communities=[
            community("C1", 0, 50),
            community("C2", 2000, 40),
            community("C3", 4000, 30),
            community("C4", 6000, 20),
            community("C5", 8000, 5),
        ],
        buildings=[building("B1", 0), building("B2", 2000), building("B3", 4000)],
        options=[
            option("B1", "swap", 1, assets="A1"),
            option("B2", "swap", 1, assets="A1"),
            option("B3", "swap", 1, assets="A2"),
        ],
        existing=facilities,
        assets=ASSETS,
        services={"elderly_care": ELDERLY},
        budget={"capex": 10},
    )


# B1 (C1: 50) and B2 (C2: 40) are both paid with asset A1: only one of them, B1. B3 (C3: 30) is paid with A2,
# which houses E1 (covering C4: 20): trading A2 closes E1, net +10, so B3 is taken and E1 closes.
# Optimum: swap B1 and B3, E1 closed, 50 + 30 = 80 (keeping A2: 50 + 20 = 70; trading A1 twice would give
# 120). The schema says a facility housed in a traded asset closes, and the evaluator accepts closing a
# non-closable facility that way, so the optimum is the same whether or not E1 is closable.
@pytest.mark.parametrize("closable", [True, False], ids=["closable", "not-closable"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_swap_trades_each_asset_once_and_closes_the_facility_it_houses(tmp_path, solver, closable):
    path = swap_scenario(tmp_path, [facility("E1", 6000, "elderly_care", closable=closable, asset="A2")])
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "swap", EC), ("B3", "swap", EC)}
    assert result.solution.plan.closed == ("E1",)
    assert objectives(result)["max_coverage"] == approx(80)
    assert coverage_row(result, "C4")["covered"] == 0  # E1's coverage is lost


# Same, with two facilities housed in A2: E1 (C4: 20) and E2 (C5: 5). Trading A2 closes both: 30 − 25 = +5,
# still worth it. Optimum: swap B1 and B3, close E1 and E2, objective 80 (keeping A2: 50 + 25 = 75).
@pytest.mark.parametrize("solver", SOLVERS)
def test_trading_an_asset_closes_every_facility_it_houses(tmp_path, solver):
    path = swap_scenario(
        tmp_path,
        [
            facility("E1", 6000, "elderly_care", closable=True, asset="A2"),
            facility("E2", 8000, "elderly_care", closable=True, asset="A2"),
        ],
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "swap", EC), ("B3", "swap", EC)}
    assert result.solution.plan.closed == ("E1", "E2")
    assert objectives(result)["max_coverage"] == approx(80)


# ---------------------------------------------------------------------------------------------------------
# 6. Complexes (综合体): ≥ 600 m², ≥ 3 services, ≥ 2 core; a required count or a bonus.
# ---------------------------------------------------------------------------------------------------------

COMPLEX_SERVICES = {
    "elderly_care": {**ELDERLY, "min_area_m2": 200, "weight": 1.2},
    "childcare": {**CHILDCARE, "min_area_m2": 200, "weight": 1.5},
    "meals": {**ELDERLY, "min_area_m2": 200, "weight": 1.0},
}
COMPLEX_RULE = {"min_area_m2": 600, "min_services": 3, "core": ["elderly_care", "childcare"], "min_core": 2}
ALL3 = ("childcare", "elderly_care", "meals")
TWO = ("childcare", "elderly_care")


def complex_scenario(folder, **rule):
    return scenario(
        folder,
        communities=[community("C1", 0, 10, 10), community("C2", 2000, 50, 50), community("C3", 4000, 40, 40)],
        buildings=[building("B1", 0, 600), building("B2", 2000, 400), building("B3", 4000, 400)],
        options=[option(b, "renovate", 10) for b in ("B1", "B2", "B3")],
        services=COMPLEX_SERVICES,
        budget={"capex": 20},
        model={"complex": {**COMPLEX_RULE, **rule}},
    )


# Each service needs 200 m²; weights: childcare 1.5, elderly care 1.2, meals 1.0 (per elderly person).
# B2, B3 (400 m²) host two services: childcare + elderly care (2.7 per person pair): B2 = 50 × 2.7 = 135,
# B3 = 40 × 2.7 = 108. Only B1 (600 m²) can host all three (10 × 3.7 = 37) and be a complex. Budget: two
# buildings. Unconstrained optimum {B2, B3} = 243. With min_count 1, B1 must be a complex with all three
# services: {B1, B2} = 172 > {B1, B3} = 145: the rule costs 71 of coverage.
@pytest.mark.parametrize("solver", SOLVERS)
def test_complex_min_count_forces_one_multi_service_building(tmp_path, solver):
    result = run(complex_scenario(tmp_path, min_count=1), solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "renovate", ALL3), ("B2", "renovate", TWO)}
    assert objectives(result)["max_coverage"] == approx(172)
    assert complex_flags(result) == {"B1": True, "B2": False}


# Bonus per complex instead of a count: {B1 complex, B2} = 172 + bonus vs {B2, B3} = 243. Bonus 80 → 252
# wins with B1 a complex; bonus 60 → 232 < 243, no complex.
@pytest.mark.parametrize(
    ("bonus", "plan", "value", "complexes"),
    [
        (80, {("B1", "renovate", ALL3), ("B2", "renovate", TWO)}, 252, {"B1": True, "B2": False}),
        (60, {("B2", "renovate", TWO), ("B3", "renovate", TWO)}, 243, {"B2": False, "B3": False}),
    ],
)
@pytest.mark.parametrize("solver", SOLVERS)
def test_complex_bonus_buys_a_complex_only_when_it_pays(tmp_path, solver, bonus, plan, value, complexes):
    result = run(complex_scenario(tmp_path, bonus=bonus), solver)
    assert_optimal(result)
    assert plan_of(result) == plan
    assert objectives(result)["max_coverage"] == approx(value)
    assert complex_flags(result) == complexes


# A required share of the one-off spending on complexes can make a dearer option the better one (found by the
# brute-force oracle, tests/test_oracle.py). B1 (600 m²) can be bought for 10 or built for 13 (same area, no
# yearly cost: building it looks dominated); B2 renovated for 12; budget 25; min_count 1 and at least half the
# one-off spending on complexes. B1 bought + B2: 10 / 22 = 45 % on the complex, refused; B1 built + B2:
# 13 / 25 = 52 %, 37 + 135 = 172. B1 alone (bought) gives only 37. Dropping the "dominated" option gave 37.
@pytest.mark.parametrize("solver", SOLVERS)
def test_complex_spending_share_can_need_the_dearer_option(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 10, 10), community("C2", 2000, 50, 50)],
        buildings=[building("B1", 0, 600), building("B2", 2000, 400)],
        options=[option("B1", "buy", 10), option("B1", "build", 13), option("B2", "renovate", 12)],
        services=COMPLEX_SERVICES,
        budget={"capex": 25},
        model={"complex": {**COMPLEX_RULE, "min_count": 1, "min_capex_share": 0.5}},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "build", ALL3), ("B2", "renovate", TWO)}
    assert objectives(result)["max_coverage"] == approx(172)


# A complex counts the services it hosts, whether they serve anyone or not (found by the oracle). C1 (x=0: 10
# elderly, no infants) is the only community B1 (600 m², renovate 10) reaches; C2's 10 infants are 5 km away.
# min_count 1: B1 must host childcare, for nobody, to be a complex. Optimum: B1 with all three, 12 + 10 = 22.
# The model had no childcare slot at B1 (slots came from reach arcs only) and called the scenario infeasible.
@pytest.mark.parametrize("solver", SOLVERS)
def test_complex_may_host_a_service_nobody_in_reach_needs(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 10), community("C2", 5000, 0, 10)],
        buildings=[building("B1", 0, 600)],
        options=[option("B1", "renovate", 10)],
        services=COMPLEX_SERVICES,
        budget={"capex": 20},
        model={"complex": {**COMPLEX_RULE, "min_count": 1}},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "renovate", ALL3)}
    assert objectives(result)["max_coverage"] == approx(22)
    assert complex_flags(result) == {"B1": True}


# A complex's third service may serve demand another building also serves. C1 (x=0: 10 elderly, 10 infants)
# and C2 (x=600: 50 elderly). B1 (x=0, 600 m²) reaches C1 only; B2 (x=300, 200 m²: one service) reaches both.
# min_count 1 forces B1 to host all three services (37); B2 then adds most with meals or elderly care for
# C2 (elderly care 50 × 1.2 = 60 > meals 50), C1's elderly care being already covered by B1.
# Optimum: B1 complex with all three, B2 elderly care; objective 37 + 60 = 97.
@pytest.mark.parametrize("solver", SOLVERS)
def test_complex_keeps_its_services_when_another_building_covers_the_same_demand(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 10, 10), community("C2", 600, 50)],
        buildings=[building("B1", 0, 600), building("B2", 300, 200)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 10)],
        services=COMPLEX_SERVICES,
        budget={"capex": 20},
        model={"complex": {**COMPLEX_RULE, "min_count": 1}},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "renovate", ALL3), ("B2", "renovate", EC)}
    assert objectives(result)["max_coverage"] == approx(97)
    assert bool(selected_row(result, "B1")["complex"])


# ---------------------------------------------------------------------------------------------------------
# 7. Objectives: min_cost with a target share, min_distance (p-median), max_min_share, lexicographic lists.
# ---------------------------------------------------------------------------------------------------------


# Set covering. C1..C4 at x = 0, 1000, 2000, 3000 with 40, 30, 20, 10 elderly (100); radius 600. B1..B4 next
# to each (capex 50, 30, 10, 5) and B5 at x=500 reaching C1 and C2 (capex 60). 75 % must be covered: without
# C1 at most 60, so C1 via B1 or B5. B1 + B2 = 70 < 75; B1 + B2 + B4 = 80 costs 85, B1 + B2 + B3 = 90
# costs 90; B5 (70) + B4 = 80 costs 65, B5 + B3 = 90 costs 70. Cheapest: {B4, B5}, 65, covering 80 %.
@pytest.mark.parametrize("solver", SOLVERS)
def test_min_cost_with_target_share_is_set_covering(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[
            community("C1", 0, 40),
            community("C2", 1000, 30),
            community("C3", 2000, 20),
            community("C4", 3000, 10),
        ],
        buildings=[
            building("B1", 0),
            building("B2", 1000),
            building("B3", 2000),
            building("B4", 3000),
            building("B5", 500),
        ],
        options=[
            option("B1", "renovate", 50),
            option("B2", "renovate", 30),
            option("B3", "renovate", 10),
            option("B4", "renovate", 5),
            option("B5", "buy", 60),
        ],
        services={"elderly_care": {**ELDERLY, "radius_m": 600}},
        budget={"capex": 1000},
        model={"objectives": ["min_cost"], "target_share": {"elderly_care": 0.75}},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B4", "renovate", EC), ("B5", "buy", EC)}
    assert objectives(result)["min_cost"] == approx(65)
    assert share(result) == approx(0.8)


# p-median, p = 2 (min = max facilities = 2); radius 5 km so every pair is in reach. Points (x, elderly):
# C1 (0, 20), C2 (100, 10), C3 (1000, 10), C4 (1100, 30), C5 (1300, 10), a candidate B_i at each C_i.
# Split {C1, C2} | {C3, C4, C5}: median B1 costs 10 × 100 = 1000 (B2: 2000); B4 costs 10 × 100 + 10 × 200 =
# 3000 (B3: 30 × 100 + 10 × 300 = 6000; B5: 10 × 300 + 30 × 200 = 9000). Any other split puts a 1 km walk on
# ≥ 10 people (≥ 10,000). Optimum {B1, B4}, demand-weighted walk 4000 unit·m. With max_coverage first (all
# demand is coverable by any two buildings) min_distance must give the same plan.
@pytest.mark.parametrize(
    "objective_list",
    [["min_distance"], ["max_coverage", "min_distance"]],
    ids=["min_distance", "coverage-then-distance"],
)
@pytest.mark.parametrize("solver", SOLVERS)
def test_min_distance_with_a_facility_count_is_the_p_median(tmp_path, solver, objective_list):
    xs, elderly = [0, 100, 1000, 1100, 1300], [20, 10, 10, 30, 10]
    path = scenario(
        tmp_path,
        communities=[community(f"C{i}", x, w) for i, (x, w) in enumerate(zip(xs, elderly, strict=True), start=1)],
        buildings=[building(f"B{i}", x) for i, x in enumerate(xs, start=1)],
        options=[option(f"B{i}", "renovate", 10) for i in range(1, 6)],
        services={"elderly_care": {**ELDERLY, "radius_m": 5000}},
        budget={"capex": 100},
        model={"objectives": objective_list, "policy": {"min_facilities": 2, "max_facilities": 2}},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "renovate", EC), ("B4", "renovate", EC)}
    assert objectives(result)["min_distance"] == approx(4000)
    served_by = {a.community: a.building for a in result.solution.plan.assignments}
    assert served_by == {"C1": "B1", "C2": "B1", "C3": "B4", "C4": "B4", "C5": "B4"}


# Equity. D1 = {C1 (x=0, 60), C2 (x=1000, 60)}, D2 = {C3 (x=3000, 30), C4 (x=4000, 10)}; a building next to
# each (capex 10, 12, 10, 10), budget 22 (two buildings). Max coverage would take B1 + B2 (120, D2 share 0).
# Smallest district share: one building in each district; D1 gets 60/120 = 0.5 from B1 or B2, D2 gets 0.75
# (B3) or 0.25 (B4): t = 0.5 with {B1 or B2, B3}; min_cost then picks B1 (10 < 12): {B1, B3}, cost 20.
@pytest.mark.parametrize("solver", SOLVERS)
def test_max_min_share_balances_districts(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[
            community("C1", 0, 60, district="D1"),
            community("C2", 1000, 60, district="D1"),
            community("C3", 3000, 30, district="D2"),
            community("C4", 4000, 10, district="D2"),
        ],
        buildings=[building("B1", 0), building("B2", 1000), building("B3", 3000), building("B4", 4000)],
        options=[
            option("B1", "renovate", 10),
            option("B2", "renovate", 12),
            option("B3", "renovate", 10),
            option("B4", "renovate", 10),
        ],
        services={"elderly_care": ELDERLY},
        budget={"capex": 22},
        model={"objectives": ["max_min_share", "min_cost"]},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "renovate", EC), ("B3", "renovate", EC)}
    found = objectives(result)
    assert found["max_min_share"] == approx(0.5)
    assert found["min_cost"] == approx(20)
    assert found["max_coverage"] == approx(90)  # less than the 120 of the max-coverage plan
    by_group = result.evaluation.by_group.set_index("group")["share"]
    assert by_group["D1"] == approx(0.5) and by_group["D2"] == approx(0.75)


# Lexicographic. D1 = {C1 (x=0, 50), C2 (x=1000, 50)}, D2 = {C3 (x=3000, 50)}; B1, B2, B3 next to them
# (capex 10, 12, 15), budget 30 (any two). Every pair covers 100: a tie on max_coverage. max_min_share then:
# {B1, B2} → D2 0; {B1, B3} and {B2, B3} → 0.5; min_cost: {B1, B3} = 25 < 27. Without the middle stage
# min_cost alone would break the tie with {B1, B2} = 22.
@pytest.mark.parametrize(
    ("objective_list", "plan", "values"),
    [
        (
            ["max_coverage", "max_min_share", "min_cost"],
            {"B1", "B3"},
            {"max_coverage": 100, "max_min_share": 0.5, "min_cost": 25},
        ),
        (["max_coverage", "min_cost"], {"B1", "B2"}, {"max_coverage": 100, "max_min_share": 0.0, "min_cost": 22}),
    ],
    ids=["with-equity-stage", "without"],
)
@pytest.mark.parametrize("solver", SOLVERS)
def test_lexicographic_stage_breaks_a_tie_of_the_previous_one(tmp_path, solver, objective_list, plan, values):
    path = scenario(
        tmp_path,
        communities=[
            community("C1", 0, 50, district="D1"),
            community("C2", 1000, 50, district="D1"),
            community("C3", 3000, 50, district="D2"),
        ],
        buildings=[building("B1", 0), building("B2", 1000), building("B3", 3000)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 12), option("B3", "renovate", 15)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 30},
        model={"objectives": objective_list},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert {s.building for s in result.solution.plan.selected} == plan
    assert [s.objective for s in result.solution.stages] == objective_list
    found = objectives(result)
    for name, value in values.items():
        assert found[name] == approx(value), name
    for stage in result.solution.stages:
        assert stage.result.objective == approx(values[stage.objective]), stage.objective


# ---------------------------------------------------------------------------------------------------------
# 8. Distance decay (full_credit_m): credit falls linearly from 1 at full_credit_m to 0 at radius_m.
# ---------------------------------------------------------------------------------------------------------


# Radius 1000, full credit up to 200: credit(d) = (1000 − d) / 800 beyond 200 m. C1 (x=0, 100), C2 (x=1200,
# 40). B1 (x=300, buy 50): C1 at 300 m → 0.875, C2 at 900 m → 0.125: 87.5 + 5 = 92.5. B2 (x=600, renovate
# 20): C1 at 600 → 0.5, C2 at 600 → 0.5: 50 + 20 = 70. Budget 50, one building. Without decay both cover all
# 140 and the cheaper B2 would win; with decay the nearer, dearer B1 wins: 92.5.
@pytest.mark.parametrize("solver", SOLVERS)
def test_distance_decay_prefers_the_nearer_dearer_building(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 1200, 40)],
        buildings=[building("B1", 300), building("B2", 600)],
        options=[option("B1", "buy", 50), option("B2", "renovate", 20)],
        services={"elderly_care": {**ELDERLY, "radius_m": 1000, "full_credit_m": 200}},
        budget={"capex": 50},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert plan_of(result) == {("B1", "buy", EC)}
    assert objectives(result)["max_coverage"] == approx(92.5)
    assert coverage_row(result, "C1")["credit"] == approx(0.875)
    assert coverage_row(result, "C2")["credit"] == approx(0.125)


# ---------------------------------------------------------------------------------------------------------
# 9. Policy: facility counts, per-mode limits, must (not) choose, district minimum share and requirements.
# ---------------------------------------------------------------------------------------------------------

POLICY_X = [0, 2000, 4000, 6000, 8000]
POLICY_ELDERLY = [60, 50, 40, 20, 10]
POLICY_MODES = ["rent", "renovate", "buy", "build", "renovate"]
TWO_DISTRICTS = ["D1", "D1", "D2", "D2", "D2"]
THREE_DISTRICTS = ["D1", "D1", "D2", "D2", "D3"]


def policy_scenario(folder, policy, districts=TWO_DISTRICTS):
    return scenario(
        folder,
        communities=[
            community(f"C{i}", x, w, district=d)
            for i, (x, w, d) in enumerate(zip(POLICY_X, POLICY_ELDERLY, districts, strict=True), start=1)
        ],
        buildings=[building(f"B{i}", x) for i, x in enumerate(POLICY_X, start=1)],
        options=[option(f"B{i}", m, 10) for i, m in enumerate(POLICY_MODES, start=1)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 20},
        model={"policy": policy},
    )


# C1..C5 2 km apart (60, 50, 40, 20, 10 elderly), each reached only by its own building B1..B5 (modes rent,
# renovate, buy, build, renovate; capex 10 each), budget 20: two buildings, value = sum of their communities.
#   no policy                      → {B1, B2} 110
#   max_facilities 1               → {B1} 60
#   max_by_mode rent ≤ 0 (B1)      → {B2, B3} 90
#   must_choose B4                 → {B1, B4} 80
#   must_not_choose B1, B2         → {B3, B4} 60
#   district_min_share 50 %        → D1 (110) needs 55: B1 (60); D2 (70) needs 35: B3 (40) → {B1, B3} 100
#   district_requires D3 (only C5) → B5 plus the best other, B1 → {B1, B5} 70
@pytest.mark.parametrize(
    ("policy", "districts", "plan", "value"),
    [
        ({}, TWO_DISTRICTS, {"B1", "B2"}, 110),
        ({"max_facilities": 1}, TWO_DISTRICTS, {"B1"}, 60),
        ({"max_by_mode": {"rent": 0}}, TWO_DISTRICTS, {"B2", "B3"}, 90),
        ({"must_choose": ["B4"]}, TWO_DISTRICTS, {"B1", "B4"}, 80),
        ({"must_not_choose": ["B1", "B2"]}, TWO_DISTRICTS, {"B3", "B4"}, 60),
        ({"district_min_share": {"elderly_care": 0.5}}, TWO_DISTRICTS, {"B1", "B3"}, 100),
        ({"district_requires": {"D3": ["elderly_care"]}}, THREE_DISTRICTS, {"B1", "B5"}, 70),
    ],
    ids=[
        "none",
        "max_facilities",
        "max_by_mode",
        "must_choose",
        "must_not_choose",
        "district_min_share",
        "district_requires",
    ],
)
@pytest.mark.parametrize("solver", SOLVERS)
def test_policy_rules_change_the_optimum(tmp_path, solver, policy, districts, plan, value):
    result = run(policy_scenario(tmp_path, policy, districts), solver)
    assert_optimal(result)
    modes = {f"B{i}": m for i, m in enumerate(POLICY_MODES, start=1)}
    assert plan_of(result) == {(b, modes[b], EC) for b in plan}
    assert objectives(result)["max_coverage"] == approx(value)
    assert objectives(result)["min_cost"] == approx(10 * len(plan))


# must_choose a building whose coverage another chosen building duplicates. C1 (x=0, 10), C2 (x=600, 50);
# B1 (x=0) reaches C1, B2 (x=300) reaches both; capex 10 each, budget 20. Max coverage needs only B2 (60),
# but B1 must be acquired: optimum {B1, B2}, 60, both in the plan.
@pytest.mark.parametrize("solver", SOLVERS)
def test_must_choose_building_stays_in_the_plan_even_if_redundant(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 10), community("C2", 600, 50)],
        buildings=[building("B1", 0), building("B2", 300)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 10)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 20},
        model={"policy": {"must_choose": ["B1"]}},
    )
    result = run(path, solver)
    assert_optimal(result)
    assert {s.building for s in result.solution.plan.selected} == {"B1", "B2"}
    assert objectives(result)["max_coverage"] == approx(60)


# ---------------------------------------------------------------------------------------------------------
# 10. The independent evaluator catches plans that break each rule (the valid optimum passes).
# ---------------------------------------------------------------------------------------------------------


def sel(building_id: str, mode: str, services=EC, area=()) -> Selection:
    return Selection(building_id, mode, tuple(services), tuple(area))


def refuses(check, plan: Plan, *messages: str) -> None:
    """The evaluator finds each message among the plan's violations."""
    found = check(plan)
    for text in messages:
        assert any(text in v for v in found), (text, found)


def test_evaluator_catches_over_area_capacity(tmp_path):
    check = evaluator(area_capacity_scenario(tmp_path))
    b1 = sel("B1", "renovate", ("childcare", "elderly_care"), (300, 200))
    good = Plan.of(
        [b1], assignments=[Assignment("C1", "childcare", "B1", 30), Assignment("C1", "elderly_care", "B1", 20)]
    )
    assert check(good) == ()
    bad = Plan.of(
        [b1], assignments=[Assignment("C1", "childcare", "B1", 30), Assignment("C1", "elderly_care", "B1", 40)]
    )
    refuses(check, bad, "building B1 serves 40 units of elderly_care, over its capacity 20")


def test_evaluator_catches_over_option_capacity_and_beyond_radius(tmp_path):
    check = evaluator(option_capacity_scenario(tmp_path))
    good = Plan.of(
        [sel("B2", "buy")],
        assignments=[Assignment("C1", "elderly_care", "B2", 60), Assignment("C2", "elderly_care", "B2", 20)],
    )
    assert check(good) == ()
    over = Plan.of([sel("B1", "renovate")], assignments=[Assignment("C1", "elderly_care", "B1", 60)])
    refuses(check, over, "building B1 serves 60 units, over the option's capacity 30")
    far = Plan.of(
        [sel("B1", "renovate")],
        assignments=[Assignment("C1", "elderly_care", "B1", 20), Assignment("C2", "elderly_care", "B1", 10)],
    )
    refuses(check, far, "C2 is assigned to B1 for elderly_care at 1,000 m, beyond 600 m")


def test_evaluator_catches_over_capacity_of_an_existing_facility_and_a_forbidden_closure(tmp_path):
    check = evaluator(existing_scenario(tmp_path))
    good = Plan.of(
        [sel("B2", "renovate")],
        assignments=[Assignment("C1", "elderly_care", "E1", 40), Assignment("C2", "elderly_care", "B2", 50)],
    )
    assert check(good) == ()
    over = Plan.of([sel("B2", "renovate")], assignments=[Assignment("C1", "elderly_care", "E1", 60)])
    refuses(check, over, "existing facility E1 serves 60 units of elderly_care, over its capacity 40")
    closed = Plan.of([sel("B2", "renovate")], closed=["E1"])
    refuses(check, closed, "existing facility E1 is closed but is not closable")


def test_evaluator_counts_closures_against_the_yearly_budget(tmp_path):
    check = evaluator(closable_scenario(tmp_path))
    assert check(Plan.of([sel("B1", "rent")], closed=["E1"])) == ()
    refuses(check, Plan.of([sel("B1", "rent")]), "yearly cost 60 元 exceeds the budget 20 元")


def test_evaluator_catches_an_asset_traded_twice_and_a_facility_left_open_in_a_traded_asset(tmp_path):
    check = evaluator(swap_scenario(tmp_path, [facility("E1", 6000, "elderly_care", closable=True, asset="A2")]))
    assert check(Plan.of([sel("B1", "swap"), sel("B3", "swap")], closed=["E1"])) == ()
    refuses(
        check,
        Plan.of([sel("B1", "swap"), sel("B2", "swap")]),
        "asset A1 is traded 2 times; each asset can be traded once",
    )
    refuses(
        check,
        Plan.of([sel("B1", "swap"), sel("B3", "swap")]),
        "existing facility E1 stays open but its asset A2 is traded away",
    )


def test_evaluator_accepts_closing_a_non_closable_facility_by_trading_its_asset(tmp_path):
    check = evaluator(swap_scenario(tmp_path, [facility("E1", 6000, "elderly_care", closable=False, asset="A2")]))
    assert check(Plan.of([sel("B1", "swap"), sel("B3", "swap")], closed=["E1"])) == ()
    refuses(check, Plan.of([sel("B1", "swap")], closed=["E1"]), "existing facility E1 is closed but is not closable")


def test_evaluator_catches_too_few_complexes_and_too_little_spent_on_them(tmp_path):
    check = evaluator(complex_scenario(tmp_path / "count", min_count=1))
    good = Plan.of([sel("B1", "renovate", ALL3), sel("B2", "renovate", TWO)])
    assert check(good) == ()
    refuses(
        check,
        Plan.of([sel("B2", "renovate", TWO), sel("B3", "renovate", TWO)]),
        "0 complexes (综合体); at least 1 required",
    )
    refuses(
        check,
        Plan.of([sel("B1", "renovate", TWO), sel("B2", "renovate", TWO)]),
        "0 complexes (综合体); at least 1 required",
    )  # B1 with only two services
    check = evaluator(complex_scenario(tmp_path / "share", min_capex_share=0.6))
    assert check(Plan.of([sel("B1", "renovate", ALL3)])) == ()
    refuses(check, good, "50.0% of one-off spending goes to complexes; at least 60% required")


def test_evaluator_catches_facility_counts_and_modes(tmp_path):
    check = evaluator(policy_scenario(tmp_path / "count", {"max_facilities": 1, "min_facilities": 1}))
    assert check(Plan.of([sel("B1", "rent")])) == ()
    refuses(check, Plan.of([sel("B1", "rent"), sel("B2", "renovate")]), "2 buildings acquired; at most 1 allowed")
    refuses(check, Plan.of([]), "0 buildings acquired; at least 1 required")
    check = evaluator(policy_scenario(tmp_path / "mode", {"max_by_mode": {"rent": 0}}))
    assert check(Plan.of([sel("B2", "renovate"), sel("B3", "buy")])) == ()
    refuses(
        check, Plan.of([sel("B1", "rent"), sel("B2", "renovate")]), "1 buildings acquired by rent; at most 0 allowed"
    )


def test_evaluator_catches_must_choose_and_must_not_choose(tmp_path):
    check = evaluator(policy_scenario(tmp_path, {"must_choose": ["B4"], "must_not_choose": ["B2"]}))
    assert check(Plan.of([sel("B1", "rent"), sel("B4", "build")])) == ()
    refuses(
        check,
        Plan.of([sel("B1", "rent"), sel("B2", "renovate")]),
        "building B4 must be acquired but is not",
        "building B2 must not be acquired but is",
    )


def test_evaluator_catches_district_minimum_share_and_requirement(tmp_path):
    check = evaluator(policy_scenario(tmp_path / "share", {"district_min_share": {"elderly_care": 0.5}}))
    assert check(Plan.of([sel("B1", "rent"), sel("B3", "buy")])) == ()
    refuses(
        check,
        Plan.of([sel("B1", "rent"), sel("B2", "renovate")]),
        "D2: elderly_care covers 0.00%; every district needs 50%",
    )
    check = evaluator(
        policy_scenario(tmp_path / "requires", {"district_requires": {"D3": ["elderly_care"]}}, THREE_DISTRICTS)
    )
    assert check(Plan.of([sel("B1", "rent"), sel("B5", "renovate")])) == ()
    refuses(
        check,
        Plan.of([sel("B1", "rent"), sel("B2", "renovate")]),
        "D3 must have elderly_care but none of its demand for it is covered",
    )


# District D1 must have elderly care: C1 (x=0) has no elderly, C2 (x=3000) has 10. B1 at C1 covers C1 only,
# which needs nothing: none of D1's demand is covered. The evaluator counted C1 as covered and passed the plan
# (the model, whose demand pairs have demand, refused it): found writing the oracle's district rules.
def test_evaluator_requires_covered_demand_not_a_covered_community_without_any(tmp_path):
    check = evaluator(
        scenario(
            tmp_path,
            communities=[community("C1", 0, 0, district="D1"), community("C2", 3000, 10, district="D1")],
            buildings=[building("B1", 0), building("B2", 3000)],
            options=[option("B1", "renovate", 10), option("B2", "renovate", 10)],
            services={"elderly_care": ELDERLY},
            budget={"capex": 20},
            model={"policy": {"district_requires": {"D1": ["elderly_care"]}}},
        )
    )
    assert check(Plan.of([sel("B2", "renovate")])) == ()
    refuses(
        check, Plan.of([sel("B1", "renovate")]), "D1 must have elderly_care but none of its demand for it is covered"
    )


def test_evaluator_catches_a_missed_target_share_for_min_cost(tmp_path):
    check = evaluator(
        scenario(
            tmp_path,
            communities=[
                community("C1", 0, 40),
                community("C2", 1000, 30),
                community("C3", 2000, 20),
                community("C4", 3000, 10),
            ],
            buildings=[building("B1", 0), building("B2", 1000)],
            options=[option("B1", "renovate", 50), option("B2", "renovate", 30)],
            services={"elderly_care": {**ELDERLY, "radius_m": 600}},
            budget={"capex": 1000},
            model={"objectives": ["min_cost"], "target_share": {"elderly_care": 0.65}},
        )
    )
    assert check(Plan.of([sel("B1", "renovate"), sel("B2", "renovate")])) == ()
    refuses(
        check,
        Plan.of([sel("B1", "renovate")]),
        "elderly_care covers 40.00% of its demand; the scenario requires 65.00%",
    )
