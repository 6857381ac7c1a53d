"""Demand model: hand-computed estimates, raking, the cohort step, projections and bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from siting.demand import (
    DEFAULTS_PATH,
    GROUPS,
    DemandSection,
    area_summary,
    cohort_step,
    community_table,
    estimate_groups,
    groups_from_cohorts,
    load_defaults,
    markdown_section,
    parse_section,
    rake,
    service_demand,
)
from siting.demand.rake import RakeError
from siting.errors import InputError

NAN = float("nan")


def communities(**columns) -> pd.DataFrame:
    """A communities table like the loader's: index = id, name/x/y filled in, NaN where not given."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame(
        {"name": [f"c{i}" for i in range(n)], "x": np.arange(n, dtype=float), "y": np.zeros(n)},
        index=pd.Index([f"c{i}" for i in range(n)], name="id"),
    )
    for key, values in columns.items():
        frame[key] = values
    if "population" not in frame:
        frame["population"] = NAN
    return frame


def run(table: pd.DataFrame, base_dir: Path = Path("."), **section):
    return estimate_groups(table, parse_section(section), base_dir=base_dir)


# ---------------------------------------------------------------- shares × population, households × size


def test_population_times_national_census_shares():
    est = run(communities(population=[1000.0, 2000.0]))
    g = est.groups
    assert g.loc["c0", "elderly"] == pytest.approx(187.0)  # 1000 × 18.70 %
    assert g.loc["c0", "elderly_65"] == pytest.approx(135.0)  # 1000 × 13.50 %
    assert g.loc["c1", "elderly"] == pytest.approx(374.0)  # 2000 × 18.70 %
    assert g.loc["c1", "infant"] == pytest.approx(59.4)  # 2000 × 2.97 %
    assert g.loc["c1", "total"] == 2000.0
    assert list(g.columns) == list(GROUPS) and list(g.index) == ["c0", "c1"]
    assert est.sources.loc["c0", "total"] == "given"
    assert est.sources.loc["c0", "elderly"].startswith("population × 18.70 % 60+ share (China (national), 2020")
    assert est.estimated.tolist() == [True, True]
    assert est.year == 2020 and est.variant == "central" and est.calibration.empty


def test_region_picks_its_census_row():
    est = run(communities(population=[1000.0]), region="shanghai")
    assert est.groups.loc["c0", "elderly"] == pytest.approx(233.8)  # Shanghai 60+ 23.38 %
    assert est.groups.loc["c0", "elderly_65"] == pytest.approx(162.8)  # Shanghai 65+ 16.28 %
    assert "Shanghai" in est.sources.loc["c0", "elderly"]


def test_households_times_household_size_times_share():
    est = run(communities(households=[400.0], population=[NAN]))
    assert est.groups.loc["c0", "total"] == pytest.approx(1048.0)  # 400 × 2.62
    assert est.groups.loc["c0", "elderly"] == pytest.approx(1048.0 * 0.187)
    assert est.sources.loc["c0", "total"] == "households × 2.62"
    assert est.sources.loc["c0", "elderly"].startswith("households × 2.62 × 18.70 % 60+ share")
    names = [a.name for a in est.assumptions]
    assert "household_size" in names


def test_household_size_override_and_population_wins_over_households():
    est = run(communities(households=[400.0, 400.0], population=[NAN, 900.0]), household_size=3.0)
    assert est.groups["total"].tolist() == [1200.0, 900.0]
    used = {a.name: a for a in est.assumptions}
    assert used["household_size"].value == 3.0 and used["household_size"].confidence == "scenario"


def test_household_size_not_listed_when_unused():
    est = run(communities(population=[1000.0]))
    names = {a.name for a in est.assumptions}
    assert "household_size" not in names
    assert {"share.elderly", "share.elderly_65", "share.elderly_80", "share.infant"} <= names
    elderly = next(a for a in est.assumptions if a.name == "share.elderly")
    assert elderly.confidence == "H" and "第五号" in elderly.source
    assert next(a for a in est.assumptions if a.name == "share.elderly_80").confidence == "U"


