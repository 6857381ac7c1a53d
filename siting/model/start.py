"""Warm starts: a plan (e.g. the previous point of a budget frontier) as a column vector of another model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.plan import Plan


def options_taken(plan: Plan, data: ModelData) -> np.ndarray:
    """(O,) the options a plan takes: its selections by (building, mode), and the existing facilities it keeps."""
    ids = data.building_ids[data.option_building]
    pairs = pd.MultiIndex.from_arrays([ids.astype(str), data.option_mode.astype(str)])
    chosen = pd.MultiIndex.from_tuples([(s.building, s.mode) for s in plan.selected]) if plan.selected else None
    taken = np.zeros(len(ids), bool) if chosen is None else pairs.isin(chosen)
    return taken | (data.option_existing & ~np.isin(ids, list(plan.closed)))


def start_vector(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int, plan: Plan) -> np.ndarray:
    """The column vector of `plan` in this model, for a warm start (the inverse of decode).

    Options of the plan's (building, mode) pairs and kept existing facilities are taken; their listed services
    hosted with the listed areas; assignments become arc shares (assign form) or cov_p = min(1, Σ y) (cover
    form); complex, capex-share and district-share variables follow from those. A building or mode this
    model does not offer is left out, so the vector may be infeasible: solvers then ignore it.
    """
    x = np.zeros(n_cols)
    taken = options_taken(plan, data)
    x[v.x] = taken
    slot_building = data.building_ids[data.host_building].astype(str)
    slot_service = np.asarray(data.services, object)[data.host_service].astype(str)
    area = {(s.building, k): a for s in plan.selected for k, a in zip(s.services, s.area_m2 or [np.nan] * 9)}
    slots = pd.MultiIndex.from_arrays([slot_building, slot_service])
    listed = pd.Series(area.values(), index=pd.MultiIndex.from_tuples(area, names=slots.names), dtype=float)
    hosted = slots.isin(listed.index) if area else np.zeros(len(slots), bool)
    slot_area = listed.reindex(slots).to_numpy(float) if area else np.full(len(slots), np.nan)
    open_building = np.zeros(data.n_buildings, bool)
    open_building[data.option_building[taken]] = True
    hosted = (hosted | data.host_existing) & open_building[data.host_building]
    x[v.y] = hosted
    on_area = np.flatnonzero(area_capacity(data, spec))
    x[v.q] = np.where(hosted[on_area], np.nan_to_num(slot_area[on_area], nan=0.0), 0.0)
    if v.assign:
        arcs = pd.DataFrame(
            {
                "community": data.community_ids[data.pair_community[data.arc_pair]].astype(str),
                "service": np.asarray(data.services, object)[data.pair_service[data.arc_pair]].astype(str),
                "building": slot_building[data.arc_host],
                "arc": np.arange(len(data.arc_pair)),
            }
        )
        served = pd.DataFrame(
            [vars(a) for a in plan.assignments], columns=["community", "service", "building", "units"]
        )
        found = arcs.merge(served, on=["community", "service", "building"])
        share = found["units"].to_numpy(float) / data.pair_demand[data.arc_pair[found["arc"].to_numpy()]]
        x[v.v[found["arc"].to_numpy()]] = np.clip(share, 0.0, 1.0)
        cover = np.bincount(data.arc_pair, weights=x[v.v], minlength=len(data.pair_community))
    else:
        cover = np.minimum(
            1.0, np.bincount(data.arc_pair, weights=hosted[data.arc_host], minlength=len(data.pair_community))
        )
        x[v.z] = cover
    if spec.complex is not None and len(v.c):
        rule = spec.complex
        count = np.bincount(data.host_building, weights=hosted, minlength=data.n_buildings)
        core = np.bincount(
            data.host_building, weights=hosted & rule.core[data.host_service], minlength=data.n_buildings
        )
        size = np.zeros(data.n_buildings)
        np.maximum.at(size, data.option_building, np.where(taken, data.area, 0.0))
        is_complex = (size >= rule.min_area) & (count >= rule.min_services) & (core >= rule.min_core)
        x[v.c] = is_complex[v.c_building]
        x[v.r] = taken[v.r_option] & is_complex[data.option_building[v.r_option]]
    if len(v.t) and len(data.groups):
        served = np.zeros_like(data.group_demand)
        has = data.pair_group >= 0
        np.add.at(served, (data.pair_group[has], data.pair_service[has]), (data.pair_demand * cover)[has])
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = served[data.group_demand > 0] / data.group_demand[data.group_demand > 0]
        x[v.t] = float(np.clip(shares.min(initial=1.0), 0.0, 1.0))
    return x
