"""Walking accessibility: which buildings lie within a service's walking radius of each community.

Walking distance = straight-line distance × detour factor (planar metres, or great-circle metres for lon/lat).
A community is within reach of a building when its walking distance is at most the radius (plus 1 µm, so
that a pair exactly on the radius is in reach whatever the rounding).

Pairs come from `scipy.spatial.cKDTree` radius queries. For lon/lat the points are mapped onto the unit
sphere, where the chord length is a monotone function of the great-circle angle, so a Euclidean ball query
finds exactly the pairs within a great-circle distance. Up to BRUTE_FORCE_PAIRS community × building pairs
every distance is computed instead: the same pairs and distances (the tree only proposes candidates; the
distance test is the same), without importing scipy.spatial, which alone takes longer than a district's whole
reach computation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres
RADIUS_TOLERANCE_M = 1e-6
#: Up to this many community × building pairs every distance is computed (transient arrays of some 40 MB at most).
BRUTE_FORCE_PAIRS = 1_000_000


@dataclass(frozen=True)
class ReachPairs:
    """Community-building pairs within a walking radius, sorted by community then building.

    Attributes:
        community: row index into the communities table.
        building: row index into the buildings table.
        distance_m: walking distance in metres.
    """

    community: np.ndarray
    building: np.ndarray
    distance_m: np.ndarray

    def __len__(self) -> int:
        return len(self.community)


def unit_sphere(lonlat: np.ndarray) -> np.ndarray:
    """Map (lon, lat) degrees to 3-D points on the unit sphere."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def straight_distance(a: np.ndarray, b: np.ndarray, crs: str) -> np.ndarray:
    """Straight-line (planar) or great-circle (lon/lat, haversine) metres between matching rows of a and b."""
    if crs == "planar":
        return np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])
    lon1, lat1, lon2, lat2 = map(np.radians, (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def reach_pairs(
    origins: np.ndarray, targets: np.ndarray, radius_m: float, *, crs: str = "planar", detour_factor: float = 1.0
) -> ReachPairs:
    """All (origin, target) pairs whose walking distance is within radius_m.

    Args:
        origins: (n, 2) coordinates of communities.
        targets: (m, 2) coordinates of buildings.
        radius_m: walking radius in metres.
        crs: "planar" (metres) or "lonlat" (degrees).
        detour_factor: walking / straight-line distance ratio.
    """
    if len(origins) * len(targets) <= BRUTE_FORCE_PAIRS:
        return _all_pairs(origins, targets, radius_m, crs, detour_factor)
    from scipy.spatial import cKDTree

    straight_radius = (radius_m + RADIUS_TOLERANCE_M) / detour_factor
    if crs == "planar":
        tree_o, tree_t, query_r = origins, targets, straight_radius
    else:
        tree_o, tree_t = unit_sphere(origins), unit_sphere(targets)
        angle = min(straight_radius / EARTH_RADIUS_M, np.pi)
        query_r = 2 * np.sin(angle / 2) * (1 + 1e-9)
    matrix = cKDTree(tree_o).sparse_distance_matrix(cKDTree(tree_t), max_distance=query_r, output_type="ndarray")
    origin, target = matrix["i"].astype(np.int64), matrix["j"].astype(np.int64)
    walk = straight_distance(origins[origin], targets[target], crs) * detour_factor
    keep = walk <= radius_m + RADIUS_TOLERANCE_M
    order = np.lexsort((target[keep], origin[keep]))
    return ReachPairs(origin[keep][order], target[keep][order], walk[keep][order])


def _all_pairs(origins: np.ndarray, targets: np.ndarray, radius_m: float, crs: str, detour: float) -> ReachPairs:
    """reach_pairs by computing every distance: pairs in row-major order are sorted by community, then building."""
    n_o, n_t = len(origins), len(targets)
    origin, target = np.divmod(np.arange(n_o * n_t, dtype=np.int64), max(n_t, 1))
    walk = straight_distance(origins[origin], targets[target], crs) * detour
    keep = walk <= radius_m + RADIUS_TOLERANCE_M
    return ReachPairs(origin[keep], target[keep], walk[keep])
