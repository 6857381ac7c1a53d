"""`compare` on hand-made run folders lists exactly the buildings added, dropped and changed."""

from __future__ import annotations

import json
from itertools import product

import pandas as pd
import pytest
import yaml
from conftest import make_scenario, run_main
from test_model_tiny import ELDERLY, building, community, option

from siting.errors import InputError
from siting.study.compare import compare, read_run, read_runs

SERVICES = ("elderly_care", "meals")


def selection(building: str, mode: str, services: list[str], capex: float, annual: float = 0.0) -> dict:
    return {"building": building, "name": f"楼{building}", "mode": mode, "services": services, "capex": capex,
            "annual_cost": annual, "complex": False}  # fmt: skip


def write_run(folder, selected: list[dict], shares: dict[tuple[str, str], float], capex_budget: float) -> None:
    """A run folder by hand: plan.json, coverage.csv (two communities × two services) and scenario.yaml."""
    folder.mkdir(parents=True)
    demand = {"elderly_care": 100.0, "meals": 10.0}
    coverage = [
        {
            "community": c,
            "name": f"社区{c}",
            "district": d,
            "service": s,
            "demand": demand[s] / 2,
            "covered_share": shares[(c, s)],
            "covered_demand": shares[(c, s)] * demand[s] / 2,
        }  # fmt: skip
        for c, d in (("C1", "东街道"), ("C2", "西街道"))
        for s in demand
    ]
    pd.DataFrame(coverage).to_csv(folder / "coverage.csv", index=False, encoding="utf-8-sig")
    by_service = {
        s: {
            "group": "elderly",
            "demand": demand[s],
            "covered": sum(r["covered_demand"] for r in coverage if r["service"] == s),
            "share": sum(r["covered_demand"] for r in coverage if r["service"] == s) / demand[s],
            "persons": 100.0,
            "persons_covered": 100 * sum(r["covered_demand"] for r in coverage if r["service"] == s) / demand[s],
            "weight": 1.0,
        }
        for s in demand
    }
    plan = {
        "status": "optimal",
        "objective": 1.0,
        "gap": 0.0,
        "cost": {"capex": sum(s["capex"] for s in selected), "annual": 0.0, "annual_freed": 0.0, "npv": 0.0},
        "selected": selected,
        "existing": [{"facility": "E1", "name": "站E1", "status": "kept", "services": ["meals"]}],
        "coverage": by_service,
    }
    (folder / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    scenario = {"name": "hand", "budget": {"capex": capex_budget, "annual": None}, "model": {"objectives": ["a"]}}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def folders(tmp_path):
    a, b = tmp_path / "plan_a", tmp_path / "plan_b"
    write_run(
        a,
        [
            selection("B1", "buy", ["elderly_care"], 100),
            selection("B2", "renovate", ["elderly_care", "meals"], 60),
            selection("B3", "rent", ["meals"], 10),
            selection("B5", "build", ["meals"], 30),
        ],
        {("C1", "elderly_care"): 1.0, ("C1", "meals"): 1.0, ("C2", "elderly_care"): 1.0, ("C2", "meals"): 0.5},
        200,
    )
    write_run(
        b,
        [
            selection("B2", "renovate", ["elderly_care"], 60),  # services changed
            selection("B3", "buy", ["meals"], 90),  # mode changed
            selection("B4", "build", ["meals"], 40),  # added
            selection("B5", "build", ["meals"], 30),  # same
        ],
        {("C1", "elderly_care"): 0.0, ("C1", "meals"): 1.0, ("C2", "elderly_care"): 1.0, ("C2", "meals"): 1.0},
        250,
    )
    return a, b


def test_buildings_added_dropped_and_changed_are_listed_exactly(folders):
    result = compare(read_runs(folders))
    table = result.buildings.set_index("building")
    assert dict(table["change"]) == {"B1": "dropped", "B2": "changed", "B3": "changed", "B4": "added", "B5": "same"}
    assert list(result.buildings.columns) == [
        "building", "name", "mode_plan_a", "services_plan_a", "mode_plan_b", "services_plan_b", "change",
    ]  # fmt: skip
    assert table.loc["B3", "mode_plan_a"] == "rent" and table.loc["B3", "mode_plan_b"] == "buy"
    assert table.loc["B2", "services_plan_a"] == "elderly_care;meals" and table.loc["B1", "mode_plan_b"] == ""


def test_communities_scenario_keys_costs_and_coverage_side_by_side(folders):
    result = compare(read_runs(folders))
    communities = result.communities.set_index(["community", "service"])
    assert communities.loc[("C1", "elderly_care"), "diff"] == -1.0
    assert communities.loc[("C2", "meals"), "diff"] == 0.5
    assert list(result.scenario_differences["key"]) == ["budget.capex"]
    assert list(result.scenario_differences.iloc[0])[1:] == ["200", "250"]
    modes = result.cost_by_mode
    assert modes.loc[("plan_a", "build"), "buildings"] == 1 and modes.loc[("plan_b", "build"), "buildings"] == 2
    assert modes.loc[("plan_b", "build"), "capex"] == 70 and ("plan_b", "rent") not in modes.index
    share = result.coverage_by_service["share"]
    assert share[("plan_a", "elderly_care")] == 1.0 and share[("plan_b", "elderly_care")] == 0.5
    districts = result.coverage_by_district["share"]
    assert districts[("plan_b", "东街道", "elderly_care")] == 0.0
    assert result.summary.loc["plan_b", "capex"] == 220


def test_three_runs_get_a_change_column_each(folders, tmp_path):
    runs = read_runs([*folders, folders[0]])
    parent = tmp_path.name  # the same folder twice: labelled by parent and name, then numbered
    assert [r.label for r in runs] == [f"{parent}-plan_a", "plan_b", f"{parent}-plan_a-2"]
    table = compare(runs).buildings.set_index("building")
    assert table.loc["B1", "change_plan_b"] == "dropped" and table.loc["B1", f"change_{parent}-plan_a-2"] == "same"
    assert table.loc["B5", "change"] == "same" and table.loc["B1", "change"] == "differs"


def test_cli_compares_folders_and_rejects_non_runs(folders, tmp_path):
    out = tmp_path / "cmp"
    assert run_main("compare", *folders, "--out", out).returncode == 0
    for name in ("buildings.csv", "communities.csv", "compare.md", "cost_by_mode.csv", "scenario_keys.csv"):
        assert (out / name).is_file(), name
    report = (out / "compare.md").read_text(encoding="utf-8")
    assert "取消 dropped 1" in report and "| budget.capex | 200 | 250 |" in report and "东街道" in report
    assert run_main("compare", folders[0], "--out", tmp_path / "x").returncode == 2  # one run
    assert run_main("compare", folders[0], tmp_path / "nowhere", "--out", tmp_path / "x").returncode == 2
    done = run_main("compare", *folders, "--override", "a,b", "--out", tmp_path / "x")
    assert done.returncode == 2 and "Traceback" not in done.stderr and not (tmp_path / "x").exists()
    with pytest.raises(InputError, match="plan.json"):
        read_run(tmp_path)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda text: "\x00\x01\x02", "missing column 'community'"),
        (lambda text: text.replace("covered_share", "share", 1), "missing column 'covered_share'"),
        (lambda text: text.replace(",1.0,", ",half,", 1), "row 3, field 'covered_share': 'half' is not a number"),
        (lambda text: text + text.splitlines()[1] + "\n", "row 6, field 'service': C1 elderly_care is listed twice"),
        (lambda text: "description: " + "[" * 100 + "]" * 100, None),  # scenario.yaml, below
    ],
)
def test_compare_names_a_malformed_coverage_csv_or_scenario_yaml(folders, tmp_path, edit, expected):
    # coverage.csv was read with no check of its shape: a KeyError, a TypeError or "non-unique multi-index".
    name = "coverage.csv" if expected else "scenario.yaml"
    table = folders[1] / name
    table.write_text(edit(table.read_text(encoding="utf-8-sig")), encoding="utf-8")
    result = run_main("compare", *folders, "--out", tmp_path / "out")
    assert result.returncode == 2 and f"plan_b/{name}" in result.stderr, result.stderr
    assert (expected or "nested too deeply") in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_report_workbook_labels_every_table_for_the_reader(folders, tmp_path):
    import openpyxl

    out = tmp_path / "cmp"
    assert run_main("compare", *folders, "--out", out).returncode == 0
    book = openpyxl.load_workbook(out / "report.xlsx")
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    rows = {name: [dict(zip(r[0], row)) for row in r[1:]] for name, r in sheets.items()}
    buildings = {r["建筑编号 Building"]: r for r in rows["建筑变化 Buildings"]}
    assert buildings["B3"]["plan_a: 获取方式 mode"] == "租赁 rent"
    assert buildings["B3"]["plan_b: 获取方式 mode"] == "购置 buy"
    assert buildings["B2"]["plan_a: 服务 services"] == "elderly_care、meals"  # hand-made runs: no labels recorded
    assert {b: r["变化 Change"] for b, r in buildings.items()} == {
        "B1": "取消 dropped", "B2": "调整 changed", "B3": "调整 changed", "B4": "新增 added", "B5": "相同 same",
    }  # fmt: skip
    summary = {r["方案 Plan"]: r for r in rows["概要 Summary"]}
    assert summary["plan_b"]["一次性投入 One-off (万元)"] == pytest.approx(220 / 1e4)  # 元 shown as 万元
    assert summary["plan_a"]["状态 Status"] == "最优 optimal"
    modes = {(r["方案 Plan"], r["获取方式 Mode"]): r["建筑数 Buildings"] for r in rows["获取方式 Modes"]}
    assert modes[("plan_b", "补建 build new")] == 2 and ("plan_b", "租赁 rent") not in modes
    communities = {(r["社区编号 Community"], r["服务 Service"]): r for r in rows["各社区 Communities"]}
    assert communities[("C1", "elderly_care")]["差值 Difference"] == -1.0  # stored as a share, shown as %
    assert not any(name.startswith(("mode_", "services_")) for name in sheets["建筑变化 Buildings"][0])


