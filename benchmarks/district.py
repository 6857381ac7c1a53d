"""Generate a realistic synthetic district scenario of any size (YAML + CSV tables), for benchmarks.

    python benchmarks/district.py OUT_DIR --communities 500 --buildings 2000 [--area-km2 12] [--seed 1]

What it holds (all invented; unit costs and service standards as in configs/costs.yaml and configs/services.yaml):
- communities with population, elderly (60+) and infant (0–2) counts, clustered on an old-town core, each in one
  of four sub-districts;
- candidate buildings near the communities, 200–2,000 m², each offering 1–4 of the five acquisition modes
  (renovate, buy, rent, swap, build) at the per-m² costs of configs/costs.yaml ± 15 %;
- three services (elderly care, childcare, meals) with capacities from floor area (area_per_unit_m2);
- existing facilities (about one per 25 communities) with fixed capacities, a few of them closable;
- one-off and yearly budgets sized so that the optimal plan covers roughly 30–60 % of the weighted demand.

The default density (500 communities and 2,000 buildings on 12 km²) gives about 180,000 reach arcs, the size of
the district in issue 9. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import yaml

MODES = {  # one-off and yearly 元 per m² (configs/costs.yaml)
    "renovate": (2_950, 200),
    "buy": (19_150, 200),
    "rent": (2_950, 1_295),
    "swap": (7_810, 200),
    "build": (4_140, 200),
}
SERVICES = {
    "elderly_care": {
        "label": {"zh": "养老服务站", "en": "Elderly care station"},
        "population": "elderly",
        "radius_m": 800,
        "uptake": 0.04,
        "min_area_m2": 350,
        "weight": 1.0,
        "area_per_unit_m2": 10,
    },
    "childcare": {
        "label": {"zh": "托育点", "en": "Childcare"},
        "population": "infant",
        "radius_m": 500,
        "uptake": 0.3,
        "min_area_m2": 300,
        "weight": 1.5,
        "area_per_unit_m2": 8,
    },
    "meals": {
        "label": {"zh": "助餐点", "en": "Community meals"},
        "population": "elderly",
        "radius_m": 500,
        "uptake": 0.1,
        "min_area_m2": 150,
        "weight": 1.5,
        "area_per_unit_m2": 0.8,
    },
}
DISTRICTS = ("府城街道", "北门街道", "西郊街道", "东湖街道")
#: Share of the area needed to serve all demand that the budget pays for (rough: reach and the minimum areas
#: leave the optimum covering about 30–60 % of the weighted demand).
BUDGET_SHARE = 0.05


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_district(
    folder: Path, n_communities: int = 500, n_buildings: int = 2_000, *, area_km2: float = 12.0, seed: int = 1
) -> Path:
    """Write scenario.yaml and its tables into `folder`; return the YAML path."""
    rng = np.random.default_rng(seed)
    side = 1_000.0 * np.sqrt(area_km2)
    centre = np.array([side / 2, side / 2])

    def clustered(n: int, spread: float) -> np.ndarray:
        core = rng.random(n) < 0.5
        xy = np.where(core[:, None], centre + rng.normal(0, spread * side, (n, 2)), rng.uniform(0, side, (n, 2)))
        return np.clip(np.round(xy), 0, side)

    cxy = clustered(n_communities, 0.18)
    population = np.clip(np.round(rng.lognormal(np.log(7_000), 0.38, n_communities)), 3_000, 15_000)
    elderly = np.round(population * rng.uniform(0.16, 0.26, n_communities))
    infant = np.round(population * rng.uniform(0.012, 0.025, n_communities))
    bearing = np.degrees(np.arctan2(*(cxy - centre).T[::-1])) % 360
    near = np.hypot(*(cxy - centre).T) < 0.2 * side
    district = np.where(near, 0, 1 + (bearing // 120).astype(int))
    communities = [
        {
            "id": f"C{i + 1:04d}",
            "name": f"社区{i + 1}",
            "x": int(cxy[i, 0]),
            "y": int(cxy[i, 1]),
            "population": int(population[i]),
            "elderly": int(elderly[i]),
            "infant": int(infant[i]),
            "district": DISTRICTS[district[i]],
        }
        for i in range(n_communities)
    ]

    anchor = rng.integers(0, n_communities, n_buildings)
    bxy = np.clip(np.round(cxy[anchor] + rng.normal(0, 250, (n_buildings, 2))), 0, side)
    floor = np.round(rng.uniform(200, 2_000, n_buildings))
    buildings = [
        {
            "id": f"B{j + 1:05d}",
            "name": f"楼{j + 1}",
            "x": int(bxy[j, 0]),
            "y": int(bxy[j, 1]),
            "floor_area_m2": floor[j],
        }
        for j in range(n_buildings)
    ]
    options = []
    names = list(MODES)
    for j in range(n_buildings):
        for mode in sorted(rng.choice(names, size=int(rng.integers(1, 5)), replace=False), key=names.index):
            capex, annual = MODES[mode]
            noise = rng.uniform(0.85, 1.15, 2)
            options.append(
                {
                    "building": buildings[j]["id"],
                    "mode": mode,
                    "capex": int(round(floor[j] * capex * noise[0])),
                    "annual_cost": int(round(floor[j] * annual * noise[1])),
                }
            )

    keys = list(SERVICES)
    n_existing = max(1, n_communities // 25)
    at = rng.choice(n_communities, n_existing, replace=False)
    existing = []
    for k, i in enumerate(at):
        service = keys[k % len(keys)]
        existing.append(
            {
                "id": f"E{k + 1:03d}",
                "name": f"现有设施{k + 1}",
                "x": int(cxy[i, 0] + 60),
                "y": int(cxy[i, 1] + 60),
                "services": service,
                "capacity": int(rng.integers(30, 120)),
                "annual_cost": int(rng.integers(60_000, 400_000)),
                "closable": "true" if k % 4 == 0 else "false",
                "asset": "",
            }
        )

    # Budget: BUDGET_SHARE of the floor area that serving every unit of demand would take, at median unit costs.
    need_m2 = sum(
        SERVICES[s]["uptake"]
        * SERVICES[s]["area_per_unit_m2"]
        * (infant if SERVICES[s]["population"] == "infant" else elderly).sum()
        for s in keys
    )
    capex_m2 = np.median([o["capex"] / floor[int(o["building"][1:]) - 1] for o in options])
    annual_m2 = np.median([o["annual_cost"] / floor[int(o["building"][1:]) - 1] for o in options])
    budget = {
        "capex": int(round(BUDGET_SHARE * need_m2 * capex_m2, -4)),
        "annual": int(round(BUDGET_SHARE * need_m2 * annual_m2 * 1.5, -4)),
        "horizon_years": 10,
        "discount_rate": 0.03,
    }

    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "communities.csv", communities)
    write_csv(folder / "buildings.csv", buildings)
    write_csv(folder / "options.csv", options)
    write_csv(folder / "existing.csv", existing)
    doc = {
        "name": f"district-{n_communities}x{n_buildings}",
        "description": f"SYNTHETIC benchmark district (benchmarks/district.py, seed {seed}); not real data.",
        "crs": "planar",
        "walking": {"detour_factor": 1.3},
        "services": SERVICES,
        "budget": budget,
        "communities": "communities.csv",
        "buildings": "buildings.csv",
        "options": "options.csv",
        "existing": "existing.csv",
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--buildings", type=int, default=2_000)
    parser.add_argument("--area-km2", type=float, default=12.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(write_district(args.out, args.communities, args.buildings, area_km2=args.area_km2, seed=args.seed))


if __name__ == "__main__":
    main()
