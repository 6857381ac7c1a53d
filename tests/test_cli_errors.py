"""Every kind of bad input gets one clear message through the CLI (called in process): exit 2 (or 3), no traceback,
nothing written. One case per class of issue 8's list, plus the older ones; rows as a spreadsheet shows them.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import pandas as pd
import pytest
import yaml
from conftest import make_scenario, run_main
from test_model_tiny import ELDERLY, building, community, option

from siting.errors import InputError


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
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_keys(path, **keys):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(keys)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def geojson(path, features):
    path.parent.joinpath("c.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    set_keys(path, communities="c.geojson")
    return path


POINT = {"type": "Point", "coordinates": [0, 0]}
PROPS = {"id": "C1", "name": "a", "population": 100, "elderly": 50}

# ------------------------------------------------------------------ tables and the YAML (older cases)


def unknown_top_key(tmp_path):
    path = valid(tmp_path)
    edit(path, "budget:", "budgte: {capex: 1}\nbudget:")
    return path, ["scenario.yaml", "budgte", "unknown key"]


def unknown_service_key(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "raduis_m": 3}})
    return path, ["services.elderly_care.raduis_m", "unknown key"]


def missing_column(tmp_path):
    path = valid(tmp_path, buildings=[{"id": "B1", "name": "a", "x": 0, "y": 0}])
    return path, ["buildings.csv", "floor_area_m2", "missing column", "建筑面积"]


def duplicate_id(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0), building("B1", 5)])
    return path, ["buildings.csv", "row 3", "field 'id'", "duplicate id 'B1' (first seen in row 2)"]


def unknown_building_in_options(tmp_path):
    path = valid(tmp_path, options=[option("B1", "buy", 1), option("B9", "rent", 1)])
    return path, ["options.csv", "row 3", "field 'building'", "'B9' is not in the buildings table"]


def unknown_mode(tmp_path):
    path = valid(tmp_path, options=[option("B1", "lease", 1)])
    return path, ["options.csv", "row 2", "field 'mode'", "'lease'", "renovate, buy, rent, swap, build", "改造"]


def negative_cost(tmp_path):
    path = valid(tmp_path, options=[option("B1", "buy", 1), option("B2", "buy", -5)])
    return path, ["options.csv", "row 3", "field 'capex'", "out of range", "≥ 0", "元"]


def nan_area(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0), {**building("B2", 9), "floor_area_m2": "NaN"}])
    return path, ["buildings.csv", "row 3", "field 'floor_area_m2'", "not a finite number"]


def zero_area(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0, 0), building("B2", 9)])
    return path, ["buildings.csv", "row 2", "field 'floor_area_m2'", "> 0"]


def negative_population(tmp_path):
    path = valid(tmp_path, communities=[community("C1", 0, 100), {**community("C2", 5, 10), "population": -3}])
    return path, ["communities.csv", "row 3", "field 'population'", "≥ 0"]


def zero_radius(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "radius_m": 0}})
    return path, ["services.elderly_care.radius_m", "> 0", "m (got 0)"]


def missing_file(tmp_path):
    path = valid(tmp_path)
    (path.parent / "options.csv").unlink()
    return path, ["options.csv", "file not found"]


def not_utf8(tmp_path):
    # a Western Excel's "CSV" (cp1252): "é," is neither UTF-8 nor GB18030 (GBK files are read, see test_officer_inputs)
    path = valid(tmp_path)
    table = path.parent / "communities.csv"
    table.write_bytes(
        table.read_text(encoding="utf-8").replace("社区C1,", "Café,").replace("社区", "Site ").encode("cp1252")
    )
    return path, ["communities.csv", "neither UTF-8 nor GBK", "line 2"]


def empty_table(tmp_path):
    path = valid(tmp_path)
    (path.parent / "buildings.csv").write_text("id,name,x,y,floor_area_m2\n", encoding="utf-8")
    return path, ["buildings.csv", "no data rows"]


def not_yaml(tmp_path):
    path = valid(tmp_path)
    path.write_text("name: [unclosed\n", encoding="utf-8")
    return path, ["scenario.yaml", "not valid YAML", "line"]


# ------------------------------------------------------------------ issue 8: tracebacks before


def yaml_nested_1000_levels(tmp_path):
    path = valid(tmp_path)
    path.write_text("name: " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    return path, ["scenario.yaml", "nested too deeply"]


def yaml_nested_200_mappings(tmp_path):
    path = valid(tmp_path)
    edit(path, "budget:", "description: " + "{a: " * 200 + "1" + "}" * 200 + "\nbudget:")
    return path, ["scenario.yaml", "nested too deeply"]


BOMB = "".join(f"  {b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def yaml_alias_bomb_in_inline_cell(tmp_path):
    """A 1.5 kB file whose aliases expand to ~4e8 values (~700 MB in a table): refused before anything expands."""
    path = valid(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("communities: communities.csv", "communities:\n- {id: C1, name: *i, x: 0, y: 0, population: 9}")
    path.write_text("description: x\nx-anchors:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB + text)
    assert path.stat().st_size < 2000
    return path, ["scenario.yaml", "aliases", "expand", "more than the 100,000 accepted"]


def yaml_recursive_alias(tmp_path):
    path = valid(tmp_path)
    edit(path, "budget:", "description: &d [*d]\nbudget:")
    return path, ["scenario.yaml", "alias refers to", "contains it"]


def yaml_python_object_tag(tmp_path):
    """YAML stays safe-loaded: a tag that would run code is an error, and the code does not run."""
    marker = tmp_path / "ran"
    path = valid(tmp_path)
    edit(path, "name: tiny", f'name: !!python/object/apply:os.system ["touch {marker}"]')
    assert not marker.exists()
    return path, ["scenario.yaml", "not valid YAML", "python/object/apply"]


def yaml_duplicate_key(tmp_path):
    path = valid(tmp_path)
    edit(path, "budget:", "name: other\nbudget:")
    return path, ["scenario.yaml", "line", "'name' is given twice"]


def yaml_integer_of_5000_digits(tmp_path):
    path = valid(tmp_path)
    edit(path, "capex: 150", "capex: " + "9" * 5000)
    return path, ["scenario.yaml", "line", "not valid YAML", "too large", "…"]


def yaml_hex_integer_beyond_any_float(tmp_path):
    path = valid(tmp_path)
    edit(path, "capex: 150", "capex: 0x" + "f" * 300)
    return path, ["scenario.yaml", "line", "not valid YAML", "too large"]


def geojson_feature_not_an_object(tmp_path):
    return geojson(valid(tmp_path), [5]), ["c.geojson", "row 1", "expected a Feature object"]


def geojson_properties_a_list(tmp_path):
    path = geojson(valid(tmp_path), [{"type": "Feature", "geometry": POINT, "properties": [1, 2]}])
    return path, ["c.geojson", "row 1", "field 'properties'"]


def geojson_coordinates_a_number(tmp_path):
    geometry = {"type": "Point", "coordinates": 5}
    path = geojson(valid(tmp_path), [{"type": "Feature", "geometry": geometry, "properties": PROPS}])
    return path, ["c.geojson", "row 1", "field 'geometry'", "[x, y]"]


def geojson_value_a_mapping(tmp_path):
    path = geojson(valid(tmp_path), [{"type": "Feature", "geometry": POINT, "properties": {**PROPS, "name": {}}}])
    return path, ["c.geojson", "row 1", "field 'name'", "single value"]


def coordinate_1e200(tmp_path):
    path = valid(tmp_path, communities=[community("C1", 0, 100), community("C2", 1e200, 60)])
    return path, ["communities.csv", "row 3", "field 'x'", "out of range", "≤ 1e+08 m"]


def coordinate_max_float(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0), {**building("B2", 0), "y": "-1.7e308"}])
    return path, ["buildings.csv", "row 3", "field 'y'", "≥ -1e+08"]


def floor_area_1e200(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0, 1e200), building("B2", 9)])
    return path, ["buildings.csv", "row 2", "field 'floor_area_m2'", "≤ 1e+07 m²"]


def capex_1e200(tmp_path):
    path = valid(tmp_path, options=[option("B1", "buy", 1e200)])
    return path, ["options.csv", "row 2", "field 'capex'", "≤ 1e+12 元"]


def population_1e200(tmp_path):
    path = valid(tmp_path, communities=[{**community("C1", 0, 100), "population": 1e200}])
    return path, ["communities.csv", "row 2", "field 'population'", "persons"]


def budget_1e200(tmp_path):
    return valid(tmp_path, budget={"capex": 1e200}), ["budget.capex", "≤ 1e+12 元", "got 1e+200"]


def radius_1e200(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "radius_m": 1e200}})
    return path, ["services.elderly_care.radius_m", "≤ 1e+06 m"]


def demand_too_small_to_weigh_by_share(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "uptake": 1e-320}})
    return path, ["scenario.yaml", "field 'services.elderly_care'", "too small", "objective_basis"]


def uptake_too_small_to_weigh_by_persons(tmp_path):
    path = valid(
        tmp_path, services={"elderly_care": {**ELDERLY, "uptake": 1e-320}}, model={"objective_basis": "persons"}
    )
    return path, ["scenario.yaml", "field 'services.elderly_care'", "too small", "objective_basis"]


def area_per_unit_too_small_to_divide_by(tmp_path):
    # 1e-320 m² per place passed "> 0"; a host's capacity (its area ÷ this) overflowed: a NaN-matrix traceback
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "area_per_unit_m2": 1e-320}})
    return path, ["field 'services.elderly_care.area_per_unit_m2'", "≥ 1e-06 and ≤ 1e+07 m²"]


def building_required_twice(tmp_path):
    # was exit 3, "no plan meets the scenario's fixed rules": the second B1 became a row 0 = 1
    path = valid(tmp_path, model={"policy": {"must_choose": ["B1", "B1"]}})
    return path, ["field 'model.policy.must_choose'", "each building may appear once", "B1"]


def required_building_without_options(tmp_path):
    # was exit 3, "no plan meets the scenario's fixed rules"
    path = valid(tmp_path, options=[option("B1", "buy", 100)], model={"policy": {"must_choose": ["B2"]}})
    return path, ["field 'model.policy.must_choose'", "B2", "no option in the options table"]


def table_path_symlink_loop(tmp_path):
    path = valid(tmp_path)
    os.symlink("loop2.csv", path.parent / "loop1.csv")
    os.symlink("loop1.csv", path.parent / "loop2.csv")
    set_keys(path, communities="loop1.csv")
    return path, ["loop1.csv", "field 'communities'", "cannot use this path"]


def table_path_nul_byte(tmp_path):
    path = valid(tmp_path)
    set_keys(path, buildings="build\x00ings.csv")
    return path, ["field 'buildings'", "NUL byte"]


def table_path_5000_characters(tmp_path):
    path = valid(tmp_path)
    set_keys(path, options="o" * 5000 + ".csv")
    return path, ["field 'options'", "cannot use this path", "…"]


def latitude_beyond_90(tmp_path):
    path = valid(tmp_path, communities=[{**community("C1", 116.4, 100), "y": 91}], crs="lonlat")
    return path, ["communities.csv", "row 2", "field 'y'", "≤ 90 degrees"]


def longitude_beyond_180(tmp_path):
    lonlat = [community("C1", 116.4, 100)]
    path = valid(tmp_path, communities=lonlat, buildings=[building("B1", 116.4), building("B2", -181)], crs="lonlat")
    return path, ["buildings.csv", "row 3", "field 'x'", "≥ -180"]


def repeated_csv_column(tmp_path):
    path = valid(tmp_path)
    table = path.parent / "communities.csv"
    edit(table, "id,name,x,y,", "id,name,x,y,y,")
    edit(table, "C1,社区C1,0,0,", "C1,社区C1,0,0,7,")
    edit(table, "C2,社区C2,2000,0,", "C2,社区C2,2000,0,7,")
    return path, ["communities.csv", "row 1", "field 'y'", "given 2 times"]


def repeated_column_by_alias(tmp_path):
    rows = [{**community("C1", 0, 100), "人口": 5}]
    path = valid(tmp_path)
    set_keys(path, communities=rows)
    return path, ["communities", "inline", "field 'population'", "(population, 人口)"]


def repeated_xlsx_column(tmp_path):
    path = valid(tmp_path)
    frame = pd.DataFrame([[b["id"], b["name"], b["x"], b["y"], b["floor_area_m2"], 1] for b in [building("B1", 0)]])
    frame.columns = ["id", "name", "x", "y", "floor_area_m2", "建筑面积"]
    frame.to_excel(path.parent / "b.xlsx", index=False)
    set_keys(path, buildings="b.xlsx")
    return path, ["b.xlsx", "row 1", "field 'floor_area_m2'", "given 2 times"]


def repeated_geojson_property(tmp_path):
    path = valid(tmp_path)
    (path.parent / "c.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
        '"coordinates": [0, 0]}, "properties": {"id": "C1", "name": "a", "population": 5, "population": 6}}]}',
        encoding="utf-8",
    )
    set_keys(path, communities="c.geojson")
    return path, ["c.geojson", "row 1", "field 'population'", "more than once"]


def huge_value_is_cut(tmp_path):
    path = valid(tmp_path, options=[option("B1", "buy", "9" * 100_000 + "x")])
    return path, ["options.csv", "row 2", "field 'capex'", "…", "not a finite number"]


def cell_beyond_the_csv_limit(tmp_path):
    path = valid(tmp_path, buildings=[building("B1", 0), {**building("B2", 0), "name": "n" * 1_000_000}])
    return path, ["buildings.csv", "row 3", "longer than 131,072 characters"]


def service_label_unknown(tmp_path):
    path = valid(tmp_path)
    set_keys(path, existing=[{"id": "E1", "name": "e", "x": 0, "y": 0, "services": "托育"}])
    return path, ["existing", "row 1", "field 'services'", "托育"]


# ------------------------------------------------------------------ security: paths stay in the scenario's folder


def outside_absolute_path(tmp_path):
    secret = tmp_path / "creds.txt"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    path = valid(tmp_path)
    set_keys(path, communities=str(secret))
    return path, ["field 'communities'", "outside the scenario's folder", "--allow-outside-paths"]


def outside_relative_path(tmp_path):
    path = valid(tmp_path)
    (tmp_path / "secret").mkdir()
    (path.parent / "communities.csv").rename(tmp_path / "secret" / "other.csv")
    set_keys(path, communities="../secret/other.csv")
    return path, ["../secret/other.csv", "outside the scenario's folder"]


def outside_through_a_symlink(tmp_path):
    path = valid(tmp_path)
    (tmp_path / "elsewhere.csv").write_bytes((path.parent / "buildings.csv").read_bytes())
    os.symlink(tmp_path / "elsewhere.csv", path.parent / "link.csv")
    set_keys(path, buildings="link.csv")
    return path, ["link.csv", "outside the scenario's folder"]


def outside_shares_file(tmp_path):
    path = valid(tmp_path)
    set_keys(path, demand={"shares": "/etc/passwd"})
    return path, ["field 'demand.shares'", "outside the scenario's folder"]


def outside_od_table(tmp_path):
    path = valid(tmp_path)
    set_keys(path, walking={"od_table": "../od.csv"})
    return path, ["field 'walking.od_table'", "outside"]


def outside_network_nodes(tmp_path):
    path = valid(tmp_path)
    set_keys(path, walking={"network": {"nodes": "/etc/hostname", "edges": "e.csv"}})
    return path, ["field 'walking.network.nodes'", "outside"]


def list_given_as_one_word(tmp_path):
    # pydantic said "Input should be a valid tuple"; a YAML writer knows lists and mappings
    path = valid(tmp_path)
    set_keys(path, model={"objectives": "max_coverage"})
    return path, ["field 'model.objectives'", "expected a list", "got 'max_coverage'"]


def mapping_given_as_a_list(tmp_path):
    path = valid(tmp_path)
    set_keys(path, model={"policy": ["max_facilities", 3]})
    return path, ["field 'model.policy'", "expected a mapping", "got a list"]


CASES = [
    unknown_top_key,
    list_given_as_one_word,
    mapping_given_as_a_list,
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
    yaml_nested_1000_levels,
    yaml_nested_200_mappings,
    yaml_alias_bomb_in_inline_cell,
    yaml_recursive_alias,
    yaml_python_object_tag,
    yaml_duplicate_key,
    yaml_integer_of_5000_digits,
    yaml_hex_integer_beyond_any_float,
    geojson_feature_not_an_object,
    geojson_properties_a_list,
    geojson_coordinates_a_number,
    geojson_value_a_mapping,
    coordinate_1e200,
    coordinate_max_float,
    floor_area_1e200,
    capex_1e200,
    population_1e200,
    budget_1e200,
    radius_1e200,
    demand_too_small_to_weigh_by_share,
    uptake_too_small_to_weigh_by_persons,
    area_per_unit_too_small_to_divide_by,
    building_required_twice,
    required_building_without_options,
    table_path_symlink_loop,
    table_path_nul_byte,
    table_path_5000_characters,
    latitude_beyond_90,
    longitude_beyond_180,
    repeated_csv_column,
    repeated_column_by_alias,
    repeated_xlsx_column,
    repeated_geojson_property,
    huge_value_is_cut,
    cell_beyond_the_csv_limit,
    service_label_unknown,
    outside_absolute_path,
    outside_relative_path,
    outside_through_a_symlink,
    outside_shares_file,
    outside_od_table,
    outside_network_nodes,
]


def assert_refused(result, out, fragments, code=2):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert len(result.stderr) < 700, result.stderr
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(tmp_path, case):
    path, expected = case(tmp_path)
    out = tmp_path / "out"
    assert_refused(run_main("run", path, "--out", out), out, expected)


def test_file_content_is_never_echoed(tmp_path):
    path, _ = outside_absolute_path(tmp_path)
    result = run_main("run", path, "--out", tmp_path / "out")
    assert "hunter2" not in result.stderr
    # inside the folder, a file that is not a table: only the header (cut) is named, never a data row
    (path.parent / "creds.csv").write_text("user\n" + "password=hunter2\n", encoding="utf-8")
    set_keys(path, communities="creds.csv")
    result = run_main("run", path, "--out", tmp_path / "out")
    assert result.returncode == 2 and "hunter2" not in result.stderr and "missing column 'id'" in result.stderr
    assert "names none of this table's columns" in result.stderr and "user" not in result.stderr.split(":", 2)[2]


def test_outside_paths_are_accepted_with_the_flag(tmp_path):
    path, _ = outside_relative_path(tmp_path)
    out = tmp_path / "out"
    result = run_main("run", path, "--out", out, "--allow-outside-paths")
    assert result.returncode == 0, result.stderr
    assert run_main("validate", path, "--allow-outside-paths").returncode == 0
    assert run_main("demand", path, "--allow-outside-paths", "--out", tmp_path / "d").returncode == 0
    assert run_main("validate", path).returncode == 2


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--threads", "0"], "argument --threads: expected a whole number of threads ≥ 1"),
        (["--threads", "-3"], "argument --threads: expected"),
        (["--threads", "1.5"], "got '1.5'"),
        (["--time-limit", "0"], "argument --time-limit: expected a number of seconds > 0"),
        (["--time-limit", "-1"], "argument --time-limit"),
        (["--time-limit", "nan"], "got nan"),
        (["--time-limit", "inf"], "got inf"),
        (["--time-limit", "abc"], "got 'abc'"),
        (["--gap", "-1"], "argument --gap: expected a relative gap ≥ 0 and ≤ 1"),
        (["--gap", "nan"], "argument --gap"),
        (["--solver", "gurobi"], "invalid choice: 'gurobi' (choose from 'auto', 'highs'"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option (see 'siting --help')"),
    ],
)
def test_bad_options_are_one_line_with_a_hint(tmp_path, argv, expected):
    path = valid(tmp_path)
    out = tmp_path / "out"
    result = run_main("run", path, "--out", out, *argv)
    assert_refused(result, out, [expected, "--help')"])
    assert "usage:" not in result.stderr


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["demand", "{path}", "--year", "99999"], "argument --year: expected a year ≥ 1900"),
        (["demand", "{path}", "--variant", "mid"], "invalid choice: 'mid'"),
        (["demand", "{path}", "--by", "elderly"], "field '--by': 'elderly' is a column of the summary itself"),
        (
            ["demand", "{path}", "--by", "nosuch"],
            "field '--by': the communities table has no column 'nosuch' (columns:",
        ),
        (["validate"], "the following arguments are required: scenario"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["run", "no/such.yaml"], "no/such.yaml: scenario file not found"),
        (["run", "bad\x00name.yaml"], "cannot use this path"),
        (["run", "s" * 5000 + ".yaml"], "cannot use this path"),
        (["schema", "--out", "{tmp}/file/schema.json"], "is a file, so this folder cannot be made"),
        (["schema", "--out", "{tmp}"], "exists and is a folder"),
        (["verify", "v" * 5000], "File name too long"),
        (["verify", "{tmp}"], "no plan.json here"),
        (["frontier", "{path}", "--executor", "dask", "--scheduler", "garbage"], "field '--scheduler': cannot reach"),
        (
            ["frontier", "{path}", "--executor", "dask", "--scheduler", "http://x:1"],
            "field '--scheduler': cannot reach",
        ),
        (["frontier", "{path}", "--executor", "dask", "--scheduler", "ucx://x"], "field '--scheduler': cannot reach"),
    ],
)
def test_bad_command_lines(tmp_path, argv, expected):
    path = valid(tmp_path)
    (tmp_path / "file").write_text("a file", encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    result = run_main(*[a.replace("{path}", str(path)) for a in argv])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "where, expected",
    [
        ("file/x", "is a file, so this folder cannot be made"),
        ("/proc/self/x", "cannot write in '/proc/self'"),
        ("in", "replacing this folder would delete"),
        (".", "replacing this folder would delete"),
        ("o" * 5000, "cannot use this path"),
        ("a\x00b", "cannot use this path"),
    ],
)
def test_bad_out_is_refused_before_solving(tmp_path, monkeypatch, where, expected):
    path = valid(tmp_path)
    (tmp_path / "file").write_text("a file", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("siting.pipeline.run", lambda *a, **k: pytest.fail("solved before checking --out"))
    result = run_main("run", path, "--out", where)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert expected in result.stderr and "field '--out'" in result.stderr, result.stderr
    assert path.is_file() and (tmp_path / "file").read_text(encoding="utf-8") == "a file"


@pytest.mark.parametrize("command", ["run", "frontier", "audit", "demand"])
def test_a_folder_of_the_users_own_files_is_never_replaced_by_an_output(tmp_path, command):
    """--out replaces its folder whole: a folder siting did not write (e.g. ~/Documents) is refused, not emptied."""
    path = valid(tmp_path)
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "budget 2026.xlsx").write_text("the officer's own file", encoding="utf-8")
    result = run_main(command, path, "--out", mine)
    assert result.returncode == 2 and "holds files siting did not write" in result.stderr, result.stderr
    assert [p.name for p in mine.iterdir()] == ["budget 2026.xlsx"]
    earlier = tmp_path / "earlier"
    assert run_main("run", path, "--out", earlier).returncode == 0
    assert run_main("run", path, "--out", earlier).returncode == 0  # its own earlier output is replaced
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_main("demand", path, "--out", empty).returncode == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        ("description=" + "[" * 3000 + "]" * 3000, "nested too deeply"),
        ("budget.capex=" + "9" * 5000, "too large"),
        ("services.elderly_care={radius_m: 1, radius_m: 2}", "'radius_m' is given twice"),
        (
            "description=[&a [x, x, x, x, x, x, x, x, x, x], "
            + ", ".join(f"&{b} [{', '.join([f'*{a}'] * 10)}]" for a, b in zip("abcde", "bcdef"))
            + "]",
            "aliases",
        ),
        ("name=[unclosed", "not valid YAML"),
    ],
)
def test_set_values_are_read_as_safely_as_the_scenario_file(tmp_path, value, expected):
    path = valid(tmp_path)
    out = tmp_path / "out"
    assert_refused(run_main("run", path, "--out", out, "--set", value), out, ["field '--set'", expected])


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("plan.json", '{"objective": ' + "1" * 5000 + "}", "plan.json: not a plan.json written by siting"),
        ("plan.json", "[" * 100_000, "plan.json: not a plan.json written by siting"),
        ("manifest.json", '{"scenario_path": ' + "1" * 5000 + "}", "manifest.json: cannot tell which scenario"),
        ("manifest.json", "[" * 100_000, "manifest.json: cannot tell which scenario"),
    ],
)
def test_a_corrupt_run_folder_is_named_by_verify_and_compare(tmp_path, name, text, expected):
    runs = [tmp_path / "a", tmp_path / "b"]
    for run in runs:
        assert run_main("run", valid(tmp_path), "--out", run, "--quiet").returncode == 0
    (runs[1] / name).write_text(text, encoding="utf-8")
    result = run_main("verify", runs[1])
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    result = run_main("compare", *runs, "--out", tmp_path / "cmp", "--quiet")
    assert result.returncode == (2 if name == "plan.json" else 0) and "Traceback" not in result.stderr, result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX named pipes")
def test_a_file_output_is_never_renamed_over_a_pipe_or_device(tmp_path):
    # schema --out wrote beside the target and renamed over it: a named pipe (or /dev/full, as root) was replaced.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = run_main("schema", "--out", pipe)
    assert result.returncode == 2 and "field '--out': exists and is not a regular file" in result.stderr
    assert pipe.is_fifo() and [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_every_problem_is_listed_with_its_field(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "radius_m": -5, "uptake": "x"}})
    edit(path, "budget:", "budgte: 1\nbudget:")
    result = run_main("validate", path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and lines[0].endswith("scenario.yaml: 3 problems:"), result.stderr
    assert any("field 'services.elderly_care.radius_m'" in line for line in lines[1:])
    assert any("field 'services.elderly_care.uptake'" in line for line in lines[1:])
    assert any("field 'budgte': unknown key" in line for line in lines[1:])


def test_problems_beyond_ten_are_counted(tmp_path):
    path = valid(tmp_path)
    edit(path, "budget:", "".join(f"typo{i}: 1\n" for i in range(14)) + "budget:")
    lines = run_main("validate", path).stderr.strip().splitlines()
    assert lines[0].endswith("14 problems:") and len(lines) == 12 and lines[-1] == "  … and 4 more problems"


def test_debug_shows_the_traceback(tmp_path):
    path, _ = duplicate_id(tmp_path)
    with pytest.raises(InputError):
        run_main("--debug", "run", path, "--out", tmp_path / "out")


def test_infeasible_scenario_exits_3_and_writes_nothing(tmp_path):
    path = valid(tmp_path, services={"elderly_care": {**ELDERLY, "min_share": 0.5}}, budget={"capex": 0})
    out = tmp_path / "out"
    result = run_main("run", path, "--out", out)
    assert result.returncode == 3, result.stderr
    assert "infeasible: these requirements cannot all be met: one-off budget, elderly_care share" in result.stderr
    # C1 (100 of 160 units) needs B1 bought for 100 元; nothing can be bought with 0 元.
    assert "one-off budget: 100 元 more (0 → 100 元)" in result.stderr
    assert "elderly_care share: minimum lowered from 50.0% to 0.0%" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_writing_removes_the_half_written_folder(tmp_path, monkeypatch, signum, code):
    """SIGTERM is treated as Ctrl-C: the temporary folder is removed, an earlier result is left as it was."""
    import siting.report.folder

    path = valid(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("earlier", encoding="utf-8")
    real = siting.report.folder.render_markdown

    def render_then_signal(result, *args):
        text = real(result, *args)
        os.kill(os.getpid(), signum)  # delivered to the handler at the next bytecode, while files are written
        return text

    monkeypatch.setattr(siting.report.folder, "render_markdown", render_then_signal)
    previous = signal.getsignal(signum)
    result = run_main("run", path, "--out", out)
    assert result.returncode == code and "interrupted" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert [p.name for p in out.iterdir()] == ["plan.json"]
    assert (out / "plan.json").read_text(encoding="utf-8") == "earlier"
    assert signal.getsignal(signum) is previous  # no handler leaks out of an in-process run