def test_runs_of_scenarios_with_different_services_are_compared(tmp_path):
    # compare looked every service up in every run: a KeyError ('a', 'meals') traceback when one run lacks it.
    path = make_scenario(
        tmp_path / "scenario",
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0)],
        options=[option("B1", "buy", 100)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 150},
    )
    meals = "services.meals={population: elderly, radius_m: 500, uptake: 1, min_area_m2: 100}"
    assert run_main("run", path, "--out", tmp_path / "a", "--quiet").returncode == 0
    assert run_main("run", path, "--out", tmp_path / "b", "--quiet", "--set", meals).returncode == 0
    result = run_main("compare", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "cmp")
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "| 助餐点 Community meals | — |" in report  # meals has no label: the standard name stands for it


def test_quiet_compare_and_frontier_write_nothing_to_stderr(tmp_path):
    path = make_scenario(
        tmp_path / "scenario",
        communities=[community("C1", 0, 100), community("C2", 2000, 60)],
        buildings=[building("B1", 0), building("B2", 2000)],
        options=[option("B1", "buy", 100), option("B2", "renovate", 60)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 150},
        overrides={"poor": {"budget": {"capex": 70}}},
    )
    compared = run_main("compare", path, "--override", "base,poor", "--out", tmp_path / "cmp", "--quiet")
    frontier = run_main("frontier", path, "--points", "3", "--out", tmp_path / "frontier", "--quiet")
    targets = run_main("frontier", path, "--targets", "0.5:1:0.5", "--out", tmp_path / "targets", "--quiet")
    assert [r.returncode for r in (compared, frontier, targets)] == [0, 0, 0]
    assert (compared.stderr, frontier.stderr, targets.stderr) == ("", "", "")
    assert (
        "compare: planned poor" in run_main("compare", path, "--override", "base,poor", "--out", tmp_path / "c2").stderr
    )


