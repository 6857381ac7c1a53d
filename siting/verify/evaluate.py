"""Re-check a plan from the raw scenario tables, independently of the MILP code.

Nothing here imports the model, the index arrays or the accessibility module: distances are recomputed by
brute force from coordinates, costs and areas are looked up in the options table, coverage is decided
community by community. A plan that breaks a rule is never written (the CLI raises PlanViolation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import PlanViolation
from siting.plan import Plan
from siting.scenario.load import Scenario

EARTH_RADIUS_M = 6_371_008.8
MONEY_TOLERANCE = 1e-6  # relative, on budgets
DISTANCE_TOLERANCE_M = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """What a plan costs and whom it serves, recomputed from the tables.

    Attributes:
        violations: human-readable broken rules (empty = the plan is valid).
        selected: one row per acquired building: building, name, mode, services, capex, annual_cost, npv,
            floor_area_m2, area_used_m2.
        coverage: one row per community × service: community, name, service, demand, covered (bool),
            nearest_building, nearest_name, distance_m (NaN when no hosting building exists).
        by_service: per service: demand, covered, share, weight, weighted_covered.
        capex, annual, npv: plan totals in 元 (npv: capex + annual × annuity factor).
        objective: Σ_s weight_s × covered demand units of s.
    """

    violations: tuple[str, ...]
    selected: pd.DataFrame
    coverage: pd.DataFrame
    by_service: pd.DataFrame
    capex: float
    annual: float
    npv: float
    objective: float

    def raise_if_invalid(self) -> None:
        """Raise PlanViolation listing every broken rule."""
        if self.violations:
            raise PlanViolation("the plan breaks the scenario's rules:\n  - " + "\n  - ".join(self.violations))


def _distance(a_xy: np.ndarray, b_xy: np.ndarray, crs: str) -> np.ndarray:
    """All-pairs (len(a) × len(b)) straight-line metres: planar or haversine."""
    if crs == "planar":
        return np.sqrt(((a_xy[:, None, :] - b_xy[None, :, :]) ** 2).sum(axis=2))
    lon1, lat1 = np.radians(a_xy[:, 0])[:, None], np.radians(a_xy[:, 1])[:, None]
    lon2, lat2 = np.radians(b_xy[:, 0])[None, :], np.radians(b_xy[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _nearest(comm_xy: np.ndarray, host_xy: np.ndarray, crs: str, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Index of and straight distance to the nearest host for every community (chunked brute force)."""
    index = np.empty(len(comm_xy), dtype=np.int64)
    dist = np.empty(len(comm_xy))
    for start in range(0, len(comm_xy), chunk):
        d = _distance(comm_xy[start:start + chunk], host_xy, crs)
        index[start:start + chunk] = d.argmin(axis=1)
        dist[start:start + chunk] = d.min(axis=1)
    return index, dist


def annuity(years: int, rate: float) -> float:
    """Σ_{t=1..T} (1+r)^-t, summed term by term (independent of the model's closed form)."""
    return float(sum((1 + rate) ** -t for t in range(1, years + 1)))


