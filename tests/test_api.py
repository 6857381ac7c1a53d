"""The Python API: the same verified plans as the command line, as DataFrames; `import siting` stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

import siting
from siting.errors import InputError

TINY = REPO / "scenarios" / "tiny" / "scenario.yaml"


def test_import_siting_loads_no_solver_and_no_pandas():
    code = "import sys, siting; print(sorted(m for m in ('highspy', 'ortools', 'pulp', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_run_gives_the_tables_the_command_line_writes(tmp_path):
    result = siting.run(TINY)
    assert result.status == "optimal" and result.objective == pytest.approx(150)  # tiny's hand solution
    assert list(result.selected["building"]) == [s["building"] for s in result.plan["selected"]]
    assert set(result.coverage.columns) >= {"community", "service", "covered_share"}
    folder = result.report(tmp_path / "run")
    for name in ("plan.json", "selected.csv", "coverage.csv", "report.md", "report.html", "report.xlsx"):
        assert (folder / name).is_file()
    assert (folder / "selected.csv").read_bytes().decode("utf-8-sig").splitlines()[0].startswith("building,")


def test_overrides_and_sets_apply_when_loading(tmp_path):
    plain = siting.run(TINY)
    poorer = siting.run(TINY, sets=[f"budget.capex={plain.plan['cost']['capex'] - 1}"])
    assert poorer.objective < plain.objective
    with pytest.raises(ValueError, match="apply when loading"):
        siting.run(siting.load_scenario(TINY), sets=["budget.capex=1"])
    with pytest.raises(InputError):
        siting.load_scenario(TINY, overrides=["no_such_override"])


def test_frontier_and_compare(tmp_path):
    plain = siting.run(TINY)
    capex = plain.plan["cost"]["capex"]
    sweep = siting.frontier(TINY, budgets=[capex / 2, capex])
    assert list(sweep.table["budget"]) == [capex / 2, capex]
    assert sweep.table["objective"].is_monotonic_increasing
    plain.report(tmp_path / "a")
    assert sweep.points[0].result is not None  # half the money still buys a plan
    siting.Result(sweep.points[0].result).report(tmp_path / "b")
    comparison = siting.compare([tmp_path / "a", tmp_path / "b"])
    assert set(comparison.buildings["change"]) <= {"added", "dropped", "changed", "same"}
