"""The real command line on the demo scenario: files, languages, determinism, schema, validate, demand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import DEMO, run_main

from siting.report.folder import RUN_FILES as RESULT_FILES
from siting.scenario.load import load_scenario


def test_run_writes_the_result_files_and_a_manifest(demo_runs):
    out = demo_runs[0]
    for name in (*RESULT_FILES, "manifest.json"):
        assert (out / name).is_file(), name
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    for key in (
        "scenario",
        "status",
        "objective",
        "bound",
        "gap",
        "solver",
        "cost",
        "selected",
        "coverage",
        "input_sha256",
    ):
        assert key in plan
    assert plan["status"] == "optimal" and plan["solver"]["name"] == "highs"
    assert plan["selected"] == sorted(plan["selected"], key=lambda s: s["building"])
    selected = pd.read_csv(out / "selected.csv", encoding="utf-8-sig")
    assert list(selected["building"]) == [s["building"] for s in plan["selected"]]
    assert selected["capex"].sum() == pytest.approx(plan["cost"]["capex"])
    assert plan["cost"]["capex"] <= 35_000_000
    coverage = pd.read_csv(out / "coverage.csv", encoding="utf-8-sig")
    assert len(coverage) == 40 * len(plan["coverage"])
    # The budget covers part of the demand, not all.
    shares = [c["share"] for c in plan["coverage"].values()]
    assert 0 < min(shares) and max(shares) < 1


def test_report_is_bilingual_with_units_and_sources(demo_runs):
    report = (demo_runs[0] / "report.md").read_text(encoding="utf-8")
    for text in (
        "选定建筑 Buildings acquired",
        "服务覆盖 Coverage by service",
        "未覆盖 Not covered",
        "需求：假设与来源 Demand: assumptions and sources",
        "万元",
        "第七次全国人口普查公报",
        "方法 Method",
    ):
        assert text in report, text
    names = pd.read_csv(demo_runs[0] / "selected.csv", encoding="utf-8-sig")["name"]
    assert all(name in report for name in names)  # buildings by name, not raw ids alone


def test_same_scenario_gives_byte_identical_results(demo_runs):
    first, second = demo_runs
    for name in RESULT_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_plan_fingerprints_the_inputs(demo_runs):
    plan = json.loads((demo_runs[0] / "plan.json").read_text(encoding="utf-8"))
    assert plan["input_sha256"] == load_scenario(DEMO).input_sha256


def test_validate_summarises_without_solving():
    result = run_main("validate", DEMO)
    assert result.returncode == 0, result.stderr
    assert "valid scenario 'demo'" in result.stdout and "40 communities" in result.stdout


def test_schema_is_json_schema_with_the_scenario_keys(tmp_path):
    result = run_main("schema", "--out", tmp_path / "schema.json")
    assert result.returncode == 0, result.stderr
    schema = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))
    assert {"name", "services", "budget", "communities", "buildings", "options"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"name", "services", "budget", "communities", "buildings", "options"}


def test_demand_command_writes_sources_per_community(tmp_path):
    result = run_main("demand", DEMO, "--year", "2030", "--variant", "high", "--out", tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "demand for 2030 (high variant)" in result.stdout
    table = pd.read_csv(tmp_path / "d" / "demand.csv", encoding="utf-8-sig")
    assert len(table) == 40 and table["estimated"].all()
    assert table["source.elderly"].str.contains("projected 2020→2030").all()


def test_demand_rejects_a_year_before_the_census(tmp_path):
    result = run_main("demand", DEMO, "--year", "2010", "--out", tmp_path / "d")
    assert result.returncode == 2 and "year" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()
