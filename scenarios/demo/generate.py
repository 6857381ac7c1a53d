"""Generate the synthetic demo scenario (scenarios/demo): a made-up old-town district of a pilot city.

Run from anywhere as ``python scenarios/demo/generate.py``. The output is deterministic and is written
beside this script. Two numpy streams, each consumed in a fixed order: ``default_rng(20231126)`` draws the
communities, buildings and option costs (as in the first version of the demo, so those tables did not
change), and ``default_rng(20231127)`` draws what was added later (existing facilities, government assets
and the swaps that trade them):

- ``communities.csv``  id,name,x,y,population,households,district,built_year
- ``buildings.csv``    id,name,x,y,floor_area_m2
- ``options.csv``      building,mode,capex,annual_cost,assets (one row per building x acquisition mode;
                       assets: ;-separated ids of the government assets a swap trades away)
- ``existing.csv``     id,name,x,y,services,capacity,annual_cost,closable,asset,floor_area_m2 (facilities in service)
- ``assets.csv``       id,name,value (government assets that swaps can trade)
- ``scenario.yaml``    the v1 scenario file referencing the five tables

Nothing here is real data. Unit costs come from ``configs/costs.yaml`` and service standards from
``configs/services.yaml`` (their sources are cited there); the geography, names and populations are invented.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

SEED = 20231126  # publication date of 国办函〔2023〕121号
EXTRA_SEED = SEED + 1  # second stream, for the parts added later (existing facilities, assets, asset swaps)
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

# Weights on the default objective basis (model.objective_basis: share), which adds up each service's covered
# percentage of its own demand times its weight. configs/services.yaml's weights (1.0 / 1.5 / 1.5) were set for
# the per-unit basis, under which one m2 of meals (0.8 m2 per daily meal, weight 1.5) outweighs about 19 m2 of
# day care (10 m2 per place, weight 1.0): the demo plan then covered meals 69 % but elderly care 7.6 % and
# traded away the asset of an existing day-care centre. On the share basis with those weights it is still
# 13.7 % / 30.3 % / 59.3 % (a day-care place needs 12.5 times the floor area of a daily meal, and a closed
# day-care centre still pays for meals). The demo therefore weighs elderly care 3, childcare 2, meals 1. This is
# a POLICY JUDGEMENT (ASSUMPTION), not a sourced figure: elderly care and childcare (一老一小) are the
# programme's first priorities, and meals are cheap to add and partly served by canteens and restaurants. At
# the demo budget every service then gets a quarter to a third of its demand and every existing facility stays
# open (scenarios/demo/README.md compares the alternatives).
DEMO_WEIGHTS = {"elderly_care": 3.0, "childcare": 2.0, "meals": 1.0}

# Budget, chosen so that `siting run` covers part of the demand (a quarter to a third of each service's) and
# both budgets bind (checked with capacities, existing facilities and asset swaps; scenarios/demo/README.md
# has the sweep).
BUDGET_CAPEX = 35_000_000  # 元, one-off
BUDGET_ANNUAL = 3_000_000  # 元/year
HORIZON_YEARS = 10
DISCOUNT_RATE = 0.03
COMPLEX_MIN_COUNT = 2  # at least this many complexes (综合体)
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

# Facilities already in service (all invented). Each sits near an anchor community picked by a rule:
#   edge        the community farthest from the old-town centre (a poor location: few people within reach)
#   core_big    the most populous community of the core sub-district
#   young_big   the most populous community built in 2005 or later (young families: infants)
#   big         the most populous community
# Fields: (anchor rule, name suffix, services, capacity range (units per hosted service), notional floor
# area m2 (only for the yearly cost), factor on the operation cost per m2 of configs/costs.yaml (1.6 for an
# old, oversized building: ASSUMPTION), closable, asset id (the government asset that houses it).
# Capacities are ASSUMPTIONS of a typical size: a day-care centre of 30-60 places, a canteen serving 100-200
# meals a day, a childcare point of one or two classes (25 places per class, GB 50180-93; M).
EXISTING_TYPES = [
    ("edge", "社区日间照料中心", ["elderly_care"], (30, 45), 1500, 1.6, True, "A01"),
    ("core_big", "社区老年食堂", ["meals"], (100, 200), 300, 1.0, False, ""),
    ("young_big", "社区普惠托育点", ["childcare"], (25, 50), 350, 1.0, False, ""),
    ("big", "社区日间照料中心", ["elderly_care"], (40, 60), 600, 1.0, False, ""),
]
EDGE_OFFSET_M = 250.0  # the edge facility sits this far beyond its community, away from the centre

# Government assets that swaps (置换) can trade away: (id, name, value range in 元). Values are
# ASSUMPTIONS, of the order of the buildings they buy (configs/costs.yaml prices a swap as the city's asset
# plus a 30 % top-up); the model does not use them (each asset can be traded once), the table shows them.
ASSET_TYPES = [
    ("A01", "原街道办旧址", (8_000_000, 12_000_000)),  # houses the edge day-care centre (existing.csv)
    ("A02", "原区档案馆", (5_000_000, 8_000_000)),
    ("A03", "原区粮食局办公楼", (6_000_000, 10_000_000)),
    ("A04", "原区文化馆旧址", (4_000_000, 7_000_000)),
]
# Swaps of government assets for well-placed commercial space (置换: e.g. an idle archive traded for a
# developer's ground-floor shops in a dense compound). The generator adds a swap option to the best-placed
# commercial buildings that have none (see add_swap_trades); the k-th best trades the assets TRADES[k]. A02,
# A03 and A04 are each named by two options, so "each asset is traded once" matters (at most three of the
# five swaps can be taken together); A01 is traded by the best-placed one, and trading it closes the
# facility it houses (E01).
SWAP_TARGET_TYPES = ("沿街商铺", "住宅底商", "商业用房")
SWAP_MIN_AREA_M2 = 250
SWAP_REACH_M = 500.0
TRADES = [["A01"], ["A02"], ["A02", "A03"], ["A04"], ["A03", "A04"]]


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
                "type": row["type"],  # not written; used to pick the asset swaps
            }
        )
        modes_of.append(row["modes"])
    return buildings, modes_of


def make_options(rng: np.random.Generator, buildings: list[dict], modes_of: list[list[str]], costs: dict) -> list[dict]:
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


def anchor_community(rule: str, communities: list[dict]) -> dict:
    """The community an existing facility sits next to (see EXISTING_TYPES); ties go to the lower id."""

    def dist(c: dict) -> float:
        return float(np.hypot(c["x"] - CENTRE[0], c["y"] - CENTRE[1]))

    if rule == "edge":
        return min(communities, key=lambda c: (-dist(c), c["id"]))
    pool = {
        "core_big": [c for c in communities if c["district"] == CORE_DISTRICT],
        "young_big": [c for c in communities if c["built_year"] >= 2005],
        "big": communities,
    }[rule]
    return min(pool, key=lambda c: (-c["population"], c["id"]))


def make_existing(rng: np.random.Generator, communities: list[dict], costs: dict) -> list[dict]:
    """Facilities already in service (EXISTING_TYPES), in a fixed order; draws from the second stream only."""
    operation = costs["components"]["operating_per_m2_year"]
    rows = []
    for i, (rule, suffix, services, (lo, hi), area, factor, closable, asset) in enumerate(EXISTING_TYPES):
        anchor = anchor_community(rule, communities)
        xy = np.array([anchor["x"], anchor["y"]], dtype=float) + rng.normal(0.0, 120.0, size=2)
        if rule == "edge":  # pushed outwards, beyond its community
            away = xy - CENTRE
            xy = xy + EDGE_OFFSET_M * away / np.hypot(*away)
        xy = np.clip(xy, [50.0, 50.0], [WIDTH - 50.0, HEIGHT - 50.0])
        capacity = int(rng.integers(lo // 5, hi // 5 + 1)) * 5  # a multiple of 5
        annual = operation * area * factor * rng.uniform(1.0 - COST_NOISE, 1.0 + COST_NOISE)
        rows.append(
            {
                "id": f"E{i + 1:02d}",
                "name": f"{anchor['name']}{suffix.removeprefix('社区')}",  # 育才社区 + 日间照料中心
                "x": int(round(xy[0])),
                "y": int(round(xy[1])),
                "services": ";".join(services),
                "capacity": capacity,
                "annual_cost": int(round(annual)),
                "closable": "true" if closable else "false",
                "asset": asset,
                "floor_area_m2": area,
            }
        )
    return rows


def make_assets(rng: np.random.Generator) -> list[dict]:
    """Government assets (ASSET_TYPES), values rounded to 10,000 元; second stream, after make_existing."""
    return [
        {"id": aid, "name": name, "value": int(round(rng.uniform(lo, hi) / 1e4)) * 10_000}
        for aid, name, (lo, hi) in ASSET_TYPES
    ]


def add_swap_trades(
    rng: np.random.Generator, options: list[dict], buildings: list[dict], communities: list[dict], costs: dict
) -> list[dict]:
    """New swap options that trade government assets for well-placed commercial space (see TRADES).

    Candidates are buildings of a SWAP_TARGET_TYPES kind with no swap option yet and at least
    SWAP_MIN_AREA_M2, ranked by the residents of the communities within SWAP_REACH_M of walking (most first,
    then by id), keeping the best one per nearest community; the k-th trades TRADES[k]. Costs as in
    make_options (swap unit cost x floor area x noise), drawn from the second stream in rank order. Returns
    all options in building, mode order (the old rows keep their order: the sort is stable).
    """
    cxy = np.array([[c["x"], c["y"]] for c in communities], dtype=float)
    pop = np.array([c["population"] for c in communities], dtype=float)
    has_swap = {o["building"] for o in options if o["mode"] == "swap"}
    ranked = []
    for b in buildings:
        if b["type"] not in SWAP_TARGET_TYPES or b["id"] in has_swap or b["floor_area_m2"] < SWAP_MIN_AREA_M2:
            continue
        walk = np.hypot(cxy[:, 0] - b["x"], cxy[:, 1] - b["y"]) * DETOUR_FACTOR
        ranked.append((-float(pop[walk <= SWAP_REACH_M].sum()), b["id"], int(walk.argmin()), b))
    ranked.sort(key=lambda r: (r[0], r[1]))
    chosen, seen = [], set()
    for _, _, nearest, b in ranked:
        if nearest not in seen:
            seen.add(nearest)
            chosen.append(b)
    if len(chosen) < len(TRADES):
        raise SystemExit(f"only {len(chosen)} buildings qualify for the asset trades; {len(TRADES)} needed")
    unit = costs["modes"]["swap"]
    out = [{**o, "assets": ""} for o in options]
    for b, assets in zip(chosen[: len(TRADES)], TRADES, strict=True):
        f_capex, f_annual = rng.uniform(1.0 - COST_NOISE, 1.0 + COST_NOISE, size=2)
        out.append(
            {
                "building": b["id"],
                "mode": "swap",
                "capex": int(round(unit["capex_per_m2"] * b["floor_area_m2"] * f_capex)),
                "annual_cost": int(round(unit["annual_per_m2"] * b["floor_area_m2"] * f_annual)),
                "assets": ";".join(assets),
            }
        )
    return sorted(out, key=lambda o: (o["building"], MODES.index(o["mode"])))


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    """UTF-8 without BOM, LF line ends."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def flow(value: dict) -> str:
    """One-line YAML flow mapping."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000).strip()


def scenario_yaml(services: dict) -> str:
    """The scenario file, written as text so that its comments survive."""
    keys = ["label", "population", "radius_m", "uptake", "min_area_m2", "weight", "area_per_unit_m2"]
    service_lines = "\n".join(
        f"  {name}: {flow({k: DEMO_WEIGHTS[name] if k == 'weight' else services[name][k] for k in keys})}"
        for name in DEMO_SERVICES
    )
    description = (
        "Synthetic district modelled on an old-town district of a second-tier pilot city "
        "(40 communities, 150 candidate buildings, 4 facilities already in service, 4 government assets "
        "that swaps can trade, about 5 x 6 km). NOT real data: names, "
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
# Services copied from configs/services.yaml (sources are cited there), except the weights, which are set for
# the share basis below (elderly care 3, childcare 2, meals 1: a policy judgement, ASSUMPTION; see
# generate.py, DEMO_WEIGHTS). after_school is left out: its take-up share is not sourced.
services:
{service_lines}
# The budget covers part of the demand, not all: `siting run` (capacities, existing facilities, asset
# swaps) covers a quarter to a third of each service's demand at this budget (elderly care 25 %, childcare
# 34 %, meals 32 %; weighted mean 29 %, against 23 % at 25 M / 2.0 M, 26 % at 30 M / 2.5 M, 33 % at
# 40 M / 3.5 M and 96 % with no limit; `siting frontier` draws the whole curve). Both budgets (nearly) bind at
# the optimum, so the choice between cheap-to-acquire-but-costly-to-run (rent) and costly-to-acquire (buy,
# swap, build) matters. The yearly budget is for new spending; closing an existing facility adds its yearly
# cost to it.
budget:
  capex: {BUDGET_CAPEX}     # 元, one-off
  annual: {BUDGET_ANNUAL}      # 元/year
  horizon_years: {HORIZON_YEARS}
  discount_rate: {DISCOUNT_RATE}
# Demand: the communities table gives population and households only; the demand model estimates the
# elderly and infants from the 2020 census shares (configs/demography.yaml, sources cited there) and projects
# them to the plan year. Older compounds hold more elderly and fewer infants: the multipliers below are
# ASSUMPTIONS for the demo (no survey behind them), applied to the census shares by the year the compound was
# built.
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
# The planning model: the default objectives (most weighted demand covered, then the least net present cost
# for it); capacities are on because every service has area_per_unit_m2 (a host serves at most the area it
# gives a service / area per unit; a community can be partly covered). The complex rule (综合体) follows the
# 2024 导则 (>= 600 m2, >= 3 services, >= 2 of them from 养老 / 托育 / 儿童托管 / 助餐); the 2023 plan
# prefers complexes, so the demo asks for at least {COMPLEX_MIN_COUNT}.
# objective_basis share: the objective adds up each service's covered share of its own demand, times its
# weight, so a service whose places need much floor area (day care) is not starved by one that needs little
# (meals). `--override per_unit` shows the plan the per-unit basis gives.
model:
  objectives: [max_coverage, min_cost]
  objective_basis: share
  complex:
    min_area_m2: 600
    min_services: 3
    core: [elderly_care, childcare, after_school, meals]
    min_core: 2
    min_count: {COMPLEX_MIN_COUNT}
communities: communities.csv
buildings: buildings.csv
options: options.csv
# Facilities already in service: they cover demand (up to their capacity) at no new cost. E01, an old,
# oversized day-care centre at the district's edge, may be closed to free its yearly cost, and it closes if
# the asset that houses it (A01) is traded away in a swap.
existing: existing.csv
# Government assets that swap options (options.csv, column assets) trade away; each can be traded once.
assets: assets.csv
# Named variants: `siting run|frontier|compare scenario.yaml --override NAME` merges one over the scenario
# (`--override a,b` applies both; two that set the same key cannot be combined), e.g.
# `siting compare scenario.yaml --override base,no_renovation,per_unit` plans and compares three variants.
overrides:
  no_purchase: {{model: {{policy: {{max_by_mode: {{buy: 0, build: 0}}}}}}}}  # rent, renovate and swap only
  no_swaps: {{model: {{policy: {{max_by_mode: {{swap: 0}}}}}}}}  # keep every government asset
  no_renovation: {{model: {{policy: {{max_by_mode: {{renovate: 0}}}}}}}}  # idle public buildings not available
  more_money: {{budget: {{capex: 45000000}}}}  # one-off budget 4,500 万元
  per_unit:  # the objective before issue 10: demand units, weighted as in configs/services.yaml
    model: {{objective_basis: units}}
    services: {{elderly_care: {{weight: 1.0}}, childcare: {{weight: 1.5}}, meals: {{weight: 1.5}}}}
  # A roll-out over three years (试点先行、逐步推开), the same 3,500 万元 in three tranches and yearly money growing
  # to the full 300 万元; demand is projected to each year. `phased_pilot` starts in 府城街道, the old centre.
  phased: {{model: {{phases: {{years: [2026, 2027, 2028], capex: [15000000, 10000000, 10000000],
                                annual: [1500000, 2500000, 3000000]}}}}}}
  phased_pilot: {{model: {{phases: {{years: [2026, 2027, 2028], capex: [15000000, 10000000, 10000000],
                                      annual: [1500000, 2500000, 3000000],
                                      pilot: {{districts: [府城街道], by: 2026}}}}}}}}
  # One plan for the low, central and high demand projections, chosen for its worst case.
  robust: {{model: {{robust: {{variants: [low, central, high], criterion: max_min}}}}}}
"""


