"""report.xlsx read back with openpyxl: its numbers equal plan.json's; frozen headers with units, filters, formats."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import DEMO, make_scenario

from siting import pipeline
from siting.report import html, xlsx
from siting.report.served import REASONS
from siting.scenario.load import load_scenario

SHEETS = [
    "摘要 Summary",
    "选定建筑 Buildings",
    "现有设施 Existing",
    "覆盖 Coverage",
    "街道 Districts",
    "未覆盖 Not covered",
]


@pytest.fixture(scope="module")
def book(demo_runs):
    return openpyxl.load_workbook(demo_runs[0] / "report.xlsx")


@pytest.fixture(scope="module")
def plan(demo_runs):
    return json.loads((demo_runs[0] / "plan.json").read_text(encoding="utf-8"))


def records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_sheets_have_frozen_headers_with_units_and_filters(book):
    assert book.sheetnames == [*SHEETS, "假设 Assumptions"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    header = [c.value for c in book["选定建筑 Buildings"][1]]
    assert "一次性投入 One-off (万元)" in header and "建筑面积 Floor area (m²)" in header
    column = header.index("一次性投入 One-off (万元)")
    assert book["选定建筑 Buildings"].cell(row=2, column=column + 1).number_format == "#,##0.00"
    cover = [c.value for c in book["覆盖 Coverage"][1]]
    share = cover.index("覆盖率 Covered share")
    assert book["覆盖 Coverage"].cell(row=2, column=share + 1).number_format == "0.0%"


def test_buildings_equal_plan(book, plan):
    rows = records(book["选定建筑 Buildings"])
    assert [r["编号 Id"] for r in rows] == [s["building"] for s in plan["selected"]]
    for row, chosen in zip(rows, plan["selected"]):
        assert row["建筑 Building"] == chosen["name"]
        assert row["一次性投入 One-off (万元)"] * 1e4 == pytest.approx(chosen["capex"], abs=1e-6)
        assert row["年度费用 Yearly (万元/年)"] * 1e4 == pytest.approx(chosen["annual_cost"], abs=1e-6)
        assert row["街道 District"] and row["X坐标 x (m)"] is not None and row["Y坐标 y (m)"] is not None


def test_summary_and_coverage_equal_plan(book, plan):
    summary = {r["项目 Item"]: r["结果 Result"] for r in records(book["摘要 Summary"])}
    assert summary["求解状态 Status"] == {"optimal": "最优 optimal"}[plan["status"]]
    assert summary["一次性投入 One-off cost (万元)"] * 1e4 == pytest.approx(plan["cost"]["capex"], abs=1e-6)
    assert summary["年度费用 Yearly cost (万元/年)"] * 1e4 == pytest.approx(plan["cost"]["annual"], abs=1e-6)
    assert summary["选定建筑 Buildings acquired"] == len(plan["selected"])
    coverage = records(book["覆盖 Coverage"])
    services = load_scenario(DEMO).config.services
    for key, figures in plan["coverage"].items():
        label = f"{services[key].label.zh} {services[key].label.en}"
        assert summary[f"{label}: 覆盖率 covered share"] == pytest.approx(
            figures["share"], abs=1e-6
        )  # plan.json rounds to 6 decimals
        assert summary[f"{label}: 已覆盖人数 persons covered (人)"] == pytest.approx(
            figures["persons_covered"], abs=1e-6
        )
        rows = [r for r in coverage if r["服务 Service"] == label]
        assert len(rows) == len(load_scenario(DEMO).communities)
        assert sum(r["需求 Demand (单位 units)"] for r in rows) == pytest.approx(figures["demand"], rel=1e-6)
        covered = sum(r["已覆盖需求 Demand covered (单位 units)"] for r in rows)
        assert covered == pytest.approx(figures["covered"], rel=1e-6)
        persons = sum(r["已覆盖人数 Persons covered (人)"] for r in rows)
        assert persons == pytest.approx(figures["persons_covered"], abs=0.05 * len(rows))


def test_not_covered_rows_have_a_reason(book, plan):
    rows = records(book["未覆盖 Not covered"])
    assert rows, "the demo's budget leaves demand uncovered"
    reasons = {r["原因 Reason"] for r in rows}
    assert reasons <= {" ".join(pair) for pair in REASONS.values()}
    assert "步行范围内无设施 no host within walking distance" in reasons
    for row in rows:
        assert row["未覆盖人数 Persons not covered (人)"] > 0


def test_lonlat_coordinates_are_named_and_shown_to_a_tenth_of_a_metre(tmp_path):
    # 6 significant digits left 104.063 of 104.061234: about 100 m off; the headers said only "x" and "y"
    path = make_scenario(
        tmp_path,
        communities=[{"id": "C1", "name": "甲", "x": 104.06, "y": 30.66, "population": 5000, "elderly": 900}],
        buildings=[{"id": "B1", "name": "楼", "x": 104.061234, "y": 30.661, "floor_area_m2": 300}],
        options=[{"building": "B1", "mode": "buy", "capex": 10, "annual_cost": 1}],
        services={"meals": {"population": "elderly", "radius_m": 500, "uptake": 0.1, "min_area_m2": 100}},
        budget={"capex": 100},
        crs="lonlat",
    )
    result = pipeline.run(load_scenario(path))
    xlsx.write(tmp_path / "report.xlsx", result)
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    (row,) = records(book["选定建筑 Buildings"])
    assert (row["经度 Longitude (°)"], row["纬度 Latitude (°)"]) == (104.061234, 30.661)
    assert records(book["摘要 Summary"])[0]["结果 Result"] == "最优 optimal"
    page = html.render(result, "both")
    assert ">104.061234<" in page and ">30.661<" in page and "经度 Longitude (°)" in page
