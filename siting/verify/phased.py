"""Re-check a phased plan year by year from the raw tables, independently of the multi-year model.

Each year's plan is checked as a plan of its own (siting.verify.evaluate) with that year's demand and yearly money,
the requirements in the last year only; across the years: what was acquired stays (by the same mode), services
opened stay open, facilities closed stay closed, the one-off money spent in each year (the one-off cost of the
buildings first acquired that year) fits that year's money, and up to the pilot year only buildings of the pilot
districts are acquired. The schedule's objectives are recomputed term by term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from siting.errors import PlanViolation
from siting.plan import Plan
from siting.scenario.load import Scenario, patched
from siting.scenario.schema import ScenarioConfig
from siting.verify.distance import straight
from siting.verify.evaluate import TOL, Evaluation, evaluate


@dataclass(frozen=True)
class PhaseCheck:
    """A phased plan re-checked.

    Attributes:
        years: the years; evaluations: each year's check (its plan, that year's demand and money).
        acquired: the buildings first acquired in each year; spent: their one-off cost, 元.
        objectives: each objective over the whole schedule, recomputed (see siting.model.phases).
        violations: broken rules, each year's included (prefixed with the year).
    """

    years: tuple[int, ...]
    evaluations: tuple[Evaluation, ...]
    acquired: tuple[tuple[str, ...], ...]
    spent: tuple[float, ...]
    objectives: dict[str, float]
    violations: tuple[str, ...]

    def raise_if_invalid(self) -> None:
        """Raise PlanViolation listing every broken rule."""
        if self.violations:
            raise PlanViolation("the phased plan breaks the scenario's rules:\n  - " + "\n  - ".join(self.violations))


def year_scenario(scenario: Scenario, year: int) -> Scenario:
    """The scenario with its demand projected to `year`."""
    return patched(scenario, {"demand": {"year": year}})


def schedule_money(scenario: Scenario) -> tuple[tuple[float, ...], tuple[float, ...] | None]:
    """Each year's one-off and yearly money: model.phases' lists, else budget.capex shared out, budget.annual."""
    cfg = scenario.config
    plan = cfg.model.phases
    n = len(plan.years)
    capex = plan.capex if plan.capex is not None else (cfg.budget.capex / n,) * n
    annual = (
        plan.annual if plan.annual is not None else (None if cfg.budget.annual is None else (cfg.budget.annual,) * n)
    )
    return tuple(float(c) for c in capex), None if annual is None else tuple(float(a) for a in annual)


def year_rules(scenario: Scenario, year: int, annual: float | None, last: bool) -> Scenario:
    """The scenario a year's plan must meet: that year's demand and yearly money, requirements in the last year.

    Before the last year the requirements (shares, district rules, complexes, required buildings, counts, targets)
    are replaced, not merged: a patch merged over the scenario would keep its mappings (target_share,
    must_choose_as, district rules) as they are.
    """
    scenario = patched(scenario, {"demand": {"year": year}, "budget": {"capex": 1e12, "annual": annual, "npv": None}})
    if last:
        return scenario
    doc = scenario.config.model_dump(mode="json")
    doc["model"] |= {"target_share": {}, "targets": None}
    doc["model"]["policy"] |= {"must_choose": [], "must_choose_as": {}, "min_facilities": None}
    doc["model"]["policy"] |= {"district_min_share": {}, "district_requires": {}}
    if doc["model"]["complex"] is not None:
        doc["model"]["complex"] |= {"min_count": 0, "min_capex_share": 0.0}
    for service in doc["services"].values():
        service["min_share"] = 0.0
    return replace(scenario, config=ScenarioConfig.model_validate(doc))


def evaluate_phases(
    scenario: Scenario,
    plans: Sequence[Plan],
    demands: Sequence[pd.DataFrame],
    capex: Sequence[float],
    annual: Sequence[float] | None,
    *,
    proven: bool = False,
) -> PhaseCheck:
    """Check each year's plan and the links between the years; recompute the schedule's objectives.

    Args:
        scenario: the scenario (with model.phases).
        plans: the plan in force in each year.
        demands: each year's demand units (index = community id, one column per service).
        capex, annual: each year's one-off and yearly money (annual None = not limited).
        proven: the plan is claimed optimal (see siting.verify.evaluate).
    """
    cfg = scenario.config
    years = tuple(cfg.model.phases.years)
    last = len(years) - 1
    evaluations, violations, acquired, spent = [], [], [], []
    for t, (year, plan, demand) in enumerate(zip(years, plans, demands)):
        rules = year_rules(scenario, year, None if annual is None else annual[t], t == last)
        ev = evaluate(rules, plan, demand, proven=proven and t == last)
        evaluations.append(ev)
        violations += [f"{year}: {text}" for text in ev.violations]
        before = {s.building: s for s in plans[t - 1].selected} if t else {}
        now = {s.building: s for s in plan.selected}
        for building, earlier in before.items():
            later = now.get(building)
            if later is None or later.mode != earlier.mode:
                violations.append(
                    f"{year}: building {building}, acquired by {years[t - 1]} ({earlier.mode}), is not kept"
                )
            elif not set(earlier.services) <= set(later.services):
                violations.append(
                    f"{year}: building {building} stops {', '.join(set(earlier.services) - set(later.services))}"
                )
        if t and not set(plans[t - 1].closed) <= set(plan.closed):
            violations.append(f"{year}: facilities {sorted(set(plans[t - 1].closed) - set(plan.closed))} reopen")
        new = sorted(set(now) - set(before))
        cost = float(ev.selected.set_index("building").loc[new, "capex"].sum()) if new else 0.0
        acquired.append(tuple(new))
        spent.append(cost)
        if cost > capex[t] * (1 + TOL) + TOL:
            violations.append(f"{year}: one-off spending {cost:,.0f} 元 exceeds that year's {capex[t]:,.0f} 元")
    violations += _pilot(scenario, years, acquired)
    objectives = _objectives(scenario, years, plans, evaluations, acquired)
    return PhaseCheck(years, tuple(evaluations), tuple(acquired), tuple(spent), objectives, tuple(violations))


def _pilot(scenario: Scenario, years: tuple[int, ...], acquired: list[tuple[str, ...]]) -> list[str]:
    """Buildings acquired up to the pilot year must lie in the pilot districts (their nearest community's)."""
    pilot = scenario.config.model.phases.pilot
    if pilot is None:
        return []
    communities = scenario.communities
    group = communities[scenario.config.model.policy.group_by].fillna("").astype(str).to_numpy()
    out = []
    for year, buildings in zip(years, acquired):
        if year > pilot.by or not buildings:
            continue
        xy = scenario.buildings.loc[list(buildings), ["x", "y"]].to_numpy(float)
        district = group[straight(xy, communities[["x", "y"]].to_numpy(float), scenario.config.crs).argmin(axis=1)]
        for building, where in zip(buildings, district):
            if where not in pilot.districts:
                out.append(f"{year}: building {building} lies in {where or 'no district'}, outside the pilot districts")
    return out


def _objectives(
    scenario: Scenario,
    years: tuple[int, ...],
    plans: Sequence[Plan],
    evaluations: list[Evaluation],
    acquired: list[tuple[str, ...]],
) -> dict[str, float]:
    """The schedule's objectives: sums over the years, the last year's costs, the net present cost term by term."""
    cfg = scenario.config
    total = {name: float(sum(ev.objectives[name] for ev in evaluations)) for name in ("max_coverage", "min_distance")}
    total["max_min_share"] = float(sum(ev.objectives["max_min_share"] for ev in evaluations))
    final = evaluations[-1]
    total["min_capex"] = final.objectives["min_capex"]
    total["min_annual"] = final.objectives["min_annual"]
    rate, horizon = cfg.budget.discount_rate, cfg.budget.horizon_years
    npv = 0.0
    for t, (year, buildings) in enumerate(zip(years, acquired)):
        capex = evaluations[t].selected.set_index("building").loc[list(buildings), "capex"].sum() if buildings else 0.0
        npv += float(capex) / (1 + rate) ** (year - years[0])
    for tau in range(1, horizon + 1):  # year τ of the horizon: the plan of the last phase begun by then
        calendar = years[0] + tau - 1
        t = max(i for i, year in enumerate(years) if year <= calendar)
        ev = evaluations[t]
        running = ev.annual + float(ev.existing.loc[ev.existing["status"] == "kept", "annual_cost"].sum())
        npv += running / (1 + rate) ** tau
    travel = cfg.model.distance_cost_per_unit_m * sum(ev.walking for ev in evaluations)
    total["min_cost"] = npv + travel
    return total