def main() -> None:
    """Generate and write the six files."""
    costs, services = load_configs()
    rng = np.random.default_rng(SEED)
    communities = make_communities(rng)
    buildings, modes_of = make_buildings(rng, communities)
    options = make_options(rng, buildings, modes_of, costs)
    missing = set(MODES) - {o["mode"] for o in options}
    if missing:
        raise SystemExit(f"modes missing from the options: {sorted(missing)}")
    extra = np.random.default_rng(EXTRA_SEED)
    existing = make_existing(extra, communities, costs)
    assets = make_assets(extra)
    options = add_swap_trades(extra, options, buildings, communities, costs)
    write_csv(
        HERE / "communities.csv",
        communities,
        ["id", "name", "x", "y", "population", "households", "district", "built_year"],
    )
    write_csv(HERE / "buildings.csv", buildings, ["id", "name", "x", "y", "floor_area_m2"])
    write_csv(HERE / "options.csv", options, ["building", "mode", "capex", "annual_cost", "assets"])
    write_csv(
        HERE / "existing.csv",
        existing,
        ["id", "name", "x", "y", "services", "capacity", "annual_cost", "closable", "asset", "floor_area_m2"],
    )
    write_csv(HERE / "assets.csv", assets, ["id", "name", "value"])
    text = scenario_yaml(services)
    yaml.safe_load(text)  # fail here, not in the loader, if the text is not valid YAML
    (HERE / "scenario.yaml").write_text(text, encoding="utf-8")
    print(
        f"wrote {len(communities)} communities, {len(buildings)} buildings, {len(options)} options, "
        f"{len(existing)} existing facilities, {len(assets)} assets to {HERE}"
    )


if __name__ == "__main__":
    main()
