"""Walking distances along a walking network (an edge list), by shortest paths.

File formats (CSV, XLSX or inline lists; other columns are ignored):

* nodes: `id, x, y`: unique node id; coordinates in the scenario's crs (planar metres, or lon/lat degrees).
* edges: `from, to[, length_m]`: node ids of the two ends and the walking length in metres (finite, ≥ 0).
  Edges are undirected (walkers may go both ways). Without a `length_m` column, each edge's length is the
  straight-line (planar) or great-circle (lon/lat) distance between its nodes.
  Rule for repeated edges: an edge given more than once between the same two nodes, in either direction, keeps
  its shortest length (parallel paths: the walker takes the shorter one). An edge from a node to itself is
  ignored.

Walking distance of a community-building pair = distance from the community to its nearest network node
(straight line, "snapping") + shortest network path between the two nodes + distance from the building's
nearest node to the building. Only nodes with at least one edge are snapped to. Shortest paths come from
`scipy.sparse.csgraph.dijkstra`, run from the distinct snapped community nodes only and stopped at the radius
(`limit`), in chunks of origins so that the (chunk × nodes) distance arrays stay within a memory budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from siting.access.common import lookup_ids
from siting.access.walking import RADIUS_TOLERANCE_M, ReachPairs, straight_distance, unit_sphere
from siting.errors import InputError
from siting.scenario.columns import EDGE_COLUMNS, node_columns
from siting.scenario.tables import read_checked

CRS_CHOICES = ("planar", "lonlat")
DEFAULT_MEMORY_MB = 256.0


@dataclass(frozen=True)
class WalkNetwork:
    """An undirected walking network.

    Attributes:
        node_ids: node ids (text), in the nodes table's row order.
        xy: (n, 2) float node coordinates in `crs`.
        edge_from: (k,) int64 row index of one end of each edge (after removing repeats: edge_from < edge_to).
        edge_to: (k,) int64 row index of the other end.
        length_m: (k,) float edge lengths in metres.
        graph: (n, n) symmetric CSR matrix of edge lengths (both directions stored; zero-length edges are
            explicit entries).
        crs: "planar" (metres) or "lonlat" (degrees).
        where: the nodes file name (for messages).
    """

    node_ids: np.ndarray
    xy: np.ndarray
    edge_from: np.ndarray
    edge_to: np.ndarray
    length_m: np.ndarray
    graph: sp.csr_matrix
    crs: str = "planar"
    where: str = ""

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of distinct undirected edges."""
        return len(self.edge_from)

    @classmethod
    def from_arrays(
        cls,
        node_ids: Sequence,
        xy: np.ndarray,
        edge_from: np.ndarray,
        edge_to: np.ndarray,
        length_m: np.ndarray | None = None,
        *,
        crs: str = "planar",
        where: str = "",
    ) -> WalkNetwork:
        """Build a network from arrays; repeated edges keep the shortest length, self-loops are dropped.

        Args:
            node_ids: node ids, one per row of xy.
            xy: (n, 2) node coordinates in crs.
            edge_from: row indices (into xy) of one end of each edge.
            edge_to: row indices of the other end.
            length_m: edge lengths in metres (≥ 0); None = straight-line distance between the ends.
            crs: "planar" or "lonlat".
            where: the file name for messages.
        """
        if crs not in CRS_CHOICES:
            raise ValueError(f"crs must be one of {CRS_CHOICES}, got {crs!r}")
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        u = np.asarray(edge_from, dtype=np.int64).ravel()
        v = np.asarray(edge_to, dtype=np.int64).ravel()
        if len(u) != len(v) or (len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n)):
            raise ValueError("edge_from / edge_to must be equally long row indices into xy")
        if length_m is None:
            length = straight_distance(xy[u], xy[v], crs)
        else:
            length = np.asarray(length_m, dtype=float).ravel()
            if len(length) != len(u) or not np.all(np.isfinite(length)) or np.any(length < 0):
                raise ValueError("length_m must hold one finite length ≥ 0 per edge")
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        loop = lo == hi
        lo, hi, length = lo[~loop], hi[~loop], length[~loop]
        order = np.lexsort((length, hi, lo))  # per node pair, the shortest first
        lo, hi, length = lo[order], hi[order], length[order]
        first = np.ones(len(lo), dtype=bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        lo, hi, length = lo[first], hi[first], length[first]
        graph = sp.csr_matrix(
            (np.concatenate([length, length]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))), shape=(n, n)
        )
        return cls(np.asarray(node_ids, dtype=object), xy, lo, hi, length, graph, crs, where)


