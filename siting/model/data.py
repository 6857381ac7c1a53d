"""The index arrays the MILP is built from: options, host slots, coverable demand and reach arcs.

Everything is a flat numpy array so that each constraint family is a few vectorised lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.access.walking import ReachPairs


def annuity_factor(years: int, rate: float) -> float:
    """Present value of 1 元 paid at the end of each of `years` years: Σ_{t=1..T} (1+r)^-t."""
    return float(years) if rate == 0 else float((1 - (1 + rate) ** -years) / rate)


@dataclass(frozen=True)
class ModelData:
    """Flat arrays for the model (O options, H host slots, P coverable demand pairs, E reach arcs).

    Attributes:
        services: service keys, in scenario order (index s).
        weight: (S,) priority weight per service.
        min_area: (S,) floor area a host must give each service, m².
        min_share: (S,) required covered share of each service's total demand.
        total_demand: (S,) demand units per service, coverable or not.
        building_ids: (n_buildings,) building ids in table order.
        option_row: (O,) row of each kept option in scenario.options.
        option_mode: (O,) acquisition mode of each kept option.
        option_building: (O,) building row index of each option.
        capex, annual, area, npv: (O,) one-off cost, yearly cost, floor area and net present cost.
        host_building, host_service: (H,) building row and service index of each (building, service) slot.
        pair_community, pair_service, pair_demand: (P,) coverable (community, service) demand.
        arc_pair, arc_host: (E,) pair p can be covered by host slot h (within the walking radius).
        budget_capex: one-off budget, 元.
        budget_annual: yearly budget, 元/year, or None.
        dropped_options: number of options removed as dominated.
    """

    services: tuple[str, ...]
    weight: np.ndarray
    min_area: np.ndarray
    min_share: np.ndarray
    total_demand: np.ndarray
    building_ids: np.ndarray
    option_row: np.ndarray
    option_mode: np.ndarray
    option_building: np.ndarray
    capex: np.ndarray
    annual: np.ndarray
    area: np.ndarray
    npv: np.ndarray
    host_building: np.ndarray
    host_service: np.ndarray
    pair_community: np.ndarray
    pair_service: np.ndarray
    pair_demand: np.ndarray
    arc_pair: np.ndarray
    arc_host: np.ndarray
    budget_capex: float
    budget_annual: float | None
    dropped_options: int


def dominated_options(building: np.ndarray, capex: np.ndarray, annual: np.ndarray,
                      area: np.ndarray) -> np.ndarray:
    """Mask of options another option of the same building beats: no dearer in capex and annual cost, no
    smaller in area, and strictly better in one (ties: the later row is dropped).

    Without mode-specific rules only these three numbers matter, so an optimal plan never needs a dominated
    option (swap it for its dominator: same services fit, no budget row gets tighter, the cost is no higher).
    """
    frame = pd.DataFrame({"b": building, "c": capex, "a": annual, "f": area, "i": np.arange(len(building))})
    pairs = frame.merge(frame, on="b", suffixes=("", "_o"))
    pairs = pairs[pairs["i"] != pairs["i_o"]]
    weakly = (pairs["c_o"] <= pairs["c"]) & (pairs["a_o"] <= pairs["a"]) & (pairs["f_o"] >= pairs["f"])
    strictly = (pairs["c_o"] < pairs["c"]) | (pairs["a_o"] < pairs["a"]) | (pairs["f_o"] > pairs["f"])
    beaten = pairs.loc[weakly & (strictly | (pairs["i_o"] < pairs["i"])), "i"].unique()
    mask = np.zeros(len(building), dtype=bool)
    mask[beaten] = True
    return mask


def build_model_data(*, services: dict, demand: np.ndarray, options: pd.DataFrame, building_index: pd.Index,
                     reach: dict[str, ReachPairs], budget, reduce_options: bool = True) -> ModelData:
    """Index the scenario for the MILP.

    Args:
        services: service key -> schema.Service, in scenario order.
        demand: (n_communities, S) demand units per community and service.
        options: scenario.options (building, mode, capex, annual_cost, floor_area_m2).
        building_index: building ids in table order.
        reach: service key -> walking pairs within its radius.
        budget: schema.Budget.
        reduce_options: drop dominated options (valid while no constraint depends on the mode itself).
    """
    keys = tuple(services)
    n_services = len(keys)
    option_building = building_index.get_indexer(options["building"]).astype(np.int64)
    capex = options["capex"].to_numpy(float)
    annual = options["annual_cost"].to_numpy(float)
    area = options["floor_area_m2"].to_numpy(float)
    keep = ~dominated_options(option_building, capex, annual, area) if reduce_options else \
        np.ones(len(options), dtype=bool)
    option_row = np.flatnonzero(keep)
    option_building, capex, annual, area = (a[keep] for a in (option_building, capex, annual, area))
    npv = capex + annual * annuity_factor(budget.horizon_years, budget.discount_rate)

    min_area = np.array([services[k].min_area_m2 for k in keys], dtype=float)
    n_buildings = len(building_index)
    max_area = np.zeros(n_buildings)
    np.maximum.at(max_area, option_building, area)
    has_option = np.zeros(n_buildings, dtype=bool)
    has_option[option_building] = True

    # A (community, service) pair is coverable when it has demand and some eligible building within reach.
    pair_of = np.full(demand.shape, -1, dtype=np.int64)
    host_of = np.full((n_buildings, n_services), -1, dtype=np.int64)
    arcs_c, arcs_b, arcs_s = [], [], []
    for s, key in enumerate(keys):
        pairs = reach[key]
        ok = has_option[pairs.building] & (max_area[pairs.building] >= min_area[s]) & \
            (demand[pairs.community, s] > 0)
        arcs_c.append(pairs.community[ok])
        arcs_b.append(pairs.building[ok])
        arcs_s.append(np.full(int(ok.sum()), s, dtype=np.int64))
    arc_c, arc_b, arc_s = (np.concatenate(a) for a in (arcs_c, arcs_b, arcs_s))

    pair_flat = np.unique(arc_c * n_services + arc_s)
    pair_community, pair_service = pair_flat // n_services, pair_flat % n_services
    pair_of[pair_community, pair_service] = np.arange(len(pair_flat))
    host_flat = np.unique(arc_b * n_services + arc_s)
    host_building, host_service = host_flat // n_services, host_flat % n_services
    host_of[host_building, host_service] = np.arange(len(host_flat))

    arc_pair = pair_of[arc_c, arc_s]
    arc_host = host_of[arc_b, arc_s]
    order = np.lexsort((arc_host, arc_pair))
    return ModelData(
        services=keys,
        weight=np.array([services[k].weight for k in keys], dtype=float),
        min_area=min_area,
        min_share=np.array([services[k].min_share for k in keys], dtype=float),
        total_demand=demand.sum(axis=0),
        building_ids=building_index.to_numpy(dtype=object),
        option_row=option_row,
        option_mode=options["mode"].to_numpy(dtype=object)[keep],
        option_building=option_building,
        capex=capex, annual=annual, area=area, npv=npv,
        host_building=host_building, host_service=host_service,
        pair_community=pair_community, pair_service=pair_service,
        pair_demand=demand[pair_community, pair_service],
        arc_pair=arc_pair[order], arc_host=arc_host[order],
        budget_capex=float(budget.capex),
        budget_annual=None if budget.annual is None else float(budget.annual),
        dropped_options=int(len(options) - keep.sum()),
    )
