"""The index arrays the MILP is built from: options, host slots, coverable demand and reach arcs.

Everything is a flat numpy array so that each constraint family is a few vectorised lines. `from_arrays`
builds it from plain arrays (benchmark instances use it); `siting.model.index` builds it from a scenario.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.access.walking import ReachPairs as Arcs

EXISTING = "existing"  # mode of the pseudo-option that keeps an existing facility open


def annuity_factor(years: int, rate: float) -> float:
    """Present value of 1 元 paid at the end of each of `years` years: Σ_{t=1..T} (1+r)^-t = (1 − (1+r)^-T) / r.

    Written with expm1 and log1p: 1 − (1+r)^-T cancels to nothing for a tiny r (0 at r = 1e-300, 0.1 % off at 1e-12).
    """
    return float(years) if rate == 0 else float(-np.expm1(-years * np.log1p(rate)) / rate)


@dataclass(frozen=True)
class ModelData:
    """Flat arrays for the model: O options, H host slots, P coverable demand pairs, E reach arcs, G groups.

    Attributes:
        services: service keys (index s); weight, min_area, min_share, area_per_unit (NaN = no area
            capacity), radius and full_credit (distance decay; = radius when none): (S,) each.
        total_demand: (S,) demand units per service, coverable or not.
        building_ids: (B,) ids of buildings, then of existing facilities (their pseudo-buildings).
        option_row: (O,) row in scenario.options (-1 for an existing facility's keep-open option).
        option_building, option_mode, capex, annual, area, npv, option_capacity (NaN = none): (O,).
        option_existing: (O,) the option keeps an existing facility open; option_forced: it must be taken;
            option_closable: (O,) an existing facility may be closed (True for every other option).
        host_building, host_service: (H,) each (building, service) slot; host_capacity: (H,) fixed capacity
            of an existing facility's slot (NaN = none); host_existing: (H,) bool.
        pair_community, pair_service, pair_demand, pair_group: (P,) coverable demand (group -1 = none).
        arc_pair, arc_host, arc_distance, arc_credit: (E,) pair p can be served by host h at that distance,
            with that share of full credit.
        groups: district names (index g); group_demand: (G, S) total demand per district and service.
        asset_of_option: (K2,) asset index and option_of_asset: (K2,) option index, one entry per option that
            trades that asset; asset_facility_option: (K3,) asset index and facility_option: (K3,) the
            keep-open option of the existing facility housed in it.
        budget_capex, budget_annual (None = no limit), annual_existing: Σ yearly cost of existing facilities
            (the yearly budget is for new spending, so it is added to the right-hand side).
        budget_npv: cap on the net present cost of new spending (None = no limit; see constraint (17)).
        community_ids: (n_communities,) community ids; dropped_options: options removed as dominated.
        community_group: (n_communities,) district index of each community (-1 = none).
    """

    services: tuple[str, ...]
    weight: np.ndarray
    min_area: np.ndarray
    min_share: np.ndarray
    area_per_unit: np.ndarray
    radius: np.ndarray
    full_credit: np.ndarray
    total_demand: np.ndarray
    building_ids: np.ndarray
    option_row: np.ndarray
    option_building: np.ndarray
    option_mode: np.ndarray
    capex: np.ndarray
    annual: np.ndarray
    area: np.ndarray
    npv: np.ndarray
    option_capacity: np.ndarray
    option_existing: np.ndarray
    option_forced: np.ndarray
    option_closable: np.ndarray
    host_building: np.ndarray
    host_service: np.ndarray
    host_capacity: np.ndarray
    host_existing: np.ndarray
    pair_community: np.ndarray
    pair_service: np.ndarray
    pair_demand: np.ndarray
    pair_group: np.ndarray
    arc_pair: np.ndarray
    arc_host: np.ndarray
    arc_distance: np.ndarray
    arc_credit: np.ndarray
    groups: tuple[str, ...]
    group_demand: np.ndarray
    asset_of_option: np.ndarray
    option_of_asset: np.ndarray
    asset_facility: np.ndarray
    facility_option: np.ndarray
    budget_capex: float
    budget_annual: float | None
    annual_existing: float
    budget_npv: float | None
    community_ids: np.ndarray
    dropped_options: int
    community_group: np.ndarray | None = None

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return len(self.community_ids)

    @property
    def n_buildings(self) -> int:
        """Buildings plus existing facilities."""
        return len(self.building_ids)


def dominated_options(
    building: np.ndarray,
    capex: np.ndarray,
    annual: np.ndarray,
    area: np.ndarray,
    capacity: np.ndarray | None = None,
    protected: np.ndarray | None = None,
) -> np.ndarray:
    """Mask of options that another option of the same building beats.

    The other option is no dearer in one-off or yearly cost, no smaller in area or capacity, and strictly
    better in one of them (ties: the later row is dropped).

    While no rule depends on the mode itself (per-mode limits) and the dominating option trades no asset,
    only these numbers matter, so an optimal plan never needs a dominated option: swapping it for its
    dominator fits the same services and capacity, tightens no budget row and costs no more.
    `protected` options (e.g. swaps that trade assets) neither dominate nor are dropped.
    """
    cap = np.full(len(building), np.inf) if capacity is None else np.where(np.isnan(capacity), np.inf, capacity)
    keep_out = np.zeros(len(building), bool) if protected is None else protected
    frame = pd.DataFrame(
        {"b": building, "c": capex, "a": annual, "f": area, "k": cap, "p": keep_out, "i": np.arange(len(building))}
    )
    pairs = frame.merge(frame, on="b", suffixes=("", "_o"))
    pairs = pairs[(pairs["i"] != pairs["i_o"]) & ~pairs["p"] & ~pairs["p_o"]]
    weakly = (
        (pairs["c_o"] <= pairs["c"])
        & (pairs["a_o"] <= pairs["a"])
        & (pairs["f_o"] >= pairs["f"])
        & (pairs["k_o"] >= pairs["k"])
    )
    strictly = (
        (pairs["c_o"] < pairs["c"])
        | (pairs["a_o"] < pairs["a"])
        | (pairs["f_o"] > pairs["f"])
        | (pairs["k_o"] > pairs["k"])
    )
    beaten = pairs.loc[weakly & (strictly | (pairs["i_o"] < pairs["i"])), "i"].unique()
    mask = np.zeros(len(building), dtype=bool)
    mask[beaten] = True
    return mask


def with_demand(data: ModelData, demand: np.ndarray) -> ModelData:
    """The same model with another demand (n_communities × S): another year, another projection variant.

    Pairs, slots and arcs stay as they are (build `data` from the largest demand of all the copies, so that
    every pair with demand in some copy is there); a pair without demand in this copy has d_p = 0.
    """
    demand = np.asarray(demand, float)
    community_group = data.community_group
    group_demand = np.zeros_like(data.group_demand)
    has_group = community_group >= 0
    np.add.at(group_demand, community_group[has_group], demand[has_group])
    return dataclasses.replace(
        data,
        pair_demand=demand[data.pair_community, data.pair_service],
        total_demand=demand.sum(axis=0),
        group_demand=group_demand,
    )


def credit(distance: np.ndarray, full_credit: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Share of credit at a walking distance: 1 up to full_credit, then linear down to 0 at the radius."""
    with np.errstate(divide="ignore", invalid="ignore"):
        span = radius - full_credit
        falling = np.where(span > 0, (radius - distance) / np.where(span > 0, span, 1.0), 1.0)
    return np.clip(np.where(distance <= full_credit, 1.0, falling), 0.0, 1.0)


def from_arrays(
    *,
    services: Sequence[str],
    demand: np.ndarray,
    arcs: Sequence[Arcs],
    building_ids: Sequence[str],
    option_building: np.ndarray,
    capex: np.ndarray,
    min_area: np.ndarray | None = None,
    area: np.ndarray | None = None,
    annual: np.ndarray | None = None,
    option_capacity: np.ndarray | None = None,
    option_mode: np.ndarray | None = None,
    option_row: np.ndarray | None = None,
    option_existing: np.ndarray | None = None,
    option_forced: np.ndarray | None = None,
    option_closable: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    min_share: np.ndarray | None = None,
    area_per_unit: np.ndarray | None = None,
    radius: np.ndarray | None = None,
    full_credit: np.ndarray | None = None,
    existing_services: dict[int, Sequence[int]] | None = None,
    existing_capacity: dict[int, float] | None = None,
    community_group: np.ndarray | None = None,
    groups: Sequence[str] = (),
    asset_trades: tuple[np.ndarray, np.ndarray] | None = None,
    asset_facilities: tuple[np.ndarray, np.ndarray] | None = None,
    budget_capex: float = np.inf,
    budget_annual: float | None = None,
    budget_npv: float | None = None,
    horizon_years: int = 10,
    discount_rate: float = 0.03,
    community_ids: Sequence[str] | None = None,
    reduce_options: bool = True,
    idle_slots: bool = False,
) -> ModelData:
    """Index a problem given as arrays.

    Args:
        services: service keys (S).
        demand: (n_communities, S) demand units.
        arcs: per service, the community-building pairs within reach and their walking distances.
        building_ids: ids of all buildings (B), existing facilities included.
        option_building: (O,) building index of each option.
        capex: (O,) one-off cost of each option.
        annual, area, option_capacity, option_mode, option_row, option_existing, option_forced,
            option_closable: the other per-option arrays (O,); they
            default to: area = +inf, annual = 0, capacity = NaN (none), mode "option", row = index,
            existing = False, forced = False.
        min_area: per service minimum area (default 0).
        weight, min_share, area_per_unit, radius, full_credit: per service (defaults 1, 0, NaN, +inf, radius).
        existing_services: building index of an existing facility -> the service indices it hosts (only
            those slots exist for it).
        existing_capacity: building index of an existing facility -> its capacity per hosted service.
        community_group: (n_communities,) district index (-1 = none).
        groups: the district names.
        asset_trades: (asset index, option index) pairs.
        asset_facilities: (asset index, option index of the existing facility housed in that asset) pairs.
        budget_capex: one-off budget (inf = none).
        budget_annual: yearly budget (None = none).
        budget_npv: net present cost budget (None = none).
        horizon_years: years of recurring costs in the net present cost.
        discount_rate: discount rate of the net present cost.
        community_ids: ids for the plan's assignments (default "0", "1", ...).
        reduce_options: drop dominated options (only valid while no rule depends on the mode itself).
        idle_slots: also a slot for each service a candidate building can host that reaches no demand: the
            complex rule counts the services a building hosts, whether they serve anyone or not.
    """
    n_services = len(services)
    n_buildings = len(building_ids)
    n_options = len(option_building)

    def per_option(values, default, dtype=float):
        return np.full(n_options, default, dtype=dtype) if values is None else np.asarray(values, dtype=dtype)

    def per_service(values, default):
        return np.full(n_services, default, float) if values is None else np.asarray(values, float)

    option_building = np.asarray(option_building, np.int64)
    capex = per_option(capex, 0.0)
    area = per_option(area, np.inf)
    annual = per_option(annual, 0.0)
    capacity = per_option(option_capacity, np.nan)
    mode = per_option(option_mode, "option", object)
    row = per_option(option_row, 0, np.int64) if option_row is not None else np.arange(n_options)
    existing = per_option(option_existing, False, bool)
    forced = per_option(option_forced, False, bool)
    closable = per_option(option_closable, True, bool)
    trades = asset_trades or (np.zeros(0, np.int64), np.zeros(0, np.int64))
    facilities = asset_facilities or (np.zeros(0, np.int64), np.zeros(0, np.int64))

    keep = np.ones(n_options, bool)
    if reduce_options:
        protected = existing.copy()
        protected[np.asarray(trades[1], np.int64)] = True
        keep = ~dominated_options(option_building, capex, annual, area, capacity, protected)
    new_index = np.cumsum(keep) - 1
    option_building, capex, area, annual, capacity, mode, row, existing, forced, closable = (
        a[keep] for a in (option_building, capex, area, annual, capacity, mode, row, existing, forced, closable)
    )
    trade_keep = keep[np.asarray(trades[1], np.int64)]
    trades = (np.asarray(trades[0], np.int64)[trade_keep], new_index[np.asarray(trades[1], np.int64)[trade_keep]])
    facilities = (np.asarray(facilities[0], np.int64), new_index[np.asarray(facilities[1], np.int64)])

    min_area = per_service(min_area, 0.0)
    radius = per_service(radius, np.inf)
    full = radius.copy() if full_credit is None else np.asarray(full_credit, float)

    # Which (building, service) slots can exist: area fits for buildings; the listed services for facilities.
    max_area = np.zeros(n_buildings)
    np.maximum.at(max_area, option_building, area)
    can_host = np.zeros((n_buildings, n_services), bool)
    can_host[option_building] = True
    can_host &= max_area[:, None] >= min_area[None, :]
    fixed_capacity = np.full((n_buildings, n_services), np.nan)
    is_facility = np.zeros(n_buildings, bool)
    for b, hosted in (existing_services or {}).items():
        is_facility[b] = True
        can_host[b] = False
        can_host[b, list(hosted)] = True
        fixed_capacity[b, list(hosted)] = (existing_capacity or {}).get(b, np.nan)
    can_host[~np.isin(np.arange(n_buildings), option_building)] = False

    arc_c, arc_b, arc_s, arc_d = [], [], [], []
    for s, pairs in enumerate(arcs):
        ok = can_host[pairs.building, s] & (demand[pairs.community, s] > 0)
        arc_c.append(pairs.community[ok])
        arc_b.append(pairs.building[ok])
        arc_s.append(np.full(int(ok.sum()), s, np.int64))
        arc_d.append(np.asarray(pairs.distance_m, float)[ok])
    arc_c, arc_b, arc_s, arc_d = (np.concatenate(a) if a else np.zeros(0) for a in (arc_c, arc_b, arc_s, arc_d))
    arc_c, arc_b, arc_s = (a.astype(np.int64) for a in (arc_c, arc_b, arc_s))

    pair_flat = np.unique(arc_c * n_services + arc_s)
    pair_of = np.full(demand.shape, -1, np.int64)
    pair_community, pair_service = pair_flat // n_services, pair_flat % n_services
    pair_of[pair_community, pair_service] = np.arange(len(pair_flat))
    host_flat = np.unique(arc_b * n_services + arc_s)
    if idle_slots:
        host_flat = np.union1d(host_flat, np.flatnonzero(can_host & ~is_facility[:, None]))
    host_of = np.full((n_buildings, n_services), -1, np.int64)
    host_building, host_service = host_flat // n_services, host_flat % n_services
    host_of[host_building, host_service] = np.arange(len(host_flat))
    arc_pair, arc_host = pair_of[arc_c, arc_s], host_of[arc_b, arc_s]
    order = np.lexsort((arc_host, arc_pair))

    group = np.full(len(demand), -1, np.int64) if community_group is None else np.asarray(community_group, np.int64)
    group_demand = np.zeros((len(groups), n_services))
    has_group = group >= 0
    np.add.at(group_demand, group[has_group], demand[has_group])
    return ModelData(
        services=tuple(services),
        weight=per_service(weight, 1.0),
        min_area=min_area,
        min_share=per_service(min_share, 0.0),
        area_per_unit=per_service(area_per_unit, np.nan),
        radius=radius,
        full_credit=full,
        total_demand=demand.sum(axis=0),
        building_ids=np.asarray(building_ids, dtype=object),
        option_row=row,
        option_building=option_building,
        option_mode=mode,
        capex=capex,
        annual=annual,
        area=area,
        npv=capex + annual * annuity_factor(horizon_years, discount_rate),
        option_capacity=capacity,
        option_existing=existing,
        option_forced=forced,
        option_closable=closable,
        host_building=host_building,
        host_service=host_service,
        host_capacity=fixed_capacity[host_building, host_service],
        host_existing=is_facility[host_building],
        pair_community=pair_community,
        pair_service=pair_service,
        pair_demand=demand[pair_community, pair_service],
        pair_group=group[pair_community],
        arc_pair=arc_pair[order],
        arc_host=arc_host[order],
        arc_distance=arc_d[order],
        arc_credit=credit(arc_d[order], full[arc_s[order]], radius[arc_s[order]]),
        groups=tuple(groups),
        group_demand=group_demand,
        asset_of_option=trades[0],
        option_of_asset=trades[1],
        asset_facility=facilities[0],
        facility_option=facilities[1],
        budget_capex=float(budget_capex),
        budget_annual=None if budget_annual is None else float(budget_annual),
        annual_existing=float(annual[existing].sum()),
        budget_npv=None if budget_npv is None else float(budget_npv),
        community_ids=np.asarray(
            [str(i) for i in range(len(demand))] if community_ids is None else community_ids, dtype=object
        ),
        dropped_options=int(n_options - keep.sum()),
        community_group=group,
    )