def test_attribute_multiplier_bands_by_built_year():
    table = communities(population=[1000.0, 1000.0, 1000.0, 1000.0], built_year=[1985.0, 1990.0, 2005.0, NAN])
    est = run(
        table,
        attribute_multipliers=[
            {
                "attribute": "built_year",
                "bands": [
                    {"until": 1990, "elderly": 1.3, "infant": 0.7},
                    {"until": 2000},
                    {"elderly": 0.8, "infant": 1.2},
                ],
            }
        ],
    )
    g = est.groups
    assert g["elderly"].tolist() == pytest.approx([243.1, 243.1, 149.6, 187.0])  # 187 × 1.3, × 0.8, × 1
    assert g["infant"].tolist() == pytest.approx([20.79, 20.79, 35.64, 29.7])  # 29.7 × 0.7, × 1.2
    assert "1.3 (built_year ≤ 1990)" in est.sources.loc["c0", "elderly"]
    assert "built_year" not in est.sources.loc["c3", "elderly"]


# ---------------------------------------------------------------- given counts


def test_given_counts_are_never_changed_and_rows_flagged():
    table = communities(
        population=[1000.0, 1000.0, 1000.0],
        elderly=[300.0, NAN, 250.0],
        elderly_65=[200.0, NAN, NAN],
        elderly_80=[40.0, NAN, NAN],
        infant=[12.0, NAN, NAN],
    )
    est = run(table)
    assert est.groups.loc["c0", ["elderly", "elderly_65", "elderly_80", "infant", "total"]].tolist() == [
        300.0,
        200.0,
        40.0,
        12.0,
        1000.0,
    ]
    assert (est.sources.loc["c0"] == "given").all()
    assert est.estimated.tolist() == [False, True, True]
    assert est.groups.loc["c2", "elderly"] == 250.0 and est.sources.loc["c2", "elderly"] == "given"
    # 65+ scaled from the given 60+ by the census ratio 13.50 / 18.70, not from the population
    assert est.groups.loc["c2", "elderly_65"] == pytest.approx(250.0 * 0.135 / 0.187)
    assert est.sources.loc["c2", "elderly_65"].startswith("elderly given × 65+/60+ share ratio")


def test_estimates_never_contradict_given_counts():
    # 65+ given larger than 60+ estimated from population: the estimate is raised to the given count
    table = communities(population=[1000.0], elderly_65=[190.0])
    est = run(table)
    g = est.groups.loc["c0"]
    assert g["elderly_65"] == 190.0
    assert g["elderly_80"] <= g["elderly_65"] <= g["elderly"] <= g["total"]
    assert g["elderly"] == pytest.approx(190.0 * 0.187 / 0.135)  # scaled from the given 65+
    # a total from households below a given count is raised to it, and the source says so
    est = run(communities(population=[NAN], households=[50.0], elderly=[200.0]))
    assert est.groups.loc["c0", "total"] == pytest.approx(200.0 + 0.0297 * 131.0)
    assert est.sources.loc["c0", "total"] == "households × 2.62; raised to elderly; raised to elderly + infant"


def test_group_may_stay_missing_when_not_required():
    table = communities(population=[NAN, 1000.0], elderly=[300.0, NAN])
    est = estimate_groups(table, DemandSection(), base_dir=Path("."), required=("elderly",))
    assert np.isnan(est.groups.loc["c0", "infant"])
    assert est.sources.loc["c0", "infant"].startswith("missing")
    with pytest.raises(InputError) as err:
        service_demand(est, {"childcare": ("infant", 0.3, None)})
    assert err.value.field == "infant" and err.value.row == 2


# ---------------------------------------------------------------- raking


def test_rake_one_margin_is_a_proportional_scaling():
    result = rake(np.array([1.0, 3.0, 5.0, 7.0]), [(np.array([0, 0, 1, -1]), np.array([8.0, 10.0]))])
    assert result.values.tolist() == pytest.approx([2.0, 6.0, 10.0, 7.0])  # × 8/4, × 10/5, row 3 untouched
    assert result.converged and result.iterations == 1
    assert result.raw_deviations[0].tolist() == pytest.approx([-4.0, -5.0])


