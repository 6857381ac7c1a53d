"""Plans over years (model.phases) and under uncertain demand (model.robust), on hand-checkable scenarios."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml
from conftest import make_scenario

from siting import pipeline
from siting.errors import InfeasibleError, InputError
from siting.phased import year_scenario
from siting.plan import Plan, Selection
from siting.robust import variant_scenario
from siting.scenario.load import load_scenario
from siting.solvers import available_solvers
from siting.study.frontier import budget_frontier
from siting.verify.evaluate import evaluate
from siting.verify.phased import evaluate_phases

SOLVERS = [s for s in available_solvers() if s != "ortools-cpsat"]  # stacked models have continuous columns
# 100 places per 1,000 residents, population held constant over the years: demand = population / 10 every year.
NORM = {"population": "total", "radius_m": 500, "per_1000_residents": 100, "min_area_m2": 100}
STEADY = {"overrides": {"population_growth": 0.0}}


def line(tmp_path, model: dict, **extra):
    """C1 (1,000 residents: 100 places) next to B1, C2 (600: 60) next to B2, C3 (400: 40) next to B3; 3 km apart.

    Each building costs 100 元 to buy; C1 and C3 lie in 西区, C2 in 东区.
    """
    communities = [
        {"id": f"C{i}", "name": f"社区{i}", "x": 3000 * (i - 1), "y": 0, "population": pop, "district": d}
        for i, pop, d in ((1, 1000, "西区"), (2, 600, "东区"), (3, 400, "西区"))
    ]
    return make_scenario(
        tmp_path,
        communities=communities,
        buildings=[
            {"id": f"B{i}", "name": f"楼{i}", "x": 3000 * (i - 1), "y": 0, "floor_area_m2": 300} for i in (1, 2, 3)
        ],
        options=[{"building": f"B{i}", "mode": "buy", "capex": 100, "annual_cost": 0} for i in (1, 2, 3)],
        services={"elderly_care": NORM},
        budget={"capex": 300},
        demand={"year": 2026, **STEADY},
        model={"objective_basis": "units", **model},
        **extra,
    )


def acquired(result) -> list[tuple[str, ...]]:
    return [tuple(sorted(s.building for s in plan.selected)) for plan in result.phases.plans]


@pytest.mark.parametrize("solver", SOLVERS)
def test_each_year_buys_what_serves_most_for_as_long_as_possible(tmp_path, solver):
    # 100 元 a year buys one building a year. Covered places-years: B1 first (100 × 3 years), then B2 (60 × 2),
    # then B3 (40 × 1) = 460; any other order covers less (e.g. B2, B1, B3: 60 + 160 + 200 = 420).
    path = line(tmp_path, {"phases": {"years": [2026, 2027, 2028], "capex": [100, 100, 100]}})
    result = pipeline.run(load_scenario(path), solver=solver)
    assert result.solution.status.value == "optimal"
    assert acquired(result) == [("B1",), ("B1", "B2"), ("B1", "B2", "B3")]
    assert result.phases.check.objectives["max_coverage"] == pytest.approx(460)
    assert result.phases.check.spent == pytest.approx((100, 100, 100))
    # net present cost: 100 spent at the start of each year, discounted to 2026 at 3 %
    assert result.evaluation.objectives["min_cost"] == pytest.approx(100 + 100 / 1.03 + 100 / 1.03**2)


def test_a_phased_plan_agrees_with_the_nested_frontier(tmp_path):
    # Money in tranches of 100 元 a year is the nested frontier at 100, 200 and 300 元 (demand does not change).
    path = line(tmp_path, {"phases": {"years": [2026, 2027, 2028], "capex": [100, 100, 100]}})
    phased = pipeline.run(load_scenario(path))
    plain = load_scenario(line(tmp_path / "plain", {}))
    nested = [p for p in budget_frontier(plain, budgets=[100, 200, 300], nested=True).points if p.sweep == "nested"]
    assert [tuple(sorted(s.building for s in p.result.solution.plan.selected)) for p in nested] == acquired(phased)


def test_pilot_districts_come_first(tmp_path):
    # 东区 (C2, next to B2) is the pilot until 2026: B2 first, then B1, then B3: 60 + 160 + 200 = 420.
    phases = {"years": [2026, 2027, 2028], "capex": [100, 100, 100], "pilot": {"districts": ["东区"], "by": 2026}}
    result = pipeline.run(load_scenario(line(tmp_path, {"phases": phases})))
    assert acquired(result) == [("B2",), ("B1", "B2"), ("B1", "B2", "B3")]
    assert result.phases.check.objectives["max_coverage"] == pytest.approx(420)


def test_a_pilot_district_the_communities_do_not_have_is_refused(tmp_path):
    phases = {"years": [2026, 2027], "capex": [100, 100], "pilot": {"districts": ["东区", "南区"], "by": 2026}}
    with pytest.raises(InputError) as raised:
        load_scenario(line(tmp_path, {"phases": phases}))
    assert raised.value.field == "model.phases.pilot.districts" and "南区" in str(raised.value)
    assert "东区" not in str(raised.value).split(";")[0]  # only the unknown one is named as unknown


def test_money_of_a_year_cannot_be_spent_earlier(tmp_path):
    # Nothing in 2026, 200 元 in 2027: both buildings come in 2027 (100 + 60 places), none before.
    path = line(tmp_path, {"phases": {"years": [2026, 2027], "capex": [0, 200]}})
    result = pipeline.run(load_scenario(path))
    assert acquired(result) == [(), ("B1", "B2")]
    assert result.phases.check.objectives["max_coverage"] == pytest.approx(160)


def test_requirements_hold_in_the_last_year_and_are_explained(tmp_path):
    # Every community covered by 2027 needs 300 元; 100 + 100 is not enough.
    service = {**NORM, "min_share": 1.0}
    path = line(tmp_path, {"phases": {"years": [2026, 2027], "capex": [100, 100]}})
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["services"]["elderly_care"] = service
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InfeasibleError) as err:
        pipeline.run(load_scenario(path))
    assert "one-off budget 2027: 100 元 more (100 → 200 元)" in str(err.value)


def test_the_phased_check_catches_a_broken_schedule(tmp_path):
    scenario = load_scenario(line(tmp_path, {"phases": {"years": [2026, 2027], "capex": [100, 100]}}))
    demands = [pipeline.compute_demand(year_scenario(scenario, y)).units for y in (2026, 2027)]
    b1, b2 = (Selection(b, "buy", ("elderly_care",)) for b in ("B1", "B2"))
    good = evaluate_phases(scenario, [Plan.of([b1]), Plan.of([b1, b2])], demands, (100, 100), None)
    assert good.violations == ()
    dropped = evaluate_phases(scenario, [Plan.of([b1]), Plan.of([b2])], demands, (100, 100), None)
    assert any("B1, acquired by 2026 (buy), is not kept" in v for v in dropped.violations)
    early = evaluate_phases(scenario, [Plan.of([b1, b2]), Plan.of([b1, b2])], demands, (100, 100), None)
    assert any("2026: one-off spending 200 元 exceeds that year's 100 元" in v for v in early.violations)


# Robust plans: two communities whose demand moves differently between the projection variants (an old one and a
# young one), one building next to each, money for one of them. Projected to 2035, the low variant gives C1 52.8
# places of elderly care and 1.3 of childcare, C2 7.9 and 10.0; the high one 63.4 + 3.1 and 9.5 + 24.4. With
# childcare weighing 4: B1 (C1) is worth 57.8 / 75.6 (low / high), B2 (C2) 48.0 / 107.0. So max_min takes B1
# (worst 57.8 > 48.0), expected B2 (77.5 > 66.7) and min_regret B2 (largest regret 9.8 < 31.4); the test derives
# this again from the evaluator's values of both plans.
def two_futures(tmp_path, criterion: str):
    communities = [
        {"id": "C1", "name": "老社区", "x": 0, "y": 0, "population": 1000, "elderly": 400, "infant": 5},
        {"id": "C2", "name": "新社区", "x": 3000, "y": 0, "population": 1000, "elderly": 60, "infant": 40},
    ]
    services = {
        "elderly_care": {"population": "elderly", "radius_m": 500, "uptake": 0.1, "min_area_m2": 100},
        "childcare": {"population": "infant", "radius_m": 500, "uptake": 1.0, "min_area_m2": 100, "weight": 4.0},
    }
    return make_scenario(
        tmp_path,
        communities=communities,
        buildings=[
            {"id": f"B{i}", "name": f"楼{i}", "x": 3000 * (i - 1), "y": 0, "floor_area_m2": 300} for i in (1, 2)
        ],
        options=[{"building": f"B{i}", "mode": "buy", "capex": 100, "annual_cost": 0} for i in (1, 2)],
        services=services,
        budget={"capex": 100},
        demand={"year": 2035, "base_year": 2020},
        model={"objective_basis": "units", "robust": {"variants": ["low", "high"], "criterion": criterion}},
    )


@pytest.mark.parametrize("criterion", ["max_min", "expected", "min_regret"])
def test_the_robust_plan_is_the_best_one_by_its_criterion(tmp_path, criterion):
    scenario = load_scenario(two_futures(tmp_path, criterion))
    variants = ("low", "high")
    per_variant = [variant_scenario(scenario, k) for k in variants]
    demands = [pipeline.compute_demand(s).units for s in per_variant]
    # The derivation: every plan money allows (one building, hosting what fits), valued under each variant.
    candidates = [
        Plan.of([Selection(b, "buy", services)])
        for b, services in itertools.product(("B1", "B2"), [("childcare", "elderly_care")])
    ]
    values = np.array(
        [[evaluate(s, plan, d).objectives["max_coverage"] for s, d in zip(per_variant, demands)] for plan in candidates]
    )
    optima = values.max(axis=0)
    score = {
        "max_min": values.min(axis=1),
        "expected": values.mean(axis=1),
        "min_regret": -(optima - values).max(axis=1),
    }
    best = candidates[int(np.argmax(score[criterion]))]
    assert {s.building for s in best.selected} == ({"B1"} if criterion == "max_min" else {"B2"})
    for solver in SOLVERS:
        result = pipeline.run(scenario, solver=solver)
        assert result.solution.status.value == "optimal", solver
        chosen = {s.building for s in result.solution.plan.selected}
        assert chosen == {s.building for s in best.selected}, (solver, values)
        robust_row = result.robust.table.loc["robust"]
        assert [robust_row[k] for k in variants] == pytest.approx(values[candidates.index(best)])
        assert result.robust.optima == pytest.approx(tuple(optima))


def test_robust_runs_write_their_variants_and_regret_table(tmp_path):
    from siting.cli.main import main

    path = two_futures(tmp_path, "min_regret")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    document = yaml.safe_load((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    robust = document["robust"]
    assert robust["criterion"] == "min_regret" and robust["variants"] == ["low", "high"]
    assert {row["plan"] for row in robust["regret_table"]} == {"robust", "plan for low", "plan for high"}
    assert "需求不确定性下的稳健方案" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_verify_re_checks_saved_phased_and_robust_plans(tmp_path, capsys):
    import json

    from siting.cli.main import main

    phased = line(tmp_path / "phased", {"phases": {"years": [2026, 2027], "capex": [100, 100]}})
    robust = two_futures(tmp_path / "robust", "expected")
    for path in (phased, robust):
        out = path.parent / "out"
        assert main(["run", str(path), "--out", str(out)]) == 0
        assert main(["verify", str(out)]) == 0
        document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        if "phases" in document:  # the second year gives up the first year's building
            document["phases"]["years"][1]["plan"]["selected"] = []
        else:
            document["robust"]["value"] += 1
        (out / "plan.json").write_text(json.dumps(document), encoding="utf-8")
        assert main(["verify", str(out)]) == 4
    err = capsys.readouterr().err
    assert "acquired by 2026 (buy), is not kept" in err and "plan.json says the expected value is" in err


@pytest.mark.parametrize("override, limit", [("phased", 4.0), ("robust", 2.0), ("phased", 0.01), ("robust", 0.01)])
def test_the_time_limit_holds_for_the_whole_phased_or_robust_solve(override, limit):
    # Year-by-year (variant-by-variant) plans and the stacked model share the limit; a plan comes back, checked,
    # even when the limit leaves no time at all (the start plan, with its gap against the trivial bound).
    import time

    from conftest import DEMO

    from siting.solvers import SolveOptions

    scenario = load_scenario(DEMO, [override])
    started = time.perf_counter()
    result = pipeline.run(scenario, options=SolveOptions(time_limit_s=limit))
    elapsed = time.perf_counter() - started
    assert elapsed < limit * 1.25 + 1.0, f"{elapsed:.1f} s for a {limit} s limit"
    assert result.solution.status.value in ("optimal", "feasible") and not result.evaluation.violations
    assert result.solution.gap is not None and result.solution.gap >= 0


def test_a_one_off_budget_the_years_money_replaces_is_named_unused(tmp_path):
    path = line(tmp_path, {"phases": {"years": [2026, 2027], "capex": [100, 100]}})  # budget.capex 300
    (warning,) = load_scenario(path).warnings
    assert "budget.capex (300 元) is not used" in warning and "200 元 in all" in warning
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["budget"]["capex"] = 200  # the same money: nothing to say
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert load_scenario(path).warnings == ()


def test_verify_re_checks_each_years_objectives(tmp_path, capsys):
    import json

    from siting.cli.main import main

    path = line(tmp_path, {"phases": {"years": [2026, 2027], "capex": [100, 100]}})
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 0
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert document["phases"]["years"][0]["objectives"]["max_coverage"] == pytest.approx(100)  # B1's 100 places
    document["phases"]["years"][0]["objectives"]["max_coverage"] = 160
    (out / "plan.json").write_text(json.dumps(document), encoding="utf-8")
    assert main(["verify", str(out)]) == 4
    assert "phases.years.0.objectives.max_coverage = 160.000000" in capsys.readouterr().err
