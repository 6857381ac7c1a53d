"""Generate the synthetic demo scenario (scenarios/demo): a made-up old-town district of a pilot city.

Run from anywhere as ``python scenarios/demo/generate.py``. The output is deterministic (one numpy
``default_rng(20231126)`` stream, consumed in a fixed order) and is written beside this script:

- ``communities.csv``  id,name,x,y,population,households,district,built_year
- ``buildings.csv``    id,name,x,y,floor_area_m2
- ``options.csv``      building,mode,capex,annual_cost (one row per building x acquisition mode)
- ``scenario.yaml``    the v1 scenario file referencing the three tables

Nothing here is real data. Unit costs come from ``configs/costs.yaml`` and service standards from
``configs/services.yaml`` (their sources are cited there); the geography, names and populations are invented.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

SEED = 20231126  # publication date of 国办函〔2023〕121号
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# District extent (planar metres) and its old-town core.
WIDTH, HEIGHT = 5000.0, 6000.0
CENTRE = np.array([2400.0, 3100.0])
N_COMMUNITIES = 40
MIN_SPACING_M = 480.0  # smallest distance between two community centroids
HOUSEHOLD_SIZE = 2.62  # 7th census 2020 average household size (H)
COST_NOISE = 0.15  # capex and annual cost drawn within +/-15 % of the unit-cost figure

# Services copied into the demo (after_school is left out: its take-up share is unsourced; health is not a
# programme priority for the demo).
DEMO_SERVICES = ["elderly_care", "childcare", "meals"]

# Budget, chosen with a throwaway optimisation check (not committed) so that about half the weighted demand
# can be covered and both budgets bind: see scenarios/demo/README.md.
BUDGET_CAPEX = 35_000_000  # 元, one-off
BUDGET_ANNUAL = 3_000_000  # 元/year
HORIZON_YEARS = 10
DISCOUNT_RATE = 0.03
DETOUR_FACTOR = 1.3  # network / straight-line walking distance (ASSUMPTION, typical of dense old towns)

# fmt: off
COMMUNITY_NAMES = [
    "锦华", "文庙", "府河", "桂花", "双林", "青龙", "红星", "和平", "东风", "建设",
    "光华", "新华", "书院", "春晖", "康宁", "翠湖", "育才", "盐市", "水井", "沙湾",
    "金桥", "银杏", "玉泉", "紫荆", "清水", "望江", "临河", "柳岸", "枣林", "杏园",
    "梧桐", "石板", "古楼", "城隍", "仓前", "铁佛", "三槐", "五福", "九眼", "太平",
    "永安", "长乐", "兴隆", "德胜", "福寿", "万寿",
]
# fmt: on

# Sub-districts (街道): the old-town core, then three sectors around it (by compass bearing from the centre).
CORE_DISTRICT = "府城街道"
CORE_RADIUS_M = 1300.0
SECTOR_DISTRICTS = [("北门街道", 30.0, 150.0), ("西郊街道", 150.0, 270.0), ("东湖街道", 270.0, 390.0)]

# Building types: (name, count, floor-area range m2, where they sit, modes always offered,
# optional modes with their probability). "where": centre = old-town core, edge = outskirts, any = anywhere.
BUILDING_TYPES = [
    ("沿街商铺", 36, (200, 500), "any", ["rent"], [("buy", 0.3)]),
    ("住宅底商", 16, (200, 700), "any", ["rent"], [("buy", 0.6)]),
    ("商业用房", 14, (400, 1200), "any", ["buy"], [("rent", 0.5), ("swap", 0.2)]),
    ("社区办公用房", 10, (200, 600), "centre", ["renovate"], []),
    ("原粮站仓库", 5, (500, 2000), "centre", ["renovate"], [("swap", 0.5), ("rent", 0.3)]),
    ("闲置幼儿园", 6, (600, 1800), "any", ["renovate"], [("swap", 0.3)]),
    ("闲置厂房", 10, (800, 2000), "edge", ["swap"], [("buy", 0.3), ("rent", 0.3)]),
    ("原供销社门市部", 9, (200, 800), "centre", ["rent"], [("swap", 0.5)]),
    ("国企闲置办公楼", 10, (400, 1500), "any", ["swap"], [("rent", 0.5)]),
    ("老旧小区配套用房", 14, (200, 400), "centre", ["renovate"], []),
    ("空地(补建)", 20, (600, 2000), "edge", ["build"], []),
]
MODES = ["renovate", "buy", "rent", "swap", "build"]


def load_configs() -> tuple[dict, dict]:
    """Read configs/costs.yaml and configs/services.yaml."""
    with open(ROOT / "configs" / "costs.yaml", encoding="utf-8") as f:
        costs = yaml.safe_load(f)
    with open(ROOT / "configs" / "services.yaml", encoding="utf-8") as f:
        services = yaml.safe_load(f)
    return costs, services


def place_communities(rng: np.random.Generator) -> np.ndarray:
    """Dart-throwing with a minimum spacing; half the darts cluster on the old-town core."""
    points: list[np.ndarray] = []
    while len(points) < N_COMMUNITIES:
        if rng.random() < 0.5:
            p = CENTRE + rng.normal(0.0, 1100.0, size=2)
        else:
            p = rng.uniform([0.0, 0.0], [WIDTH, HEIGHT])
        if not (250.0 <= p[0] <= WIDTH - 250.0 and 250.0 <= p[1] <= HEIGHT - 250.0):
            continue
        if points and np.min(np.hypot(*(np.array(points) - p).T)) < MIN_SPACING_M:
            continue
        points.append(p)
    xy = np.round(np.array(points))
    order = np.lexsort((xy[:, 0], -xy[:, 1]))  # ids run north to south, then west to east
    return xy[order]


def sub_district(xy: np.ndarray) -> list[str]:
    """Core 街道 within CORE_RADIUS_M of the centre, otherwise one of three sectors by bearing."""
    out = []
    for d in xy - CENTRE:
        if np.hypot(*d) < CORE_RADIUS_M:
            out.append(CORE_DISTRICT)
            continue
        bearing = np.degrees(np.arctan2(d[1], d[0])) % 360.0  # 0 = east, counter-clockwise
        for name, lo, hi in SECTOR_DISTRICTS:
            if lo <= bearing < hi or lo <= bearing + 360.0 < hi:
                out.append(name)
                break
    return out


def make_communities(rng: np.random.Generator) -> list[dict]:
    """40 communities: old, dense and populous in the core; newer towards the edge."""
    xy = place_communities(rng)
    r = np.hypot(*(xy - CENTRE).T)
    r_norm = r / r.max()
    names = rng.choice(COMMUNITY_NAMES, size=N_COMMUNITIES, replace=False)
    pop = rng.lognormal(np.log(7000.0), 0.38, size=N_COMMUNITIES) * (1.15 - 0.3 * r_norm)
    pop = np.clip(np.round(pop), 3000, 15000).astype(int)
    hh_size = HOUSEHOLD_SIZE * rng.lognormal(0.0, 0.05, size=N_COMMUNITIES)
    households = np.round(pop / hh_size).astype(int)
    built = 1972 + 38 * r_norm + rng.normal(0.0, 4.0, size=N_COMMUNITIES)
    built = np.clip(np.round(built), 1970, 2019).astype(int)
    districts = sub_district(xy)
    return [
        {
            "id": f"C{i + 1:03d}",
            "name": f"{names[i]}社区",
            "x": int(xy[i, 0]),
            "y": int(xy[i, 1]),
            "population": int(pop[i]),
            "households": int(households[i]),
            "district": districts[i],
            "built_year": int(built[i]),
        }
        for i in range(N_COMMUNITIES)
    ]


def make_buildings(rng: np.random.Generator, communities: list[dict]) -> tuple[list[dict], list[list[str]]]:
    """150 candidate buildings anchored near communities; returns the buildings and their offered modes."""
    cxy = np.array([[c["x"], c["y"]] for c in communities], dtype=float)
    r = np.hypot(*(cxy - CENTRE).T)
    anchor_weights = {
        "centre": np.exp(-r / 1200.0),
        "edge": r**2,
        "any": np.ones_like(r),
    }
    rows = []
    for type_name, count, (lo, hi), where, modes, optional in BUILDING_TYPES:
        w = anchor_weights[where] / anchor_weights[where].sum()
        for _ in range(count):
            k = rng.choice(len(communities), p=w)
            xy = cxy[k] + rng.normal(0.0, 280.0, size=2)
            xy = np.clip(xy, [50.0, 50.0], [WIDTH - 50.0, HEIGHT - 50.0])
            area = int(round(rng.uniform(lo, hi) / 10.0) * 10)
            offered = list(modes) + [m for m, p in optional if rng.random() < p]
            offered = [m for m in MODES if m in offered]  # canonical order
            rows.append(
                {
                    "type": type_name,
                    "anchor": communities[k]["name"].removesuffix("社区"),
                    "x": int(round(xy[0])),
                    "y": int(round(xy[1])),
                    "floor_area_m2": area,
                    "modes": offered,
                }
            )
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    seen: dict[str, int] = {}
    buildings, modes_of = [], []
    for i, row in enumerate(rows):
        base = f"{row['anchor']}{row['type']}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}之{'一二三四五六七八九'[seen[base] - 1]}"
        buildings.append(
            {
                "id": f"B{i + 1:03d}",
                "name": name,
                "x": row["x"],
                "y": row["y"],
                "floor_area_m2": row["floor_area_m2"],
            }
        )
        modes_of.append(row["modes"])
    return buildings, modes_of


def make_options(
    rng: np.random.Generator, buildings: list[dict], modes_of: list[list[str]], costs: dict
) -> list[dict]:
    """Cost of each option: unit cost x floor area x uniform(1 - 15 %, 1 + 15 %), whole 元."""
    out = []
    for b, modes in zip(buildings, modes_of, strict=True):
        for mode in modes:
            unit = costs["modes"][mode]
            f_capex, f_annual = rng.uniform(1.0 - COST_NOISE, 1.0 + COST_NOISE, size=2)
            out.append(
                {
                    "building": b["id"],
                    "mode": mode,
                    "capex": int(round(unit["capex_per_m2"] * b["floor_area_m2"] * f_capex)),
                    "annual_cost": int(round(unit["annual_per_m2"] * b["floor_area_m2"] * f_annual)),
                }
            )
    return out


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    """UTF-8 without BOM, LF line ends."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def flow(value: dict) -> str:
    """One-line YAML flow mapping."""
    return yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000
    ).strip()


