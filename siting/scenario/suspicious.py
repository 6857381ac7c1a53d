"""Inputs that are allowed but look like mistakes: warnings for the scenario and hints for error messages.

A warning is printed (`siting: warning: ...`) and shown in the reports' input warnings; it never stops a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.errors import cut
from siting.scenario.schema import ScenarioConfig


def degree_warnings(communities: pd.DataFrame, buildings: pd.DataFrame, crs: str) -> tuple[str, ...]:
    """Planar coordinates that all lie within 1 m of each other and within ±180 / ±90 are degrees read as metres.

    crs defaults to planar, so a planner who gives 经度/纬度 without `crs: lonlat` would otherwise get a plan in
    which every building reaches every community.
    """
    xy = pd.concat([communities[["x", "y"]], buildings[["x", "y"]]]).to_numpy(float)
    span = np.ptp(xy, axis=0)
    looks_like_degrees = (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    if crs != "planar" or not looks_like_degrees or span.max() == 0 or span.max() >= 1:
        return ()
    return (
        f"crs is planar (x, y in metres) but every community and building lies within {span.max():.3g} m of the "
        "others, at values that look like longitude and latitude; if they are degrees, set `crs: lonlat`",
    )


def budget_warnings(config: ScenarioConfig, options: pd.DataFrame) -> tuple[str, ...]:
    """A budget below the cheapest option is allowed, but is most likely a unit slip (300 meant as 300 万元)."""
    found = []
    for key, column, unit in (("capex", "capex", "元"), ("annual", "annual_cost", "元/年")):
        budget = getattr(config.budget, key)
        costs = options[column].to_numpy(dtype=float)
        costs = costs[costs > 0]
        if budget is None or budget <= 0 or len(costs) == 0 or budget >= costs.min():
            continue
        cheapest = options.loc[options[column] == costs.min()].iloc[0]
        text = (
            f"budget.{key} is {budget:,.0f} {unit}, less than the cheapest option's {column} "
            f"({costs.min():,.0f} {unit}, {cut(cheapest['building'])} {cheapest['mode']}): amounts in the scenario "
            f"are in 元"
        )
        if budget * 1e4 >= costs.min():
            text += f"; if {budget:,.0f} was meant in 万元, write {budget * 1e4:,.0f}"
        found.append(text)
    phases = config.model.phases
    if phases is not None and phases.capex is not None and config.budget.capex is not None:
        total = float(sum(phases.capex))
        if abs(total - config.budget.capex) > 0.5:
            found.append(
                f"budget.capex ({config.budget.capex:,.0f} 元) is not used: model.phases.capex gives each year's "
                f"one-off money ({total:,.0f} 元 in all)"
            )
    return tuple(found)


def id_hint(value: str, known: pd.Index) -> str:
    """A hint when `value` is a known id but for leading zeros ('1' for '001'), as Excel stores numbers; else ''."""
    if not str(value).isdigit():
        return ""
    same = [k for k in known.astype(str) if k.isdigit() and k != value and k.lstrip("0") == str(value).lstrip("0")]
    if not same:
        return ""
    return (
        f" (did you mean '{same[0]}'? Excel and YAML drop the leading zeros of numbers: format the id columns as "
        f"text, quote ids in YAML)"
    )


def uses_groups(config: ScenarioConfig) -> bool:
    """Whether a rule groups communities by `policy.group_by` (district equity, max_min_share, a pilot)."""
    policy, phases = config.model.policy, config.model.phases
    return bool(
        policy.district_min_share
        or policy.district_requires
        or "max_min_share" in config.model.objectives
        or (phases is not None and phases.pilot is not None)
    )


def group_warnings(communities: pd.DataFrame, config: ScenarioConfig) -> tuple[str, ...]:
    """Communities with no district while district rules apply: the rules leave them out, which may be a gap."""
    column = config.model.policy.group_by
    if not uses_groups(config) or column not in communities:
        return ()
    blank = communities.index[communities[column].fillna("").astype(str).str.strip() == ""]
    if blank.empty:
        return ()
    return (
        f"{len(blank)} communities have no {column} ({cut(', '.join(map(str, blank[:5])))}"
        f"{', ...' if len(blank) > 5 else ''}): the {column} rules do not apply to them",
    )
