"""`model.targets: from_audit` and `budget.npv`: hand-checkable scenarios with every installed solver, the
independent evaluator on hand-made plans, and the infeasibility explanation.

As in test_model_features.py: everything on the x axis, walking distance = straight line, group counts given,
uptake 1.0 (demand = elderly count), radius 500 m.
"""

from __future__ import annotations

import pytest
from featurelib import ELDERLY, approx, building, community, evaluator, facility, option, plan_of, run, scenario

from siting import pipeline
from siting.cli.main import main
from siting.errors import InfeasibleError
from siting.plan import Plan, Selection
from siting.scenario.load import load_scenario
from siting.solvers import available_solvers

SOLVERS = available_solvers()
EC = ("elderly_care",)


def chosen(*buildings: str, mode: str = "renovate") -> Plan:
    return Plan(selected=tuple(Selection(b, mode, EC) for b in buildings))


# ---------------------------------------------------------------------------------------------------------
# model.targets: from_audit. The elderly-care coverage standard is 100 % (configs/standards.yaml).
#   C1 x=0 (100 elderly, 东区), C2 x=2000 (50, 东区), C3 x=10000 (80, 西区), C4 x=20000 (40, 西区)
#   B1 x=0 (10 元), B2 x=2000 (30 元), B3 x=10000 (5 元); nothing reaches C4.
# Reachable share ρ: 东区 150/150 = 1, 西区 80/120 = 2/3. Targets min(1, ρ): 东区 100 %, 西区 66.7 %: C1, C2
# and C3 must all be within reach. Without districts the one target is 230/270 = 85.2 %, the same three.
# ---------------------------------------------------------------------------------------------------------


def targets_scenario(folder, *, districts=True, existing=None, objectives=("min_cost",), capex=1000):
    def where(name):
        return name if districts else None

    return scenario(
        folder,
        communities=[
            community("C1", 0, 100, district=where("东区")),
            community("C2", 2000, 50, district=where("东区")),
            community("C3", 10000, 80, district=where("西区")),
            community("C4", 20000, 40, district=where("西区")),
        ],
        buildings=[building("B1", 0), building("B2", 2000), building("B3", 10000)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 30), option("B3", "renovate", 5)],
        services={"elderly_care": dict(ELDERLY)},
        budget={"capex": capex},
        model={"objectives": list(objectives), "targets": "from_audit"},
        existing=existing,
    )


# min_cost alone would buy nothing (no share is required); the targets need C1, C2 (东区 100 %) and C3 (西区
# 2/3): B1 + B2 + B3 = 45 元, coverage 230 of 270.
@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_from_audit_close_every_reachable_district_shortfall(tmp_path, solver):
    result = run(targets_scenario(tmp_path), solver)
    assert plan_of(result) == {("B1", "renovate", EC), ("B2", "renovate", EC), ("B3", "renovate", EC)}
    assert result.evaluation.objectives["min_cost"] == approx(45)
    assert result.evaluation.by_service.loc["elderly_care", "covered"] == approx(230)
    assert result.spec.district_share[:, 0] == pytest.approx([1.0, 2 / 3])  # groups sorted: 东区, 西区
    assert result.spec.required_share == pytest.approx([0.0])  # every community is in a district


# An existing station E1 at x=2100 already covers C2 (100 m), so 东区 needs only B1: B1 + B3 = 15 元.
@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_from_audit_count_existing_facilities(tmp_path, solver):
    result = run(targets_scenario(tmp_path, existing=[facility("E1", 2100, "elderly_care")]), solver)
    assert plan_of(result) == {("B1", "renovate", EC), ("B3", "renovate", EC)}
    assert result.evaluation.objectives["min_cost"] == approx(15)


# Without districts only the overall target holds: 230 / 270 of the demand, again all of B1, B2, B3 (45 元).
@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_from_audit_without_districts_use_the_overall_share(tmp_path, solver):
    result = run(targets_scenario(tmp_path, districts=False), solver)
    assert result.evaluation.objectives["min_cost"] == approx(45)
    assert result.spec.district_share.shape == (0, 1)
    assert result.spec.required_share == pytest.approx([230 / 270])


