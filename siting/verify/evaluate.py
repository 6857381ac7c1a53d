"""Re-check a plan from the raw scenario tables, independently of the MILP code.

Nothing here imports the model or its index arrays: distances come from siting.verify.distance, costs and
areas from the options table, capacities from the service standards, coverage is decided community by
community (nearest open host within the radius, or the plan's assignments when capacities apply). A plan
that breaks a rule is never written (the CLI raises PlanViolation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import PlanViolation
from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.verify.distance import walking_matrix
from siting.verify.targets import target_violations

TOL = 1e-6  # relative, on budgets, shares and capacities
RADIUS_TOL_M = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """What a plan costs and whom it serves, recomputed from the tables.

    Attributes:
        violations: broken rules in plain words (empty = the plan is valid).
        selected: one row per acquired building: building, name, mode, services, area_m2, assets (traded
            in a swap), capex, annual_cost, npv, floor_area_m2, area_used_m2, capacity, served (units),
            utilisation, complex (bool).
        existing: one row per existing facility: facility, name, services, status (kept / closed), served,
            capacity, utilisation.
        coverage: one row per community × service: community, name, service, demand, covered_units,
            covered (share 0..1), credit, nearest_building, nearest_name, distance_m.
        by_service: per service: demand, covered (units), share, weight, weighted_covered, persons (of the
            service's group behind its demand), persons_covered.
        by_group: per district × service: demand, covered, share (empty without districts).
        capex, annual, npv: totals in 元 of the new acquisitions (npv: capex + annual × annuity factor).
        freed: yearly cost freed by closing existing facilities, 元/year.
        walking: Σ covered units × walking metres (unit·m).
        objectives: value of each objective of the scenario, recomputed (min_cost counts the net present
            cost of the new acquisitions and of the existing facilities kept open; min_annual the yearly cost
            of both; min_capex the one-off cost).
    """

    violations: tuple[str, ...]
    selected: pd.DataFrame
    existing: pd.DataFrame
    coverage: pd.DataFrame
    by_service: pd.DataFrame
    by_group: pd.DataFrame
    capex: float
    annual: float
    npv: float
    freed: float
    walking: float
    objectives: dict[str, float]

    @property
    def objective(self) -> float:
        """Priority-weighted covered demand on the scenario's objective basis (with complex bonus and decay)."""
        return self.objectives["max_coverage"]

    def raise_if_invalid(self) -> None:
        """Raise PlanViolation listing every broken rule."""
        if self.violations:
            raise PlanViolation("the plan breaks the scenario's rules:\n  - " + "\n  - ".join(self.violations))


def annuity(years: int, rate: float) -> float:
    """Σ_{t=1..T} (1+r)^-t, summed term by term (independent of the model's closed form)."""
    return float(sum((1 + rate) ** -t for t in range(1, years + 1)))


def capacitated(scenario: Scenario) -> bool:
    """Whether capacities apply: the scenario says so, or some service, option or facility has one."""
    flag = scenario.config.model.capacities
    if flag is not None:
        return flag
    return (
        any(s.area_per_unit_m2 is not None for s in scenario.config.services.values())
        or bool(scenario.options["capacity"].notna().any())
        or bool(scenario.existing["capacity"].notna().any())
    )


def persons_per_unit(service) -> float:
    """Persons of the service's group behind one demand unit: 1 / uptake, or 1000 / per_1000_residents."""
    rate = service.uptake if service.uptake is not None else service.per_1000_residents / 1000
    return 1 / rate if rate > 0 else 0.0


def unit_values(scenario: Scenario, by_service: pd.DataFrame) -> dict[str, float]:
    """Service -> what one covered demand unit adds to max_coverage under model.objective_basis.

    units: the weight; persons: weight × persons per unit; share: weight × 100 / the service's total demand
    (so the objective is the weighted sum of covered percentages).
    """
    basis = scenario.config.model.objective_basis
    values = {}
    for key, service in scenario.config.services.items():
        total = float(by_service.loc[key, "demand"])
        factor = {
            "units": 1.0,
            "persons": persons_per_unit(service),
            "share": 100 / total if total > 0 else 0.0,
        }[basis]
        values[key] = service.weight * factor
    return values


def _short(share: float, need: float, demand: float) -> bool:
    """A covered share below the share needed of `demand` (> 0), beyond TOL on shares and TOL demand units.

    TOL demand units short is allowed as TOL 元 over a budget or m² over an area is: the solvers' own absolute
    tolerance, which for a tiny demand (1e-8 units) is the whole requirement.
    """
    return share < need * (1 - TOL) - TOL - TOL / demand


def _ratio(part: pd.Series, whole: pd.Series) -> np.ndarray:
    """The ratio part / whole, 0 where whole is 0."""
    return np.where(whole > 0, part / whole.where(whole > 0, 1), 0.0)


def _credit(distance: np.ndarray, service) -> np.ndarray:
    full = service.radius_m if service.full_credit_m is None else min(service.full_credit_m, service.radius_m)
    if service.radius_m <= full:
        return (distance <= service.radius_m + RADIUS_TOL_M).astype(float)
    out = np.clip((service.radius_m - distance) / (service.radius_m - full), 0, 1)
    return np.where(distance <= full, 1.0, out)


class _Checker:
    def __init__(self, scenario: Scenario, plan: Plan, demand: pd.DataFrame):
        self.s, self.plan, self.demand = scenario, plan, demand
        self.cfg = scenario.config
        self.violations: list[str] = []

    def fail(self, text: str) -> None:
        self.violations.append(text)

    def selected(self) -> pd.DataFrame:
        s, cfg = self.s, self.cfg
        rows = pd.DataFrame(
            [
                {"building": x.building, "mode": x.mode, "services": x.services, "area_m2": x.area_m2}
                for x in self.plan.selected
            ],
            columns=["building", "mode", "services", "area_m2"],
        )
        counts = rows["building"].value_counts()
        for building in sorted(counts[counts > 1].index):
            modes = sorted(rows.loc[rows["building"] == building, "mode"])
            self.fail(
                f"building {building} is acquired {counts[building]} times (modes {', '.join(modes)}); "
                "at most one mode per building"
            )
        for building in rows.loc[~rows["building"].isin(s.buildings.index), "building"]:
            self.fail(f"building {building} is not in the buildings table")
        options = s.options.set_index(["building", "mode"])
        keys = list(zip(rows["building"], rows["mode"]))
        for key in keys:
            if key not in options.index:
                self.fail(f"building {key[0]} has no '{key[1]}' option")
        found = options.reindex(keys)
        rows["name"] = s.buildings["name"].reindex(rows["building"]).to_numpy()
        for col in ("capex", "annual_cost", "floor_area_m2", "capacity"):
            rows[col] = found[col].to_numpy(float)
        rows["assets"] = [a if isinstance(a, tuple) else () for a in found["assets"]]
        for building, services, areas in zip(rows["building"], rows["services"], rows["area_m2"]):
            for key in services:
                if key not in cfg.services:
                    self.fail(f"service '{key}' is not defined in the scenario")
            if len(set(services)) < len(services):
                self.fail(f"building {building} lists a service twice ({', '.join(services)})")
            if areas and len(areas) != len(services):
                self.fail(f"building {building} gives {len(areas)} floor areas for {len(services)} services")
        rows["area_m2"] = [
            tuple(a) if a else tuple(cfg.services[k].min_area_m2 if k in cfg.services else 0.0 for k in services)
            for a, services in zip(rows["area_m2"], rows["services"])
        ]
        rows["area_used_m2"] = [float(sum(a)) for a in rows["area_m2"]]
        for r in rows.itertuples():
            if r.area_used_m2 > r.floor_area_m2 * (1 + TOL) + TOL:
                self.fail(
                    f"building {r.building} gives {r.area_used_m2:g} m² to {', '.join(r.services)} "
                    f"but has {r.floor_area_m2:g} m²"
                )
            for key, area in zip(r.services, r.area_m2):
                if key in cfg.services and area < cfg.services[key].min_area_m2 * (1 - TOL) - TOL:
                    self.fail(
                        f"building {r.building} gives {key} {area:g} m², less than its minimum "
                        f"{cfg.services[key].min_area_m2:g} m²"
                    )
        rows["npv"] = rows["capex"] + rows["annual_cost"] * annuity(cfg.budget.horizon_years, cfg.budget.discount_rate)
        return rows

    def existing(self, selected: pd.DataFrame) -> pd.DataFrame:
        s = self.s
        closed = set(self.plan.closed)
        for fid in sorted(closed - set(s.existing.index)):
            self.fail(f"closed facility {fid} is not in the existing facilities table")
        traded = [a for assets in selected["assets"] for a in assets]
        counts = pd.Series(traded, dtype=object).value_counts()
        for asset in sorted(counts[counts > 1].index):
            self.fail(f"asset {asset} is traded {counts[asset]} times; each asset can be traded once")
        table = s.existing.reset_index().rename(columns={"id": "facility"})
        table["status"] = np.where(table["facility"].isin(closed), "closed", "kept")
        for r in table.itertuples():
            if r.status == "closed" and not r.closable and r.asset not in traded:
                self.fail(f"existing facility {r.facility} is closed but is not closable")
            if r.status == "kept" and r.asset and r.asset in traded:
                self.fail(f"existing facility {r.facility} stays open but its asset {r.asset} is traded away")
        return table

    def budgets(self, selected: pd.DataFrame, existing: pd.DataFrame) -> None:
        budget = self.cfg.budget
        capex = float(np.nansum(selected["capex"]))
        if capex > budget.capex * (1 + TOL) + TOL:
            self.fail(f"one-off cost {capex:,.0f} 元 exceeds the budget {budget.capex:,.0f} 元")
        if budget.annual is not None:
            freed = float(existing.loc[existing["status"] == "closed", "annual_cost"].sum())
            annual = float(np.nansum(selected["annual_cost"]))
            if annual - freed > budget.annual * (1 + TOL) + TOL:
                less = f" (less {freed:,.0f} 元 freed by closures)" if freed else ""
                self.fail(f"yearly cost {annual:,.0f} 元{less} exceeds the budget {budget.annual:,.0f} 元")
        if budget.npv is not None:
            factor = annuity(budget.horizon_years, budget.discount_rate)
            freed = float(existing.loc[existing["status"] == "closed", "annual_cost"].sum()) * factor
            npv = float(np.nansum(selected["npv"]))
            if npv - freed > budget.npv * (1 + TOL) + TOL:
                less = f" (less {freed:,.0f} 元 freed by closures)" if freed else ""
                self.fail(f"net present cost {npv:,.0f} 元{less} exceeds the budget {budget.npv:,.0f} 元")

    def policy(self, selected: pd.DataFrame) -> None:
        policy = self.cfg.model.policy
        n = len(selected)
        if policy.max_facilities is not None and n > policy.max_facilities:
            self.fail(f"{n} buildings acquired; at most {policy.max_facilities} allowed")
        if policy.min_facilities is not None and n < policy.min_facilities:
            self.fail(f"{n} buildings acquired; at least {policy.min_facilities} required")
        for mode, limit in policy.max_by_mode.items():
            count = int((selected["mode"] == mode).sum())
            if count > limit:
                self.fail(f"{count} buildings acquired by {mode}; at most {limit} allowed")
        chosen = set(selected["building"])
        for b in policy.must_choose:
            if b not in chosen:
                self.fail(f"building {b} must be acquired but is not")
        for b in policy.must_not_choose:
            if b in chosen:
                self.fail(f"building {b} must not be acquired but is")
        modes = dict(zip(selected["building"], selected["mode"]))
        for b, mode in policy.must_choose_as.items():
            if modes.get(b) != mode:
                got = f"by {modes[b]}" if b in modes else "not at all"
                self.fail(f"building {b} must be acquired by {mode} but is acquired {got}")

    def idle_purchases(self, selected: pd.DataFrame) -> None:
        """A proven least-cost plan pays for no building that hosts nothing and could simply be dropped.

        Dropping it breaks no rule unless it is required, trades an asset (which closes a facility and so
        changes costs), is free, or is needed to reach the minimum number of facilities.
        """
        policy = self.cfg.model.policy
        if policy.min_facilities is not None and len(selected) <= policy.min_facilities:
            return
        idle = (
            (selected["services"].map(len) == 0)
            & (selected["npv"] > 0)
            & (selected["assets"].map(len) == 0)
            & ~selected["building"].isin(policy.must_choose)
            & ~selected["building"].isin(list(policy.must_choose_as))
        )
        for r in selected[idle].itertuples():
            self.fail(
                f"building {r.building} is paid for ({r.npv:,.0f} 元 net present cost) but hosts no service; "
                "a least-cost plan would not acquire it"
            )


def evaluate(scenario: Scenario, plan: Plan, demand: pd.DataFrame, *, proven: bool = False) -> Evaluation:
    """Recompute cost, area, capacity use and coverage of `plan`, and list every rule it breaks.

    Args:
        scenario: the loaded scenario (raw tables).
        plan: the plan to check.
        demand: demand units, index = community id, one column per service.
        proven: the plan is claimed optimal; then, when cost is an objective, paying for a building that
            hosts nothing is a broken claim (the building could be dropped at no loss).
    """
    check = _Checker(scenario, plan, demand)
    cfg = scenario.config
    selected = check.selected()
    existing = check.existing(selected)
    check.budgets(selected, existing)
    check.policy(selected)
    if proven and "min_cost" in cfg.model.objectives:
        check.idle_purchases(selected)
    hosts = _hosts(scenario, selected, existing)
    coverage, load = _assigned(check, hosts) if capacitated(scenario) else _nearest(check, hosts)
    _capacities(check, selected, existing, hosts, load)
    selected["complex"] = _complexes(check, selected)
    by_service, by_group = _shares(check, coverage)
    for text in target_violations(scenario, demand, coverage):
        check.fail(text)
    walking = (
        float((coverage["covered_units"] * coverage["distance_m"].fillna(0)).sum())
        if not capacitated(scenario)
        else float(coverage["walking"].sum())
    )
    per_unit = coverage["service"].map(unit_values(scenario, by_service))
    coverage_value = float((per_unit * coverage["credited_units"]).sum())
    if cfg.model.complex is not None:
        coverage_value += cfg.model.complex.bonus * int(selected["complex"].sum())
    npv = float(np.nansum(selected["npv"]))
    factor = annuity(cfg.budget.horizon_years, cfg.budget.discount_rate)
    kept_annual = float(existing.loc[existing["status"] == "kept", "annual_cost"].sum())
    kept_cost = kept_annual * factor
    objectives = {
        "max_coverage": coverage_value,
        "min_cost": npv + kept_cost + cfg.model.distance_cost_per_unit_m * walking,
        "min_capex": float(np.nansum(selected["capex"])),
        "min_annual": float(np.nansum(selected["annual_cost"])) + kept_annual,
        "min_distance": walking,
        "max_min_share": float(by_group["share"].min()) if len(by_group) else 0.0,
    }
    return Evaluation(
        violations=tuple(check.violations),
        selected=selected.reset_index(drop=True),
        existing=existing,
        coverage=coverage.drop(columns=["walking", "credited_units"], errors="ignore"),
        by_service=by_service,
        by_group=by_group,
        capex=float(np.nansum(selected["capex"])),
        annual=float(np.nansum(selected["annual_cost"])),
        npv=npv,
        freed=float(existing.loc[existing["status"] == "closed", "annual_cost"].sum()),
        walking=walking,
        objectives=objectives,
    )


def _hosts(scenario: Scenario, selected: pd.DataFrame, existing: pd.DataFrame) -> dict[str, list[str]]:
    """Service -> ids of the sites hosting it (acquired buildings, then kept existing facilities)."""
    hosts = {key: [] for key in scenario.config.services}
    for building, services in zip(selected["building"], selected["services"]):
        if building in scenario.buildings.index:
            for key in services:
                hosts.setdefault(key, []).append(building)
    for r in existing[existing["status"] == "kept"].itertuples():
        for key in r.services:
            hosts[key].append(r.facility)
    return {key: list(dict.fromkeys(sites)) for key, sites in hosts.items()}


def _frame(scenario: Scenario, key: str, demand: pd.DataFrame) -> pd.DataFrame:
    communities = scenario.communities
    return pd.DataFrame(
        {
            "community": communities.index,
            "name": communities["name"].to_numpy(),
            "service": key,
            "demand": demand[key].reindex(communities.index).to_numpy(float),
        }
    )


def _nearest(check: _Checker, hosts: dict[str, list[str]]) -> tuple[pd.DataFrame, dict]:
    """Without capacities a community is covered by its nearest open host within the radius."""
    s, cfg = check.s, check.cfg
    names = pd.concat([s.buildings["name"], s.existing["name"]])
    frames = []
    for key, service in cfg.services.items():
        frame = _frame(s, key, check.demand)
        sites = hosts[key]
        if sites:
            dist = walking_matrix(s, sites)
            index = dist.argmin(axis=1)
            nearest = dist[np.arange(len(dist)), index]
            frame["nearest_building"] = np.array(sites, dtype=object)[index]
            frame["nearest_name"] = names.reindex(frame["nearest_building"]).to_numpy()
            frame["distance_m"] = nearest
            within = nearest <= service.radius_m + RADIUS_TOL_M
            frame["covered"] = within.astype(float)
            frame["credit"] = np.where(within, _credit(nearest, service), 0.0)
        else:
            frame["nearest_building"], frame["nearest_name"] = "", ""
            frame["distance_m"], frame["covered"], frame["credit"] = np.nan, 0.0, 0.0
        frame["covered_units"] = frame["demand"] * frame["covered"]
        frame["credited_units"] = frame["demand"] * frame["credit"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), {}


def _assigned(check: _Checker, hosts: dict[str, list[str]]) -> tuple[pd.DataFrame, dict]:
    """With capacities, coverage is what the plan assigns; each assignment must be within the radius."""
    s, cfg, plan = check.s, check.cfg, check.plan
    names = pd.concat([s.buildings["name"], s.existing["name"]])
    rows = pd.DataFrame([vars(a) for a in plan.assignments], columns=["community", "service", "building", "units"])
    load: dict[tuple[str, str], float] = {}
    frames = []
    for key, service in cfg.services.items():
        frame = _frame(s, key, check.demand)
        part = rows[rows["service"] == key]
        sites = hosts[key]
        for b in sorted(set(part["building"]) - set(sites)):
            check.fail(f"demand for {key} is assigned to {b}, which does not host {key}")
        part = part[part["building"].isin(sites)]
        unknown = ~part["community"].isin(s.communities.index) | ~(part["units"] >= 0)
        for r in part[unknown].itertuples():
            check.fail(f"an assignment of {r.units!r} units of {key} names community {r.community!r}, not a valid one")
        part = part[~unknown]
        dist = walking_matrix(s, sites) if sites else np.zeros((len(frame), 0))
        comm = s.communities.index.get_indexer(part["community"])
        col = pd.Index(sites).get_indexer(part["building"])
        d = dist[comm, col] if len(part) else np.zeros(0)
        far = d > service.radius_m + RADIUS_TOL_M
        for r, dd in zip(part[far].itertuples(), d[far]):
            check.fail(
                f"{r.community} is assigned to {r.building} for {key} at {dd:,.0f} m, beyond {service.radius_m:g} m"
            )
        units = part["units"].to_numpy(float)
        served = np.bincount(comm, weights=units, minlength=len(frame))
        credited = np.bincount(comm, weights=units * _credit(d, service), minlength=len(frame))
        walked = np.bincount(comm, weights=units * d, minlength=len(frame))
        over = served > frame["demand"].to_numpy() * (1 + TOL) + TOL
        for i in np.flatnonzero(over):
            check.fail(f"{frame['community'][i]} gets {served[i]:g} units of {key} but needs {frame['demand'][i]:g}")
        if cfg.model.single_source:
            many = pd.Series(comm).value_counts()
            for i in many[many > 1].index:
                check.fail(f"{frame['community'][i]} is served for {key} by {many[i]} buildings; single-source")
        for b, u in part.groupby("building")["units"].sum().items():
            load[(b, key)] = float(u)
        frame["covered_units"] = np.minimum(served, frame["demand"].to_numpy())
        frame["covered"] = _ratio(frame["covered_units"], frame["demand"])
        frame["credit"] = np.where(served > 0, credited / np.where(served > 0, served, 1), 0.0)
        frame["credited_units"] = credited
        frame["walking"] = walked
        if sites:
            index = dist.argmin(axis=1)
            frame["nearest_building"] = np.array(sites, dtype=object)[index]
            frame["nearest_name"] = names.reindex(frame["nearest_building"]).to_numpy()
            frame["distance_m"] = dist[np.arange(len(dist)), index]
        else:
            frame["nearest_building"], frame["nearest_name"], frame["distance_m"] = "", "", np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), load


