"""Who serves whom, in persons: the host serving each community, and why demand is left uncovered.

Persons of the target group are counted as the covered share of the group, so they are right for both demand
rules (units = group × uptake, and units = residents × per_1000_residents / 1000):

    persons(c, s)         = group_s(c)                    (e.g. 60+ residents of community c)
    persons_covered(c, s) = covered_units(c, s) / demand(c, s) × group_s(c)

A link community -> host carries units (from the plan's assignments when capacities apply, else the whole
covered demand goes to the nearest host within reach, as the evaluator decides) and persons in the same ratio.

Uncovered demand has one of three reasons, read off the evaluation:
    out_of_reach   no host of the service within its walking radius;
    capacity_full  hosts within reach, all at capacity (for that service, or the building's shared capacity);
    not_assigned   a host within reach has room but the plan does not send this demand there (a rule such as
                   single-source, or distance decay giving it no credit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.verify.distance import straight, walking_matrix
from siting.verify.evaluate import RADIUS_TOL_M

SHOWN_TOL = 1e-4
"""Relative tolerance of what the reports call full or uncovered: the solver's stages keep each optimum up to a
small relative slack, so a host can end a hair below its capacity; a reader would call it full."""

REASONS: dict[str, tuple[str, str]] = {
    "out_of_reach": ("步行范围内无设施", "no host within walking distance"),
    "capacity_full": ("附近设施已满", "hosts within reach are full"),
    "not_assigned": ("附近设施有余量但未分配", "hosts within reach have room but are not assigned"),
}


def group_persons(result) -> pd.DataFrame:
    """Persons of each service's target group: index = community id, one column per service."""
    groups = result.demand.estimate.groups.reindex(result.scenario.communities.index)
    return pd.DataFrame(
        {key: groups[s.population].to_numpy(float) for key, s in result.scenario.config.services.items()},
        index=result.scenario.communities.index,
    )


def host_names(result) -> pd.Series:
    """Name of every candidate building and existing facility, by id."""
    return pd.concat([result.scenario.buildings["name"], result.scenario.existing["name"]]).astype(str)


def links(result) -> pd.DataFrame:
    """One row per community × service × serving host: community, service, host, units, persons."""
    ev = result.evaluation
    assignments = result.solution.plan.assignments
    if result.spec.capacitated:
        rows = pd.DataFrame(
            [(a.community, a.service, a.building, a.units) for a in assignments],
            columns=["community", "service", "host", "units"],
        )
    else:
        cov = ev.coverage[ev.coverage["covered_units"] > 0]
        rows = pd.DataFrame(
            {
                "community": cov["community"],
                "service": cov["service"],
                "host": cov["nearest_building"],
                "units": cov["covered_units"],
            }
        )
    demand = ev.coverage.set_index(["community", "service"])["demand"]
    persons = group_persons(result).stack()
    key = pd.MultiIndex.from_arrays([rows["community"], rows["service"]])
    need = demand.reindex(key).to_numpy(float)
    ratio = np.where(need > 0, persons.reindex(key).to_numpy(float) / np.where(need > 0, need, 1), 0.0)
    rows["persons"] = rows["units"].to_numpy(float) * ratio
    return rows.sort_values(["community", "service", "units", "host"], ascending=[True, True, False, True]).reset_index(
        drop=True
    )


def served_by(result) -> pd.DataFrame:
    """Per community × service: the hosts serving it, largest share first ("B019; E02") and their names."""
    rows = links(result)
    names = host_names(result)
    rows["host_name"] = names.reindex(rows["host"]).fillna("").to_numpy()
    grouped = rows.groupby(["community", "service"], sort=False)
    return pd.DataFrame(
        {"served_by": grouped["host"].agg("; ".join), "served_by_name": grouped["host_name"].agg("; ".join)}
    )


def host_persons(result) -> pd.Series:
    """Persons of the target groups served by each host (summed over services), by host id."""
    return links(result).groupby("host")["persons"].sum()


