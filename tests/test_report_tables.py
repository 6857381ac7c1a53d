"""Report tables on a hand-solvable scenario: persons beside units, the serving building, why demand is not covered."""

from __future__ import annotations

import pytest
from conftest import make_scenario

from siting import pipeline
from siting.report.markdown import render
from siting.report.tables import coverage_table, plan_document, selected_table, service_table
from siting.scenario.load import load_scenario

# Three communities on the x axis: C1 and C2 within 500 m of B1, C3 5 km away. B1 (200 m²) hosts both services at
# their minimum area: elderly care gets 100 m² / 2 m² per place = 50 places for 100 places of demand (uptake 0.5 of
# 100 elderly in each of C1, C2), so part of it stays uncovered because B1 is full; C3 is out of reach.
# Childcare follows a norm of 10 places per 1,000 residents for the 20 infants of each community: persons are the
# infants, not places ÷ anything.
SERVICES = {
    "elderly_care": {
        "label": {"zh": "养老", "en": "Elderly care"},
        "population": "elderly",
        "radius_m": 500,
        "uptake": 0.5,
        "min_area_m2": 100,
        "area_per_unit_m2": 2.0,
    },
    "childcare": {"population": "infant", "radius_m": 500, "per_1000_residents": 10, "min_area_m2": 100},
}


def _community(cid: str, x: float) -> dict:
    return {"id": cid, "name": f"社区{cid}", "x": x, "y": 0, "population": 10000, "elderly": 100, "infant": 20}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = make_scenario(
        tmp_path_factory.mktemp("reasons"),
        communities=[_community("C1", 0), _community("C2", 100), _community("C3", 5000)],
        buildings=[
            {"id": "B1", "name": "一号楼", "x": 50, "y": 0, "floor_area_m2": 200},
            {"id": "B2", "name": "二号楼", "x": 5000, "y": 0, "floor_area_m2": 200},
        ],
        options=[
            {"building": "B1", "mode": "renovate", "capex": 100, "annual_cost": 0},
            {"building": "B2", "mode": "renovate", "capex": 1000, "annual_cost": 0},
        ],
        services=SERVICES,
        budget={"capex": 500},
        model={"capacities": True},
    )
    return pipeline.run(load_scenario(path))


def test_persons_are_the_target_group_for_both_demand_rules(result):
    cov = coverage_table(result).set_index(["community", "service"])
    assert cov.loc[("C1", "elderly_care"), "persons"] == pytest.approx(100)
    assert cov.loc[("C1", "elderly_care"), "demand"] == pytest.approx(50)
    # per_1000_residents: 10 places per 1,000 of 10,000 residents = 100 places, for 20 infants.
    assert cov.loc[("C1", "childcare"), "demand"] == pytest.approx(100)
    assert cov.loc[("C1", "childcare"), "persons"] == pytest.approx(20)
    services = service_table(result)
    # B1 serves 50 of the 100 elderly-care places in reach: 100 of the 200 elderly there.
    # (the solver keeps each stage's optimum up to a relative slack of about 1e-6 per stage)
    assert services.loc["elderly_care", "covered"] == pytest.approx(50, rel=1e-5)
    assert services.loc["elderly_care", "persons_covered"] == pytest.approx(100, rel=1e-5)
    assert services.loc["childcare", "persons_covered"] == pytest.approx(40)
    doc = plan_document(result)["coverage"]
    assert doc["elderly_care"]["persons"] == pytest.approx(300) and doc["childcare"][
        "persons_covered"
    ] == pytest.approx(40)


def test_serving_building_by_name_with_district_and_coordinates(result):
    cov = coverage_table(result).set_index(["community", "service"])
    assert cov.loc[("C1", "childcare"), "served_by"] == "B1"
    assert cov.loc[("C1", "childcare"), "served_by_name"] == "一号楼"
    assert cov.loc[("C3", "childcare"), "served_by"] == ""
    sel = selected_table(result)
    assert list(sel["building"]) == ["B1"]
    assert (sel.loc[0, "x"], sel.loc[0, "y"]) == (50.0, 0.0)
    # Persons served by B1: 100 elderly (capacity) + 40 infants.
    assert sel.loc[0, "persons_served"] == pytest.approx(140, rel=1e-5)


