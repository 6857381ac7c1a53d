"""Scenarios whose walking distances come from an OD table or a network, end to end."""

from __future__ import annotations

import pytest
from conftest import make_scenario, write_csv
from test_model_tiny import ELDERLY, building, community, option

from siting import pipeline
from siting.scenario.load import load_scenario


def base(tmp_path, walking):
    # C1 at x=0 and C2 at x=1000; B1 at x=0 reaches C1 only by straight line (radius 500).
    return make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 1000, 60)],
        buildings=[building("B1", 0), building("B2", 1000)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 10)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 10},
        walking=walking,
    )


def test_od_table_distances_are_used_as_given(tmp_path):
    # The OD table says B2 is 400 m from both communities (a footbridge), B1 is 2 km from C1: B2 wins (160).
    write_csv(
        tmp_path / "od.csv",
        [
            {"community": "C1", "building": "B1", "walk_m": 2000},
            {"community": "C1", "building": "B2", "walk_m": 400},
            {"community": "C2", "building": "B2", "walk_m": 0},
        ],
    )
    result = pipeline.run(load_scenario(base(tmp_path, {"od_table": "od.csv"})))
    assert [s.building for s in result.solution.plan.selected] == ["B2"]
    assert result.evaluation.objective == pytest.approx(100)  # all 160 units: 100 % (objective basis share)
    cov = result.evaluation.coverage.set_index("community")
    assert cov.loc["C1", "distance_m"] == pytest.approx(400)


def test_od_table_in_minutes_uses_the_walking_speed(tmp_path):
    # 6 minutes at 4.7 km/h = 470 m ≤ 500 m; 7 minutes = 548 m > 500 m.
    write_csv(
        tmp_path / "od.csv",
        [
            {"community": "C1", "building": "B1", "walk_min": 0},
            {"community": "C1", "building": "B2", "walk_min": 7},
            {"community": "C2", "building": "B1", "walk_min": 6},
        ],
    )
    result = pipeline.run(load_scenario(base(tmp_path, {"od_table": "od.csv", "speed_kmh": 4.7})))
    assert [s.building for s in result.solution.plan.selected] == ["B1"]
    assert result.evaluation.objective == pytest.approx(100)  # B1 covers C1 (at 0) and C2 (470 m): 100 %


def test_network_detour_puts_a_building_out_of_reach(tmp_path):
    # A river between x=0 and x=1000 with one bridge far north: C2 is 1000 m from B1 in a straight line but
    # 1000 + 2 × 2000 = 5000 m on foot; every community reaches only the building next to it.
    write_csv(
        tmp_path / "nodes.csv",
        [
            {"id": "a", "x": 0, "y": 0},
            {"id": "b", "x": 0, "y": 2000},
            {"id": "c", "x": 1000, "y": 2000},
            {"id": "d", "x": 1000, "y": 0},
        ],
    )
    write_csv(tmp_path / "edges.csv", [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}, {"from": "c", "to": "d"}])
    path = base(tmp_path, {"network": {"nodes": "nodes.csv", "edges": "edges.csv"}})
    result = pipeline.run(load_scenario(path))
    assert [s.building for s in result.solution.plan.selected] == ["B1"]
    cov = result.evaluation.coverage.set_index("community")
    assert cov.loc["C2", "distance_m"] == pytest.approx(5000)
    assert cov.loc["C2", "covered"] == 0


def test_radius_in_minutes(tmp_path):
    path = base(tmp_path, {"detour_factor": 1.0, "speed_kmh": 6.0})
    text = path.read_text(encoding="utf-8").replace("radius_m: 500", "radius_min: 10")
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.config.services["elderly_care"].radius_m == pytest.approx(1000)  # 10 min at 6 km/h
    assert pipeline.run(scenario).evaluation.objective == pytest.approx(100)  # 160 of 160 units: 100 %


def test_od_table_with_chinese_headers_and_thousands_is_checked_independently(tmp_path):
    # The independent check reads the OD table as the planner does: 社区 / 建筑 / 步行距离(米), "1,200" = 1200 m.
    (tmp_path / "od.csv").write_text('社区,建筑,步行距离(米)\nC1,B1,"1,200"\nC1,B2,400\nC2,B2,0\n', encoding="utf-8")
    result = pipeline.run(load_scenario(base(tmp_path, {"od_table": "od.csv"})))
    assert [s.building for s in result.solution.plan.selected] == ["B2"]
    cov = result.evaluation.coverage.set_index("community")
    assert cov.loc["C1", "distance_m"] == pytest.approx(400)


def test_network_with_chinese_headers_is_checked_independently(tmp_path):
    # As the detour test, with 编号/横坐标/纵坐标 nodes, 起点/终点/长度(米) edges and a title row above the header.
    (tmp_path / "nodes.csv").write_text(
        '步行网络节点,,\n编号,横坐标,纵坐标\na,0,0\nb,0,"2,000"\nc,"1,000","2,000"\nd,"1,000",0\n',
        encoding="utf-8",
    )
    (tmp_path / "edges.csv").write_text('起点,终点,长度(米)\na,b,"2,000"\nb,c,"1,000"\nc,d,"2,000"\n', encoding="utf-8")
    path = base(tmp_path, {"network": {"nodes": "nodes.csv", "edges": "edges.csv"}})
    result = pipeline.run(load_scenario(path))
    cov = result.evaluation.coverage.set_index("community")
    assert cov.loc["C2", "distance_m"] == pytest.approx(5000)
