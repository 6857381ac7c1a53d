"""Today's supply, community by community: where each existing facility is and what each community reaches.

For each existing facility: the community it lies in, its floor area and its places; for each community: the
services it reaches on foot, within each service's radius and within the life circles.

Walking reach comes from the pipeline's own stage (siting.pipeline.compute_reach: coordinates × detour, an OD
table or a network), demand groups from its demand stage; nothing here searches paths again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.demand import DEFAULTS_PATH, DemandEstimate, load_defaults
from siting.demand.parameters import Parameters
from siting.pipeline import compute_reach
from siting.scenario.load import Scenario

NO_DISTRICT = "(无街道 no district)"


@dataclass(frozen=True)
class Supply:
    """Existing supply per community.

    Attributes:
        communities: index = community id: name, district, residents, households, households_source, and the
            persons of each population group the services use (columns named by group).
        facilities: one row per existing facility: facility, name, services (;-joined), community (the
            nearest community centre within the locating radius; "" when none), community_name, district,
            distance_m, floor_area_m2 (NaN = unknown), area_source, capacity (places per hosted service).
        within_radius: bool, communities × services: an existing facility hosting the service lies within
            the service's walking radius.
        nearest_m: communities × services: walking metres to the nearest existing facility hosting the
            service, NaN beyond the locating radius.
        circles: life-circle radius (m) -> bool frame, communities × services, reached within that radius.
        locate_m: the locating radius: the largest radius the audit uses.
        household_size: persons per household used where households are not given, with its source.
    """

    communities: pd.DataFrame
    facilities: pd.DataFrame
    within_radius: pd.DataFrame
    nearest_m: pd.DataFrame
    circles: dict[float, pd.DataFrame]
    locate_m: float
    household_size: tuple[float, str]


def household_size(scenario: Scenario) -> tuple[float, str]:
    """Persons per household of the scenario's demand settings (its override, else the cited default)."""
    section = scenario.config.demand
    defaults = load_defaults(section.shares_path(scenario.path.resolve().parent))
    params = Parameters(defaults, section, section.shares or DEFAULTS_PATH.name)
    size = params.get("household_size")
    used = params.assumptions()[0]
    return size, f"{used.source} [{used.confidence}]"


def community_table(scenario: Scenario, estimate: DemandEstimate, group_by: str) -> tuple[pd.DataFrame, tuple]:
    """Names, districts, residents, households (given, else residents ÷ household size) and group sizes."""
    comm = scenario.communities
    size, source = household_size(scenario)
    given = (
        pd.to_numeric(comm["households"], errors="coerce") if "households" in comm else pd.Series(np.nan, comm.index)
    )
    residents = estimate.groups["total"].reindex(comm.index)
    district = comm[group_by].fillna("").astype(str) if group_by in comm else pd.Series("", index=comm.index)
    table = pd.DataFrame(
        {
            "name": comm["name"].astype(str),
            "district": district.where(district != "", NO_DISTRICT),
            "residents": residents,
            "households": given.fillna(residents / size),
            "households_source": np.where(given.notna(), "given", f"residents ÷ {size:g}"),
        },
        index=comm.index,
    )
    for group in estimate.groups.columns:
        table[group] = estimate.groups[group].reindex(comm.index)
    return table, (size, source)