def test_rake_two_margins_reproduces_both_to_1e9_and_stays_non_negative():
    x = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 6.0])
    by_district = (np.array([0, 0, 0, 1, 1, 1]), np.array([10.0, 20.0]))
    by_street = (np.array([0, 1, 2, 0, 1, 2]), np.array([7.0, 9.0, 14.0]))  # both sum to 30
    result = rake(x, [by_district, by_street])
    for index, target in (by_district, by_street):
        sums = np.bincount(index, weights=result.values)
        assert np.abs(sums - target).max() < 1e-9
    assert (result.values >= 0).all() and result.values[4] == 0.0
    assert result.converged and result.max_abs_deviation < 1e-9
    assert result.raw_deviations[0].tolist() == pytest.approx([6.0 - 10.0, 10.0 - 20.0])


def test_rake_inconsistent_margins_do_not_converge():
    x = np.array([1.0, 1.0])
    result = rake(x, [(np.array([0, 0]), np.array([4.0])), (np.array([0, 0]), np.array([6.0]))], max_iter=50)
    assert not result.converged


def test_rake_rejects_what_scaling_cannot_reach():
    with pytest.raises(RakeError):
        rake(np.array([0.0, 0.0, 1.0]), [(np.array([0, 0, 1]), np.array([5.0, 1.0]))])
    with pytest.raises(ValueError):
        rake(np.array([-1.0, 1.0]), [(np.array([0, 0]), np.array([1.0]))])


def test_calibration_rakes_to_district_totals_and_reports_the_gap():
    table = communities(population=[1000.0, 1000.0, 2000.0], district=["A", "A", "B"], elderly=[NAN, 150.0, NAN])
    est = run(table, calibration=[{"group": "elderly", "by": "district", "totals": {"A": 400, "B": 300}}])
    g = est.groups
    # raw: A = 187 + 150 = 337, B = 374; raked A × 400/337, B × 300/374
    assert g.loc["c0", "elderly"] == pytest.approx(187.0 * 400 / 337)
    assert g.loc["c1", "elderly"] == pytest.approx(150.0 * 400 / 337)  # given, changed because asked
    assert g.loc["c2", "elderly"] == pytest.approx(300.0)
    assert g.loc[["c0", "c1"], "elderly"].sum() == pytest.approx(400.0, abs=1e-9)
    assert "raked to district totals" in est.sources.loc["c1", "elderly"]
    assert est.estimated.tolist() == [True, True, True]
    cal = est.calibration.set_index("category")
    assert cal.loc["A", "raw"] == pytest.approx(337.0) and cal.loc["A", "target"] == 400.0
    assert cal.loc["B", "ratio"] == pytest.approx(300 / 374) and cal.loc["B", "final"] == pytest.approx(300.0)
    # uncalibrated 65+ follows its raked 60+ so the order holds
    assert g.loc["c2", "elderly_65"] == pytest.approx(270.0 * 300 / 374)
    assert (g["elderly_80"] <= g["elderly_65"]).all() and (g["elderly_65"] <= g["elderly"]).all()


def test_keep_given_rakes_only_the_estimates():
    table = communities(population=[1000.0, 1000.0], district=["A", "A"], elderly=[NAN, 150.0])
    est = run(table, keep_given=True, calibration=[{"group": "elderly", "by": "district", "totals": {"A": 400}}])
    assert est.groups.loc["c1", "elderly"] == 150.0 and est.sources.loc["c1", "elderly"] == "given"
    assert est.groups.loc["c0", "elderly"] == pytest.approx(250.0)


def test_two_margins_through_the_model_match_both():
    table = communities(
        population=[1000.0, 2000.0, 1500.0, 500.0], district=["A", "A", "B", "B"], street=["s1", "s2", "s1", "s2"]
    )
    est = run(
        table,
        calibration=[
            {"group": "infant", "by": "district", "totals": {"A": 100, "B": 60}},
            {"group": "infant", "by": "street", "totals": {"s1": 90, "s2": 70}},
        ],
    )
    inf = est.groups["infant"]
    assert abs(inf[["c0", "c1"]].sum() - 100) < 1e-9 and abs(inf[["c2", "c3"]].sum() - 60) < 1e-9
    assert abs(inf[["c0", "c2"]].sum() - 90) < 1e-9 and abs(inf[["c1", "c3"]].sum() - 70) < 1e-9
    assert (inf >= 0).all() and len(est.calibration) == 4


