"""Infeasible scenarios are explained with the smallest relaxation that fixes each conflicting requirement."""

from __future__ import annotations

import pytest
import yaml
from conftest import make_scenario
from test_model_tiny import ELDERLY, building, community, option

from siting import pipeline
from siting.errors import InfeasibleError
from siting.scenario.load import load_scenario


def districts(tmp_path, budget, min_share=0.8):
    # East: C1 (100 elderly) next to B1 (buy 100); West: C2 (60) next to B2 (renovate 60), C3 (40) next to
    # B3 (build 50). Every district must cover 80 % of its elderly-care demand.
    comms = [
        {**community("C1", 0, 100), "district": "东区"},
        {**community("C2", 5000, 60), "district": "西区"},
        {**community("C3", 9000, 40), "district": "西区"},
    ]
    return make_scenario(
        tmp_path,
        communities=comms,
        buildings=[building("B1", 0), building("B2", 5000), building("B3", 9000)],
        options=[option("B1", "buy", 100), option("B2", "renovate", 60), option("B3", "build", 50)],
        services={"elderly_care": ELDERLY},
        budget={"capex": budget},
        model={"policy": {"district_min_share": {"elderly_care": min_share}}},
    )


def test_district_shortfall_is_explained_and_the_relaxation_works(tmp_path):
    path = districts(tmp_path / "a", budget=170)
    with pytest.raises(InfeasibleError) as err:
        pipeline.run(load_scenario(path))
    text = str(err.value)
    # East needs B1 (100); West needs B2 + B3 (110) for 100 % ≥ 80 % (B2 alone: 60 %): 210 in all.
    assert "one-off budget: 40 元 more (170 → 210 元)" in text
    # With 170: B1 + B2 leaves West at 60 % (the smaller relaxation; B2 + B3 would leave East at 0 %).
    assert "西区: elderly_care share: minimum lowered from 80.0% to 60.0%" in text
    assert "these requirements cannot all be met: one-off budget, 西区: elderly_care share." in text

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["budget"]["capex"] = 210
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = pipeline.run(load_scenario(path))
    assert result.evaluation.capex == pytest.approx(210)
    assert result.evaluation.by_group["share"].min() >= 0.8


def test_lowered_minimum_makes_it_feasible(tmp_path):
    result = pipeline.run(load_scenario(districts(tmp_path, budget=170, min_share=0.6)))
    assert result.evaluation.by_group.set_index("group").loc["西区", "share"] == pytest.approx(0.6)
