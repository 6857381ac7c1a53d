"""Labelled result tables and plan.json, built from a RunResult. Sorted, rounded: same input, same bytes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import yaml

from siting import __version__
from siting.report.lang import Text
from siting.report.served import building_districts, group_persons, host_persons, not_covered_reasons, served_by
from siting.scenario.overrides import document_sha256, effective_document
from siting.scenario.schema import GROUP_LABELS, MODE_LABELS, MODES

DECIMALS = 6


def rounded(value: Any) -> Any:
    """Round floats for output (None and NaN become None)."""
    if value is None:
        return None
    value = float(value)
    if not np.isfinite(value):
        return None
    out = round(value, DECIMALS)
    return 0.0 if out == 0 else out


def per_result(table: Callable[[Any], pd.DataFrame]) -> Callable[[Any], pd.DataFrame]:
    """Build `table(result)` once for the last result asked about; each caller gets its own copy.

    A run folder's writers (CSV, Markdown, HTML, workbook, map) ask for the same tables a dozen times.
    """
    last: list = [None, None]

    @functools.wraps(table)
    def cached(result) -> pd.DataFrame:
        if last[0] is not result:
            last[:] = [result, table(result)]
        return last[1].copy()

    return cached


def service_label(result, key: str) -> tuple[str, str]:
    """(zh, en) label of a service."""
    label = result.scenario.config.services[key].label
    return (label.zh, label.en) if label else (key, key)


def service_labels(result, t: Text) -> dict[str, str]:
    """Service key -> label in the report's language."""
    return {k: t(*service_label(result, k)) for k in result.scenario.config.services}


@per_result
def selected_table(result) -> pd.DataFrame:
    """One row per acquired building, sorted by building id, with its district, coordinates and persons served."""
    sel = result.evaluation.selected.sort_values("building").reset_index(drop=True)
    where = result.scenario.buildings.reindex(sel["building"])
    return pd.DataFrame(
        {
            "building": sel["building"],
            "name": sel["name"],
            "district": building_districts(result, pd.Index(sel["building"])),
            "x": where["x"].to_numpy(float),
            "y": where["y"].to_numpy(float),
            "mode": sel["mode"],
            "mode_zh": [MODE_LABELS[m][0] for m in sel["mode"]],
            "services": [";".join(s) for s in sel["services"]],
            "services_zh": ["、".join(service_label(result, k)[0] for k in s) for s in sel["services"]],
            "assets_traded": [";".join(a) for a in sel["assets"]],
            "area_by_service_m2": [";".join(f"{a:.2f}" for a in areas) for areas in sel["area_m2"]],
            "complex": sel["complex"].astype(int),
            "capex": sel["capex"].round(2),
            "annual_cost": sel["annual_cost"].round(2),
            "npv": sel["npv"].round(2),
            "floor_area_m2": sel["floor_area_m2"].round(2),
            "area_used_m2": sel["area_used_m2"].round(2),
            "capacity": sel["capacity"].replace(np.inf, np.nan).round(3),
            "served": sel["served"].round(3),
            "utilisation": sel["utilisation"].round(4),
            "persons_served": host_persons(result).reindex(sel["building"]).fillna(0.0).round(1).to_numpy(),
        }
    )


@per_result
def coverage_table(result) -> pd.DataFrame:
    """One row per community × service, sorted by community then service order.

    Units and persons of the target group side by side; the hosts serving the community (ids and names,
    largest share first); for demand left uncovered, the reason (siting.report.served.REASONS).
    """
    cov = result.evaluation.coverage
    services = list(result.scenario.config.services)
    order = {k: i for i, k in enumerate(services)}
    communities = result.scenario.communities
    groups = {k: s.population for k, s in result.scenario.config.services.items()}
    key = pd.MultiIndex.from_arrays([cov["community"], cov["service"]])
    persons = group_persons(result).stack().reindex(key).to_numpy(float)
    serving = served_by(result)
    table = pd.DataFrame(
        {
            "community": cov["community"],
            "name": cov["name"],
            "district": communities["district"].reindex(cov["community"]).fillna("").to_numpy()
            if "district" in communities
            else "",
            "service": cov["service"],
            "service_zh": [service_label(result, k)[0] for k in cov["service"]],
            "group": [groups[k] for k in cov["service"]],
            "demand": cov["demand"].round(DECIMALS),
            "persons": persons.round(1),
            "covered_share": cov["covered"].round(DECIMALS),
            "covered_demand": cov["covered_units"].round(DECIMALS),
            "persons_covered": (persons * cov["covered"].to_numpy(float)).round(1),
            "served_by": serving["served_by"].reindex(key).fillna("").to_numpy(),
            "served_by_name": serving["served_by_name"].reindex(key).fillna("").to_numpy(),
            "nearest_building": cov["nearest_building"],
            "nearest_name": cov["nearest_name"],
            "distance_m": cov["distance_m"].replace(np.inf, np.nan).round(1),
            "not_covered_reason": not_covered_reasons(result).reindex(key).fillna("").to_numpy(),
        }
    )
    table["_s"] = table["service"].map(order)
    return table.sort_values(["community", "_s"]).drop(columns="_s").reset_index(drop=True)