def scenario_yaml(services: dict) -> str:
    """The scenario file, written as text so that its comments survive."""
    keys = ["label", "population", "radius_m", "uptake", "min_area_m2", "weight"]
    service_lines = "\n".join(
        f"  {name}: {flow({k: services[name][k] for k in keys})}" for name in DEMO_SERVICES
    )
    description = (
        "Synthetic district modelled on an old-town district of a second-tier pilot city "
        "(40 communities, 150 candidate buildings, about 5 x 6 km). NOT real data: names, "
        "places and populations are invented; unit costs and service standards come from "
        "configs/costs.yaml and configs/services.yaml. Generated by scenarios/demo/generate.py "
        f"(seed {SEED}). 合成数据，非真实数据。"
    )
    return f"""\
# SYNTHETIC DATA (合成数据) - not a real district. Generated by scenarios/demo/generate.py (seed {SEED});
# edit the generator and re-run it rather than editing this file.
name: demo
description: "{description}"
crs: planar
walking: {{detour_factor: {DETOUR_FACTOR}}}  # network / straight-line distance (ASSUMPTION)
# Services copied from configs/services.yaml (sources are cited there). after_school is left out: its take-up
# share is not sourced.
services:
{service_lines}
# The budget covers part of the demand, not all: a throwaway check (60+ share 18.7 %, 0-2 share 2.0 %) found
# at best about 56 % of weighted demand covered if a building hosts every service that fits its floor area,
# about 48 % if the services' minimum areas must add up within it; both budgets bind at that optimum, so the
# choice between cheap-to-acquire-but-costly-to-run (rent) and costly-to-acquire (buy, swap, build) matters.
budget:
  capex: {BUDGET_CAPEX}     # 元, one-off
  annual: {BUDGET_ANNUAL}      # 元/year
  horizon_years: {HORIZON_YEARS}
  discount_rate: {DISCOUNT_RATE}
# Demand: the communities table gives population and households only; the demand model estimates the elderly and
# infants from the 2020 census shares (configs/demography.yaml, sources cited there) and projects them to the
# plan year. Older compounds hold more elderly and fewer infants: the multipliers below are ASSUMPTIONS for the
# demo (no survey behind them), applied to the census shares by the year the compound was built.
demand:
  year: 2026
  variant: central
  region: national
  attribute_multipliers:
    - attribute: built_year
      source: "ASSUMPTION for the synthetic demo: older compounds are older (no survey behind these factors)"
      bands:
        - {{until: 1990, elderly: 1.25, infant: 0.8}}
        - {{until: 2005}}
        - {{elderly: 0.8, infant: 1.2}}
communities: communities.csv
buildings: buildings.csv
options: options.csv
"""


def main() -> None:
    """Generate and write the four files."""
    costs, services = load_configs()
    rng = np.random.default_rng(SEED)
    communities = make_communities(rng)
    buildings, modes_of = make_buildings(rng, communities)
    options = make_options(rng, buildings, modes_of, costs)
    missing = set(MODES) - {o["mode"] for o in options}
    if missing:
        raise SystemExit(f"modes missing from the options: {sorted(missing)}")
    write_csv(
        HERE / "communities.csv",
        communities,
        ["id", "name", "x", "y", "population", "households", "district", "built_year"],
    )
    write_csv(HERE / "buildings.csv", buildings, ["id", "name", "x", "y", "floor_area_m2"])
    write_csv(HERE / "options.csv", options, ["building", "mode", "capex", "annual_cost"])
    text = scenario_yaml(services)
    yaml.safe_load(text)  # fail here, not in the loader, if the text is not valid YAML
    (HERE / "scenario.yaml").write_text(text, encoding="utf-8")
    print(
        f"wrote {len(communities)} communities, {len(buildings)} buildings, {len(options)} options to {HERE}"
    )


if __name__ == "__main__":
    main()