def _capacities(
    check: _Checker, selected: pd.DataFrame, existing: pd.DataFrame, hosts: dict[str, list[str]], load: dict
) -> None:
    """Check capacities and add capacity, served and utilisation columns.

    Capacity per service: area given ÷ area per unit; a facility's given capacity; an option's capacity
    shared by all services of its building.
    """
    cfg = check.cfg
    on = capacitated(check.s)
    caps, served, util = [], [], []
    for r in selected.itertuples():
        per_service = []
        for key, area in zip(r.services, r.area_m2):
            per_unit = cfg.services[key].area_per_unit_m2 if key in cfg.services else None
            per_service.append(area / per_unit if per_unit else np.inf)
        used = [load.get((r.building, k), 0.0) for k in r.services]
        if on:
            for key, cap, u in zip(r.services, per_service, used):
                if u > cap * (1 + TOL) + TOL:
                    check.fail(f"building {r.building} serves {u:g} units of {key}, over its capacity {cap:g}")
            if np.isfinite(r.capacity) and sum(used) > r.capacity * (1 + TOL) + TOL:
                check.fail(
                    f"building {r.building} serves {sum(used):g} units, over the option's capacity {r.capacity:g}"
                )
        total_cap = min(sum(per_service), r.capacity if np.isfinite(r.capacity) else np.inf)
        caps.append(total_cap)
        served.append(sum(used))
        util.append(sum(used) / total_cap if on and np.isfinite(total_cap) and total_cap > 0 else np.nan)
    selected["capacity"], selected["served"], selected["utilisation"] = caps, served, util
    e_served = []
    for r in existing.itertuples():
        used = sum(load.get((r.facility, k), 0.0) for k in r.services)
        if on and r.status == "kept" and np.isfinite(r.capacity):
            for key in r.services:
                u = load.get((r.facility, key), 0.0)
                if u > r.capacity * (1 + TOL) + TOL:
                    check.fail(
                        f"existing facility {r.facility} serves {u:g} units of {key}, over its capacity {r.capacity:g}"
                    )
        e_served.append(used)
    existing["served"] = e_served
    existing["utilisation"] = np.where(
        np.isfinite(existing["capacity"]) & (existing["capacity"] > 0) & on,
        existing["served"] / (existing["capacity"].where(existing["capacity"] > 0, 1) * existing["services"].map(len)),
        np.nan,
    )