def plan_document(result) -> dict[str, Any]:
    """plan.json: the contract other programs read. No timings (they live in manifest.json)."""
    from siting.report.schedule import phases_document, robust_document

    document = _plan_document(result)
    for key, extra in (("phases", phases_document(result)), ("robust", robust_document(result))):
        if extra is not None:
            document[key] = extra
    return document


def _plan_document(result) -> dict[str, Any]:
    sol, ev, cfg = result.solution, result.evaluation, result.scenario.config
    selected = selected_table(result)
    first = sol.first.result
    return {
        "scenario": cfg.name,
        "status": sol.status.value,
        "objective": rounded(ev.objective),
        "bound": rounded(sol.bound),
        "gap": rounded(sol.gap),
        "objectives": {name: rounded(value) for name, value in ev.objectives.items() if name in cfg.model.objectives},
        "solver": {
            "name": first.solver,
            "version": first.version,
            "time_limit_s": result.options.time_limit_s,
            "stages": [
                {
                    "objective": s.objective,
                    "status": s.result.status.value,
                    "value": rounded(s.result.objective),
                    "bound": rounded(s.result.bound),
                    "gap": rounded(s.result.gap),
                }
                for s in sol.stages
            ],
        },
        "cost": {
            "capex": rounded(ev.capex),
            "annual": rounded(ev.annual),
            "annual_freed": rounded(ev.freed),
            "npv": rounded(ev.npv),
        },
        "budget": {
            "capex": rounded(cfg.budget.capex),
            "annual": rounded(cfg.budget.annual),
            "npv": rounded(cfg.budget.npv),
            "horizon_years": cfg.budget.horizon_years,
            "discount_rate": cfg.budget.discount_rate,
        },
        "selected": [
            {
                "building": r.building,
                "name": r.name,
                "mode": r.mode,
                "services": [k for k in r.services.split(";") if k],
                "area_m2": [rounded(a) for a in areas],
                "complex": bool(r.complex),
                "assets_traded": [a for a in r.assets_traded.split(";") if a],
                "capex": rounded(r.capex),
                "annual_cost": rounded(r.annual_cost),
            }
            for r, areas in zip(selected.itertuples(), _areas(result, selected))
        ],
        "existing": [
            {"facility": r.facility, "name": r.name, "status": r.status, "services": list(r.services)}
            for r in ev.existing.sort_values("facility").itertuples()
        ],
        "assignments": [
            {"community": a.community, "service": a.service, "building": a.building, "units": rounded(a.units)}
            for a in sol.plan.assignments
        ],
        "coverage": {
            key: {
                "group": cfg.services[key].population,
                "demand": rounded(row.demand),
                "covered": rounded(row.covered),
                "share": rounded(row.share),
                "weight": rounded(row.weight),
                "persons": rounded(row.persons),
                "persons_covered": rounded(row.persons_covered),
            }
            for key, row in service_table(result).iterrows()
        },
        "demand": {
            "year": result.demand.estimate.year,
            "variant": result.demand.estimate.variant,
            "groups": {
                g: rounded(values.sum()) for g, values in result.demand.estimate.groups.items() if values.notna().all()
            },
        },
        "model": {
            "objectives": list(cfg.model.objectives),
            "objective_basis": cfg.model.objective_basis,
            "capacitated": result.spec.capacitated,
            "targets": cfg.model.targets,
            "variables": sol.n_cols,
            "constraints": sol.rows,
            "options_dropped_as_dominated": result.data.dropped_options,
        },
        "input_sha256": result.scenario.input_sha256,
        "scenario_sha256": document_sha256(effective_document(cfg)),
        "overrides": list(result.scenario.overrides),
        "sets": list(result.scenario.sets),
        "siting_version": __version__,
    }


def group_labels(group: str) -> tuple[str, str]:
    """(zh, en) label of a population group: ('60岁及以上老年人', 'elderly 60+')."""
    return GROUP_LABELS.get(group, (group, group))


def _areas(result, selected: pd.DataFrame) -> list[tuple[float, ...]]:
    """Floor area per service of each selected building, in the order of `selected`, at full precision."""
    by_building = dict(zip(result.evaluation.selected["building"], result.evaluation.selected["area_m2"]))
    return [by_building[b] for b in selected["building"]]


def group_label(group: str) -> str:
    """'60岁及以上老年人 (elderly 60+)'."""
    zh, en = group_labels(group)
    return f"{zh} ({en})"


def scenario_warnings(result) -> tuple[str, ...]:
    """Warnings raised while reading the scenario (e.g. a budget below the cheapest option), for the reports."""
    return tuple(getattr(result.scenario, "warnings", ()) or ())


