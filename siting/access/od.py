"""Walking distances given as an origin-destination (OD) table, e.g. exported from a routing service.

File format (CSV, XLSX or an inline list; one row per community-building pair):

    community,building,walk_m          or          community,building,walk_min
    C01,B003,420                                    C01,B003,5.4

* `community`, `building`: ids from the communities and buildings tables.
* exactly one of `walk_m` (walking metres) or `walk_min` (walking minutes, converted to metres with the
  walking speed: metres = minutes × speed in m/min, 4.7 km/h = 78.33 m/min). Values must be finite and ≥ 0.
* each (community, building) pair at most once. Pairs not in the table are unreachable; the distances are
  used as given (no detour factor, no symmetry assumed). Other columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.access.common import lookup_ids
from siting.access.walking import RADIUS_TOLERANCE_M, ReachPairs
from siting.errors import InputError, cut
from siting.scenario.columns import OD_COLUMNS
from siting.scenario.readers import header_row_of, sheet_row
from siting.scenario.tables import read_checked


@dataclass(frozen=True)
class OdTable:
    """Walking distances read from an OD table, sorted by community then building.

    Attributes:
        community: row index into the communities table (int64).
        building: row index into the buildings table (int64).
        distance_m: walking distance in metres (float64; converted from minutes when unit is "min").
        unit: the unit of the file, "m" (walk_m) or "min" (walk_min).
        where: the file name (for messages).
    """

    community: np.ndarray
    building: np.ndarray
    distance_m: np.ndarray
    unit: str = "m"
    where: str = ""

    def __len__(self) -> int:
        return len(self.community)


def read_od_table(
    source: Any,
    *,
    base_dir: Path,
    community_ids: pd.Index,
    building_ids: pd.Index,
    speed_m_per_min: float | None = None,
    sheet: str | None = None,
    label: str = "walking_od",
) -> OdTable:
    """Read and check an OD table of walking distances.

    Args:
        source: a path relative to base_dir (.csv/.xlsx), an inline list of rows, or {path, sheet}.
        base_dir: the scenario file's folder.
        community_ids: ids of the communities table, in row order (row index = position).
        building_ids: ids of the buildings table, in row order.
        speed_m_per_min: walking speed in metres per minute, needed for a `walk_min` column
            (see `siting.scenario.schema.speed_m_per_min`).
        sheet: Excel sheet name.
        label: the scenario key, used in messages.

    Raises:
        InputError: naming the file, row and field: missing columns, both or neither of walk_m / walk_min,
            minutes without a walking speed, empty, non-numeric, NaN or negative distances, unknown
            community or building ids, a (community, building) pair given twice.
    """
    frame, where = read_checked(source, OD_COLUMNS, base_dir=base_dir, label=label, sheet=sheet)
    given = [c for c in ("walk_m", "walk_min") if c in frame.columns]
    if len(given) != 1:
        raise InputError(
            f"expected exactly one distance column, walk_m (metres) or walk_min (minutes); "
            f"got {'both' if given else 'neither'} (the header has: {', '.join(frame.columns)})",
            file=where,
            row=header_row_of(frame),
            field="walk_m" if not given else "walk_min",
        )
    field = given[0]
    values = frame[field].to_numpy(dtype=float)
    if field == "walk_min":
        if speed_m_per_min is None:
            raise InputError(
                "distances are in minutes (walk_min) but no walking speed is given; set the "
                "walking speed (e.g. 4.7 km/h for older people) or give walk_m in metres",
                file=where,
                field=field,
            )
        speed = float(speed_m_per_min)
        if not np.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed_m_per_min must be a finite number > 0, got {speed_m_per_min!r}")
        values = values * speed
    community = lookup_ids(frame["community"], community_ids, where=where, field="community", what="community")
    building = lookup_ids(frame["building"], building_ids, where=where, field="building", what="building")
    pair = pd.DataFrame({"c": community, "b": building})
    dup = pair.duplicated(keep="first").to_numpy()
    if dup.any():
        position = int(np.flatnonzero(dup)[0])
        same = (community == community[position]) & (building == building[position])
        first = sheet_row(frame, int(np.flatnonzero(same)[0]))
        raise InputError(
            f"the pair community '{cut(frame['community'].iloc[position])}', building "
            f"'{cut(frame['building'].iloc[position])}' is given twice (first in row {first}); "
            "give each pair once",
            file=where,
            row=sheet_row(frame, position),
            field="building",
        )
    order = np.lexsort((building, community))
    return OdTable(community[order], building[order], values[order], unit=field.removeprefix("walk_"), where=where)


def od_reach_pairs(od: OdTable, radius_m: float) -> ReachPairs:
    """The OD pairs whose walking distance is within radius_m (+1 µm), sorted by community then building."""
    keep = od.distance_m <= radius_m + RADIUS_TOLERANCE_M
    community, building, distance = od.community[keep], od.building[keep], od.distance_m[keep]
    order = np.lexsort((building, community))
    return ReachPairs(
        community[order].astype(np.int64), building[order].astype(np.int64), distance[order].astype(float)
    )