def test_calibrating_totals_flows_into_share_estimates():
    table = communities(population=[1000.0, 3000.0], district=["A", "A"])
    est = run(table, calibration=[{"group": "total", "by": "district", "totals": {"A": 5000}}])
    assert est.groups["total"].tolist() == pytest.approx([1250.0, 3750.0])
    assert est.groups.loc["c0", "elderly"] == pytest.approx(1250.0 * 0.187)
    assert "raked to district totals" in est.sources.loc["c0", "elderly"]


# ---------------------------------------------------------------- projection


def test_one_cohort_step_by_hand():
    state = pd.DataFrame(
        {
            "total": [1000.0],
            "age_55_59": [50.0],
            "age_60_64": [40.0],
            "age_65_74": [60.0],
            "age_75_79": [20.0],
            "age_80_plus": [15.0],
            "births_0": [10.0],
            "births_1": [9.0],
            "births_2": [8.0],
        },
        index=["c0"],
    )
    survival = {"age_55_59": 0.99, "age_60_64": 0.98, "age_65_74": 0.97, "age_75_79": 0.9, "age_80_plus": 0.8}
    nxt = cohort_step(state, survival=survival, birth_rate=0.008, growth=0.01).loc["c0"]
    assert nxt["total"] == pytest.approx(1010.0)
    assert nxt["age_55_59"] == pytest.approx(50.5)
    assert nxt["age_60_64"] == pytest.approx(0.99 * 50 / 5 + 0.98 * 40 * 4 / 5)  # 9.9 + 31.36 = 41.26
    assert nxt["age_65_74"] == pytest.approx(0.98 * 40 / 5 + 0.97 * 60 * 9 / 10)  # 7.84 + 52.38 = 60.22
    assert nxt["age_75_79"] == pytest.approx(0.97 * 60 / 10 + 0.9 * 20 * 4 / 5)  # 5.82 + 14.4 = 20.22
    assert nxt["age_80_plus"] == pytest.approx(0.9 * 20 / 5 + 0.8 * 15)  # 3.6 + 12 = 15.6
    assert [nxt["births_0"], nxt["births_1"], nxt["births_2"]] == pytest.approx([8.08, 10.0, 9.0])
    g = groups_from_cohorts(cohort_step(state, survival=survival, birth_rate=0.008, growth=0.01)).loc["c0"]
    assert g["elderly"] == pytest.approx(137.3) and g["elderly_65"] == pytest.approx(96.04)
    assert g["elderly_80"] == pytest.approx(15.6) and g["infant"] == pytest.approx(27.08)


def test_model_projects_one_year_like_the_hand_calculation():
    table = communities(population=[1000.0], elderly=[200.0], elderly_65=[140.0], elderly_80=[30.0], infant=[30.0])
    est = run(table, year=2021)
    # start: A80 = 30; A75 = 110 × 0.0221 / (0.1350 - 0.0254); A65 = 110 - A75; A60 = 60;
    # A55 = 200 × 0.0718 / 0.1870; survival 0.994, 0.990, 0.980, 0.955, 0.880 (central)
    a75 = 110 * 0.0221 / (0.1350 - 0.0254)
    a65, a60, a55 = 110 - a75, 60.0, 200 * 0.0718 / 0.1870
    e80 = 0.955 * a75 / 5 + 0.880 * 30
    e65 = 0.990 * a60 / 5 + 0.980 * a65 * 0.9 + 0.980 * a65 / 10 + 0.955 * a75 * 0.8 + e80
    e60 = 0.994 * a55 / 5 + 0.990 * a60 * 0.8 + e65
    b2020 = 30 * 1200 / (1200 + 1465 + 1523)  # 2020 share of the births 2018-2020
    b2021 = b2020 * 7.52 / 8.52  # follows the crude birth rate
    infant = b2021 + 30 * (1200 + 1465) / (1200 + 1465 + 1523)
    g = est.groups.loc["c0"]
    assert g["elderly_80"] == pytest.approx(e80) and g["elderly_65"] == pytest.approx(e65)
    assert g["elderly"] == pytest.approx(e60) and g["infant"] == pytest.approx(infant)
    assert g["total"] == 1000.0
    assert est.base_groups.loc["c0", "elderly"] == 200.0  # base year keeps the given count
    assert est.sources.loc["c0", "elderly"] == "given; projected 2020→2021 (central)"
    assert est.estimated.tolist() == [False]  # projection is not "estimated"