def evaluate(scenario: Scenario, plan: Plan, demand: pd.DataFrame) -> Evaluation:
    """Recompute cost, area use and coverage of `plan`, and list every rule it breaks.

    Args:
        scenario: the loaded scenario (raw tables).
        plan: the plan to check.
        demand: demand units, index = community id, one column per service.
    """
    cfg = scenario.config
    violations: list[str] = []
    records = pd.DataFrame(plan.to_records(), columns=["building", "mode", "services"])

    counts = records["building"].value_counts()
    for building in sorted(counts[counts > 1].index):
        modes = sorted(records.loc[records["building"] == building, "mode"])
        violations.append(f"building {building} is acquired {counts[building]} times (modes {', '.join(modes)}); "
                          "at most one mode per building")
    unknown = ~records["building"].isin(scenario.buildings.index)
    for building in records.loc[unknown, "building"]:
        violations.append(f"building {building} is not in the buildings table")

    options = scenario.options.set_index(["building", "mode"])
    keys = list(zip(records["building"], records["mode"]))
    known = np.array([k in options.index for k in keys], dtype=bool)
    for (building, mode), ok in zip(keys, known):
        if not ok:
            violations.append(f"building {building} has no '{mode}' option")

    rows = options.reindex(keys)
    selected = records.assign(
        name=scenario.buildings["name"].reindex(records["building"]).to_numpy(),
        capex=rows["capex"].to_numpy(float),
        annual_cost=rows["annual_cost"].to_numpy(float),
        floor_area_m2=rows["floor_area_m2"].to_numpy(float),
    )
    min_area = {key: s.min_area_m2 for key, s in cfg.services.items()}
    for services in selected["services"]:
        for service in services:
            if service not in cfg.services:
                violations.append(f"service '{service}' is not defined in the scenario")
    selected["area_used_m2"] = [sum(min_area.get(s, 0.0) for s in services) for services in selected["services"]]
    over = selected["area_used_m2"] > selected["floor_area_m2"] + 1e-9
    for row in selected[over].itertuples():
        violations.append(f"building {row.building} gives {row.area_used_m2:g} m² to "
                          f"{', '.join(row.services)} but has {row.floor_area_m2:g} m²")

    factor = annuity(cfg.budget.horizon_years, cfg.budget.discount_rate)
    selected["npv"] = selected["capex"] + selected["annual_cost"] * factor
    capex = float(np.nansum(selected["capex"]))
    annual = float(np.nansum(selected["annual_cost"]))
    if capex > cfg.budget.capex * (1 + MONEY_TOLERANCE) + MONEY_TOLERANCE:
        violations.append(f"one-off cost {capex:,.0f} 元 exceeds the budget {cfg.budget.capex:,.0f} 元")
    if cfg.budget.annual is not None and annual > cfg.budget.annual * (1 + MONEY_TOLERANCE) + MONEY_TOLERANCE:
        violations.append(f"yearly cost {annual:,.0f} 元 exceeds the budget {cfg.budget.annual:,.0f} 元")

    coverage = _coverage(scenario, selected, demand)
    by_service = _by_service(scenario, coverage)
    for key, service in cfg.services.items():
        share = by_service.loc[key, "share"]
        if service.min_share > 0 and share < service.min_share - 1e-9:
            violations.append(f"{key} covers {share:.2%} of its demand; the scenario requires {service.min_share:.2%}")
    return Evaluation(
        violations=tuple(violations),
        selected=selected[["building", "name", "mode", "services", "capex", "annual_cost", "npv",
                           "floor_area_m2", "area_used_m2"]].reset_index(drop=True),
        coverage=coverage,
        by_service=by_service,
        capex=capex,
        annual=annual,
        npv=float(np.nansum(selected["npv"])),
        objective=float(by_service["weighted_covered"].sum()),
    )


def _coverage(scenario: Scenario, selected: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    cfg = scenario.config
    communities = scenario.communities
    comm_xy = communities[["x", "y"]].to_numpy(float)
    buildings = scenario.buildings
    frames = []
    for key, service in cfg.services.items():
        hosts = [b for b, services in zip(selected["building"], selected["services"])
                 if key in services and b in buildings.index]
        frame = pd.DataFrame({
            "community": communities.index,
            "name": communities["name"].to_numpy(),
            "service": key,
            "demand": demand[key].reindex(communities.index).to_numpy(float),
        })
        if hosts:
            host_xy = buildings.loc[hosts, ["x", "y"]].to_numpy(float)
            index, straight = _nearest(comm_xy, host_xy, cfg.crs)
            walk = straight * cfg.walking.detour_factor
            frame["nearest_building"] = np.array(hosts, dtype=object)[index]
            frame["nearest_name"] = buildings.loc[frame["nearest_building"], "name"].to_numpy()
            frame["distance_m"] = walk
            frame["covered"] = walk <= service.radius_m + DISTANCE_TOLERANCE_M
        else:
            frame["nearest_building"], frame["nearest_name"] = "", ""
            frame["distance_m"], frame["covered"] = np.nan, False
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _by_service(scenario: Scenario, coverage: pd.DataFrame) -> pd.DataFrame:
    services = scenario.config.services
    covered_units = coverage["demand"].where(coverage["covered"], 0.0)
    table = pd.DataFrame({
        "demand": coverage.groupby("service", sort=False)["demand"].sum(),
        "covered": covered_units.groupby(coverage["service"], sort=False).sum(),
    }).reindex(list(services))
    table["share"] = np.where(table["demand"] > 0, table["covered"] / table["demand"].where(table["demand"] > 0, 1), 0.0)
    table["weight"] = [services[k].weight for k in table.index]
    table["weighted_covered"] = table["weight"] * table["covered"]
    table.index.name = "service"
    return table