# With the budget at 40 元, max_coverage alone would take B1 + B3 (180); the targets need 45 元: infeasible.
# The explanation names the two cheapest single changes (siting.model.explain): 5 元 more, or 东区's target
# lowered to 100/150 = 66.7 % (B1 + B3).
def test_targets_from_audit_beyond_the_budget_are_explained(tmp_path):
    path = targets_scenario(tmp_path, objectives=("max_coverage", "min_cost"), capex=40)
    with pytest.raises(InfeasibleError) as err:
        pipeline.run(load_scenario(path))
    text = str(err.value)
    assert "one-off budget: 5 元 more (40 → 45 元)" in text
    assert "东区: elderly_care: reach share (audit target): minimum lowered from 100.0% to 66.7%" in text


def test_evaluator_checks_the_audit_targets_on_its_own(tmp_path):
    violations = evaluator(targets_scenario(tmp_path / "d"))
    assert violations(chosen("B1", "B2", "B3")) == ()
    short = "{}: {} of its demand within reach; the audit's targets require {}"
    assert violations(chosen("B1", "B3")) == (short.format("东区: elderly_care", "66.67%", "100.00%"),)
    assert violations(chosen("B1", "B2")) == (short.format("西区: elderly_care", "0.00%", "66.67%"),)
    overall = evaluator(targets_scenario(tmp_path / "o", districts=False))
    assert overall(chosen("B1", "B3")) == (short.format("elderly_care", "66.67%", "85.19%"),)


# Targets count reach, as the audit does, not service: C1 (x=0) and C2 (x=300), 100 elderly each, both within
# 500 m of B1 (x=150), whose 400 m² hold 40 places at 10 m² each. B1 alone puts all 200 within reach (target met)
# while serving 40 of them: the cheapest plan closing the gap is B1 (10 元), covering 20 %.
@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_from_audit_count_reach_not_capacity(tmp_path, solver):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 100, district="东区"), community("C2", 300, 100, district="东区")],
        buildings=[building("B1", 150, area=400), building("B2", 2000, area=400)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 1)],
        services={"elderly_care": {**ELDERLY, "area_per_unit_m2": 10}},
        budget={"capex": 100},
        model={"objectives": ["min_cost", "max_coverage"], "targets": "from_audit"},
    )
    result = run(path, solver)
    assert plan_of(result) == {("B1", "renovate", EC)}
    assert result.evaluation.by_service.loc["elderly_care", "covered"] == approx(40)
    assert result.evaluation.violations == ()


def test_targets_from_audit_need_a_service_with_a_coverage_standard(tmp_path, capsys):
    path = scenario(
        tmp_path,
        communities=[community("C1", 0, 0, infant=10)],
        buildings=[building("B1", 0)],
        options=[option("B1", "renovate", 1)],
        services={"childcare": {**ELDERLY, "population": "infant"}},
        budget={"capex": 10},
        model={"targets": "from_audit"},
    )
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "model.targets" in err and "coverage standard" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------------------
# budget.npv. Discount rate 0 and 10 years: the annuity factor is 10, so a yearly cost f costs 10·f.
#   C1 x=0 (100 elderly), C2 x=5000 (60), C3 x=20000 (10)
#   B1 x=0 rent 10 元/year (net present cost 100), B2 x=5000 rent 8 元/year (80)
#   E1 x=20000, existing, serves C3, 3 元/year (30), closable
# Cap 150 on new spending: keeping E1, {B1, B2} costs 180 > 150, so the best is {B1} + E1 = 110. Closing E1 frees
# 30: {B1, B2} then costs 180 − 30 = 150 ≤ 150 and covers 160, the optimum (without the cap: 170).
# ---------------------------------------------------------------------------------------------------------