def _complexes(check: _Checker, selected: pd.DataFrame) -> np.ndarray:
    rule = check.cfg.model.complex
    if rule is None:
        return np.zeros(len(selected), bool)
    core = set(rule.core)
    flags = np.array(
        [
            r.floor_area_m2 >= rule.min_area_m2
            and len(r.services) >= rule.min_services
            and sum(k in core for k in r.services) >= rule.min_core
            for r in selected.itertuples()
        ],
        bool,
    )
    if flags.sum() < rule.min_count:
        check.fail(f"{int(flags.sum())} complexes (综合体); at least {rule.min_count} required")
    total = float(np.nansum(selected["capex"]))
    on_complexes = float(np.nansum(selected["capex"].to_numpy()[flags])) if len(flags) else 0.0
    if rule.min_capex_share and on_complexes < rule.min_capex_share * total * (1 - TOL) - TOL:
        check.fail(
            f"{on_complexes / total if total else 0:.1%} of one-off spending goes to complexes; at least "
            f"{rule.min_capex_share:.0%} required"
        )
    return flags


def _shares(check: _Checker, coverage: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cfg, s = check.cfg, check.s
    services = list(cfg.services)
    table = pd.DataFrame(
        {
            "demand": coverage.groupby("service", sort=False)["demand"].sum(),
            "covered": coverage.groupby("service", sort=False)["covered_units"].sum(),
        }
    ).reindex(services)
    table["share"] = _ratio(table["covered"], table["demand"])
    table["weight"] = [cfg.services[k].weight for k in services]
    table["weighted_covered"] = table["weight"] * table["covered"]
    per_person = np.array([persons_per_unit(cfg.services[k]) for k in services])
    table["persons"] = table["demand"] * per_person
    table["persons_covered"] = table["covered"] * per_person
    table.index.name = "service"
    need = {k: svc.min_share for k, svc in cfg.services.items()}
    if {"min_cost", "min_capex", "min_annual"} & set(cfg.model.objectives):
        need = {k: max(v, cfg.model.target_share.get(k, 0.0)) for k, v in need.items()}
    for key, share in need.items():  # a service without demand meets any share (as a district without it does)
        if (
            share > 0
            and table.loc[key, "demand"] > 0
            and _short(table.loc[key, "share"], share, table.loc[key, "demand"])
        ):
            check.fail(f"{key} covers {table.loc[key, 'share']:.2%} of its demand; the scenario requires {share:.2%}")
    policy = cfg.model.policy
    if policy.group_by not in s.communities:
        return table, pd.DataFrame(columns=["group", "service", "demand", "covered", "share"])
    group = s.communities[policy.group_by].fillna("").astype(str).reindex(coverage["community"]).to_numpy()
    # A district's requirement counts the covered fractions of its communities with demand: covering one that
    # needs nothing covers none of the district's demand.
    frame = coverage.assign(group=group, reached=np.where(coverage["demand"] > 0, coverage["covered"], 0.0))
    frame = frame[frame["group"] != ""]
    by_group = (
        frame.groupby(["group", "service"], sort=True)
        .agg(demand=("demand", "sum"), covered=("covered_units", "sum"), fraction=("reached", "sum"))
        .reset_index()
    )
    by_group = by_group[by_group["demand"] > 0].reset_index(drop=True)
    by_group["share"] = by_group["covered"] / by_group["demand"]
    for r in by_group.itertuples():
        minimum = policy.district_min_share.get(r.service, 0.0)
        if minimum and _short(r.share, minimum, r.demand):
            check.fail(f"{r.group}: {r.service} covers {r.share:.2%}; every district needs {minimum:.0%}")
    for district, keys in policy.district_requires.items():
        for key in keys:
            got = by_group[(by_group["group"] == district) & (by_group["service"] == key)]["fraction"].sum()
            if got < 1 - TOL:
                check.fail(f"{district} must have {key} but none of its demand for it is covered")
    return table, by_group.drop(columns="fraction")