def _host_capacity(result) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """Capacity per (host, service) and shared capacity per host (inf = no limit)."""
    cfg, scenario, ev = result.scenario.config, result.scenario, result.evaluation
    per_service: dict[tuple[str, str], float] = {}
    shared: dict[str, float] = {}
    options = scenario.options.set_index(["building", "mode"])["capacity"]
    for r in ev.selected.itertuples():
        for key, area in zip(r.services, r.area_m2):
            per_unit = cfg.services[key].area_per_unit_m2
            per_service[(r.building, key)] = area / per_unit if per_unit else np.inf
        option = options.get((r.building, r.mode), np.nan)
        shared[r.building] = float(option) if pd.notna(option) else np.inf
    for r in ev.existing[ev.existing["status"] == "kept"].itertuples():
        for key in r.services:
            per_service[(r.facility, key)] = float(r.capacity) if pd.notna(r.capacity) else np.inf
        shared[r.facility] = np.inf
    return per_service, shared


def _full(load: float, capacity: float) -> bool:
    return bool(np.isfinite(capacity) and load >= capacity * (1 - SHOWN_TOL) - 1e-9)


def not_covered_reasons(result) -> pd.Series:
    """Reason key per community × service with demand left uncovered (index community, service)."""
    ev, scenario = result.evaluation, result.scenario
    cov = ev.coverage
    left = cov[cov["demand"] - cov["covered_units"] > SHOWN_TOL * np.maximum(cov["demand"], 1)]
    if left.empty:
        return pd.Series(dtype=object, index=pd.MultiIndex.from_tuples([], names=["community", "service"]))
    radius = left["service"].map({k: s.radius_m for k, s in scenario.config.services.items()})
    reach = left["distance_m"].fillna(np.inf).to_numpy() <= radius.to_numpy() + RADIUS_TOL_M
    reasons = np.where(reach, "not_assigned", "out_of_reach").astype(object)
    if result.spec.capacitated and reach.any():
        per_service, shared = _host_capacity(result)
        served = links(result)
        load = served.groupby(["host", "service"])["units"].sum().to_dict()
        total = served.groupby("host")["units"].sum().to_dict()
        full = {
            (host, key): _full(load.get((host, key), 0.0), cap) or _full(total.get(host, 0.0), shared[host])
            for (host, key), cap in per_service.items()
        }
        for key in left["service"][reach].unique():
            hosts = sorted(h for (h, k) in per_service if k == key)
            dist = walking_matrix(scenario, hosts)
            rows = np.flatnonzero(reach & (left["service"].to_numpy() == key))
            comm = scenario.communities.index.get_indexer(left["community"].to_numpy()[rows])
            within = dist[comm] <= scenario.config.services[key].radius_m + RADIUS_TOL_M
            host_full = np.array([full[(h, key)] for h in hosts], bool)
            all_full = (~within | host_full[None, :]).all(axis=1)
            reasons[rows[all_full]] = "capacity_full"
    return pd.Series(reasons, index=pd.MultiIndex.from_arrays([left["community"], left["service"]]))


def building_districts(result, ids: pd.Index) -> np.ndarray:
    """District of each building: its own `district` column, else the district of the nearest community."""
    scenario = result.scenario
    buildings = scenario.buildings.reindex(ids)
    if "district" in buildings:
        own = buildings["district"].fillna("").astype(str).to_numpy()
        if (own != "").all():
            return own
    else:
        own = np.full(len(ids), "", dtype=object)
    communities = scenario.communities
    if "district" not in communities or not len(ids):
        return own
    dist = straight(buildings[["x", "y"]].to_numpy(float), communities[["x", "y"]].to_numpy(float), scenario.config.crs)
    nearest = communities["district"].fillna("").astype(str).to_numpy()[dist.argmin(axis=1)]
    return np.where(own != "", own, nearest).astype(object)
