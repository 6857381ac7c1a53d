"""Tiny random scenarios for the brute-force oracle (oraclelib.py), one rule family at a time or mixed.

`write_oracle_scenario(folder, seed, family)` writes 3–8 communities, 3–5 candidate buildings with 1–3 modes,
2–3 services and up to 3 existing facilities, then the rules of `family` (FAMILIES); the same seed and family
give the same files. Sizes are bounded so that every plan can be enumerated (at most MAX_PLANS).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import make_scenario

MAX_PLANS = 300_000
SERVICES = {
    "elderly_care": {"population": "elderly", "uptake": 0.1, "min_area_m2": 150},
    "childcare": {"population": "infant", "uptake": 0.3, "min_area_m2": 100},
    "meals": {"population": "elderly", "uptake": 0.05, "min_area_m2": 80},
}
MODES = ("renovate", "buy", "rent", "build")
DISTRICTS = ("东区", "西区")
OBJECTIVES = {
    "coverage": ["max_coverage", "min_cost"],
    "min_cost": ["min_cost"],
    "max_min_share": ["max_min_share", "max_coverage", "min_cost"],
}


def _plans(options: list[dict], services: int, existing: int) -> int:
    """How many plans the oracle enumerates: Π_b (1 + modes_b × (2^S − 1)) × 2^E."""
    modes: dict[str, int] = {}
    for o in options:
        modes[o["building"]] = modes.get(o["building"], 0) + 1
    return int(np.prod([1 + m * (2**services - 1) for m in modes.values()])) * 2**existing


def _base(rng: np.random.Generator) -> dict:
    n_comm, n_build = int(rng.integers(3, 9)), int(rng.integers(3, 6))
    keys = list(SERVICES)[: int(rng.integers(2, 4))]
    services = {
        k: {**SERVICES[k], "radius_m": float(rng.choice([300, 400, 600])), "weight": float(rng.choice([1.0, 1.5]))}
        for k in keys
    }
    communities = [
        {
            "id": f"C{i}",
            "name": f"社区{i}",
            "x": round(float(rng.uniform(0, 1000)), 1),
            "y": round(float(rng.uniform(0, 1000)), 1),
            "population": int(rng.integers(500, 3000)),
            "elderly": int(rng.integers(20, 400)),
            "infant": int(rng.integers(0, 40)) * int(rng.random() < 0.8),  # some communities have no infants
            "district": DISTRICTS[i % 2],
        }
        for i in range(n_comm)
    ]
    buildings = [
        {
            "id": f"B{j}",
            "name": f"楼{j}",
            "x": round(float(rng.uniform(0, 1000)), 1),
            "y": round(float(rng.uniform(0, 1000)), 1),
            "floor_area_m2": float(rng.choice([200, 300, 450, 700])),
        }
        for j in range(n_build)
    ]
    options = []
    for b in buildings:
        for mode in rng.choice(MODES, size=int(rng.integers(1, 4)), replace=False):
            options.append(
                {
                    "building": b["id"],
                    "mode": str(mode),
                    "capex": int(rng.integers(10, 100)) * 10000,
                    "annual_cost": int(rng.integers(1, 20)) * 1000 if mode in ("rent", "renovate") else 0,
                }
            )
    existing = [
        {
            "id": f"E{k}",
            "name": f"站{k}",
            "x": round(float(rng.uniform(0, 1000)), 1),
            "y": round(float(rng.uniform(0, 1000)), 1),
            "services": str(rng.choice(keys)),
            "annual_cost": int(rng.integers(1, 30)) * 1000,
            "closable": "true" if rng.random() < 0.5 else "false",
            "asset": "",
        }
        for k in range(int(rng.integers(0, 3)))
    ]
    capex = sum(o["capex"] for o in options)
    return {
        "communities": communities,
        "buildings": buildings,
        "options": options,
        "existing": existing,
        "services": services,
        "budget": {"capex": int(capex * rng.uniform(0.2, 0.6))},
        "model": {"objectives": OBJECTIVES["coverage"], "capacities": False},
        "policy": {},
    }


def _budgets(rng, s):
    annual = sum(o["annual_cost"] for o in s["options"])
    s["budget"]["annual"] = int(annual * rng.uniform(0.1, 0.6))
    if rng.random() < 0.6:
        s["budget"]["npv"] = int(s["budget"]["capex"] * rng.uniform(0.8, 1.5))
        s["budget"]["horizon_years"] = int(rng.integers(3, 15))
        s["budget"]["discount_rate"] = float(rng.choice([0.0, 0.03, 0.08]))


def _complex(rng, s):
    keys = list(s["services"])
    s["model"]["complex"] = {
        "min_area_m2": float(rng.choice([300, 450])),
        "min_services": int(rng.integers(2, len(keys) + 1)),
        "core": [str(k) for k in rng.choice(keys, size=int(rng.integers(1, len(keys) + 1)), replace=False)],
        "min_core": int(rng.integers(0, 2)),
        "min_count": int(rng.integers(0, 2)),
        "min_capex_share": float(rng.choice([0.0, 0.0, 0.5])),
        "bonus": float(rng.choice([0.0, 5.0])),
    }


def _must(rng, s):
    ids = [b["id"] for b in s["buildings"]]
    picked = [str(b) for b in rng.choice(ids, size=3, replace=False)]
    s["policy"]["must_choose"] = picked[:1]
    s["policy"]["must_not_choose"] = picked[1:2]
    modes = [o["mode"] for o in s["options"] if o["building"] == picked[2]]
    s["policy"]["must_choose_as"] = {picked[2]: str(rng.choice(modes))}
    s["budget"]["capex"] = int(s["budget"]["capex"] * 1.5)


def _counts(rng, s):
    modes = sorted({o["mode"] for o in s["options"]})
    s["policy"]["max_by_mode"] = {str(rng.choice(modes)): int(rng.integers(0, 2))}
    low = int(rng.integers(0, 3))
    s["policy"]["min_facilities"] = low
    s["policy"]["max_facilities"] = low + int(rng.integers(0, 2))
    s["budget"]["capex"] = int(s["budget"]["capex"] * 1.5)


def _min_share(rng, s):
    key = str(rng.choice(list(s["services"])))
    s["services"][key]["min_share"] = float(rng.choice([0.2, 0.4, 0.6]))


def _district(rng, s):
    keys = list(s["services"])
    s["policy"]["district_min_share"] = {str(rng.choice(keys)): float(rng.choice([0.1, 0.3]))}
    s["policy"]["district_requires"] = {str(rng.choice(DISTRICTS)): [str(rng.choice(keys))]}


def _swap(rng, s):
    s["assets"] = [{"id": "A1", "name": "资产1", "value": 100}, {"id": "A2", "name": "资产2", "value": 100}]
    for b in rng.choice([b["id"] for b in s["buildings"]], size=2, replace=False):
        s["options"] = [o for o in s["options"] if o["building"] != b or o["mode"] != "build"]
        s["options"].append(
            {"building": str(b), "mode": "swap", "capex": int(rng.integers(0, 3)) * 10000, "annual_cost": 0}
            | {"assets": str(rng.choice(["A1", "A2", "A1;A2"]))}
        )
    keys = list(s["services"])
    s["existing"] = s["existing"][:1] + [
        {
            "id": "EA",
            "name": "资产站",
            "x": round(float(rng.uniform(0, 1000)), 1),
            "y": round(float(rng.uniform(0, 1000)), 1),
            "services": str(rng.choice(keys)),
            "annual_cost": int(rng.integers(0, 20)) * 1000,
            "closable": "true" if rng.random() < 0.5 else "false",
            "asset": str(rng.choice(["A1", "A2"])),
        }
    ]


def _closures(rng, s):
    keys = list(s["services"])
    s["existing"] = [
        {
            "id": f"E{k}",
            "name": f"站{k}",
            "x": round(float(rng.uniform(0, 1000)), 1),
            "y": round(float(rng.uniform(0, 1000)), 1),
            "services": ";".join(rng.choice(keys, size=int(rng.integers(1, 3)), replace=False)),
            "annual_cost": int(rng.integers(5, 40)) * 1000,
            "closable": "true" if k or rng.random() < 0.7 else "false",
            "asset": "",
        }
        for k in range(int(rng.integers(1, 4)))
    ]
    annual = sum(o["annual_cost"] for o in s["options"])
    s["budget"]["annual"] = int(annual * rng.uniform(0.0, 0.4))
    if rng.random() < 0.5:
        s["model"]["objectives"] = OBJECTIVES["min_cost"]
        s["model"]["target_share"] = {str(rng.choice(keys)): 0.3}


def _basis(rng, s):
    s["model"]["objective_basis"] = str(rng.choice(["share", "persons", "units"]))
    if "childcare" in s["services"] and rng.random() < 0.5:  # demand per 1,000 residents instead of per infant
        service = s["services"]["childcare"]
        del service["uptake"]
        service["per_1000_residents"] = 4.5


def _min_cost(rng, s):
    s["model"]["objectives"] = OBJECTIVES["min_cost"]
    keys = list(s["services"])
    s["model"]["target_share"] = {str(k): float(rng.choice([0.2, 0.5, 0.8])) for k in keys[: int(rng.integers(1, 3))]}


def _decay(rng, s):
    for service in s["services"].values():
        if rng.random() < 0.7:
            service["full_credit_m"] = round(service["radius_m"] * float(rng.uniform(0.2, 0.9)), 1)


def _capacity(rng, s):
    s["model"]["capacities"] = True
    s["max_plans"] = 20_000  # each plan the search visits is an LP
    s["buildings"] = s["buildings"][:4]
    s["options"] = [o for o in s["options"] if o["building"] in {b["id"] for b in s["buildings"]}]
    if rng.random() < 0.6:
        for key, service in s["services"].items():
            service["area_per_unit_m2"] = {"elderly_care": 10.0, "childcare": 8.0, "meals": 2.0}[key]
    else:
        for o in s["options"]:
            o["capacity"] = int(rng.integers(5, 40))
    for e in s["existing"]:
        e["capacity"] = int(rng.integers(5, 30))
    if rng.random() < 0.4:
        s["model"]["objectives"] = OBJECTIVES["min_cost"]
        s["model"]["target_share"] = {str(rng.choice(list(s["services"]))): float(rng.choice([0.2, 0.4]))}


def _max_min_share(rng, s):
    s["model"]["objectives"] = OBJECTIVES["max_min_share"]


FAMILIES = {
    "plain": (),
    "budgets": (_budgets,),
    "complex": (_complex,),
    "must": (_must,),
    "counts": (_counts,),
    "min_share": (_min_share,),
    "district": (_district,),
    "swap": (_swap,),
    "closures": (_closures,),
    "basis": (_basis,),
    "min_cost": (_min_cost,),
    "max_min_share": (_max_min_share,),
    "decay": (_decay,),
    "capacity": (_capacity,),
}
MIXABLE = ("budgets", "complex", "must", "counts", "min_share", "district", "swap", "closures", "basis", "min_cost")
ALL_FAMILIES = (*FAMILIES, "mixed")


def write_oracle_scenario(folder: Path, seed: int, family: str) -> Path:
    """Write a tiny scenario with the rules of `family` (or of three families drawn, for 'mixed')."""
    rng = np.random.default_rng([seed, ALL_FAMILIES.index(family)])
    s = _base(rng)
    if family == "mixed":
        rules = [f for name in sorted(rng.choice(MIXABLE, size=3, replace=False)) for f in FAMILIES[name]]
        if rng.random() < 0.3:
            rules.append(_max_min_share)
    else:
        rules = list(FAMILIES[family])
    for rule in rules:
        rule(rng, s)
    # Fewer modes until every plan can be enumerated.
    kept = set(s["policy"].get("must_choose_as", {}).items())
    while _plans(s["options"], len(s["services"]), len(s["existing"])) > s.get("max_plans", MAX_PLANS):
        counts: dict[str, int] = {}
        for o in s["options"]:
            counts[o["building"]] = counts.get(o["building"], 0) + 1
        droppable = [
            (counts[o["building"]], o["building"], i)
            for i, o in enumerate(s["options"])
            if counts[o["building"]] > 1 and o["mode"] != "swap" and (o["building"], o["mode"]) not in kept
        ]
        if not droppable:
            break
        s["options"].pop(max(droppable)[2])
    model = {**s["model"], "policy": s["policy"]} if s["policy"] else s["model"]
    extra = {"existing": s["existing"]} if s["existing"] else {}
    if "assets" in s:
        extra["assets"] = s["assets"]
    return make_scenario(
        folder,
        communities=s["communities"],
        buildings=s["buildings"],
        options=s["options"],
        services=s["services"],
        budget=s["budget"],
        name=f"oracle-{family}-{seed}",
        model=model,
        **extra,
    )
