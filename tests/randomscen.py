"""Small random scenarios with random combinations of the model's rules, for cross-checks between solvers.

Each scenario is written to a folder by `write_random_scenario(folder, seed)`; the same seed gives the same files.
Rules drawn: capacities (from floor area, or per option), existing facilities, the complex rule with a count,
facility counts, district minimum shares, and the objective order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import make_scenario

OBJECTIVE_ORDERS = (
    ["max_coverage", "min_cost"],
    ["max_coverage", "max_min_share", "min_cost"],
    ["max_min_share", "max_coverage"],
    ["min_cost", "max_coverage"],
    ["max_coverage", "min_distance"],
)


def write_random_scenario(folder: Path, seed: int, *, capacities: bool | None = None) -> Path:
    """A random scenario of 8–14 communities and 6–10 buildings in a 2 km square; returns the YAML path."""
    rng = np.random.default_rng(seed)
    n_comm, n_build = int(rng.integers(8, 15)), int(rng.integers(6, 11))
    districts = ["东区", "西区"]
    communities = [
        {
            "id": f"C{i:02d}",
            "name": f"社区{i}",
            "x": round(float(rng.uniform(0, 2000)), 1),
            "y": round(float(rng.uniform(0, 2000)), 1),
            "population": int(rng.integers(800, 4000)),
            "elderly": int(rng.integers(50, 600)),
            "infant": int(rng.integers(5, 60)),
            "district": districts[i % 2],
        }
        for i in range(n_comm)
    ]
    buildings = [
        {
            "id": f"B{j:02d}",
            "name": f"楼{j}",
            "x": round(float(rng.uniform(0, 2000)), 1),
            "y": round(float(rng.uniform(0, 2000)), 1),
            "floor_area_m2": float(rng.choice([250, 400, 700, 900])),
        }
        for j in range(n_build)
    ]
    with_caps = bool(rng.random() < 0.5) if capacities is None else capacities
    per_option = with_caps and rng.random() < 0.3
    options = []
    for b in buildings:
        for mode in rng.choice(["renovate", "buy", "rent", "build"], size=int(rng.integers(1, 4)), replace=False):
            row = {
                "building": b["id"],
                "mode": str(mode),
                "capex": int(rng.integers(20, 200)) * 10000,
                "annual_cost": int(rng.integers(0, 30)) * 1000 if mode == "rent" else 0,
            }
            if per_option:
                row["capacity"] = int(rng.integers(20, 120))
            options.append(row)
    elderly = {"population": "elderly", "radius_m": float(rng.choice([500, 800])), "uptake": 0.1,
               "min_area_m2": 200, "weight": 1.0}  # fmt: skip
    childcare = {"population": "infant", "radius_m": 500.0, "uptake": 0.3, "min_area_m2": 150,
                 "weight": float(rng.choice([1.0, 1.5]))}  # fmt: skip
    meals = {"population": "elderly", "radius_m": 500.0, "uptake": 0.05, "min_area_m2": 100, "weight": 1.2}
    if with_caps and not per_option:
        elderly["area_per_unit_m2"], childcare["area_per_unit_m2"], meals["area_per_unit_m2"] = 10.0, 8.0, 2.0
    services = {"elderly_care": elderly, "childcare": childcare, "meals": meals}
    total_capex = sum(o["capex"] for o in options)
    budget = {"capex": int(total_capex * rng.uniform(0.15, 0.45)), "annual": 60000}
    objectives = OBJECTIVE_ORDERS[int(rng.integers(len(OBJECTIVE_ORDERS)))]
    model: dict = {"objectives": objectives}
    if "min_cost" in objectives and objectives[0] == "min_cost":
        model["target_share"] = {"meals": 0.3}
    if with_caps:
        model["capacities"] = True
    if rng.random() < 0.4:
        model["complex"] = {"min_count": int(rng.integers(0, 2))}
    policy: dict = {}
    if rng.random() < 0.3:
        policy["max_facilities"] = int(rng.integers(2, 5))
    if rng.random() < 0.3:
        policy["district_min_share"] = {"meals": 0.1}
    if policy:
        model["policy"] = policy
    extra = {}
    if rng.random() < 0.4:
        existing = [
            {
                "id": "E01",
                "name": "老年日间照料中心",
                "x": communities[0]["x"],
                "y": communities[0]["y"],
                "services": "elderly_care",
                "capacity": 30,
                "annual_cost": 20000,
                "closable": "true",
            }
        ]
        extra["existing"] = existing
    return make_scenario(
        folder,
        communities=communities,
        buildings=buildings,
        options=options,
        services=services,
        budget=budget,
        name=f"random{seed}",
        model=model,
        **extra,
    )
