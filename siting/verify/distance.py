"""Walking distances for the evaluator, recomputed from the raw inputs without the model's reach arrays.

Straight line × detour: brute force over coordinates (planar or haversine), written here again on purpose.
OD table: looked up in the raw table. Network: shortest paths over the raw edge list with scipy's Dijkstra
(the snapping rule is the access module's; that is the one shared definition).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.scenario.load import Scenario

EARTH_RADIUS_M = 6_371_008.8


def straight(a_xy: np.ndarray, b_xy: np.ndarray, crs: str) -> np.ndarray:
    """All-pairs (len(a) × len(b)) straight-line metres: planar or haversine."""
    if crs == "planar":
        return np.sqrt(((a_xy[:, None, :] - b_xy[None, :, :]) ** 2).sum(axis=2))
    lon1, lat1 = np.radians(a_xy[:, 0])[:, None], np.radians(a_xy[:, 1])[:, None]
    lon2, lat2 = np.radians(b_xy[:, 0])[None, :], np.radians(b_xy[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def site_table(scenario: Scenario) -> pd.DataFrame:
    """Coordinates of candidate buildings and existing facilities, by id."""
    return pd.concat([scenario.buildings[["name", "x", "y"]], scenario.existing[["name", "x", "y"]]])


def walking_matrix(scenario: Scenario, sites: list[str]) -> np.ndarray:
    """(n_communities × len(sites)) walking metres; +inf where a pair is not connected."""
    cfg = scenario.config
    communities = scenario.communities
    if not sites:
        return np.zeros((len(communities), 0))
    table = site_table(scenario).loc[sites]
    walking = cfg.walking
    if walking.od_table is not None:
        return _od_matrix(scenario, sites)
    if walking.network is not None:
        return _network_matrix(scenario, table)
    comm_xy = communities[["x", "y"]].to_numpy(float)
    site_xy = table[["x", "y"]].to_numpy(float)
    out = np.empty((len(comm_xy), len(site_xy)))
    for start in range(0, len(comm_xy), 1024):
        out[start : start + 1024] = straight(comm_xy[start : start + 1024], site_xy, cfg.crs) * walking.detour_factor
    return out


def _od_matrix(scenario: Scenario, sites: list[str]) -> np.ndarray:
    from siting.access.od import read_od_table

    cfg = scenario.config
    ids = site_table(scenario).index
    od = read_od_table(
        cfg.walking.od_table,
        base_dir=scenario.path.resolve().parent,
        community_ids=scenario.communities.index,
        building_ids=ids,
        speed_m_per_min=cfg.walking.speed_kmh * 1000 / 60,
    )
    out = np.full((len(scenario.communities), len(sites)), np.inf)
    column = pd.Index(sites).get_indexer(ids[od.building])
    keep = column >= 0
    out[od.community[keep], column[keep]] = od.distance_m[keep]
    return out


def _network_matrix(scenario: Scenario, table: pd.DataFrame) -> np.ndarray:
    from siting.access.network import network_reach_pairs, read_network

    cfg = scenario.config
    net_cfg = cfg.walking.network
    net = read_network(net_cfg.nodes, net_cfg.edges, base_dir=scenario.path.resolve().parent, crs=cfg.crs)
    pairs = network_reach_pairs(
        net, scenario.communities[["x", "y"]].to_numpy(float), table[["x", "y"]].to_numpy(float), np.inf, crs=cfg.crs
    )
    out = np.full((len(scenario.communities), len(table)), np.inf)
    out[pairs.community, pairs.building] = pairs.distance_m
    return out
