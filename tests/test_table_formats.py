"""Tables as CSV, Excel, GeoJSON or inline lists give the same scenario; lon/lat coordinates use great circles."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import make_scenario
from test_model_tiny import ELDERLY, building, community, option

from siting import pipeline
from siting.scenario.load import load_scenario

COMMUNITIES = [community("C1", 0, 100), community("C2", 2000, 60)]
BUILDINGS = [building("B1", 0), building("B2", 2000)]
OPTIONS = [option("B1", "buy", 100), option("B2", "renovate", 60)]


def baseline(tmp_path):
    return make_scenario(
        tmp_path / "csv",
        communities=COMMUNITIES,
        buildings=BUILDINGS,
        options=OPTIONS,
        services={"elderly_care": ELDERLY},
        budget={"capex": 100},
    )


def rewrite(path, **tables):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(tables)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_excel_geojson_and_inline_tables_load_the_same(tmp_path):
    reference = load_scenario(baseline(tmp_path))
    path = baseline(tmp_path / "other")
    folder = path.parent
    pd.DataFrame(BUILDINGS).to_excel(folder / "buildings.xlsx", sheet_name="楼", index=False)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c["x"], c["y"]]},
            "properties": {k: v for k, v in c.items() if k not in ("x", "y")},
        }
        for c in COMMUNITIES
    ]
    (folder / "communities.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    rewrite(
        path, communities="communities.geojson", buildings={"path": "buildings.xlsx", "sheet": "楼"}, options=OPTIONS
    )
    other = load_scenario(path)
    pd.testing.assert_frame_equal(other.communities[reference.communities.columns], reference.communities)
    pd.testing.assert_frame_equal(other.buildings, reference.buildings)
    pd.testing.assert_frame_equal(other.options, reference.options)
    assert pipeline.run(other).evaluation.objective == pytest.approx(62.5)  # 100 of 160 units: 62.5 % (share)


def test_excel_sheet_that_does_not_exist_is_named(tmp_path):
    path = baseline(tmp_path)
    pd.DataFrame(BUILDINGS).to_excel(path.parent / "buildings.xlsx", index=False)
    rewrite(path, buildings={"path": "buildings.xlsx", "sheet": "nope"})
    from siting.errors import InputError

    with pytest.raises(InputError, match="buildings.xlsx.*nope"):
        load_scenario(path)


@pytest.mark.parametrize(("radius", "covered"), [(450, True), (400, False)])
def test_lonlat_distances_are_great_circle_metres(tmp_path, radius, covered):
    # 0.005° of longitude at 39.9° N is 0.005 × 111,195 m × cos(39.9°) ≈ 426.6 m.
    comms = [{**community("C1", 116.400, 100), "y": 39.9}]
    blds = [{**building("B1", 116.405), "y": 39.9}]
    path = make_scenario(
        tmp_path,
        communities=comms,
        buildings=blds,
        options=[option("B1", "renovate", 1)],
        services={"elderly_care": {**ELDERLY, "radius_m": radius}},
        budget={"capex": 10},
        crs="lonlat",
    )
    result = pipeline.run(load_scenario(path))
    assert result.evaluation.objective == pytest.approx(100 if covered else 0)
    if covered:
        assert result.evaluation.coverage.iloc[0]["distance_m"] == pytest.approx(426.6, abs=0.5)


def test_geojson_geometry_wins_over_coordinate_properties(tmp_path):
    """GIS exports often repeat the coordinates as properties (x, 经度): the geometry is the one used."""
    path = baseline(tmp_path)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c["x"], c["y"]]},
            "properties": {**{k: v for k, v in c.items() if k not in ("x", "y")}, "x": 999, "经度": 998, "lat": 5},
        }
        for c in COMMUNITIES
    ]
    (path.parent / "c.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    rewrite(path, communities="c.geojson")
    assert load_scenario(path).communities["x"].tolist() == [0.0, 2000.0]


def test_yaml_anchors_and_merge_keys_of_a_sane_size_are_accepted(tmp_path):
    path = baseline(tmp_path)
    text = path.read_text(encoding="utf-8").replace("services:\n  elderly_care:", "services:\n  elderly_care: &care")
    text = text.replace("budget:", "  meals:\n    <<: *care\n    radius_m: 300\nbudget:", 1)
    path.write_text(text, encoding="utf-8")
    services = load_scenario(path).config.services
    assert services["meals"].radius_m == 300 and services["meals"].min_area_m2 == services["elderly_care"].min_area_m2
