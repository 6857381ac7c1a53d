"""Every kind of bad input gets one clear message through the real CLI: exit 2, no traceback, no output."""

from __future__ import annotations

import pytest
from conftest import make_scenario, run_cli
from test_model_tiny import ELDERLY, building, community, option


def valid(tmp_path, **overrides):
    kwargs = {
        "communities": [community("C1", 0, 100), community("C2", 2000, 60)],
        "buildings": [building("B1", 0), building("B2", 2000)],
        "options": [option("B1", "buy", 100), option("B2", "renovate", 60)],
        "services": {"elderly_care": dict(ELDERLY)},
        "budget": {"capex": 150},
    }
    kwargs.update(overrides)
    return make_scenario(tmp_path / "in", **kwargs)


def edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def unknown_top_key(tmp_path):
    path = valid(tmp_path)
    edit(path, "budget:", "budgte: {capex: 1}\nbudget:")
    return path, ["scenario.yaml", "budgte", "unknown key"]


def unknown_service_key(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "raduis_m": 3}})
    return path, ["services.elderly_care.raduis_m", "unknown key"]


def missing_column(tmp_path):
    path = valid(tmp_path, buildings=[{"id": "B1", "name": "a", "x": 0, "y": 0}])
    return path, ["buildings.csv", "floor_area_m2", "missing column"]


def duplicate_id(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0), building("B1", 5)])
    return path, ["buildings.csv", "row 2", "field 'id'", "duplicate id 'B1'"]


def unknown_building_in_options(tmp_path):
    path = valid(tmp_path, options=[option("B1", "buy", 1), option("B9", "rent", 1)])
    return path, ["options.csv", "row 2", "field 'building'", "'B9' is not in the buildings table"]


def unknown_mode(tmp_path):
    path = valid(tmp_path, options=[option("B1", "lease", 1)])
    return path, ["options.csv", "row 1", "field 'mode'", "'lease'", "renovate, buy, rent, swap, build"]


def negative_cost(tmp_path):
    path = valid(tmp_path, options=[option("B1", "buy", 1), option("B2", "buy", -5)])
    return path, ["options.csv", "row 2", "field 'capex'", "out of range", "≥ 0"]


def nan_area(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0), {**building("B2", 9), "floor_area_m2": "NaN"}])
    return path, ["buildings.csv", "row 2", "field 'floor_area_m2'", "not a finite number"]


def zero_area(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0, 0), building("B2", 9)])
    return path, ["buildings.csv", "row 1", "field 'floor_area_m2'", "> 0"]


def negative_population(tmp_path):
    path = valid(tmp_path, communities=[community("C1", 0, 100), {**community("C2", 5, 10), "population": -3}])
    return path, ["communities.csv", "row 2", "field 'population'", "≥ 0"]


def zero_radius(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "radius_m": 0}})
    return path, ["services.elderly_care.radius_m", "greater than 0"]


def missing_file(tmp_path):
    path = valid(tmp_path)
    (path.parent / "options.csv").unlink()
    return path, ["options.csv", "file not found"]


def not_utf8(tmp_path):
    path = valid(tmp_path)
    table = path.parent / "communities.csv"
    table.write_bytes(table.read_text(encoding="utf-8").encode("gbk"))
    return path, ["communities.csv", "not UTF-8", "line 2"]


def empty_table(tmp_path):
    path = valid(tmp_path)
    (path.parent / "buildings.csv").write_text("id,name,x,y,floor_area_m2\n", encoding="utf-8")
    return path, ["buildings.csv", "no data rows"]


def not_yaml(tmp_path):
    path = valid(tmp_path)
    path.write_text("name: [unclosed\n", encoding="utf-8")
    return path, ["scenario.yaml", "not valid YAML", "line"]


CASES = [
    unknown_top_key,
    unknown_service_key,
    missing_column,
    duplicate_id,
    unknown_building_in_options,
    unknown_mode,
    negative_cost,
    nan_area,
    zero_area,
    negative_population,
    zero_radius,
    missing_file,
    not_utf8,
    empty_table,
    not_yaml,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(tmp_path, case):
    path, expected = case(tmp_path)
    out = tmp_path / "out"
    result = run_cli("run", path, "--out", out)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_validate_reports_the_same_error(tmp_path):
    path, expected = duplicate_id(tmp_path)
    result = run_cli("validate", path)
    assert result.returncode == 2 and expected[-1] in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    path, _ = duplicate_id(tmp_path)
    result = run_cli("--debug", "run", path, "--out", tmp_path / "out")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_infeasible_scenario_exits_3_and_writes_nothing(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "min_share": 0.5}}, budget={"capex": 0})
    out = tmp_path / "out"
    result = run_cli("run", path, "--out", out)
    assert result.returncode == 3, result.stderr
    assert "infeasible: these requirements cannot all be met: one-off budget, elderly_care share" in result.stderr
    # C1 (100 of 160 units) needs B1 bought for 100 元; nothing can be bought with 0 元.
    assert "one-off budget: 100 元 more (0 → 100 元)" in result.stderr
    assert "elderly_care share: minimum lowered from 50.0% to 0.0%" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
