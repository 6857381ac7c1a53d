"""Walking distances from OD tables and walking networks (siting.access.od, siting.access.network).

Timing of network_reach_pairs (test_city_scale_timing prints it; 2-core machine under load): 20,164-node grid
(142 × 142, 25 m spacing, 40,044 edges), 2,000 communities, 5,000 buildings, uniformly spread:
radius 1,175 m (15 min at 4.7 km/h): 1.69 M pairs in 1.8-2.4 s, peak ~265 MB (dijkstra ~1.3 s of it);
radius 500 m: 0.34 M pairs in 1.0-1.3 s. (Straight line × detour, walking.reach_pairs: 0.75 s and 0.1 s.)
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import shortest_path

from siting.access.network import WalkNetwork, network_reach_pairs, read_network, snap_to_network
from siting.access.od import OdTable, od_reach_pairs, read_od_table
from siting.access.walking import reach_pairs
from siting.errors import InputError
from siting.scenario.schema import minutes_to_metres, speed_m_per_min
from tests.conftest import write_csv

# ----------------------------------------------------------------------------------------------------
# units


def test_minutes_to_metres():
    assert minutes_to_metres(15, 4.7) == pytest.approx(1175.0)
    assert speed_m_per_min(4.7) == pytest.approx(78.3333333)
    assert np.allclose(minutes_to_metres(np.array([0.0, 10.0]), 6.0), [0.0, 1000.0])
    with pytest.raises(ValueError):
        minutes_to_metres(15, 0.0)


# ----------------------------------------------------------------------------------------------------
# walking network: a river with one bridge
#
#   north bank  n0 ---- n1 ---- n2 ---- n3 ---- n4      y = +50
#                                                |  bridge (100 m)
#   south bank  s0 ---- s1 ---- s2 ---- s3 ---- s4      y = -50
#               x=0    100     200     300     400
#
# s0 → n0 is 100 m straight across the river but 400 + 100 + 400 = 900 m on foot.


def river_rows() -> tuple[list[dict], list[dict]]:
    nodes = [{"id": f"{bank}{i}", "x": 100 * i, "y": 50 if bank == "n" else -50} for bank in "sn" for i in range(5)]
    edges = [{"from": f"{bank}{i}", "to": f"{bank}{i + 1}", "length_m": 100} for bank in "sn" for i in range(4)]
    edges.append({"from": "s4", "to": "n4", "length_m": 100})
    return nodes, edges


def river(tmp_path: Path) -> WalkNetwork:
    nodes, edges = river_rows()
    write_csv(tmp_path / "nodes.csv", nodes)
    write_csv(tmp_path / "edges.csv", edges)
    return read_network("nodes.csv", "edges.csv", base_dir=tmp_path)


def test_river_network_distance_is_the_path_not_the_straight_line(tmp_path):
    net = river(tmp_path)
    assert (net.n_nodes, net.n_edges) == (10, 9)
    origins = np.array([[0.0, -50.0]])  # on s0
    targets = np.array([[0.0, 50.0], [400.0, -50.0]])  # on n0 (across the river), on s4 (same bank)
    straight = reach_pairs(origins, targets, 500.0)
    assert straight.building.tolist() == [0, 1]  # n0 100 m, s4 400 m in a straight line
    pairs = network_reach_pairs(net, origins, targets, 500.0)
    assert pairs.community.tolist() == [0]
    assert pairs.building.tolist() == [1]  # only s4, 400 m along the bank
    assert pairs.distance_m.tolist() == [400.0]
    full = network_reach_pairs(net, origins, targets, 2000.0)
    assert full.building.tolist() == [0, 1]
    assert full.distance_m.tolist() == [900.0, 400.0]  # 400 + bridge 100 + 400


@pytest.mark.parametrize("crs", ["planar", "lonlat"])
def test_small_instances_computing_every_distance_find_the_kd_tree_pairs(monkeypatch, crs):
    import siting.access.walking as walking

    rng = np.random.default_rng(7)
    if crs == "planar":
        origins, targets, radius = rng.uniform(0, 3_000, (300, 2)), rng.uniform(0, 3_000, (500, 2)), 450.0
        targets[:5] = origins[:5] + [[450.0, 0.0]]  # exactly on the radius
        detour = 1.0
    else:
        origins = rng.uniform([116.3, 39.8], [116.4, 39.9], (300, 2))
        targets = rng.uniform([116.3, 39.8], [116.4, 39.9], (500, 2))
        radius, detour = 700.0, 1.3
    found = {}
    for limit in (10**9, 0):  # every distance, then the tree
        monkeypatch.setattr(walking, "BRUTE_FORCE_PAIRS", limit)
        found[limit] = reach_pairs(origins, targets, radius, crs=crs, detour_factor=detour)
    brute, tree = found[10**9], found[0]
    assert len(brute) > 1000
    if crs == "planar":
        assert {(i, i) for i in range(5)} <= set(zip(brute.community.tolist(), brute.building.tolist()))
    for name in ("community", "building", "distance_m"):
        assert np.array_equal(getattr(brute, name), getattr(tree, name)), name


def test_pairs_exactly_at_the_radius_are_kept(tmp_path):
    net = river(tmp_path)
    origins = np.array([[0.0, -50.0]])
    targets = np.array([[0.0, 50.0]])
    at = network_reach_pairs(net, origins, targets, 900.0)
    assert at.distance_m.tolist() == [900.0]
    assert len(network_reach_pairs(net, origins, targets, 899.99)) == 0
    # float rounding: 0.1 + 0.2 = 0.30000000000000004 > 0.3, still within the 1 µm tolerance
    tiny = WalkNetwork.from_arrays(["a", "b", "c"], [[0, 0], [0.1, 0], [0.3, 0]], [0, 1], [1, 2], [0.1, 0.2])
    pairs = network_reach_pairs(tiny, [[0.0, 0.0]], [[0.3, 0.0]], 0.3)
    assert len(pairs) == 1 and pairs.distance_m[0] == pytest.approx(0.3)
    # with snapping distances: 10 + 200 + 5 = 215 exactly on the radius
    line = WalkNetwork.from_arrays(["a", "b", "c"], [[0, 0], [100, 0], [200, 0]], [0, 1], [1, 2])
    pairs = network_reach_pairs(line, [[0.0, 10.0]], [[200.0, -5.0]], 215.0)
    assert pairs.distance_m.tolist() == [215.0]
    assert len(network_reach_pairs(line, [[0.0, 10.0]], [[200.0, -5.0]], 214.999)) == 0


def test_snapping_distances_are_added(tmp_path):
    net = river(tmp_path)
    origins = np.array([[0.0, -80.0], [190.0, 60.0]])  # 30 m from s0; 10 m east + 10 m north of n2
    targets = np.array([[390.0, 60.0]])  # nearest node n4, hypot(10, 10) away
    node, snap = snap_to_network(net, np.vstack([origins, targets]))
    assert [net.node_ids[i] for i in node] == ["s0", "n2", "n4"]
    assert snap == pytest.approx([30.0, np.hypot(10, 10), np.hypot(10, 10)])
    pairs = network_reach_pairs(net, origins, targets, 1000.0)
    assert pairs.community.tolist() == [0, 1]
    assert pairs.distance_m == pytest.approx([30 + 400 + 100 + np.hypot(10, 10), np.hypot(10, 10) * 2 + 200])
    # the same point snapped to the same node: walking distance = the two snap distances
    same = network_reach_pairs(net, [[0.0, -80.0]], [[0.0, -60.0]], 50.0)
    assert same.distance_m == pytest.approx([40.0])


def test_isolated_nodes_are_not_snapped_to():
    net = WalkNetwork.from_arrays(["a", "b", "lonely"], [[0, 0], [100, 0], [50, 1]], [0], [1])
    node, snap = snap_to_network(net, np.array([[50.0, 0.0]]))
    assert net.node_ids[node[0]] in ("a", "b") and snap[0] == pytest.approx(50.0)


def test_duplicate_edges_keep_the_shortest(tmp_path):
    write_csv(tmp_path / "nodes.csv", [{"id": "a", "x": 0, "y": 0}, {"id": "b", "x": 100, "y": 0}])
    write_csv(
        tmp_path / "edges.csv",
        [
            {"from": "a", "to": "b", "length_m": 150},
            {"from": "b", "to": "a", "length_m": 120},
            {"from": "a", "to": "b", "length_m": 130},
            {"from": "a", "to": "a", "length_m": 5},
        ],
    )  # self-loop: ignored
    net = read_network("nodes.csv", "edges.csv", base_dir=tmp_path)
    assert net.n_edges == 1 and net.length_m.tolist() == [120.0]
    assert net.graph[0, 1] == 120.0 and net.graph[1, 0] == 120.0
    pairs = network_reach_pairs(net, [[0.0, 0.0]], [[100.0, 0.0]], 125.0)
    assert pairs.distance_m.tolist() == [120.0]


def test_lengths_default_to_straight_line_and_zero_length_edges_count(tmp_path):
    write_csv(
        tmp_path / "nodes.csv",
        [{"id": "a", "x": 0, "y": 0}, {"id": "b", "x": 30, "y": 40}, {"id": "c", "x": 30, "y": 40}],
    )
    write_csv(tmp_path / "edges.csv", [{"from": "a", "to": "b"}])
    net = read_network("nodes.csv", "edges.csv", base_dir=tmp_path)
    assert net.length_m.tolist() == [50.0]
    zero = WalkNetwork.from_arrays(["a", "b", "c"], [[0, 0], [30, 40], [30, 40]], [0, 1], [1, 2], [50.0, 0.0])
    dist = network_reach_pairs(zero, [[0.0, 0.0]], [[30.0, 40.0]], 60.0)
    assert dist.distance_m.tolist() == [50.0]
    assert shortest_path(zero.graph, indices=[0])[0, 2] == 50.0  # the zero-length edge b-c is an edge
    assert zero.graph.nnz == 4


def test_lonlat_network_uses_great_circle_metres():
    from siting.access.walking import straight_distance

    xy = np.array([[116.30, 39.90], [116.31, 39.90], [116.31, 39.91]])
    net = WalkNetwork.from_arrays(["a", "b", "c"], xy, [0, 1], [1, 2], crs="lonlat")
    origin, target = np.array([[116.30, 39.8995]]), np.array([[116.3105, 39.91]])
    expected = (
        straight_distance(origin, xy[[0]], "lonlat")[0]
        + net.length_m.sum()
        + straight_distance(target, xy[[2]], "lonlat")[0]
    )
    pairs = network_reach_pairs(net, origin, target, 5000.0, crs="lonlat")
    assert pairs.distance_m == pytest.approx([expected], rel=1e-12)
    assert 850 < net.length_m[0] < 860  # 0.01° of longitude at 39.9° N ≈ 853 m
    with pytest.raises(ValueError):
        network_reach_pairs(net, origin, target, 5000.0)  # planar points on a lon/lat network


def test_snap_max_names_the_point(tmp_path):
    net = river(tmp_path)
    with pytest.raises(InputError) as err:
        network_reach_pairs(
            net, [[0.0, -50.0]], [[0.0, 40.0], [1000.0, 10.0]], 500.0, snap_max_m=200.0, target_ids=["B1", "B2"]
        )
    e = err.value
    assert (e.file, e.row, e.field) == ("buildings", 3, "x")
    assert "'B2'" in str(e) and "'n4'" in str(e) and "601.3 m" in str(e)
    # within the limit: fine
    assert len(network_reach_pairs(net, [[0.0, -50.0]], [[0.0, 40.0]], 2000.0, snap_max_m=200.0)) == 1


def random_grid(rng: np.random.Generator, side: int, spacing: float) -> WalkNetwork:
    """A side × side grid with jittered nodes, lengths ≥ the straight line, and 15 % of the edges removed."""
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    jitter = rng.uniform(-0.2, 0.2, (side * side, 2))
    xy = (np.column_stack([gx.ravel(), gy.ravel()]) + jitter) * spacing
    index = np.arange(side * side).reshape(side, side)
    u = np.concatenate([index[:-1, :].ravel(), index[:, :-1].ravel()])
    v = np.concatenate([index[1:, :].ravel(), index[:, 1:].ravel()])
    keep = rng.random(len(u)) > 0.15
    u, v = u[keep], v[keep]
    length = np.hypot(*(xy[u] - xy[v]).T) * rng.uniform(1.0, 1.5, len(u))
    return WalkNetwork.from_arrays([f"n{i}" for i in range(side * side)], xy, u, v, length)


@pytest.mark.parametrize("memory_mb", [256.0, 1e-6])  # 1e-6 MB: one origin node per dijkstra chunk
def test_network_agrees_with_brute_force_all_pairs(memory_mb):
    rng = np.random.default_rng(20240611)
    net = random_grid(rng, side=14, spacing=50.0)
    origins = rng.uniform(-60, 700, (70, 2))
    targets = rng.uniform(-60, 700, (90, 2))
    targets[:5] = origins[:5] + 1.0  # some targets share an origin's node
    radius = 420.0
    pairs = network_reach_pairs(net, origins, targets, radius, memory_mb=memory_mb)

    # brute force: full all-pairs shortest paths, nearest node by a full distance matrix (nodes with edges)
    all_paths = shortest_path(net.graph, directed=False)
    has_edge = np.diff(net.graph.indptr) > 0

    def nearest(points):
        d = np.hypot(points[:, None, 0] - net.xy[None, :, 0], points[:, None, 1] - net.xy[None, :, 1])
        d[:, ~has_edge] = np.inf
        return d.argmin(axis=1), d.min(axis=1)

    on, od = nearest(origins)
    tn, td = nearest(targets)
    walk = od[:, None] + all_paths[on][:, tn] + td[None, :]
    ci, bi = np.nonzero(walk <= radius + 1e-6)
    assert len(ci) > 50 and len(ci) < walk.size / 2  # a meaningful, non-trivial test
    assert pairs.community.tolist() == ci.tolist()
    assert pairs.building.tolist() == bi.tolist()
    assert pairs.distance_m == pytest.approx(walk[ci, bi], rel=1e-12, abs=1e-9)
    # the other way round (dijkstra then runs from the side with fewer distinct nodes: the other side)
    assert len(np.unique(tn)) > len(np.unique(on))
    back = network_reach_pairs(net, targets, origins, radius, memory_mb=memory_mb)
    back_b, back_c = np.nonzero(walk.T <= radius + 1e-6)
    assert back.community.tolist() == back_b.tolist() and back.building.tolist() == back_c.tolist()
    assert back.distance_m == pytest.approx(walk.T[back_b, back_c], rel=1e-12, abs=1e-9)
    # never shorter than the straight line
    straight = np.hypot(*(origins[ci] - targets[bi]).T)
    assert np.all(pairs.distance_m >= straight - 1e-9)


@pytest.mark.slow
def test_city_scale_timing():
    """2,000 origins, 5,000 targets, ~20,000-node grid; prints the time (no assertion on the speed)."""
    rng = np.random.default_rng(7)
    side, spacing = 142, 25.0
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.column_stack([gx.ravel(), gy.ravel()]) * spacing
    index = np.arange(side * side).reshape(side, side)
    u = np.concatenate([index[:-1, :].ravel(), index[:, :-1].ravel()])
    v = np.concatenate([index[1:, :].ravel(), index[:, 1:].ravel()])
    net = WalkNetwork.from_arrays(np.arange(side * side).astype(str), xy, u, v)
    extent = side * spacing
    origins, targets = rng.uniform(0, extent, (2000, 2)), rng.uniform(0, extent, (5000, 2))
    start = time.perf_counter()
    pairs = network_reach_pairs(net, origins, targets, minutes_to_metres(15, 4.7))
    seconds = time.perf_counter() - start
    print(
        f"\nnetwork_reach_pairs: {net.n_nodes} nodes, {net.n_edges} edges, 2000 × 5000 points, "
        f"{len(pairs)} pairs in {seconds:.2f} s"
    )
    assert len(pairs) > 0 and np.all(pairs.distance_m <= 1175.0 + 1e-6)
    # on a street grid the walking distance is at least the Manhattan distance minus the two snaps
    manhattan = np.abs(origins[pairs.community] - targets[pairs.building]).sum(axis=1)
    assert np.all(pairs.distance_m >= manhattan - 2 * spacing * np.sqrt(2) - 1e-6)


# ----------------------------------------------------------------------------------------------------
# network input errors


def network_error(tmp_path, nodes, edges) -> InputError:
    write_csv(tmp_path / "nodes.csv", nodes)
    write_csv(tmp_path / "edges.csv", edges)
    with pytest.raises(InputError) as err:
        read_network("nodes.csv", "edges.csv", base_dir=tmp_path)
    return err.value


def test_network_unknown_node_in_edges(tmp_path):
    nodes, edges = river_rows()
    edges[3]["to"] = "x9"
    e = network_error(tmp_path, nodes, edges)
    assert (e.file, e.row, e.field) == ("edges.csv", 5, "to") and "x9" in e.message
    nodes, edges = river_rows()
    edges[0]["from"] = "nowhere"
    e = network_error(tmp_path, nodes, edges)
    assert (e.file, e.row, e.field) == ("edges.csv", 2, "from") and "nowhere" in e.message


def test_network_negative_or_bad_length(tmp_path):
    nodes, edges = river_rows()
    edges[2]["length_m"] = -5
    e = network_error(tmp_path, nodes, edges)
    assert (e.file, e.row, e.field) == ("edges.csv", 4, "length_m")
    nodes, edges = river_rows()
    edges[6]["length_m"] = "NaN"
    e = network_error(tmp_path, nodes, edges)
    assert (e.file, e.row, e.field) == ("edges.csv", 8, "length_m")


def test_network_duplicate_node_ids(tmp_path):
    nodes, edges = river_rows()
    nodes[7]["id"] = "s1"
    e = network_error(tmp_path, nodes, edges)
    assert (e.file, e.row, e.field) == ("nodes.csv", 9, "id") and "s1" in e.message


def test_network_missing_column_and_bad_coordinate(tmp_path):
    nodes, edges = river_rows()
    e = network_error(tmp_path, [{"id": n["id"], "x": n["x"]} for n in nodes], edges)
    assert (e.file, e.field) == ("nodes.csv", "y")
    nodes[4]["x"] = "east"
    e = network_error(tmp_path, nodes, edges)
    assert (e.file, e.row, e.field) == ("nodes.csv", 6, "x")


def test_network_only_self_loops(tmp_path):
    e = network_error(tmp_path, [{"id": "a", "x": 0, "y": 0}], [{"from": "a", "to": "a", "length_m": 1}])
    assert e.file == "edges.csv" and "no edges" in e.message


# ----------------------------------------------------------------------------------------------------
# OD tables

COMMUNITIES = pd.Index(["C1", "C2", "C3"])
BUILDINGS = pd.Index(["B1", "B2"])


def read_od(tmp_path, rows, **kwargs) -> OdTable:
    write_csv(tmp_path / "od.csv", rows)
    return read_od_table("od.csv", base_dir=tmp_path, community_ids=COMMUNITIES, building_ids=BUILDINGS, **kwargs)


def test_od_table_in_metres(tmp_path):
    od = read_od(
        tmp_path,
        [
            {"community": "C3", "building": "B1", "walk_m": 300},
            {"community": "C1", "building": "B2", "walk_m": 500.0000005},
            {"community": "C1", "building": "B1", "walk_m": 900},
            {"community": "C2", "building": "B2", "walk_m": 0},
        ],
    )
    assert od.unit == "m" and len(od) == 4
    pairs = od_reach_pairs(od, 500.0)
    assert pairs.community.tolist() == [0, 1, 2]  # C1-B2 (within 1 µm), C2-B2, C3-B1; not C1-B1
    assert pairs.building.tolist() == [1, 1, 0]
    assert pairs.distance_m.tolist() == [500.0000005, 0.0, 300.0]
    assert len(od_reach_pairs(od, 299.0)) == 1  # C2-B2 only


def test_od_table_in_minutes(tmp_path):
    od = read_od(
        tmp_path,
        [
            {"community": "C1", "building": "B1", "walk_min": 15},
            {"community": "C2", "building": "B1", "walk_min": 15.5},
        ],
        speed_m_per_min=speed_m_per_min(4.7),
    )
    assert od.unit == "min"
    assert od.distance_m == pytest.approx([1175.0, 15.5 * 4700 / 60])
    pairs = od_reach_pairs(od, minutes_to_metres(15, 4.7))
    assert pairs.community.tolist() == [0] and pairs.distance_m == pytest.approx([1175.0])


def test_od_table_from_excel(tmp_path):
    pd.DataFrame({"community": ["C2"], "building": ["B1"], "walk_m": [250]}).to_excel(
        tmp_path / "od.xlsx", sheet_name="walk", index=False
    )
    od = read_od_table(
        {"path": "od.xlsx", "sheet": "walk"}, base_dir=tmp_path, community_ids=COMMUNITIES, building_ids=BUILDINGS
    )
    assert (od.community.tolist(), od.building.tolist(), od.distance_m.tolist()) == ([1], [0], [250.0])


def od_error(tmp_path, rows, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        read_od(tmp_path, rows, **kwargs)
    return err.value


GOOD = [{"community": "C1", "building": "B1", "walk_m": 100}, {"community": "C2", "building": "B2", "walk_m": 200}]


@pytest.mark.parametrize(
    "change, row, field, words",
    [
        ({"community": "C9"}, 3, "community", "C9"),
        ({"building": "B7"}, 3, "building", "B7"),
        ({"community": "C1", "building": "B1"}, 3, "building", "twice"),
        ({"walk_m": -1}, 3, "walk_m", "range"),
        ({"walk_m": "NaN"}, 3, "walk_m", "finite"),
        ({"walk_m": ""}, 3, "walk_m", "empty"),
        ({"walk_m": "far"}, 3, "walk_m", "far"),
    ],
)
def test_od_errors_name_file_row_field(tmp_path, change, row, field, words):
    """Rows as a spreadsheet shows them: the header is row 1, the second data row row 3."""
    rows = [dict(r) for r in GOOD]
    rows[1].update(change)
    e = od_error(tmp_path, rows)
    assert (e.file, e.row, e.field) == ("od.csv", row, field)
    assert words in e.message


def test_od_errors_on_columns(tmp_path):
    e = od_error(tmp_path, [{"community": "C1", "building": "B1", "walk_min": 3}])
    assert (e.file, e.field) == ("od.csv", "walk_min") and "speed" in e.message
    e = od_error(tmp_path, [{"community": "C1", "building": "B1", "walk_m": 3, "walk_min": 3}], speed_m_per_min=78.0)
    assert (e.file, e.row, e.field) == ("od.csv", 1, "walk_min") and "both" in e.message
    e = od_error(tmp_path, [{"community": "C1", "building": "B1", "metres": 3}])
    assert (e.file, e.row, e.field) == ("od.csv", 1, "walk_m") and "neither" in e.message
    e = od_error(tmp_path, [{"community": "C1", "walk_m": 3}])
    assert (e.file, e.field) == ("od.csv", "building") and "missing column" in e.message
    e = od_error(tmp_path, [{"community": "C1", "building": "B1", "walk_min": -2}], speed_m_per_min=78.0)
    assert (e.file, e.row, e.field) == ("od.csv", 2, "walk_min")


def test_od_and_network_give_the_same_pairs(tmp_path):
    """The rest of the pipeline cannot tell where distances came from: an OD table of network distances."""
    net = river(tmp_path)
    origins = np.array([[0.0, -60.0], [200.0, 55.0], [390.0, 0.0]])
    targets = np.array([[0.0, 50.0], [300.0, -50.0]])
    from_net = network_reach_pairs(net, origins, targets, 1e6)
    triples = zip(from_net.community, from_net.building, from_net.distance_m, strict=True)
    rows = [{"community": f"C{c + 1}", "building": f"B{b + 1}", "walk_m": repr(float(d))} for c, b, d in triples]
    write_csv(tmp_path / "od.csv", rows)
    od = read_od_table("od.csv", base_dir=tmp_path, community_ids=COMMUNITIES, building_ids=BUILDINGS)
    for radius in (100.0, 500.0, 1000.0):
        a, b = network_reach_pairs(net, origins, targets, radius), od_reach_pairs(od, radius)
        assert a.community.tolist() == b.community.tolist() and a.building.tolist() == b.building.tolist()
        assert a.distance_m.tolist() == b.distance_m.tolist()