def test_not_covered_reasons(result):
    cov = coverage_table(result).set_index(["community", "service"])
    assert cov.loc[("C3", "elderly_care"), "not_covered_reason"] == "out_of_reach"
    assert cov.loc[("C3", "childcare"), "not_covered_reason"] == "out_of_reach"
    left = cov.xs("elderly_care", level="service").loc[["C1", "C2"]]
    partly = left[left["covered_share"] < 1 - 1e-4]  # C1 may end a hair below 1 (stage slack): not "uncovered"
    assert len(partly) >= 1 and set(partly["not_covered_reason"]) == {"capacity_full"}
    assert cov.loc[("C1", "childcare"), "not_covered_reason"] == ""


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_markdown_speaks_the_chosen_language(result, lang):
    text = render(result, lang)
    assert ("摘要" in text) == (lang != "en")
    assert ("Summary" in text) == (lang != "zh")
    assert ("附近设施已满" in text) == (lang != "en") and ("hosts within reach are full" in text) == (lang != "zh")
    assert "一号楼" in text  # names whatever the language


def test_closed_facilities_are_shown_by_name_and_id():
    import pandas as pd

    from siting.report.views import named

    shown = named(pd.Series(["E1;E2", "", None, "E3"]), {"E1": "东街养老站", "E3": ""})
    assert shown == ["东街养老站 (E1)、E2", "", "", "E3"]


def test_frontier_notes_read_as_words():
    import pandas as pd

    from siting.report.lang import Text
    from siting.report.views import note_labels

    notes = pd.Series(["= free p07", "= nested top", "", None, "no plan meets the rules"])
    assert note_labels(notes, Text("both")) == [
        "同自由方案 p07 same plan as free p07",
        "同最大预算下的嵌套方案 same plan as the nested plan at the largest budget",
        "",
        "",
        "no plan meets the rules",
    ]


# One building of 100 m² fits one service at its minimum area, and the budget buys one: childcare (weight 2)
# takes it, elderly care is covered 0 % against childcare's 100 %. The reports say so and which keys spread it;
# a required share of elderly care (which the plan then meets) or max_min_share first silences the note.
def _lopsided(folder, *sets):
    from featurelib import CHILDCARE, ELDERLY, building, community, option

    path = make_scenario(
        folder,
        communities=[{**community("C1", 0, elderly=40, infant=30), "district": "D1"}],
        buildings=[building("B1", 100, area=100), building("B2", 200, area=100)],
        options=[option("B1", "renovate", 10), option("B2", "renovate", 10)],
        services={"elderly_care": ELDERLY, "childcare": {**CHILDCARE, "weight": 2.0}},
        budget={"capex": 10},
    )
    return pipeline.run(load_scenario(path, sets=list(sets)))


def test_reports_say_when_one_service_trails_far_behind(tmp_path):
    import openpyxl

    from siting.report import html, xlsx
    from siting.report.lang import Text
    from siting.report.plan_views import services_view

    result = _lopsided(tmp_path / "a")
    assert service_table(result)["share"].to_dict() == {"elderly_care": 0.0, "childcare": 1.0}
    for text in (render(result), html.render(result), services_view(result, Text("both")).note):
        assert "覆盖不均衡" in text and "Uneven coverage" in text and "services.elderly_care.min_share" in text
    xlsx.write(tmp_path / "report.xlsx", result)
    summary = dict(openpyxl.load_workbook(tmp_path / "report.xlsx")["摘要 Summary"].iter_rows(values_only=True))
    assert "max_min_share" in summary["覆盖均衡 Balance"]

    required = _lopsided(tmp_path / "b", "services.elderly_care.min_share=0.5", "budget.capex=20")
    assert service_table(required)["share"].min() >= 0.5
    assert "Uneven" not in render(required) and "覆盖不均衡" not in html.render(required)
    first = _lopsided(tmp_path / "c", "model.objectives=[max_min_share, max_coverage, min_cost]", "budget.capex=20")
    assert "Uneven" not in render(first)