def test_central_projection_to_2025_is_close_to_published_2025_shares():
    est = run(communities(population=[1e6]), year=2025)
    share = est.groups.loc["c0"] / 1e6
    assert share["elderly"] == pytest.approx(0.230, abs=0.01)  # NBS 2026-01: 60+ 23.0 %
    assert share["elderly_65"] == pytest.approx(0.159, abs=0.005)  # 65+ 15.9 %
    assert share["infant"] == pytest.approx(0.019, abs=0.001)  # three years of births / population


def test_variants_bracket_the_central_projection():
    table = communities(population=[10000.0])
    out = {v: run(table, year=2035, variant=v).groups.loc["c0"] for v in ("low", "central", "high")}
    for group in ("elderly", "elderly_80", "infant"):
        assert out["low"][group] < out["central"][group] < out["high"][group]
    high = {a.name: a for a in run(table, year=2035, variant="high").assumptions}
    assert high["survival.age_80_plus"].value == 0.9
    assert "(high variant; central 0.88)" in high["survival.age_80_plus"].source
    same = {v: run(table, variant=v).groups.loc["c0"] for v in ("low", "high")}
    assert same["low"].equals(same["high"])  # no projection: no difference


def test_projection_lists_its_assumptions():
    names = [a.name for a in run(communities(population=[1000.0]), year=2030).assumptions]
    assert {"survival.age_80_plus", "birth_rate_trend", "crude_birth_rate.2025", "births.2018"} <= set(names)
    assert "survival.age_80_plus" not in [a.name for a in run(communities(population=[1000.0])).assumptions]


def test_override_replaces_a_default_and_is_recorded():
    est = run(communities(population=[1000.0]), overrides={"share.elderly": 0.25})
    assert est.groups.loc["c0", "elderly"] == pytest.approx(250.0)
    used = {a.name: a for a in est.assumptions}
    assert used["share.elderly"].confidence == "scenario" and "overrides" in used["share.elderly"].source


# ---------------------------------------------------------------- service demand and tables


def test_service_demand_by_uptake_and_per_1000_norm():
    est = run(communities(population=[1000.0, 2000.0], elderly=[300.0, NAN]))
    demand = service_demand(
        est,
        {"meals": ("elderly", 0.05, None), "childcare": ("infant", None, 4.5), "daycare": ("elderly_80", 0.1, None)},
    )
    assert list(demand.columns) == ["meals", "childcare", "daycare"]
    assert demand["meals"].tolist() == pytest.approx([15.0, 374.0 * 0.05])
    assert demand["childcare"].tolist() == pytest.approx([4.5, 9.0])  # 4.5 per 1,000 residents
    assert demand.loc["c1", "daycare"] == pytest.approx(2000 * 0.0254 * 0.1)
    table = community_table(est, demand)
    assert {"demand.meals", "estimated", "source.elderly"} <= set(table.columns)


def test_area_summary_sums_per_district():
    table = communities(population=[1000.0, 1000.0, 2000.0], district=["A", "A", ""], elderly=[100.0, NAN, NAN])
    est = run(table)
    summary = area_summary(est, table, by="district")
    assert summary.loc["A", "elderly"] == pytest.approx(287.0)
    assert summary.loc["A", "communities"] == 2 and summary.loc["(none)", "total"] == 2000.0


@pytest.mark.parametrize(
    "spec, field",
    [
        (("adults", 1.0, None), "services.x.population"),
        (("elderly", 1.0, 4.5), "services.x"),
        (("elderly", None, None), "services.x"),
        (("elderly", -1.0, None), "services.x.uptake"),
    ],
)
def test_service_demand_rejects_bad_specs(spec, field):
    est = run(communities(population=[1000.0]))
    with pytest.raises(InputError) as err:
        service_demand(est, {"x": spec})
    assert err.value.field == field