def _floor_areas(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Floor area of each facility: given; else capacity × m² per unit summed over its services; else NaN."""
    existing, services = scenario.existing, scenario.config.services
    given = existing["floor_area_m2"].to_numpy(float)
    per_unit = np.array(
        [
            sum(services[k].area_per_unit_m2 for k in keys)
            if all(services[k].area_per_unit_m2 for k in keys)
            else np.nan
            for keys in existing["services"]
        ],
        float,
    )
    estimated = existing["capacity"].to_numpy(float) * per_unit
    area = np.where(np.isfinite(given), given, estimated)
    source = np.where(
        np.isfinite(given), "given", np.where(np.isfinite(estimated), "capacity × m² per place (standard)", "unknown")
    )
    return area, source


def existing_supply(scenario: Scenario, estimate: DemandEstimate, circle_radii: tuple[float, ...] = ()) -> Supply:
    """Locate the existing facilities and find what each community reaches on foot.

    Args:
        scenario: the loaded scenario.
        estimate: the demand stage's group sizes (siting.pipeline.compute_demand).
        circle_radii: life-circle walking radii, metres.
    """
    cfg = scenario.config
    keys = list(cfg.services)
    group_by = cfg.model.policy.group_by
    table, size = community_table(scenario, estimate, group_by)
    existing = scenario.existing
    n_candidates, n_comm = len(scenario.buildings), len(table)
    locate = max([*(s.radius_m for s in cfg.services.values()), *circle_radii])
    radii = {f"service:{k}": s.radius_m for k, s in cfg.services.items()}
    radii |= {f"circle:{r!r}": r for r in circle_radii}
    radii["locate"] = locate
    reach = compute_reach(scenario, radii) if len(existing) else {}
    hosts = np.array([[k in services for k in keys] for services in existing["services"]], bool).reshape(-1, len(keys))

    def pairs(name: str) -> pd.DataFrame:
        """(community, facility, distance) pairs of one reach, existing facilities only."""
        if name not in reach:
            return pd.DataFrame({"community": [], "facility": [], "distance": []}).astype({"community": int})
        r = reach[name]
        keep = r.building >= n_candidates
        return pd.DataFrame(
            {
                "community": r.community[keep],
                "facility": r.building[keep] - n_candidates,
                "distance": r.distance_m[keep],
            }
        )

    def reached(frame: pd.DataFrame, service: int) -> np.ndarray:
        mask = np.zeros(n_comm, bool)
        mask[frame["community"].to_numpy(int)[hosts[frame["facility"].to_numpy(int), service]]] = True
        return mask

    within = pd.DataFrame(
        {k: reached(pairs(f"service:{k}"), s) for s, k in enumerate(keys)}, index=table.index, columns=keys
    )
    circles = {
        r: pd.DataFrame({k: reached(pairs(f"circle:{r!r}"), s) for s, k in enumerate(keys)}, index=table.index)
        for r in circle_radii
    }
    near = pairs("locate")
    nearest = np.full((n_comm, len(keys)), np.nan)
    for s in range(len(keys)):
        part = near[hosts[near["facility"].to_numpy(int), s]]
        best = part.groupby("community")["distance"].min()
        nearest[best.index.to_numpy(int), s] = best.to_numpy()
    return Supply(
        communities=table,
        facilities=_facilities(scenario, table, near),
        within_radius=within,
        nearest_m=pd.DataFrame(nearest, index=table.index, columns=keys),
        circles=circles,
        locate_m=locate,
        household_size=size,
    )


def _facilities(scenario: Scenario, table: pd.DataFrame, near: pd.DataFrame) -> pd.DataFrame:
    """Each facility with the community it lies in: the nearest community centre (ties: the first listed)."""
    existing = scenario.existing
    first = near.sort_values(["facility", "distance", "community"]).drop_duplicates("facility")
    community = np.full(len(existing), -1)
    distance = np.full(len(existing), np.nan)
    community[first["facility"].to_numpy(int)] = first["community"].to_numpy(int)
    distance[first["facility"].to_numpy(int)] = first["distance"].to_numpy()
    ids = np.where(community >= 0, table.index.to_numpy(dtype=object)[np.maximum(community, 0)], "")
    area, source = _floor_areas(scenario)
    return pd.DataFrame(
        {
            "facility": existing.index.to_numpy(dtype=object),
            "name": existing["name"].astype(str).to_numpy(),
            "services": [";".join(s) for s in existing["services"]],
            "community": ids,
            "community_name": table["name"].reindex(ids).fillna("").to_numpy(),
            "district": table["district"].reindex(ids).fillna("").to_numpy(),
            "distance_m": distance,
            "floor_area_m2": area,
            "area_source": source,
            "capacity": existing["capacity"].to_numpy(float),
        }
    )


def hosting(facilities: pd.DataFrame, key: str) -> pd.Series:
    """Bool per row of the facilities table: the facility hosts service `key`."""
    return facilities["services"].map(lambda text: key in str(text).split(";")).astype(bool)