def npv_scenario(folder, *, npv=150.0, annual=None, closable=True, must=(), rate=0.0):
    budget = {"capex": 1000, "npv": npv, "horizon_years": 10, "discount_rate": rate}
    if npv is None:
        del budget["npv"]
    if annual is not None:
        budget["annual"] = annual
    return scenario(
        folder,
        communities=[community("C1", 0, 100), community("C2", 5000, 60), community("C3", 20000, 10)],
        buildings=[building("B1", 0), building("B2", 5000)],
        options=[option("B1", "rent", 0, annual=10), option("B2", "rent", 0, annual=8)],
        services={"elderly_care": dict(ELDERLY)},
        budget=budget,
        existing=[facility("E1", 20000, "elderly_care", annual=3, closable=closable)],
        model={"policy": {"must_choose": list(must)}} if must else {},
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_npv_budget_caps_new_spending_and_counts_closures(tmp_path, solver):
    result = run(npv_scenario(tmp_path), solver)
    assert plan_of(result) == {("B1", "rent", EC), ("B2", "rent", EC)}
    assert result.solution.plan.closed == ("E1",)
    assert result.evaluation.objectives["max_coverage"] == approx(160)
    assert result.evaluation.npv == approx(180)
    assert result.evaluation.objectives["min_cost"] == approx(180)


@pytest.mark.parametrize("solver", SOLVERS)
def test_npv_budget_with_a_facility_that_stays_open(tmp_path, solver):
    result = run(npv_scenario(tmp_path, closable=False), solver)  # {B1} + E1 = 110
    assert plan_of(result) == {("B1", "rent", EC)}
    assert result.evaluation.objectives["max_coverage"] == approx(110)


@pytest.mark.parametrize("rate", [1e-300, 1e-12])
def test_a_tiny_discount_rate_discounts_as_none(tmp_path, rate):
    # (1 − (1 + r)^-T) / r cancelled to 0 for r = 1e-300: the model counted no yearly costs, chose {B1, B2} at
    # "100" against the cap of 150, and its independent check found 180 (exit 4). The answer is rate 0's.
    result = run(npv_scenario(tmp_path, rate=rate), "highs")
    assert plan_of(result) == {("B1", "rent", EC), ("B2", "rent", EC)} and result.solution.plan.closed == ("E1",)
    assert result.evaluation.npv == approx(180)


# At 5 % over 10 years the annuity factor is (1 − 1.05^-10) / 0.05 = 7.721735: {B1, B2} with E1 kept costs
# 18 × 7.721735 = 138.99 元, over a cap of 138, within one of 139.
def test_evaluator_checks_the_npv_budget_with_discounting(tmp_path):
    over = evaluator(npv_scenario(tmp_path / "a", npv=138, rate=0.05))
    plan = chosen("B1", "B2", mode="rent")
    assert over(plan) == ("net present cost 139 元 exceeds the budget 138 元",)
    assert evaluator(npv_scenario(tmp_path / "b", npv=139, rate=0.05))(plan) == ()
    closed = Plan(selected=plan.selected, closed=("E1",))
    assert evaluator(npv_scenario(tmp_path / "c", npv=120, rate=0.0))(closed) == (
        "net present cost 180 元 (less 30 元 freed by closures) exceeds the budget 120 元",
    )


# B1 and B2 must be acquired and E1 stays open: new spending 180 against a cap of 100, so "80 元 more", shown
# against the officer's own figure (100), not 100 + E1's 30. The yearly budget reads the same way: 18 against 10.
@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        ({"npv": 100}, "net present cost budget: 80 元 more (100 → 180 元)"),
        ({"npv": None, "annual": 10}, "yearly budget: 8 元/年 more (10 → 18 元/年)"),
    ],
    ids=["npv", "yearly"],
)
def test_budget_explanations_show_the_officers_figure(tmp_path, budget, expected):
    path = npv_scenario(tmp_path, closable=False, must=("B1", "B2"), **budget)
    with pytest.raises(InfeasibleError) as err:
        pipeline.run(load_scenario(path))
    assert expected in str(err.value)


def test_bad_npv_budget_is_refused(tmp_path, capsys):
    path = npv_scenario(tmp_path, npv=-1)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "budget.npv" in err and "Traceback" not in err