def read_network(
    nodes_source: Any,
    edges_source: Any,
    *,
    base_dir: Path,
    crs: str = "planar",
    nodes_sheet: str | None = None,
    edges_sheet: str | None = None,
    nodes_label: str = "walking_nodes",
    edges_label: str = "walking_edges",
) -> WalkNetwork:
    """Read a walking network from a nodes table and an edges table (formats in the module docstring).

    Args:
        nodes_source: nodes table: a path relative to base_dir (.csv/.xlsx), an inline list, or {path, sheet}.
        edges_source: edges table, likewise.
        base_dir: the scenario file's folder.
        crs: "planar" (x, y in metres) or "lonlat" (x = longitude, y = latitude, degrees).
        nodes_sheet: Excel sheet of the nodes table.
        edges_sheet: Excel sheet of the edges table.
        nodes_label: scenario key of the nodes table (messages).
        edges_label: scenario key of the edges table (messages).

    Raises:
        InputError: naming the file, row and field: missing columns, duplicate or empty node ids, non-numeric
            coordinates, latitudes beyond ±90°, edges naming unknown nodes, negative or non-numeric lengths,
            a network without edges.
    """
    if crs not in CRS_CHOICES:
        raise ValueError(f"crs must be one of {CRS_CHOICES}, got {crs!r}")
    nodes, nodes_where = read_checked(
        nodes_source, node_columns(crs), base_dir=base_dir, label=nodes_label, sheet=nodes_sheet
    )
    xy = nodes[["x", "y"]].to_numpy(dtype=float)
    edges, edges_where = read_checked(
        edges_source, EDGE_COLUMNS, base_dir=base_dir, label=edges_label, sheet=edges_sheet
    )
    node_ids = pd.Index(nodes["id"])
    u = lookup_ids(edges["from"], node_ids, where=edges_where, field="from", what="node")
    v = lookup_ids(edges["to"], node_ids, where=edges_where, field="to", what="node")
    length = edges["length_m"].to_numpy(dtype=float) if "length_m" in edges.columns else None
    net = WalkNetwork.from_arrays(node_ids.to_numpy(), xy, u, v, length, crs=crs, where=nodes_where)
    if net.n_edges == 0:
        raise InputError("the network has no edges between two different nodes", file=edges_where)
    return net


