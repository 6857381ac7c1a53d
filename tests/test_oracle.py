"""The MILP's optima against a brute-force oracle that does not share the model (tests/oraclelib.py).

Every plan of a tiny random scenario is enumerated and judged from the raw tables; the optima and a sample are
judged again by siting.verify.evaluate; the real pipeline must reach the same value of each objective.
The long version is benchmarks/oracle.py.
"""

from __future__ import annotations

import pytest
from conftest import make_scenario
from featurelib import ELDERLY, building, community, option
from oraclecap import check_scenario
from oraclelib import enumerate_plans, judge, lexicographic_best
from oraclescen import ALL_FAMILIES, write_oracle_scenario

from siting import pipeline
from siting.scenario.load import load_scenario
from siting.solvers import available_solvers

SEEDS = (0, 1)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_highs_reaches_the_brute_force_optimum(tmp_path, family, seed):
    case = check_scenario(load_scenario(write_oracle_scenario(tmp_path, seed, family)), ("highs",), sample=8, seed=seed)
    assert case.plans > 0 and case.evaluated > 0
    assert not case.disagreements, "\n".join(case.disagreements)


# Seeds where HiGHS and CBC agreed with each other and not with the oracle, before the fixes of
# test_model_features' test_complex_spending_share_can_need_the_dearer_option (seed 7) and
# test_complex_may_host_a_service_nobody_in_reach_needs (seed 33).
@pytest.mark.parametrize(("family", "seed"), [("complex", 7), ("complex", 33)])
def test_the_oracle_s_past_finds_stay_fixed(tmp_path, family, seed):
    case = check_scenario(load_scenario(write_oracle_scenario(tmp_path, seed, family)), ("highs",), sample=2)
    assert not case.disagreements, "\n".join(case.disagreements)


@pytest.mark.skipif("cbc" not in available_solvers(), reason="CBC is not installed")
@pytest.mark.parametrize("family", ["swap", "mixed"])
def test_cbc_reaches_the_brute_force_optimum(tmp_path, family):
    case = check_scenario(load_scenario(write_oracle_scenario(tmp_path, 2, family)), ("cbc",), sample=4)
    assert not case.disagreements, "\n".join(case.disagreements)


def test_the_oracle_finds_the_hand_derived_optimum(tmp_path):
    # B1 (buy, 100 元) serves C1's 100 elderly, B2 (rent, 40 元 + 5 元/year) C2's 50; the budget of 120 元 buys
    # one of them: B1, 100 units for 100 元. Four plans (nothing, B1, B2, both); the last breaks the budget.
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 3000, 50)],
        buildings=[building("B1", 0), building("B2", 3000)],
        options=[option("B1", "buy", 100), option("B2", "rent", 40, 5)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 120},
        model={"objective_basis": "units"},
    )
    scenario = load_scenario(path)
    space = enumerate_plans(scenario)
    ok, values = judge(scenario, pipeline.compute_demand(scenario).units, space)
    assert len(ok) == 4 and ok.sum() == 3
    best = lexicographic_best(("max_coverage", "min_cost"), ok, values)
    assert [str(space.plan(n, scenario).selected) for n in best] == [
        "(Selection(building='B1', mode='buy', services=('elderly_care',), area_m2=()),)"
    ]
    assert values["max_coverage"][best[0]] == 100 and values["min_cost"][best[0]] == 100


# CBC 2.10.3 (PuLP's binary) proves min_cost = 1,556,157.54 元 at the second stage of this scenario; HiGHS, SCIP
# and the oracle find 1,193,571.07 元 (B0, B1, B2, E0 kept). The stage's MPS file, given to the cbc binary, gives
# the same wrong optimum with its integer preprocessing on (default, sos, equal) and the right one with
# `-preprocess off`: the solver cuts off the optimum, not the model. Strict: it fails once CBC is fixed or
# worked around in siting/solvers/cbc.py.
@pytest.mark.skipif("cbc" not in available_solvers(), reason="CBC is not installed")
@pytest.mark.xfail(strict=True, reason="CBC's preprocessing cuts off the optimum of the min_cost stage")
def test_cbc_reaches_the_least_cost_of_budgets_seed_87(tmp_path):
    case = check_scenario(load_scenario(write_oracle_scenario(tmp_path, 87, "budgets")), ("highs", "cbc"), sample=1)
    assert not case.disagreements, "\n".join(case.disagreements)
