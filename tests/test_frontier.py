"""The budget frontier on a hand-checkable line: monotone, each point a single run, marginals, knee, nesting.

Three communities 2 km apart with 100, 60 and 30 elderly (one service, uptake 1, weight 1, so the share
basis gives 100 × covered / 190); one building next to each: B1 costs 50, B2 20, B3 25; B4 (5) reaches
nobody. Coverage stops rising at 95 (B1 + B2 + B3). Best plans by budget: < 20 nothing; 20–49 B2 (60);
50–69 B1 (100); 70–94 B1 + B2 (160); 95 all (190).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from conftest import make_scenario, run_main
from test_model_tiny import ELDERLY, building, community, option

from siting import pipeline
from siting.errors import InputError
from siting.pipeline import compute_demand
from siting.plan import Plan, Selection
from siting.scenario.load import load_scenario
from siting.study.executors import LocalExecutor
from siting.study.frontier import budget_frontier, spaced, target_frontier
from siting.study.frontier_table import knee_label
from siting.study.variants import keeping, with_budget
from siting.verify.evaluate import evaluate

SHARE = 100 / 190  # objective per covered elderly person


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return make_scenario(
        tmp_path_factory.mktemp("line"),
        communities=[community("C1", 0, 100), community("C2", 2000, 60), community("C3", 4000, 30)],
        buildings=[building("B1", 0), building("B2", 2000), building("B3", 4000), building("B4", 9000)],
        options=[option("B1", "buy", 50), option("B2", "renovate", 20), option("B3", "build", 25)]
        + [option("B4", "rent", 5)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 40},
    )


@pytest.fixture(scope="module")
def frontier(path):
    return budget_frontier(load_scenario(path), points=6, nested=True)


def plan_of(result) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(s.building, s.mode, s.services) for s in result.solution.plan.selected}


def test_free_points_as_independent_tasks_in_a_process_pool_give_the_same_frontier(path, frontier):
    with LocalExecutor(2) as pool:
        pooled = budget_frontier(load_scenario(path), points=6, nested=True, executor=pool)
    pd.testing.assert_frame_equal(pooled.table, frontier.table)
    assert [plan_of(p.result) for p in pooled.points if p.result] == [
        plan_of(p.result) for p in frontier.points if p.result
    ]


def test_auto_plans_the_rest_on_a_pool_only_after_a_slow_first_point(path, frontier, monkeypatch):
    from siting.study import executors

    monkeypatch.setattr(executors.os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # a quiet machine
    monkeypatch.setattr(executors, "cores", lambda: 2)
    auto = executors.AutoPool(2)
    assert auto.pool_for(executors.AUTO_POOL_S - 0.01, 5) is None  # quick points: a pool would not pay
    assert auto.pool_for(executors.AUTO_POOL_S, 1) is None  # one point left: nothing to share
    pool = auto.pool_for(executors.AUTO_POOL_S, 5)
    assert isinstance(pool, LocalExecutor) and pool.slots == 2
    assert executors.AutoPool(1).pool_for(60.0, 5) is None  # one core
    monkeypatch.setattr(executors.os, "getloadavg", lambda: (1.2, 0.0, 0.0))  # another program keeps one busy
    assert auto.pool_for(60.0, 5) is None
    monkeypatch.setattr(executors.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    serial = budget_frontier(load_scenario(path), points=6, nested=True, executor=auto)
    pd.testing.assert_frame_equal(serial.table, frontier.table)

    monkeypatch.setattr(executors, "AUTO_POOL_S", 0.0)  # every point "slow": the pool takes the other five
    started, real = [], LocalExecutor._start
    monkeypatch.setattr(LocalExecutor, "_start", lambda self, module: started.append(module) or real(self, module))
    pooled = budget_frontier(load_scenario(path), points=6, nested=True, executor=executors.AutoPool(2))
    assert started == ["siting.study.points"]
    pd.testing.assert_frame_equal(pooled.table, frontier.table)


def test_the_ends_are_found_and_the_budgets_spaced_between(frontier):
    assert frontier.ends["lower"] == 0 and frontier.ends["upper"] == pytest.approx(95)
    free = frontier.table.loc["free"]
    assert list(free["budget"]) == [0, 19, 38, 57, 76, 95]
    assert spaced(0, 1e6, 3) == [0, 500_000, 1_000_000] and spaced(3.2, 3.2, 5) == [4.0]
    assert spaced(1.5, 2_000_001, 3) == [2, 1_000_000, 2_000_001]  # ends rounded up, middle to 万元


def test_free_points_are_the_hand_worked_optima_and_monotone(frontier):
    free = frontier.table.loc["free"]
    covered = [0, 0, 60, 100, 160, 190]
    assert list(free["objective"]) == pytest.approx([c * SHARE for c in covered])
    assert list(free["persons"]) == pytest.approx(covered)
    assert free["objective"].is_monotonic_increasing
    assert set(free["status"]) == {"optimal"} and (free["gap"] <= 1e-6).all()
    assert list(free["buildings"]) == [0, 0, 1, 1, 2, 3]


def test_each_point_equals_a_single_run_at_that_budget(path, frontier):
    singles = []
    for point in (p for p in frontier.points if p.sweep == "free"):
        single = pipeline.run(load_scenario(path, sets=[f"budget.capex={point.budget:.0f}"]))
        assert point.result.solution.objective == pytest.approx(single.solution.objective, abs=1e-9)
        assert plan_of(point.result) == plan_of(single)
        assert point.result.evaluation.capex == pytest.approx(single.evaluation.capex)
        singles.append((point.budget, single.evaluation.by_service["persons_covered"].sum()))
    # Marginal gains recomputed from the single runs: persons gained per 万元 of budget.
    expected = [None] + [(p1 - p0) / ((b1 - b0) / 1e4) for (b0, p0), (b1, p1) in zip(singles, singles[1:])]
    found = list(frontier.table.loc["free", "marginal_per_wan"])
    assert pd.isna(found[0]) and found[1:] == pytest.approx(expected[1:])


def test_the_knee_is_the_point_after_which_the_gain_drops_most(frontier):
    # Gains per step of 19 元: 0, 60, 40, 60, 30 persons; the drop after p04 (60 -> 30) is the largest.
    free = frontier.table.loc["free"]
    assert list(free.index[free["knee"]]) == ["p04"]
    assert knee_label(pd.Series([None, 5.0, 5.0, 6.0])) is None  # never drops
    assert knee_label(pd.Series([None, 9.0, 3.0, 2.0])) == 1


def test_nested_points_keep_the_previous_buildings_and_price_the_nesting(frontier):
    nested = frontier.table.loc["nested"]
    # 38: B2; 57: must keep B2, so B2 + B3 (90) instead of B1 (100); 76: B2 + B3 again (B1 no longer fits);
    # 95: all three.
    covered = [0, 0, 60, 90, 90, 190]
    assert list(nested["persons"]) == pytest.approx(covered)
    assert list(nested["nesting_price"]) == pytest.approx([0, 0, 0, 10 * SHARE, 70 * SHARE, 0])
    assert list(nested["nesting_price_persons"]) == pytest.approx([0, 0, 0, 10, 70, 0])
    assert nested["objective"].is_monotonic_increasing
    previous: set = set()
    for point in (p for p in frontier.points if p.sweep == "nested"):
        kept = {(s.building, s.mode) for s in point.result.solution.plan.selected}
        assert previous <= kept
        previous = kept


def test_target_frontier_gives_what_each_target_costs(path):
    # 30 % of 190 = 57: B2 (20); 60 % = 114: B1 + B2 (70) beats B1 + B3 (75); 90 % = 171: all three (95).
    table = target_frontier(load_scenario(path), [0.9, 0.3, 0.6]).table.loc["target"]
    assert list(table["target"]) == [0.3, 0.6, 0.9]
    assert list(table["npv"]) == pytest.approx([20, 70, 95])
    assert list(table["capex"]) == pytest.approx([20, 70, 95])
    marginal = list(table["marginal_per_wan"])
    assert marginal[1:] == pytest.approx([100 / (50 / 1e4), 30 / (25 / 1e4)])


def test_an_unreachable_target_is_a_row_not_an_error(path):
    table = target_frontier(load_scenario(path, sets=["budget.capex=1000"]), [0.5, 1.0]).table.loc["target"]
    assert list(table["status"]) == ["optimal", "optimal"]
    scenario = load_scenario(path, sets=["model.policy.must_not_choose=[B1]"])
    table = target_frontier(scenario, [0.4, 0.9]).table.loc["target"]  # B2 + B3 reach 90 of 190
    assert list(table["status"]) == ["optimal", "infeasible"] and pd.isna(table["npv"].iloc[1])


def test_cli_prints_counts_as_counts_and_large_objectives_in_full(path, tmp_path):
    # an infeasible point made the buildings column float ("2.0 buildings"); persons printed as 1.9e+04
    args = ("--set", "model.policy.must_not_choose=[B1]", "--set", "model.objective_basis=persons", "--quiet")
    done = run_main("frontier", path, "--targets", "0.4:0.9:0.5", "--out", tmp_path / "t", *args)
    assert done.returncode == 0, done.stderr
    assert "2 buildings" in done.stdout and "2.0 buildings" not in done.stdout and "infeasible" in done.stdout
    scaled = make_scenario(
        tmp_path / "big",
        communities=[community("C1", 0, 19_000, population=50_000)],
        buildings=[building("B1", 0)],
        options=[option("B1", "buy", 50)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 40},
        model={"objective_basis": "persons"},
    )
    done = run_main("frontier", scaled, "--budgets", "50:50:1", "--out", tmp_path / "b", "--quiet")
    assert "objective 19,000," in done.stdout and "e+04" not in done.stdout


def test_cli_writes_the_table_the_report_and_a_folder_per_plan(path, tmp_path):
    out = tmp_path / "frontier"
    done = run_main("frontier", path, "--budgets", "0:90:30", "--nested", "--out", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "frontier.csv", encoding="utf-8-sig")
    for column in ("budget", "status", "gap", "objective", "capex", "annual", "npv", "buildings"):
        assert column in table, column
    for column in ("marginal_per_wan", "knee", "covered.elderly_care", "share.elderly_care", "nesting_price"):
        assert column in table, column
    assert list(table["sweep"]) == ["free"] * 4 + ["nested"] * 4
    assert list(table["budget"]) == [0, 30, 60, 90] * 2
    for folder in table["folder"]:
        for name in ("plan.json", "selected.csv", "coverage.csv", "report.md", "scenario.yaml"):
            assert (out / folder / name).is_file()
    report = (out / "frontier.md").read_text(encoding="utf-8")
    assert "拐点 Knee" in report and "嵌套的代价 Price of nesting" in report
    assert "frontier 8/8" in done.stderr  # one progress line per point when not on a terminal
    # A point's folder records its budget and kept buildings as --set values: verify plans nothing but re-checks.
    plan = json.loads((out / "nested" / "p03" / "plan.json").read_text(encoding="utf-8"))
    assert "budget.capex=90" in plan["sets"] and "model.policy.must_choose_as.B2=renovate" in plan["sets"]
    assert run_main("verify", out / "nested" / "p03").returncode == 0
    again = tmp_path / "again"
    assert run_main("frontier", path, "--budgets", "0:90:30", "--nested", "--out", again).returncode == 0
    assert (again / "frontier.csv").read_bytes() == (out / "frontier.csv").read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        ["--budgets", "10:5:1"],
        ["--budgets", "0:10"],
        ["--budgets", "0:1e9:1"],
        ["--targets", "0.5:1.5:0.5"],
        ["--targets", "0.5:1:0.5", "--nested"],
        ["--points", "0"],
        ["--points", "3", "--budgets", "0:10:5"],
        ["--budgets", "1e12:3e12:1e12"],  # beyond the scenario's own bound on a budget (1e12 元)
        ["--budget", "annual", "--budgets", "0:2e12:1e12"],
        ["--budgets", "0:1e6:1e-320"],  # a step so small the count of points is infinite
        ["--targets", "0.1:1:1e-320"],
        ["--budgets", "1e308:1e308:1"],
    ],
)
def test_cli_rejects_bad_sweeps_before_solving(path, tmp_path, args):
    done = run_main("frontier", path, *args, "--out", tmp_path / "x")
    assert done.returncode == 2 and "error" in done.stderr and not (tmp_path / "x").exists()
    assert "pydantic" not in done.stderr and len(done.stderr) < 400 and ".inf" not in done.stderr, done.stderr


def test_must_choose_as_requires_the_building_by_its_mode(path):
    # At 40 the best plan is B2 (60 persons); requiring B3 by build (25) leaves 15: B3 alone (30 persons).
    result = pipeline.run(load_scenario(path, sets=["model.policy.must_choose_as={B3: build}"]))
    assert plan_of(result) == {("B3", "build", ("elderly_care",))}
    assert result.solution.objective == pytest.approx(30 * SHARE)
    with pytest.raises(InputError, match="building B1 has no 'rent' option"):
        load_scenario(path, sets=["model.policy.must_choose_as.B1=rent"])
    with pytest.raises(InputError, match="B9 is not in the buildings table"):
        load_scenario(path, sets=["model.policy.must_choose_as.B9=rent"])
    loaded = load_scenario(path, sets=["model.policy.must_choose_as.B3=build"])
    found = evaluate(loaded, Plan.of([Selection("B2", "renovate", ("elderly_care",))]), compute_demand(loaded).units)
    assert any("building B3 must be acquired by build but is acquired not at all" in v for v in found.violations)


def test_the_yearly_budget_can_be_swept(tmp_path):
    # The same line, every building rented: 30, 10 and 20 a year (no one-off cost). Coverage stops rising at
    # 60 a year (all three); at 20: B2 (60 persons); at 40: B1 + B2 (160).
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 2000, 60), community("C3", 4000, 30)],
        buildings=[building("B1", 0), building("B2", 2000), building("B3", 4000)],
        options=[option("B1", "rent", 0, 30), option("B2", "rent", 0, 10), option("B3", "rent", 0, 20)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 0, "annual": 5},
    )
    frontier = budget_frontier(load_scenario(path), kind="annual", points=4)
    assert frontier.ends["lower"] == 0 and frontier.ends["upper"] == pytest.approx(60)
    free = frontier.table.loc["free"]
    assert list(free["budget"]) == [0, 20, 40, 60]
    assert list(free["persons"]) == pytest.approx([0, 60, 160, 190])


@pytest.fixture(scope="module")
def yearly_bound(tmp_path_factory):
    """The line with a yearly budget of 10 that admits one building only (B1 costs 5 a year, B2 and B3 10): the
    best plans are B2 (one-off 20) up to 49, then B1 (50); nested plans keep B2 and can never add to it."""
    return make_scenario(
        tmp_path_factory.mktemp("yearly"),
        communities=[community("C1", 0, 100), community("C2", 2000, 60), community("C3", 4000, 30)],
        buildings=[building("B1", 0), building("B2", 2000), building("B3", 4000)],
        options=[option("B1", "buy", 50, 5), option("B2", "renovate", 20, 10), option("B3", "build", 25, 10)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 40, "annual": 10},
    )


def test_points_answered_by_another_point_equal_single_runs(yearly_bound):
    budgets = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    frontier = budget_frontier(load_scenario(yearly_bound), budgets=budgets, nested=True)
    notes = frontier.table["note"].fillna("")
    # From the largest budget down, a plan answers every smaller budget it fits: only 100, 40 and 10 are solved.
    assert list(notes.loc["free"]) == [f"= free p{i + 1:02d}" if i not in (1, 4, 10) else "" for i in range(11)]
    # Nested: the free plans up to 40 (B2), then B2 planned once at the largest budget answers the rest.
    assert list(notes.loc["nested"]) == [f"= free p{i:02d}" for i in range(5)] + ["= nested top"] * 6
    previous = None
    for point in frontier.points:
        if point.sweep == "nested" and previous is not None:
            scenario = keeping(with_budget(load_scenario(yearly_bound), "capex", point.budget), previous)
        else:
            scenario = load_scenario(yearly_bound, sets=[f"budget.capex={point.budget:.0f}"])
        single = pipeline.run(scenario)
        assert point.status == "optimal", point
        assert point.result.solution.values == pytest.approx(single.solution.values, abs=1e-9), point.label
        assert plan_of(point.result) == plan_of(single), (point.sweep, point.label)
        assert point.result.scenario.config.budget.capex == point.budget
        if point.sweep == "nested":
            previous = point.result.solution.plan
    assert list(frontier.table.loc["free", "persons"]) == pytest.approx([0, 0] + [60] * 3 + [100] * 6)
    assert list(frontier.table.loc["nested", "persons"]) == pytest.approx([0, 0] + [60] * 9)


def test_the_report_says_why_nested_plans_stop_growing_and_labels_every_sweep(yearly_bound, tmp_path):
    import openpyxl

    out = tmp_path / "frontier"
    assert run_main("frontier", yearly_bound, "--budgets", "0:100:20", "--nested", "--out", out).returncode == 0
    # Nested plans keep B2 from 20 on: its 10 a year fills the yearly budget of 10, so 40 buys nothing more.
    report = (out / "frontier.md").read_text(encoding="utf-8")
    assert "From p02 on, the nested plan stops growing." in report
    assert "is used up (0.00 / 0.00 万元/年)" in report  # 10 元 of 10, shown in 万元
    table = pd.read_csv(out / "frontier.csv", encoding="utf-8-sig").set_index(["sweep", "plan"])
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert book.sheetnames == ["前沿 Frontier", "嵌套 Nested"]
    for sheet, sweep in (("前沿 Frontier", "free"), ("嵌套 Nested", "nested")):
        rows = list(book[sheet].iter_rows(values_only=True))
        shown = pd.DataFrame(rows[1:], columns=rows[0]).set_index("方案 Plan")
        points = table.loc[sweep]
        assert list(shown["一次性预算 One-off budget (万元)"]) == pytest.approx(list(points["budget"] / 1e4))
        net = (points["annual"] - points["annual_freed"].fillna(0)) / 1e4
        assert list(shown["年度费用净额 Yearly net (万元/年)"]) == pytest.approx(list(net))
        assert set(shown["状态 Status"]) == {"最优 optimal"}
    free_header = next(book["前沿 Frontier"].iter_rows(values_only=True))
    assert "嵌套代价 Price of nesting (人)" in rows[0] and "嵌套代价 Price of nesting (人)" not in free_header
    done = run_main("frontier", yearly_bound, "--budgets", "0:40:20", "--out", out / "free_only")
    assert done.returncode == 0
    assert "stops growing" not in (out / "free_only" / "frontier.md").read_text(encoding="utf-8")


def test_a_point_stopped_by_its_time_limit_takes_a_better_plan_found_at_a_smaller_budget(path):
    from siting.study.points import Point, best_below

    below, above = (load_scenario(path, sets=[f"budget.capex={b}"]) for b in (60, 90))
    good = pipeline.run(below)  # B2 + B3 at 45: 90 persons
    poor = pipeline.run(load_scenario(path, sets=["budget.capex=40"]))  # B2 alone: 60 persons, fits 90 too
    stopped = Point("free", "p01", 90, None, dataclasses.replace(poor, scenario=above), "feasible", 1.0)
    points = best_below([Point("free", "p00", 60, None, good, "optimal", 1.0), stopped], [below, above])
    lifted = points[1]
    assert lifted.note.startswith("= free p00") and lifted.status == "feasible"
    assert lifted.result.solution.objective == pytest.approx(good.solution.objective)
    assert plan_of(lifted.result) == plan_of(good) and lifted.result.scenario.config.budget.capex == 90
    bound = poor.solution.bound  # the point's own bound stays, and its gap is taken from it
    assert lifted.result.solution.bound == bound and lifted.result.solution.status.value == "feasible"
    # A proven point is never replaced, and a point as good as the one below keeps its own plan.
    assert best_below([points[0], dataclasses.replace(stopped, status="optimal")], [below, above])[1].note == ""
    assert best_below([points[0], points[0]], [below, below])[1] is points[0]


def test_the_largest_budget_takes_its_first_stage_from_the_upper_end(yearly_bound):
    frontier = budget_frontier(load_scenario(yearly_bound), points=3)
    top = frontier.points[-1]
    assert frontier.ends["upper"] == pytest.approx(50) and top.budget == pytest.approx(50)
    assert top.result.solution.stages[0].result.solver.startswith("start plan")
    assert top.result.solution.stages[1].result.solver == "highs"
    single = pipeline.run(load_scenario(yearly_bound, sets=["budget.capex=50"]))
    assert top.result.solution.values == pytest.approx(single.solution.values, abs=1e-9)
    assert plan_of(top.result) == plan_of(single)
