"""`siting audit`: today's supply against the standards, on a hand-checkable scenario, the demo and bad input.

The hand scenario lies on the x axis, walking distance = straight line (detour 1.0), group counts given.

    C1 x=0     population 3000, households 1000, elderly 600, infants 60, district 东区
    C2 x=800   population 2000, households  800, elderly 400, infants 40, district 东区
    C3 x=3000  population 1000, households missing (1000 / 2.62), elderly 200, infants 20, district 西区
    E1 x=100   elderly_care;meals, capacity 30, floor area 250 m²       → lies in C1 (100 m)
    E2 x=700   childcare, capacity 12, no floor area: 12 × 8 m² = 96 m² → lies in C2 (100 m)
    E3 x=5000  meals, capacity 10, 60 m²: 2,000 m from C3, beyond every radius (≤ 1,000 m) → in no community
    radii: elderly_care 500 m, childcare 300 m, meals 400 m; life circle 1,000 m (configs/standards.yaml)
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from conftest import DEMO, write_csv
from featurelib import approx, building, facility, option, scenario

from siting.audit.baseline import audit
from siting.audit.standards import load_standards
from siting.cli.main import main
from siting.errors import InputError
from siting.scenario.load import load_scenario

SERVICES = {
    "elderly_care": {"population": "elderly", "radius_m": 500, "uptake": 1.0, "min_area_m2": 100},
    "childcare": {"population": "infant", "radius_m": 300, "uptake": 1.0, "min_area_m2": 100, "area_per_unit_m2": 8},
    "meals": {"population": "elderly", "radius_m": 400, "uptake": 1.0, "min_area_m2": 50},
}
HOUSEHOLDS_C3 = 1000 / 2.62  # configs/demography.yaml household size (7th census)


def community(cid, x, population, households, elderly, infant, district):
    return {
        "id": cid,
        "name": f"社区{cid}",
        "x": x,
        "y": 0,
        "population": population,
        "households": households,
        "elderly": elderly,
        "infant": infant,
        "district": district,
    }


def hand_existing(e1: str = "elderly_care;meals", e2: str = "childcare", e3: str = "meals") -> list[dict]:
    return [
        {**facility("E1", 100, e1, capacity=30), "floor_area_m2": 250},
        {**facility("E2", 700, e2, capacity=12), "floor_area_m2": ""},
        {**facility("E3", 5000, e3, capacity=10), "floor_area_m2": 60},
    ]


def hand_scenario(folder: Path, services: dict = SERVICES, existing: list[dict] | None = None, **extra) -> Path:
    return scenario(
        folder,
        communities=[
            community("C1", 0, 3000, 1000, 600, 60, "东区"),
            community("C2", 800, 2000, 800, 400, 40, "东区"),
            community("C3", 3000, 1000, "", 200, 20, "西区"),
        ],
        buildings=[building("B1", 9000)],
        options=[option("B1", "renovate", 10)],
        services=services,
        budget={"capex": 100},
        existing=existing or hand_existing(),
        **extra,
    )


def figures(result, standard: str) -> dict[str, tuple[float, float, float]]:
    rows = result.shortfall[result.shortfall["standard"] == standard]
    return {r.community: (r.required, r.existing, r.shortfall) for r in rows.itertuples()}


def district(result, standard: str, name: str):
    table = result.districts
    return table[(table["standard"] == standard) & (table["district"] == name)].iloc[0]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return audit(load_scenario(hand_scenario(tmp_path_factory.mktemp("hand"))))


def test_facilities_lie_in_the_nearest_community_and_areas_come_from_the_table_or_capacity(hand):
    f = hand.supply.facilities.set_index("facility")
    assert list(f["community"]) == ["C1", "C2", ""]
    assert f.loc["E1", "distance_m"] == approx(100) and f.loc["E2", "district"] == "东区"
    assert f.loc["E1", "floor_area_m2"] == approx(250) and f.loc["E1", "area_source"] == "given"
    assert f.loc["E2", "floor_area_m2"] == approx(96) and f.loc["E2", "area_source"].startswith("capacity")
    assert any("E3" in note and "no community" in note for note in hand.notes)


# 30 m² per 100 households: C1 300 (E1 250 → short 50), C2 240 (E2 96 → short 144), C3 30 × 381.68 / 100 = 114.50
# households estimated from residents ÷ 2.62, nothing there (E3 lies in no community) → short 114.50.
# 东区: required 540, existing 346, short 194 (net 194); total short 308.50.
def test_service_space_per_100_households(hand):
    got = figures(hand, "service_space")
    assert got["C1"] == (approx(300), approx(250), approx(50))
    assert got["C2"] == (approx(240), approx(96), approx(144))
    assert got["C3"] == (approx(0.3 * HOUSEHOLDS_C3), approx(0), approx(0.3 * HOUSEHOLDS_C3))
    east = district(hand, "service_space", "东区")
    assert (east.required, east.existing, east.shortfall, east.net_shortfall) == (
        approx(540),
        approx(346),
        approx(194),
        approx(194),
    )
    assert east.communities_short == 2 and east.unit == "m²"
    assert district(hand, "service_space", "合计 total").shortfall == approx(194 + 0.3 * HOUSEHOLDS_C3)
    indicators = hand.indicators.set_index("community")
    assert indicators.loc["C1", "service_space"] == approx(25) and indicators.loc["C2", "service_space"] == approx(12)


# 4.5 places per 1,000 residents: C1 13.5 (none), C2 9 (E2's 12 places: surplus 3), C3 4.5 (none).
# 东区: required 22.5, existing 12, Σ community shortfall 13.5, but net 22.5 − 12 = 10.5 (C2's surplus counts).
def test_childcare_places_per_1000_residents(hand):
    got = figures(hand, "childcare_places")
    assert got == {
        "C1": (approx(13.5), approx(0), approx(13.5)),
        "C2": (approx(9), approx(12), approx(0)),
        "C3": (approx(4.5), approx(0), approx(4.5)),
    }
    east = district(hand, "childcare_places", "东区")
    assert (east.shortfall, east.net_shortfall, east.communities_short) == (approx(13.5), approx(10.5), 1)


# Elderly care within 500 m: E1 (x=100) reaches C1 (100 m) only; C2 is 700 m away. Meals within 400 m: E1 reaches
# C1; E3 (x=5000) is 2,000 m from C3. Persons of the 60+ group: 600, 400, 200.
def test_coverage_within_the_service_radius(hand):
    for key in ("elderly_care_coverage", "meals_coverage"):
        assert figures(hand, key) == {
            "C1": (approx(600), approx(600), approx(0)),
            "C2": (approx(400), approx(0), approx(400)),
            "C3": (approx(200), approx(0), approx(200)),
        }
    east = district(hand, "elderly_care_coverage", "东区")
    assert east.met_share == approx(0.6) and "60" in east.unit


# Within 1,000 m: C1 reaches E1 (elderly care, meals) and E2 (childcare, 700 m); C2 reaches E1 at 700 m (beyond the
# 500 m care radius but inside the life circle) and E2; C3 reaches nothing (E3 2,000 m away).
def test_life_circle_counts_the_services_reached_within_1000_m(hand):
    assert figures(hand, "life_circle_15min") == {
        "C1": (approx(3), approx(3), approx(0)),
        "C2": (approx(3), approx(3), approx(0)),
        "C3": (approx(3), approx(0), approx(3)),
    }
    missing = hand.indicators.set_index("community")["missing_within_1000m"]
    assert missing["C1"] == "" and missing["C3"] == "elderly_care;childcare;meals"
    assert hand.supply.nearest_m.loc["C2", "elderly_care"] == approx(700)


# The same scenario with an OD table saying C2 → E1 is 450 m (within the 500 m care radius, beyond meals' 400 m):
# the audit reads the scenario's own distances (compute_reach), so C2's elderly are covered, its meals not.
def test_the_audit_uses_the_scenarios_walking_distances(tmp_path):
    folder = tmp_path / "od"
    folder.mkdir()
    od = [
        {"community": "C1", "building": "E1", "walk_m": 100},
        {"community": "C2", "building": "E1", "walk_m": 450},
        {"community": "C2", "building": "E2", "walk_m": 100},
    ]
    write_csv(folder / "od.csv", od)
    path = hand_scenario(folder, walking={"od_table": "od.csv"})
    result = audit(load_scenario(path))
    assert figures(result, "elderly_care_coverage")["C2"] == (approx(400), approx(400), approx(0))
    assert figures(result, "meals_coverage")["C2"] == (approx(400), approx(0), approx(400))
    assert figures(result, "life_circle_15min")["C1"] == (approx(3), approx(2), approx(1))  # C1–E2 not listed


# A walking network with a river between x=100 and x=700, crossed by a 5 km detour: C1 (node N0) reaches E1
# (100 m) but E2 only at 100 + 5000 m; C2 (node N3) reaches E2 (100 m) only. Life circle: C1 2 services, C2 1.
def test_the_audit_follows_a_walking_network(tmp_path):
    folder = tmp_path / "net"
    folder.mkdir()
    write_csv(folder / "nodes.csv", [{"id": f"N{i}", "x": x, "y": 0} for i, x in enumerate((0, 100, 700, 800))])
    write_csv(
        folder / "edges.csv",
        [
            {"from": "N0", "to": "N1", "length_m": 100},
            {"from": "N1", "to": "N2", "length_m": 5000},
            {"from": "N2", "to": "N3", "length_m": 100},
        ],
    )
    path = hand_scenario(folder, walking={"network": {"nodes": "nodes.csv", "edges": "edges.csv"}})
    result = audit(load_scenario(path))
    circle = figures(result, "life_circle_15min")
    assert (circle["C1"][1], circle["C2"][1], circle["C3"][1]) == (approx(2), approx(1), approx(0))
    assert list(result.supply.facilities["community"]) == ["C1", "C2", ""]
    assert math.isnan(result.supply.nearest_m.loc["C1", "childcare"])  # beyond the 1,000 m locating radius


def test_a_standard_for_a_service_the_scenario_lacks_is_skipped(tmp_path):
    only_care = hand_existing("elderly_care", "elderly_care", "elderly_care")
    path = hand_scenario(tmp_path, services={"elderly_care": SERVICES["elderly_care"]}, existing=only_care)
    result = audit(load_scenario(path))
    assert set(result.skipped) == {"childcare_places", "meals_coverage"}
    assert "childcare_places" not in set(result.shortfall["standard"])
    assert figures(result, "life_circle_15min")["C1"] == (approx(1), approx(1), approx(0))


def test_cli_writes_the_audit_folder_and_the_same_bytes_twice(tmp_path, capsys):
    path = hand_scenario(tmp_path / "in")
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["audit", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "service_space: shortfall" in printed
    names = ["shortfall.csv", "districts.csv", "communities.csv", "facilities.csv", "audit.md"]
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert (outs[0] / "manifest.json").is_file()
    with (outs[0] / "shortfall.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["community", "name", "district", "standard", "required", "existing", "shortfall", "unit"]
    assert len(rows) == 3 * 5
    c2 = next(r for r in rows if r["community"] == "C2" and r["standard"] == "service_space")
    assert (c2["name"], c2["district"], float(c2["shortfall"]), c2["unit"]) == ("社区C2", "东区", 144.0, "m²")
    text = (outs[0] / "audit.md").read_text(encoding="utf-8")
    for expected in (
        "现状设施评估 Baseline audit",
        "社区C2 (C2)",
        "站E1 (E1)",
        "《城市社区嵌入式服务设施建设导则（试行）》",
    ):
        assert expected in text
    assert "not verified here" in text and "东区" in text


def test_audit_md_keeps_user_text_inert(tmp_path):
    path = hand_scenario(tmp_path / "in")
    rows = list(csv.DictReader((tmp_path / "in" / "communities.csv").open(encoding="utf-8")))
    rows[0]["name"] = "社区|C1 <b>[x](y)"
    write_csv(tmp_path / "in" / "communities.csv", rows)
    assert main(["audit", str(path), "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "audit.md").read_text(encoding="utf-8")
    assert "社区\\|C1 &lt;b&gt;\\[x\\](y) (C1)" in text and "<b>" not in text


def test_a_scenario_without_existing_facilities_falls_short_everywhere(tmp_path):
    tiny = Path(__file__).resolve().parents[1] / "scenarios" / "tiny" / "scenario.yaml"
    assert main(["audit", str(tiny), "--out", str(tmp_path / "tiny")]) == 0
    with (tmp_path / "tiny" / "shortfall.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(float(r["existing"]) == 0 and r["shortfall"] == r["required"] for r in rows)


def test_demo_audit_matches_the_raw_tables(tmp_path):
    """Service space required = 30 m² × Σ households / 100 straight from communities.csv; existing = Σ floor areas
    in existing.csv (every demo facility lies within 1,000 m of a community centre)."""
    out = tmp_path / "demo-audit"
    assert main(["audit", str(DEMO), "--out", str(out)]) == 0
    with (DEMO.parent / "communities.csv").open(encoding="utf-8") as fh:
        households = sum(float(r["households"]) for r in csv.DictReader(fh))
    with (DEMO.parent / "existing.csv").open(encoding="utf-8") as fh:
        area = sum(float(r["floor_area_m2"]) for r in csv.DictReader(fh))
    with (out / "districts.csv").open(encoding="utf-8-sig") as fh:
        total = next(
            r for r in csv.DictReader(fh) if r["standard"] == "service_space" and r["district"] == "合计 total"
        )
    assert float(total["required"]) == pytest.approx(0.3 * households, abs=1e-3)
    assert float(total["existing"]) == pytest.approx(area, abs=1e-3)


# ---------------------------------------------------------------------------------------------------------
# Bad input: exit 2, one message naming file, row and field; nothing written.
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("-5", "out of range"), ("abc", "abc"), ("0", "out of range")], ids=["neg", "text", "zero"]
)
def test_bad_floor_area_of_an_existing_facility(tmp_path, capsys, value, expected):
    path = hand_scenario(tmp_path / "in")
    rows = list(csv.DictReader((tmp_path / "in" / "existing.csv").open(encoding="utf-8")))
    rows[1]["floor_area_m2"] = value
    write_csv(tmp_path / "in" / "existing.csv", rows)
    out = tmp_path / "out"
    assert main(["audit", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        "existing.csv" in err and "row 3" in err and "floor_area_m2" in err and expected in err
    )  # as a spreadsheet counts
    assert "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".out.tmp-*"))


def test_bad_standards_file_names_the_key(tmp_path):
    good = (Path(__file__).resolve().parents[1] / "configs" / "standards.yaml").read_text(encoding="utf-8")
    cases = {
        "value: 30\n": ("value: -30\n", "service_space.value"),
        "  per: 100\n": ("", "service_space.per"),
        "  kind: coverage\n  service: elderly_care\n  value: 1.0\n": (
            "  kind: coverage\n  service: elderly_care\n  value: 1.5\n",
            "elderly_care_coverage.value",
        ),
        "  confidence: H\n": ("  confidence: X\n", "service_space.confidence"),
    }
    for old, (new, field) in cases.items():
        path = tmp_path / "standards.yaml"
        assert old in good
        path.write_text(good.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(InputError) as err:
            load_standards(path)
        assert err.value.field == field and err.value.file == str(path)
    assert set(load_standards().root) >= {"service_space", "childcare_places", "life_circle_15min"}