# ---------------------------------------------------------------- bad inputs name the field


def write_shares(folder: Path, edit) -> Path:
    data = yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))
    edit(data)
    path = folder / "shares.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_defaults_load():
    defaults = load_defaults()
    assert defaults.census_year == 2020 and defaults.household_size.value == 2.62
    assert defaults.regions["beijing"].elderly.value == 0.1963
    assert [defaults.births[y].value for y in range(2020, 2026)] == [1200, 1062, 956, 902, 954, 792]
    assert defaults.service_norms["childcare_places_per_1000"].value == 4.5


def test_share_over_one_names_the_key(tmp_path):
    path = write_shares(tmp_path, lambda d: d["regions"]["national"]["elderly"].update(value=1.5))
    with pytest.raises(InputError) as err:
        run(communities(population=[1000.0]), base_dir=tmp_path, shares="shares.yaml")
    assert err.value.file == str(path) and err.value.field == "regions.national.elderly"
    assert "outside [0, 1]" in str(err.value)


def test_65_share_above_60_share_names_the_key(tmp_path):
    write_shares(tmp_path, lambda d: d["regions"]["beijing"]["elderly_65"].update(value=0.25))
    with pytest.raises(InputError) as err:
        load_defaults(tmp_path / "shares.yaml")
    assert err.value.field == "regions.beijing.elderly_65"


def test_unknown_key_in_shares_file(tmp_path):
    write_shares(tmp_path, lambda d: d.update(houshold_size=3))
    with pytest.raises(InputError) as err:
        load_defaults(tmp_path / "shares.yaml")
    assert err.value.field == "houshold_size"


def test_missing_shares_file(tmp_path):
    with pytest.raises(InputError) as err:
        run(communities(population=[1000.0]), base_dir=tmp_path, shares="nope.yaml")
    assert err.value.field == "shares"


@pytest.mark.parametrize(
    "column, values, field, row",
    [
        ("elderly", [100.0, -5.0], "elderly", 3),  # rows as a spreadsheet shows them: the header is row 1
        ("population", [-1.0, 100.0], "population", 2),
        ("households", [10.0, -3.0], "households", 3),
    ],
)
def test_negative_counts(column, values, field, row):
    table = communities(population=[1000.0, 1000.0])
    table[column] = values
    with pytest.raises(InputError) as err:
        run(table)
    assert (err.value.field, err.value.row, err.value.file) == (field, row, "communities")


def test_given_counts_out_of_order():
    with pytest.raises(InputError) as err:
        run(communities(population=[1000.0], elderly=[100.0], elderly_65=[120.0]))
    assert err.value.field == "elderly_65" and err.value.row == 2
    with pytest.raises(InputError) as err:
        run(communities(population=[100.0], elderly=[120.0]))
    assert err.value.field == "elderly"


def test_row_with_nothing_to_estimate_from():
    with pytest.raises(InputError) as err:
        run(communities(population=[1000.0, NAN], elderly=[NAN, 50.0]))
    assert err.value.row == 3 and err.value.field in ("infant", "population")


