"""From a loaded scenario (with its demand and walking reach) to ModelData and ModelSpec."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.model.data import EXISTING, Arcs, ModelData, from_arrays
from siting.model.spec import ComplexSpec, ModelSpec
from siting.model.targets import target_shares
from siting.scenario.load import Scenario


def building_table(scenario: Scenario) -> pd.DataFrame:
    """Candidate buildings followed by existing facilities (their pseudo-buildings): id index, name, x, y."""
    cols = ["name", "x", "y"]
    return pd.concat([scenario.buildings[cols], scenario.existing[cols]])


def keeps_every_option(scenario: Scenario) -> bool:
    """Rules under which a dominated option may be the better one, so that none is dropped.

    Rules that look at the mode itself (per-mode limits, must-choose-as), and a required share of the one-off
    spending on complexes: a dearer option of a complex raises its side of that row more than the total
    (siting.model.reduce then drops dominated options of the other buildings only).
    """
    model = scenario.config.model
    spending_share = model.complex is not None and model.complex.min_capex_share > 0
    return bool(model.policy.max_by_mode or model.policy.must_choose_as or spending_share)


def model_data(scenario: Scenario, demand: pd.DataFrame, reach: dict[str, Arcs]) -> ModelData:
    """Index the scenario: options (plus a keep-open option per existing facility), slots, pairs, arcs."""
    cfg = scenario.config
    keys = tuple(cfg.services)
    buildings = building_table(scenario)
    n_candidates = len(scenario.buildings)
    options, existing = scenario.options, scenario.existing
    facility_building = n_candidates + np.arange(len(existing))
    option_building = np.concatenate([scenario.buildings.index.get_indexer(options["building"]), facility_building])
    n_new = len(options)

    def stack(values, fill):
        return np.concatenate([np.asarray(values, float), np.full(len(existing), fill, float)])

    existing_services = {
        int(b): [keys.index(k) for k in services] for b, services in zip(facility_building, existing["services"])
    }
    existing_capacity = {int(b): float(c) for b, c in zip(facility_building, existing["capacity"])}
    asset_ids = list(scenario.assets.index)
    trades = [(asset_ids.index(a), o) for o, traded in enumerate(options["assets"]) for a in traded]
    housed = [(asset_ids.index(a), n_new + i) for i, a in enumerate(existing["asset"]) if a]
    traded_assets = {a for traded in options["assets"] for a in traded}
    in_traded = existing["asset"].isin(traded_assets).to_numpy(bool)  # may close only by being traded

    policy = cfg.model.policy
    groups: tuple[str, ...] = ()
    community_group = None
    if policy.group_by in scenario.communities:
        labels = scenario.communities[policy.group_by].fillna("").astype(str)
        groups = tuple(sorted(v for v in labels.unique() if v))
        lookup = {g: i for i, g in enumerate(groups)}
        community_group = labels.map(lambda v: lookup.get(v, -1)).to_numpy(np.int64)

    services = [cfg.services[k] for k in keys]
    return from_arrays(
        services=keys,
        demand=demand[list(keys)].to_numpy(float),
        arcs=[reach[k] for k in keys],
        building_ids=buildings.index.to_numpy(dtype=object),
        option_building=option_building,
        capex=stack(options["capex"], 0.0),
        annual=np.concatenate([options["annual_cost"].to_numpy(float), existing["annual_cost"].to_numpy(float)]),
        area=stack(options["floor_area_m2"], 0.0),
        option_capacity=stack(options["capacity"], np.nan),
        option_mode=np.concatenate([options["mode"].to_numpy(object), np.full(len(existing), EXISTING, object)]),
        option_row=np.concatenate([np.arange(n_new), np.full(len(existing), -1)]),
        option_existing=np.concatenate([np.zeros(n_new, bool), np.ones(len(existing), bool)]),
        option_forced=np.concatenate([np.zeros(n_new, bool), ~existing["closable"].to_numpy(bool) & ~in_traded]),
        option_closable=np.concatenate([np.ones(n_new, bool), existing["closable"].to_numpy(bool)]),
        min_area=[s.min_area_m2 for s in services],
        weight=[s.weight for s in services],
        min_share=[s.min_share for s in services],
        area_per_unit=[np.nan if s.area_per_unit_m2 is None else s.area_per_unit_m2 for s in services],
        radius=[s.radius_m for s in services],
        full_credit=[s.radius_m if s.full_credit_m is None else min(s.full_credit_m, s.radius_m) for s in services],
        existing_services=existing_services,
        existing_capacity=existing_capacity,
        community_group=community_group,
        groups=groups,
        asset_trades=(np.array([t[0] for t in trades], np.int64), np.array([t[1] for t in trades], np.int64)),
        asset_facilities=(np.array([h[0] for h in housed], np.int64), np.array([h[1] for h in housed], np.int64)),
        budget_capex=cfg.budget.capex,
        budget_annual=cfg.budget.annual,
        budget_npv=cfg.budget.npv,
        horizon_years=cfg.budget.horizon_years,
        discount_rate=cfg.budget.discount_rate,
        community_ids=scenario.communities.index.to_numpy(dtype=object),
        reduce_options=not keeps_every_option(scenario),
        idle_slots=cfg.model.complex is not None,
    )


def coverage_weights(scenario: Scenario, data: ModelData) -> np.ndarray:
    """(S,) value of one covered demand unit of each service under model.objective_basis.

    units: the weight w_s; persons: w_s / ρ_s, ρ_s the demand units per person of the service's group (uptake,
    or per_1000_residents / 1000); share: 100 w_s / D_s, D_s the service's total demand (0 when it has none).

    Raises:
        InputError: a service's rate (persons) or total demand (share) is so small (1e-320) that the value of
            one unit is beyond the largest float.
    """
    services = [scenario.config.services[k] for k in data.services]
    weight = np.array([s.weight for s in services], float)
    basis = scenario.config.model.objective_basis
    if basis == "units":
        return weight
    if basis == "persons":
        per = np.array([s.uptake if s.uptake is not None else s.per_1000_residents / 1000 for s in services])
        what = "demand units per person"
    else:
        weight, per, what = 100 * weight, data.total_demand, "total demand units"
    with np.errstate(over="ignore"):
        value = np.divide(weight, per, out=np.zeros_like(weight), where=per > 0)
    if not np.isfinite(value).all():
        s = int(np.flatnonzero(~np.isfinite(value))[0])
        raise InputError(
            f"its {what} ({per[s]:.3g}) are too small to weigh one unit on the '{basis}' basis; check uptake, "
            "per_1000_residents and the population columns, or set model.objective_basis: units",
            file=str(scenario.path),
            field=f"services.{data.services[s]}",
        )
    return value


def required_options(data: ModelData, modes: dict[str, str]) -> np.ndarray:
    """Indices of the options (building, mode) of `modes` (building id -> mode)."""
    pairs = set(modes.items())
    ids = data.building_ids[data.option_building]
    return np.flatnonzero([(str(b), str(m)) in pairs for b, m in zip(ids, data.option_mode)]).astype(np.int64)


def model_spec(scenario: Scenario, data: ModelData) -> ModelSpec:
    """The rules and objectives the scenario switches on."""
    cfg = scenario.config
    model, policy = cfg.model, cfg.model.policy
    keys = data.services
    capacitated = model.capacities
    if capacitated is None:
        capacitated = bool(
            np.isfinite(data.area_per_unit).any()
            or np.isfinite(data.option_capacity).any()
            or np.isfinite(data.host_capacity).any()
        )
    target = np.array([model.target_share.get(k, cfg.services[k].min_share) for k in keys])
    building_index = pd.Index(data.building_ids)
    complex_spec = None
    if model.complex is not None:
        rule = model.complex
        complex_spec = ComplexSpec(
            min_area=rule.min_area_m2,
            min_services=rule.min_services,
            core=np.array([k in rule.core for k in keys]),
            min_core=rule.min_core,
            min_count=rule.min_count,
            min_capex_share=rule.min_capex_share,
            bonus=rule.bonus,
        )
    requires = [
        (data.groups.index(d), keys.index(s)) for d, services in policy.district_requires.items() for s in services
    ]
    required_share, district_share = target_shares(data) if model.targets == "from_audit" else (None, None)
    objectives = tuple(model.objectives)
    # Minimising walking distance before (or without) maximising coverage must serve all coverable demand,
    # or serving nobody would be optimal.
    distance_first = "min_distance" in objectives and (
        "max_coverage" not in objectives or objectives.index("min_distance") < objectives.index("max_coverage")
    )
    return ModelSpec(
        objectives=objectives,
        full_assignment=distance_first,
        capacitated=capacitated,
        single_source=model.single_source,
        target_share=target,
        distance_cost=model.distance_cost_per_unit_m,
        min_facilities=policy.min_facilities,
        max_facilities=policy.max_facilities,
        max_by_mode=dict(policy.max_by_mode),
        must_choose=building_index.get_indexer(list(policy.must_choose)),
        must_not_choose=building_index.get_indexer(list(policy.must_not_choose)),
        must_take=required_options(data, dict(policy.must_choose_as)),
        group_min_share=np.array([policy.district_min_share.get(k, 0.0) for k in keys]),
        group_requires=tuple(requires),
        required_share=required_share,
        district_share=district_share,
        complex=complex_spec,
        coverage_weight=coverage_weights(scenario, data),
    )