def snap_to_network(net: WalkNetwork, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest network node (with at least one edge) of each point and the straight-line metres to it.

    Args:
        net: the network.
        points: (n, 2) coordinates in the network's crs.

    Returns:
        (node row index int64, distance in metres float) per point.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    degree = np.diff(net.graph.indptr)
    candidates = np.flatnonzero(degree > 0)
    if len(candidates) == 0:
        raise InputError("the network has no edges", file=net.where)
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if net.crs == "planar":
        distance, k = cKDTree(net.xy[candidates]).query(points)
        return candidates[k].astype(np.int64), np.asarray(distance, dtype=float)
    # the chord on the unit sphere is monotone in the great-circle angle: nearest chord = nearest node
    _, k = cKDTree(unit_sphere(net.xy[candidates])).query(unit_sphere(points))
    node = candidates[k].astype(np.int64)
    return node, straight_distance(points, net.xy[node], "lonlat")


def network_reach_pairs(
    net: WalkNetwork,
    origins_xy: np.ndarray,
    targets_xy: np.ndarray,
    radius_m: float,
    *,
    crs: str = "planar",
    snap_max_m: float | None = None,
    origin_ids: Sequence | None = None,
    target_ids: Sequence | None = None,
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> ReachPairs:
    """All (community, building) pairs whose network walking distance is within radius_m (+1 µm).

    Walking distance = snap distance of the community + shortest network path + snap distance of the
    building (see the module docstring). Pairs snapped to nodes in different network components are
    unreachable.

    Args:
        net: the walking network.
        origins_xy: (n, 2) community coordinates in crs.
        targets_xy: (m, 2) building coordinates in crs.
        radius_m: walking radius in metres.
        crs: "planar" or "lonlat"; must be the network's crs.
        snap_max_m: largest allowed distance from a community or building to its nearest node; None = any.
        origin_ids: community ids for messages (default: row numbers).
        target_ids: building ids for messages.
        memory_mb: budget for the per-chunk shortest-path arrays (chunk × nodes float64).

    Returns:
        ReachPairs sorted by community then building.

    Raises:
        InputError: a community or building is farther than snap_max_m from every node (names the first).
    """
    if crs != net.crs:
        raise ValueError(f"the network was read with crs {net.crs!r}, the points are in {crs!r}")
    origins = np.asarray(origins_xy, dtype=float).reshape(-1, 2)
    targets = np.asarray(targets_xy, dtype=float).reshape(-1, 2)
    o_node, o_snap = snap_to_network(net, origins)
    t_node, t_snap = snap_to_network(net, targets)
    if snap_max_m is not None:
        _check_snap(net, origins, o_node, o_snap, snap_max_m, origin_ids, "communities", "community")
        _check_snap(net, targets, t_node, t_snap, snap_max_m, target_ids, "buildings", "building")
    reach = radius_m + RADIUS_TOLERANCE_M
    empty = ReachPairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    o_rows, t_rows = np.flatnonzero(o_snap <= reach), np.flatnonzero(t_snap <= reach)
    if len(o_rows) == 0 or len(t_rows) == 0:
        return empty
    # group the points by node; the graph is undirected, so run dijkstra from the side with fewer nodes
    origin_group, target_group = _Group.of(o_rows, o_node, o_snap), _Group.of(t_rows, t_node, t_snap)
    swap = len(target_group.nodes) < len(origin_group.nodes)
    src, dst = (target_group, origin_group) if swap else (origin_group, target_group)
    bytes_per_row = 8.0 * net.n_nodes + 25.0 * len(dst.nodes)  # dijkstra rows; gathered, sums, mask
    chunk = int(max(1, min(len(src.nodes), memory_mb * 2**20 // bytes_per_row)))
    slack = 1e-9 * (1.0 + abs(reach))  # float rounding: sums in another order may differ by a few ulps
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for a in range(0, len(src.nodes), chunk):
        b = min(a + chunk, len(src.nodes))
        limit = reach - src.least[a:b].min() - dst.least.min()
        if limit < -slack:
            continue
        dist = dijkstra(net.graph, directed=True, indices=src.nodes[a:b], limit=max(limit, 0.0) + slack)
        sub = dist[:, dst.nodes]
        del dist
        # node pairs that may hold a member pair within reach; the exact test is on each member pair below
        r, c = np.nonzero((src.least[a:b, None] + sub) + dst.least[None, :] <= reach + slack)
        if len(r):
            src_member, dst_member, k = _expand(src, dst, r + a, c)
            origin, target = (dst_member, src_member) if swap else (src_member, dst_member)
            walk = (o_snap[origin] + sub[r, c][k]) + t_snap[target]
            keep = walk <= reach
            parts.append((origin[keep], target[keep], walk[keep]))
    if not parts:
        return empty
    origin = np.concatenate([p[0] for p in parts])
    target = np.concatenate([p[1] for p in parts])
    walk = np.concatenate([p[2] for p in parts])
    order = np.lexsort((target, origin))
    return ReachPairs(origin[order], target[order], walk[order])


@dataclass(frozen=True)
class _Group:
    """Points grouped by their snapped node: members sorted by node, and per distinct node its slice."""

    members: np.ndarray  # point row indices, sorted by node
    nodes: np.ndarray  # distinct nodes
    start: np.ndarray  # first position in members of each node's points
    count: np.ndarray  # number of points at each node
    least: np.ndarray  # least snap distance at each node

    @classmethod
    def of(cls, rows: np.ndarray, node: np.ndarray, snap: np.ndarray) -> _Group:
        members = rows[np.argsort(node[rows], kind="stable")]
        nodes, start, count = np.unique(node[members], return_index=True, return_counts=True)
        least = np.minimum.reduceat(snap[members], start)
        return cls(members.astype(np.int64), nodes.astype(np.int64), start, count, least)


def _expand(src: _Group, dst: _Group, r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
    """Node pairs (src.nodes[r], dst.nodes[c]) → all their member point pairs and the node pair of each."""
    count = src.count[r] * dst.count[c]
    k = np.repeat(np.arange(len(r)), count)
    pos = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    per_dst = dst.count[c][k]
    return src.members[src.start[r][k] + pos // per_dst], dst.members[dst.start[c][k] + pos % per_dst], k


def _check_snap(net, points, node, snap, snap_max_m, ids, where, what) -> None:
    far = snap > snap_max_m
    if not far.any():
        return
    i = int(np.flatnonzero(far)[0])
    name = f"'{ids[i]}'" if ids is not None else f"in row {i + 2}"
    more = int(far.sum()) - 1
    raise InputError(
        f"{what} {name} at ({points[i, 0]:g}, {points[i, 1]:g}) is {snap[i]:.1f} m from the "
        f"nearest walking-network node '{net.node_ids[node[i]]}'; at most snap_max_m = "
        f"{snap_max_m:g} m is allowed (extend the network near it or raise snap_max_m)"
        + (f"; {more} more {what}(s) are too far" if more else ""),
        file=where,
        row=i + 2,  # as a spreadsheet shows it: the header is row 1
        field="x",
    )