@pytest.mark.parametrize(
    "section, field, words",
    [
        (
            {"calibration": [{"group": "elderly", "by": "district", "totals": {"A": 10, "Nowhere": 5}}]},
            "calibration.0.totals",
            "'Nowhere' match no community",
        ),
        (
            {"calibration": [{"group": "elderly", "by": "county", "totals": {"A": 10}}]},
            "calibration.0.by",
            "'county' is not in the communities",
        ),
        ({"year": 2019}, "year", "before the census year"),
        ({"region": "atlantis"}, "region", "unknown region"),
        ({"overrides": {"share.elderly": 1.2}}, "overrides.share.elderly", "outside [0, 1]"),
        ({"overrides": {"share.elderly_65": 0.3}}, "overrides.share.elderly_65", "exceeds the 60+ share"),
        ({"overrides": {"share.eldrly": 0.2}}, "overrides.share.eldrly", "unknown parameter"),
        (
            {"attribute_multipliers": [{"attribute": "built_year", "bands": [{"until": 1990, "elderly": 1.2}]}]},
            "attribute_multipliers.0.attribute",
            "'built_year' is not in",
        ),
        (
            {
                "calibration": [
                    {"group": "elderly", "by": "district", "totals": {"A": 300}},
                    {"group": "elderly", "by": "street", "totals": {"s": 500}},
                ]
            },
            "calibration.0",
            "cannot all be met",
        ),
    ],
)
def test_bad_demand_section_names_the_field(section, field, words):
    table = communities(population=[1000.0, 1000.0], district=["A", "A"], street=["s", "s"])
    with pytest.raises(InputError) as err:
        run(table, **section)
    assert err.value.field == field and err.value.file == "scenario demand section"
    assert words in str(err.value)


@pytest.mark.parametrize(
    "section, field",
    [
        ({"variant": "medium"}, "variant"),
        ({"calibration": [{"group": "adults", "by": "district", "totals": {"A": 1}}]}, "calibration.0.group"),
        ({"calibration": [{"group": "elderly", "by": "district", "totals": {"A": -1}}]}, "calibration.0.totals"),
        ({"yaer": 2030}, "yaer"),
        ({"household_size": 0}, "household_size"),
        (
            {"attribute_multipliers": [{"attribute": "built_year", "bands": [{"until": 2000}, {"until": 1990}]}]},
            "attribute_multipliers.0",
        ),
    ],
)
def test_section_schema_errors_name_the_key(section, field):
    with pytest.raises(InputError) as err:
        parse_section(section)
    assert err.value.field == field


def test_section_is_frozen_and_optional():
    section = parse_section(None)
    assert section == DemandSection() and section.year is None
    with pytest.raises(ValidationError):
        section.year = 2030
    numeric_keys = parse_section({"calibration": [{"group": "total", "by": "district", "totals": {110101: 5}}]})
    assert numeric_keys.calibration[0].totals == {"110101": 5.0}


def test_given_counts_above_a_district_total_with_keep_given():
    table = communities(population=[1000.0, 1000.0], district=["A", "A"], elderly=[NAN, 150.0])
    with pytest.raises(InputError) as err:
        run(table, keep_given=True, calibration=[{"group": "elderly", "by": "district", "totals": {"A": 100}}])
    assert err.value.field == "calibration.0.totals.A"


def test_keep_given_with_only_given_counts_in_an_area():
    table = communities(population=[1000.0, 1000.0], district=["A", "A"], elderly=[100.0, 150.0])
    with pytest.raises(InputError) as err:
        run(table, keep_given=True, calibration=[{"group": "elderly", "by": "district", "totals": {"A": 300}}])
    assert err.value.field == "calibration.0.totals.A" and "every community" in str(err.value)


def test_markdown_section_lists_assumptions_and_calibration():
    table = communities(population=[1000.0, 2000.0], district=["A", "B"])
    margin = {
        "group": "elderly",
        "by": "district",
        "totals": {"A": 250, "B": 300},
        "source": "district statistics 2020",
    }
    est = run(table, year=2030, calibration=[margin])
    text = markdown_section(est)
    assert text.startswith("## 需求：假设与来源 Demand: assumptions and sources")
    assert "| share.elderly | 0.187 | share of residents | 第七次全国人口普查公报（第五号）" in text
    assert "| elderly | district | A | 1 | 187 | 250 | -63 | 1.3369 | district statistics 2020 |" in text
    names = [a.name for a in est.assumptions]
    assert names[0] == "share.elderly" and names.index("births.2018") < names.index("survival.age_55_59")


def test_only_the_defaults_used_are_listed():
    est = run(communities(population=[1000.0], elderly=[200.0], elderly_65=[150.0], elderly_80=[30.0], infant=[20.0]))
    assert est.assumptions == ()
    est = run(communities(population=[1000.0], elderly=[200.0], elderly_65=[150.0], elderly_80=[30.0]))
    assert [a.name for a in est.assumptions] == ["share.infant"]
