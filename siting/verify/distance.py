"""Walking distances for the evaluator, recomputed from the raw inputs without the model's reach arrays.

Straight line × detour: brute force over coordinates (planar or haversine), written here again on purpose.
OD table: looked up in the raw table. Network: the raw node and edge tables, snapped by brute force and
searched with scipy's Dijkstra. Nothing here imports siting.access: a wrong distance there is caught here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.scenario.load import Scenario
from siting.scenario.schema import minutes_to_metres

EARTH_RADIUS_M = 6_371_008.8


def metres_between(a_xy: np.ndarray, b_xy: np.ndarray, crs: str) -> np.ndarray:
    """Straight-line metres between points a and b, element by element (broadcasting): planar or haversine."""
    if crs == "planar":
        return np.sqrt(((a_xy - b_xy) ** 2).sum(axis=-1))
    lon1, lat1 = np.radians(a_xy[..., 0]), np.radians(a_xy[..., 1])
    lon2, lat2 = np.radians(b_xy[..., 0]), np.radians(b_xy[..., 1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def straight(a_xy: np.ndarray, b_xy: np.ndarray, crs: str) -> np.ndarray:
    """All-pairs (len(a) × len(b)) straight-line metres: planar or haversine."""
    return metres_between(a_xy[:, None, :], b_xy[None, :, :], crs)


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


def _raw(scenario: Scenario, source, label: str) -> pd.DataFrame:
    """A raw table of the scenario, read and checked column by column as the planner reads it.

    Other header names, units in brackets, thousands separators and the header row are understood; numbers come
    back as float, ids as stripped text.
    """
    from siting.scenario.columns import TABLES
    from siting.scenario.tables import read_checked

    columns = TABLES[label](scenario.config.crs)
    frame, _ = read_checked(source, columns, base_dir=scenario.path.resolve().parent, label=label)
    return frame


def _od_matrix(scenario: Scenario, sites: list[str]) -> np.ndarray:
    """Distances looked up in the raw OD table: walk_m as given, or walk_min × walking speed; unlisted = inf."""
    cfg = scenario.config
    od = _raw(scenario, cfg.walking.od_table, "walking.od_table")
    if "walk_m" in od:
        metres = od["walk_m"].to_numpy(float)
    else:
        metres = minutes_to_metres(od["walk_min"].to_numpy(float), cfg.walking.speed_kmh)
    row = scenario.communities.index.get_indexer(od["community"])
    column = pd.Index(sites).get_indexer(od["building"])
    keep = (row >= 0) & (column >= 0)
    out = np.full((len(scenario.communities), len(sites)), np.inf)
    out[row[keep], column[keep]] = metres[keep]
    return out


def _network_matrix(scenario: Scenario, table: pd.DataFrame) -> np.ndarray:
    """Snap to the nearest node with an edge (brute force), then shortest paths over the raw edge list.

    Edges are undirected; a pair given twice keeps its shorter length; an edge from a node to itself is
    ignored; without length_m an edge is as long as the straight line between its nodes.
    """
    cfg = scenario.config
    nodes = _raw(scenario, cfg.walking.network.nodes, "walking.network.nodes")
    edges = _raw(scenario, cfg.walking.network.edges, "walking.network.edges")
    ids = pd.Index(nodes["id"])
    xy = nodes[["x", "y"]].to_numpy(float)
    u = ids.get_indexer(edges["from"])
    v = ids.get_indexer(edges["to"])
    if "length_m" in edges:
        length = edges["length_m"].to_numpy(float)
    else:
        length = metres_between(xy[u], xy[v], cfg.crs)
    loop = u == v
    u, v, length = u[~loop], v[~loop], length[~loop]
    n = len(ids)
    # a pair given more than once keeps its shortest length
    pairs = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v), "d": length}).groupby(["a", "b"])["d"].min()
    a, b = pairs.index.get_level_values(0).to_numpy(), pairs.index.get_level_values(1).to_numpy()
    graph = sp.csr_matrix((np.r_[pairs.to_numpy(), pairs.to_numpy()], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    on_network = np.flatnonzero(np.bincount(np.r_[a, b], minlength=n) > 0)

    def snap(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        node, gap = np.empty(len(points), np.int64), np.empty(len(points))
        for start in range(0, len(points), 256):
            d = straight(points[start : start + 256], xy[on_network], cfg.crs)
            k = d.argmin(axis=1)
            node[start : start + 256], gap[start : start + 256] = on_network[k], d[np.arange(len(k)), k]
        return node, gap

    c_node, c_gap = snap(scenario.communities[["x", "y"]].to_numpy(float))
    s_node, s_gap = snap(table[["x", "y"]].to_numpy(float))
    from scipy.sparse import csgraph  # only networks need it, and it takes a tenth of a second to load

    origins, back = np.unique(c_node, return_inverse=True)
    out = np.empty((len(c_node), len(s_node)))
    for start in range(0, len(origins), 256):
        paths = csgraph.dijkstra(graph, directed=False, indices=origins[start : start + 256])[:, s_node]
        rows = np.flatnonzero((back >= start) & (back < start + 256))
        out[rows] = c_gap[rows, None] + paths[back[rows] - start] + s_gap[None, :]
    return out