def test_cli_plans_and_compares_named_overrides(tmp_path):
    path = make_scenario(
        tmp_path / "scenario",
        communities=[community("C1", 0, 100), community("C2", 2000, 60)],
        buildings=[building("B1", 0), building("B2", 2000)],
        options=[option("B1", "buy", 100), option("B1", "rent", 10, 20), option("B2", "renovate", 60)],
        services={"elderly_care": {**ELDERLY, "label": {"zh": "养老", "en": "Elderly care"}}},
        budget={"capex": 150, "annual": 10},
        overrides={
            "no_buying": {"model": {"policy": {"max_by_mode": {"buy": 0}}}},
            "poor": {"budget": {"capex": 70, "annual": 30}},
        },
    )
    out = tmp_path / "cmp"
    assert run_main("compare", path, "--override", "base,no_buying+poor", "--out", out).returncode == 0
    table = pd.read_csv(out / "buildings.csv", encoding="utf-8-sig", keep_default_na=False).set_index("building")
    # base buys B1 (covers C1: 100 of 160) and cannot also afford B2 (nor rent B1: 20 a year);
    # no_buying+poor rents B1 (10, 20 a year) and renovates B2 (60): all 160.
    assert table.loc["B1", "mode_base"] == "buy" and table.loc["B1", "mode_no_buying+poor"] == "rent"
    assert table.loc["B1", "change"] == "changed" and table.loc["B2", "change"] == "added"
    keys = pd.read_csv(out / "scenario_keys.csv", encoding="utf-8-sig")
    assert set(keys["key"]) == {"budget.capex", "budget.annual", "model.policy.max_by_mode.buy"}
    assert (out / "plans" / "base" / "plan.json").is_file()
    import openpyxl

    sheet = list(openpyxl.load_workbook(out / "report.xlsx")["各服务 Services"].iter_rows(values_only=True))
    assert {row[1] for row in sheet[1:]} == {"养老 Elderly care"}  # the label the runs' scenario.yaml records
    assert run_main("compare", path, "--override", "base,nope", "--out", tmp_path / "x").returncode == 2
    # The variants planned as independent tasks in a process pool: the same comparison.
    pooled = tmp_path / "pooled"
    args = ("--override", "base,no_buying+poor", "--out", pooled, "--executor", "local", "--workers", "2")
    assert run_main("compare", path, *args).returncode == 0
    for name in ("buildings.csv", "communities.csv", "summary.csv", "plans/no_buying+poor/plan.json"):
        assert (pooled / name).read_bytes() == (out / name).read_bytes(), name


def test_a_building_only_a_third_run_acquires_is_no_change_for_the_second(folders, tmp_path):
    c = tmp_path / "plan_c"
    write_run(c, [selection("B9", "rent", ["meals"], 5)], {k: 0.0 for k in product(("C1", "C2"), SERVICES)}, 200)
    table = compare(read_runs([*folders, c])).buildings.set_index("building")
    assert table.loc["B9", "change_plan_b"] == "" and table.loc["B9", "change_plan_c"] == "added"
    assert table.loc["B4", "change_plan_c"] == "" and table.loc["B1", "change_plan_c"] == "dropped"