def _persons(result) -> pd.DataFrame:
    """community, service, persons, persons_covered (unrounded), in the evaluation's row order."""
    cov = result.evaluation.coverage
    key = pd.MultiIndex.from_arrays([cov["community"], cov["service"]])
    persons = group_persons(result).stack().reindex(key).to_numpy(float)
    return pd.DataFrame(
        {
            "community": cov["community"].to_numpy(),
            "service": cov["service"].to_numpy(),
            "persons": persons,
            "persons_covered": persons * cov["covered"].to_numpy(float),
        }
    )


def service_table(result) -> pd.DataFrame:
    """Per service (index, scenario order): group, radius_m, weight, demand and covered units, share, persons."""
    cfg = result.scenario.config
    persons = _persons(result).groupby("service", sort=False)[["persons", "persons_covered"]].sum()
    table = result.evaluation.by_service[["demand", "covered", "share", "weight"]].copy()
    table.insert(0, "group", [cfg.services[k].population for k in table.index])
    table.insert(1, "radius_m", [cfg.services[k].radius_m for k in table.index])
    table["persons"] = persons["persons"].reindex(table.index).to_numpy()
    table["persons_covered"] = persons["persons_covered"].reindex(table.index).to_numpy()
    return table


#: A plan's coverage is uneven when its least-covered service has under UNEVEN_RATIO of the best-covered one's share
#: and trails it by UNEVEN_POINTS or more (the district benchmark: elderly care 1.7 %, meals 70.3 %).
UNEVEN_RATIO, UNEVEN_POINTS = 0.25, 0.20


def uneven_coverage(result) -> tuple[str, str] | None:
    """(zh, en) note when one service's covered share trails another's far behind: why, and which keys change it.

    None when the shares are close, when fewer than two services have demand, or when the scenario already says
    how coverage is to be spread (a required share of the trailing service, or max_min_share as first objective).
    """
    cfg = result.scenario.config
    table = service_table(result)
    table = table[table["demand"] > 0]
    if len(table) < 2 or cfg.model.objectives[0] == "max_min_share":
        return None
    low, high = table["share"].idxmin(), table["share"].idxmax()
    a, b = float(table.at[low, "share"]), float(table.at[high, "share"])
    if a >= UNEVEN_RATIO * b or b - a < UNEVEN_POINTS or cfg.services[low].min_share > 0:
        return None
    (low_zh, low_en), (high_zh, high_en) = service_label(result, low), service_label(result, high)
    return (
        f"覆盖不均衡：{low_zh} 仅覆盖 {a:.1%}，{high_zh} 覆盖 {b:.1%}。目标把预算投向每元提高覆盖最多的服务。"
        f"如需均衡，可为 {low_zh} 设最低覆盖率（services.{low}.min_share），或将 max_min_share 列为 "
        "model.objectives 的第一个目标。",
        f"Uneven coverage: {low_en} is covered {a:.1%}, {high_en} {b:.1%}. The objective puts the money where it "
        f"raises coverage most per 元. To even it out, require a share of {low_en} (services.{low}.min_share) or "
        "put max_min_share first in model.objectives.",
    )


def district_table(result) -> pd.DataFrame:
    """Per district × service (sorted): demand and covered units, share, persons and persons covered."""
    by_group = result.evaluation.by_group
    columns = ["district", "service", "demand", "covered", "share", "persons", "persons_covered"]
    if by_group.empty:
        return pd.DataFrame(columns=columns)
    group_by = result.scenario.config.model.policy.group_by
    cov = _persons(result)
    cov["district"] = result.scenario.communities[group_by].fillna("").astype(str).reindex(cov["community"]).to_numpy()
    persons = cov.groupby(["district", "service"])[["persons", "persons_covered"]].sum()
    table = by_group.rename(columns={"group": "district"})
    key = pd.MultiIndex.from_frame(table[["district", "service"]])
    order = {k: i for i, k in enumerate(result.scenario.config.services)}
    table = table.assign(
        persons=persons["persons"].reindex(key).to_numpy(),
        persons_covered=persons["persons_covered"].reindex(key).to_numpy(),
        _s=table["service"].map(order),
    )
    return table.sort_values(["district", "_s"])[columns].reset_index(drop=True)


def mode_table(result) -> pd.DataFrame:
    """Per acquisition mode used (in MODES order): buildings, capex and annual cost in 元."""
    sel = selected_table(result)
    grouped = sel.groupby("mode").agg(
        buildings=("building", "size"), capex=("capex", "sum"), annual=("annual_cost", "sum")
    )
    return grouped.reindex([m for m in MODES if m in grouped.index])


def effective_yaml(scenario) -> str:
    """scenario.yaml of a run folder: the scenario as planned, overrides and --set values merged in."""
    applied = ", ".join(scenario.overrides) or "none"
    sets = "; ".join(scenario.sets) or "none"
    header = (
        f"# The scenario '{scenario.name}' as planned: every key written out, overrides ({applied}) and --set "
        f"values ({sets}) merged in.\n# Table paths are relative to the original scenario's folder "
        "(manifest.json: scenario_file). Its hash is plan.json's scenario_sha256.\n"
    )
    body = yaml.safe_dump(effective_document(scenario.config), allow_unicode=True, sort_keys=False, width=120)
    return header + body
