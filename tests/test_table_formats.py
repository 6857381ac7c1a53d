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
