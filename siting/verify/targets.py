"""The minimum reach shares of `model.targets: from_audit`, recomputed from the raw tables for the evaluator.

Independent of the model's index arrays: which sites could host a service is read from the options table
(largest floor area of a building's options against the service's minimum area) and the existing-facilities
table, distances come from siting.verify.distance, and the standards from configs/standards.yaml. A plan's
reach share counts, as the audit does, the demand of communities within the radius of an open host.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.audit.standards import load_standards
from siting.scenario.load import Scenario
from siting.verify.distance import walking_matrix

RADIUS_TOL_M = 1e-6
TOL = 1e-6  # relative, as the evaluator's
SITES_AT_ONCE = 2048  # sites per distance matrix, to bound its memory


def reachable_communities(scenario: Scenario, key: str) -> np.ndarray:
    """Bool per community: some site that could host service `key` lies within its walking radius."""
    service = scenario.config.services[key]
    largest = scenario.options.groupby("building")["floor_area_m2"].max()
    candidates = largest[largest >= service.min_area_m2].index
    candidates = [b for b in scenario.buildings.index if b in set(candidates)]
    facilities = [f for f, keys in zip(scenario.existing.index, scenario.existing["services"]) if key in keys]
    sites = candidates + facilities
    reached = np.zeros(len(scenario.communities), bool)
    for start in range(0, len(sites), SITES_AT_ONCE):
        dist = walking_matrix(scenario, sites[start : start + SITES_AT_ONCE])
        reached |= (dist <= service.radius_m + RADIUS_TOL_M).any(axis=1)
    return reached


def target_shares(scenario: Scenario, demand: pd.DataFrame) -> pd.DataFrame:
    """The minimum reach shares (group, service, share) of targets: from_audit; group "" = in no district.

    Each is min(r_s, ρ): r_s the service's coverage standard, ρ the share of the group's demand for the service
    in communities that some possible host reaches. Empty unless the scenario sets targets: from_audit.
    """
    cfg = scenario.config
    rows = []
    if cfg.model.targets == "from_audit":
        groups = _groups(scenario).to_numpy()
        for key, standard in load_standards().coverage_shares(tuple(cfg.services)).items():
            units = demand[key].reindex(scenario.communities.index).to_numpy(float)
            reached = np.where(reachable_communities(scenario, key), units, 0.0)
            table = pd.DataFrame({"group": groups, "units": units, "reached": reached})
            sums = table.groupby("group", sort=True)[["units", "reached"]].sum()
            for group, r in sums[sums["units"] > 0].iterrows():
                rows.append({"group": group, "service": key, "share": min(standard, r["reached"] / r["units"])})
    return pd.DataFrame(rows, columns=["group", "service", "share"])


def _groups(scenario: Scenario) -> pd.Series:
    """District of each community (policy.group_by; "" = none), indexed by community id."""
    by = scenario.config.model.policy.group_by
    communities = scenario.communities
    return communities[by].fillna("").astype(str) if by in communities else pd.Series("", index=communities.index)


def target_violations(scenario: Scenario, demand: pd.DataFrame, coverage: pd.DataFrame) -> list[str]:
    """The targets the plan misses: its reach share (demand within the radius of an open host) below a minimum.

    Args:
        scenario: the loaded scenario.
        demand: demand units, index = community id, one column per service.
        coverage: the evaluator's coverage table (community, service, demand, distance_m to the nearest open host).
    """
    targets = target_shares(scenario, demand)
    if targets.empty:
        return []
    radius = coverage["service"].map({k: s.radius_m for k, s in scenario.config.services.items()})
    within = coverage["distance_m"].fillna(np.inf) <= radius + RADIUS_TOL_M
    frame = coverage.assign(reached=coverage["demand"].where(within, 0.0))
    frame["group"] = _groups(scenario).reindex(frame["community"]).to_numpy()
    sums = frame.groupby(["group", "service"])[["reached", "demand"]].sum()
    outside = " (communities in no district)" if (targets["group"] != "").any() else ""
    failures = []
    for r in targets.itertuples():
        reached, total = sums.loc[(r.group, r.service)]
        got = reached / total
        if got < r.share * (1 - TOL) - TOL:
            where = f"{r.group}: {r.service}" if r.group else r.service + outside
            failures.append(f"{where}: {got:.2%} of its demand within reach; the audit's targets require {r.share:.2%}")
    return failures
